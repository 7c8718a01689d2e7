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

A row without ``conversation_id``, ``user_id``, ``turn`` or ``within_turn_id``, or one
repeating a response position, is bad input (:class:`InputError` naming the rows):
it cannot be placed without guessing. Utterances without a numeric score, and turns
left with fewer than two rated responses or naming two raters, are counted in
``skipped_rows``. ``balanced_only`` keeps the rows flagged
``included_in_balanced_subset``; what it leaves out is counted in ``source["left_out"]``.
``labelaudit pull prism`` writes the result as a bundle folder.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pandas as pd

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables
from labelaudit.sources.files import read_table

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


def _read(path: Path, role: str) -> pd.DataFrame:
    """One PRISM table (JSON Lines, CSV or Parquet); any failure is one named problem."""
    if not path.exists():
        raise InputError(
            [
                Problem(
                    str(path),
                    f"PRISM {role} file not found",
                    fix=f"check the path; download {role}.jsonl from "
                    "HannahRoseKirk/prism-alignment on Hugging Face",
                )
            ]
        )
    problems: list[Problem] = []
    # the bundle reader's table reader: JSON Lines errors name the line, and files
    # other than .jsonl/.csv/.parquet are refused with the extensions to use
    table = read_table(path, role, problems)
    if table is None:
        raise InputError(problems)
    if table.empty:
        raise InputError(
            [
                Problem(
                    str(path),
                    f"the PRISM {role} file holds no rows",
                    fix=f"re-download {role}.jsonl from HannahRoseKirk/prism-alignment",
                )
            ]
        )
    return table


def read_prism(
    utterances_path: str | Path,
    survey_path: str | Path | None = None,
    *,
    balanced_only: bool = False,
) -> RawTables:
    """Convert PRISM ``utterances`` (and optionally ``survey``) into :class:`RawTables`.

    Parameters
    ----------
    utterances_path : str or Path
        ``utterances.jsonl`` (or a ``.csv``/``.parquet`` copy, or a Parquet folder).
    survey_path : str or Path, optional
        ``survey.jsonl``: its rows become the annotators table (demographics).
    balanced_only : bool
        Keep only rows flagged ``included_in_balanced_subset`` (utterances, and survey
        rows when the survey has the flag). The rows left out are counted in
        ``source["left_out"]``.

    Raises
    ------
    InputError
        When a file cannot be read, lacks a required column, or a row lacks a key
        (the message names the file, the column and the rows).
    """
    upath = Path(utterances_path)
    utt = _read(upath, "utterances")
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
    utt = _checked_keys(utt, upath)
    left_out: dict[str, int] = {}
    if balanced_only:
        utt, n = _balanced(utt, upath, required=True)
        left_out["utterances outside the balanced subset"] = n
    judgments, items, skipped = _pairs(utt)
    annotators = None
    files = {"judgments": str(upath), "items": str(upath)}
    if survey_path is not None:
        spath = Path(survey_path)
        annotators = read_prism_survey(spath, balanced_only=balanced_only, left_out=left_out)
        files["annotators"] = str(spath)
    source: dict = {"format": "prism", "utterances": upath.name}
    if survey_path is not None:
        source["survey"] = Path(survey_path).name
    if balanced_only:
        source["balanced_only"] = True
        source["left_out"] = left_out
    return RawTables(
        judgments=judgments,
        annotators=annotators,
        items=items,
        schema=SCHEMA,
        files=files,
        source=source,
        skipped_rows=skipped,
    )


