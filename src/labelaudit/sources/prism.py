"""Read the PRISM alignment data layout (Kirk et al. 2024) as pairwise preferences.

PRISM (https://huggingface.co/datasets/HannahRoseKirk/prism-alignment, code at
https://github.com/HannahKirk/prism-alignment) publishes ``utterances.jsonl`` in long
format: one row per model response within one conversation turn, with

- ``user_id``: the participant (the rater; PRISM raters rate their own conversations),
- ``conversation_id``, ``turn`` (0-based) and ``within_turn_id`` (position of the
  response within the turn: four models in the opening turn, two samples later),
- ``model_name`` (and ``model_provider``), ``user_prompt``, ``model_response``,
- ``score``: the participant's 1-100 rating of that response ("Terrible" to "Perfect"),
- ``if_chosen``: whether the conversation continued with this response,
- also ``utterance_id``, ``interaction_id``, ``conversation_type``,
  ``included_in_balanced_subset``.

``survey.jsonl`` has one row per participant: ``user_id``, ``age`` (bands), ``gender``,
``education``, ``employment_status``, ``marital_status``, ``english_proficiency``,
``religion`` and ``ethnicity`` (dicts with a ``simplified`` key), and ``location``, a
dict with ``birth_country``, ``birth_region``, ``reside_country``, ``reside_region``,
``reside_subregion``... Flattened exports with those keys as columns are read too.

Conversion: every pair of rated responses in one turn becomes one comparison item
``{conversation_id}:{turn}:{within_turn_id_a}-{within_turn_id_b}`` with the lower
``within_turn_id`` as response A. The label of field ``preference`` is ``a`` when A
scored higher, ``b`` when B did, ``tie`` on equal scores. ``within_turn_id`` order is
taken as display order (``shown_first = "a"``): that is an assumption about the
PRISM interface, so read position-bias figures on PRISM with care. Each comparison has
one rater (the participant), so agreement statistics do not apply to it. Items carry
``model_a`` and ``model_b``: with ``preference_unit = "model_pair"`` the preference
analysis pools every judgment of the same two models into one decision, so groups can
be compared on which model they prefer.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pandas as pd

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables

UTTERANCE_COLUMNS = ("conversation_id", "user_id", "turn", "within_turn_id", "score")
FIELD = "preference"
SCHEMA = {"fields": {FIELD: {"level": "ordinal", "kind": "pairwise", "values": ["a", "tie", "b"]}}}
#: survey keys copied to annotator attributes (after flattening ``location`` etc.)
SURVEY_ATTRIBUTES = {
    "gender": "gender",
    "age": "age",
    "reside_region": "region",
    "reside_subregion": "subregion",
    "reside_country": "reside_country",
    "birth_region": "birth_region",
    "religion_simplified": "religion",
    "ethnicity_simplified": "ethnicity",
    "english_proficiency": "english_proficiency",
    "education": "education",
}


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet" or path.is_dir():
        return pd.read_parquet(path)
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_json(path, lines=True, dtype=False)


def read_prism(utterances_path: str | Path, survey_path: str | Path | None = None) -> RawTables:
    """Convert PRISM ``utterances`` (and optionally ``survey``) into :class:`RawTables`.

    Raises
    ------
    InputError
        When a file cannot be read or lacks a required column (the message names it).
    """
    upath = Path(utterances_path)
    try:
        utt = _read_table(upath)
    except (OSError, ValueError) as exc:
        raise InputError(
            [
                Problem(
                    str(upath),
                    f"cannot read PRISM utterances: {exc}",
                    fix="pass utterances.jsonl (JSON Lines), .csv or .parquet",
                )
            ]
        ) from None
    missing = [c for c in UTTERANCE_COLUMNS if c not in utt.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    str(upath),
                    f"not the PRISM utterances layout: missing {', '.join(missing)}",
                    column=missing[0],
                    fix="use utterances.jsonl from HannahRoseKirk/prism-alignment",
                )
            ]
        )
    judgments, items, skipped = _pairs(utt)
    annotators = None
    files = {"judgments": str(upath), "items": str(upath)}
    if survey_path is not None:
        spath = Path(survey_path)
        annotators = read_prism_survey(spath)
        files["annotators"] = str(spath)
    return RawTables(
        judgments=judgments,
        annotators=annotators,
        items=items,
        schema=SCHEMA,
        files=files,
        source={"format": "prism", "utterances": upath.name},
        skipped_rows=skipped,
    )


def _pairs(utt: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    skipped: dict[str, int] = {}
    score = pd.to_numeric(utt["score"], errors="coerce")
    if (n := int(score.isna().sum())) > 0:
        skipped["utterance without a score"] = n
    utt = utt.assign(score=score)[score.notna()]
    jrows: list[dict] = []
    irows: list[dict] = []
    singles = 0
    for (conv, turn), part in utt.groupby(["conversation_id", "turn"], sort=True):
        part = part.sort_values("within_turn_id")
        if len(part) < 2:
            singles += 1
            continue
        recs = part.to_dict(orient="records")
        for a, b in combinations(recs, 2):
            item_id = f"{conv}:{turn}:{a['within_turn_id']}-{b['within_turn_id']}"
            diff = a["score"] - b["score"]
            label = "a" if diff > 0 else ("b" if diff < 0 else "tie")
            jrows.append({"item_id": item_id, "annotator_id": str(a["user_id"]),
                          "field": FIELD, "label": label})  # fmt: skip
            irows.append({
                "item_id": item_id,
                "conversation_id": str(conv),
                "turn": int(turn),
                "prompt": a.get("user_prompt"),
                "response_a": a.get("model_response"),
                "response_b": b.get("model_response"),
                "model_a": a.get("model_name"),
                "model_b": b.get("model_name"),
                "shown_first": "a",
            })  # fmt: skip
    if singles:
        skipped["turn with a single rated response (nothing to compare)"] = singles
    judgments = pd.DataFrame(jrows, columns=["item_id", "annotator_id", "field", "label"])
    items = pd.DataFrame(irows)
    return judgments, items, skipped


def read_prism_survey(path: Path) -> pd.DataFrame:
    """PRISM ``survey`` rows as an annotators table (``annotator_id`` + demographics)."""
    try:
        survey = _read_table(path)
    except (OSError, ValueError) as exc:
        raise InputError(
            [
                Problem(
                    str(path),
                    f"cannot read PRISM survey: {exc}",
                    fix="pass survey.jsonl (JSON Lines), .csv or .parquet",
                )
            ]
        ) from None
    if "user_id" not in survey.columns:
        raise InputError(
            [
                Problem(
                    str(path),
                    "not the PRISM survey layout: no user_id column",
                    column="user_id",
                    fix="use survey.jsonl from HannahRoseKirk/prism-alignment",
                )
            ]
        )
    flat = _flatten(survey)
    out = pd.DataFrame({"annotator_id": survey["user_id"].astype(str)})
    for src, dst in SURVEY_ATTRIBUTES.items():
        if src in flat.columns:
            out[dst] = flat[src].where(flat[src].notna(), None)
    return out


def _flatten(survey: pd.DataFrame) -> pd.DataFrame:
    """Spread dict-valued columns: ``location`` keys as they are, others as ``col_key``."""
    flat = survey.copy()
    for col in list(survey.columns):
        if not survey[col].map(lambda v: isinstance(v, dict)).any():
            continue
        keys = sorted({k for v in survey[col] if isinstance(v, dict) for k in v})
        for k in keys:
            name = k if col == "location" else f"{col}_{k}"
            flat[name] = survey[col].map(lambda v, k=k: v.get(k) if isinstance(v, dict) else None)
    return flat