def _checked_keys(utt: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Utterances whose keys place them in one turn; otherwise every problem, together.

    A row without its conversation, turn, position or rater cannot be placed in any
    comparison, and guessing would invent judgments: that is bad input, not a skip.
    """
    problems: list[Problem] = []
    fix = (
        "every utterance needs conversation_id, user_id, turn and within_turn_id; "
        "re-download utterances.jsonl"
    )
    for col in ("conversation_id", "user_id", "turn", "within_turn_id"):
        absent = utt[col].isna()
        if col in ("turn", "within_turn_id"):
            num = pd.to_numeric(utt[col], errors="coerce")
            bad = (num.isna() | (num % 1 != 0)) & ~absent
            if bad.any():
                problems.append(
                    Problem(str(path), f"{col} must be a whole number", column=col,
                            rows=_rows(bad), fix=f"write {col} as 0, 1, 2, ...")
                )  # fmt: skip
            utt = utt.assign(**{col: num})
        if absent.any():
            problems.append(
                Problem(str(path), f"{int(absent.sum())} utterance(s) without {col}",
                        column=col, rows=_rows(absent), fix=fix)
            )  # fmt: skip
    if problems:
        raise InputError(problems)
    utt = utt.assign(turn=utt["turn"].astype(int), within_turn_id=utt["within_turn_id"].astype(int))
    dup = utt.duplicated(["conversation_id", "turn", "within_turn_id"], keep=False)
    if dup.any():
        raise InputError(
            [
                Problem(
                    str(path),
                    "the same response position appears more than once in a turn "
                    "(conversation_id, turn, within_turn_id repeat)",
                    column="within_turn_id",
                    rows=_rows(dup),
                    fix="keep one row per response; a merged or appended download repeats rows",
                )
            ]
        )
    return utt


def _rows(mask: pd.Series) -> list[int]:
    """1-based data row numbers where ``mask`` holds (the first ten)."""
    return [int(i) + 1 for i in mask.to_numpy().nonzero()[0][:10]]


def _balanced(table: pd.DataFrame, path: Path, required: bool) -> tuple[pd.DataFrame, int]:
    """Rows flagged ``included_in_balanced_subset`` and how many were left out."""
    col = "included_in_balanced_subset"
    if col not in table.columns:
        if not required:
            return table, 0
        raise InputError(
            [
                Problem(
                    str(path),
                    "the balanced subset was asked for but the file has no such flag",
                    column=col,
                    fix="drop --balanced-only, or use utterances.jsonl from the PRISM "
                    "release (it carries the flag)",
                )
            ]
        )
    # JSON gives booleans, a CSV copy gives "True"/"true"/"1"; an unset flag is not "in"
    keep = table[col].map(lambda v: v is True or str(v).strip().lower() in ("true", "1"))
    return table[keep.astype(bool)], int((~keep.astype(bool)).sum())


def _pairs(utt: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Every pair of rated responses in a turn as one judgment and one item."""
    skipped: dict[str, int] = {}
    score = pd.to_numeric(utt["score"], errors="coerce")
    if (n := int(utt["score"].isna().sum())) > 0:
        skipped["utterance without a score"] = n
    if (n := int((score.isna() & utt["score"].notna()).sum())) > 0:
        skipped["utterance whose score is not a number"] = n
    utt = utt.assign(score=score)[score.notna()]
    jrows: list[dict] = []
    irows: list[dict] = []
    singles = mixed = 0
    for (conv, turn), part in utt.groupby(["conversation_id", "turn"], sort=True):
        part = part.sort_values("within_turn_id")
        if len(part) < 2:
            singles += 1
            continue
        if part["user_id"].astype(str).nunique() > 1:
            # PRISM participants rate their own turns: two raters in one turn means
            # the rows were mixed up, and no single rater can be named for a pair
            mixed += 1
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
    if mixed:
        skipped["turn whose responses name more than one user_id"] = mixed
    judgments = pd.DataFrame(jrows, columns=["item_id", "annotator_id", "field", "label"])
    items = pd.DataFrame(irows)
    return judgments, items, skipped


def read_prism_survey(
    path: Path, *, balanced_only: bool = False, left_out: dict[str, int] | None = None
) -> pd.DataFrame:
    """PRISM ``survey`` rows as an annotators table (``annotator_id`` + demographics).

    With ``balanced_only`` and a survey carrying ``included_in_balanced_subset``, only
    flagged participants are kept (the others would sit in the rater pool with no
    judgments); the count left out is added to ``left_out``.
    """
    survey = _read(Path(path), "survey")
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
    if (absent := survey["user_id"].isna()).any():
        raise InputError(
            [
                Problem(
                    str(path),
                    f"{int(absent.sum())} survey row(s) without user_id",
                    column="user_id",
                    rows=_rows(absent),
                    fix="every participant row needs its user_id; re-download survey.jsonl",
                )
            ]
        )
    flat = _flatten(survey)
    if not any(src in flat.columns for src in SURVEY_ATTRIBUTES):
        # e.g. utterances.jsonl passed as the survey: it has user_id but no demographics,
        # and a pool without attributes would silently disable every group comparison
        raise InputError(
            [
                Problem(
                    str(path),
                    "not the PRISM survey layout: no demographic keys (gender, age, "
                    "location, religion, ethnicity, education, ...)",
                    fix="pass survey.jsonl from HannahRoseKirk/prism-alignment as --survey",
                )
            ]
        )
    if balanced_only:
        flat, n = _balanced(flat, Path(path), required=False)
        if left_out is not None and "included_in_balanced_subset" in flat.columns:
            left_out["survey rows outside the balanced subset"] = n
    flat = flat.reset_index(drop=True)
    out = pd.DataFrame({"annotator_id": flat["user_id"].astype(str)})
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
