"""Turn Label Studio tasks (with their annotations) into :class:`RawTables`.

Both routes end here: the live pull (tasks listed through the SDK) and a full JSON
export (the same task dicts written to a file). One judgment row is written per
annotation result. Results that break the label config are passed through unchanged so
the loader reports them as ``data`` findings; only results that cannot be judgments at
all (free text, unsupported region types, empty values) are counted in ``skipped_rows``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables
from labelaudit.sources.labelstudio.label_config import LabelConfig

JUDGMENT_COLUMNS = [
    "item_id",
    "annotator_id",
    "field",
    "label",
    "created_at",
    "lead_time_s",
    "on_behalf",
]

#: result ``type`` -> key of ``value`` that holds the judgment
_VALUE_KEYS = {
    "choices": "choices",
    "labels": "labels",
    "rating": "rating",
    "number": "number",
    "pairwise": "selected",
    "ranker": "ranker",
    "textarea": "text",
}
_LIST_TYPES = frozenset({"choices", "labels"})
_NUMERIC_TYPES = frozenset({"rating", "number"})


def as_dict(obj: Any) -> Any:
    """A plain dict from an SDK (pydantic) object, or the object itself."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "dict") and not isinstance(obj, dict):
        return obj.dict()
    return obj


def _user_id(user: Any, emails: Mapping[str, str]) -> str | None:
    """Annotator id from ``completed_by``/``updated_by`` (an int or a user object)."""
    if user is None or user == {}:
        return None
    if isinstance(user, Mapping):
        if user.get("id") is not None:
            if user.get("email") and isinstance(emails, dict):
                # remembered only to match an email-keyed metadata file; never stored
                emails.setdefault(str(user["email"]).strip().lower(), str(user["id"]))
            return str(user["id"])
        email = user.get("email")
        if email:
            known = emails.get(str(email).strip().lower())
            if known is not None:
                return known
            # an email must not become an id: keep a stable, non-reversible stand-in
            return "user-" + hashlib.sha256(str(email).strip().lower().encode()).hexdigest()[:12]
        return None
    if isinstance(user, float) and user.is_integer():
        return str(int(user))
    return str(user)


def _result_type(result: Mapping) -> str | None:
    rtype = result.get("type")
    if rtype:
        return str(rtype).lower()
    value = result.get("value") or {}
    for rt, key in _VALUE_KEYS.items():
        if key in value:
            return rt
    return None


def _extract(rtype: str, value: Mapping) -> Any:
    """The raw judgment of one result, or None when the result holds none."""
    key = _VALUE_KEYS[rtype]
    raw = value.get(key)
    if raw is None:
        return None
    if rtype in _LIST_TYPES:
        vals = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        return vals or None
    if rtype in _NUMERIC_TYPES:
        try:
            return float(raw)
        except (TypeError, ValueError):
            return str(raw)
    if rtype == "ranker":
        if isinstance(raw, Mapping):  # buckets -> ids, in bucket order
            return [str(v) for bucket in raw.values() for v in (bucket or [])] or None
        return [str(v) for v in raw] or None
    return str(raw)


class _Converter:
    def __init__(self, config: LabelConfig | None, where: str, emails: Mapping[str, str]):
        self.config = config
        self.fields: dict[str, dict] = dict(config.schema["fields"]) if config else {}
        self.where = where
        self.emails = emails
        self.rows: list[dict] = []
        self.items: list[dict] = []
        self.skipped: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.problems: list[Problem] = []
        self.cancelled: list[tuple[str, str, Any, float | None, bool]] = []
        self.seen_fields: dict[str, None] = {}
        self.stand_ins: set[str] = set()

    def problem(self, index: int, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(
                Problem(
                    self.where,
                    f"task {index} (0-based position in the file): {message}",
                    fix="re-export the project from Label Studio, or fix that task by hand",
                )
            )

    def task(self, index: int, task: Any) -> None:
        task = as_dict(task)
        if not isinstance(task, Mapping):
            self.problem(index, f"expected a task object, found {type(task).__name__}")
            return
        if task.get("id") is None:
            self.problem(index, "the task has no 'id'")
            return
        data = task.get("data", {})
        if not isinstance(data, Mapping):
            self.problem(index, "'data' is not an object")
            return
        item_id = str(task["id"])
        item = {"item_id": item_id}
        for key, val in data.items():
            if key == "item_id":
                continue
            item[key] = json.dumps(val, ensure_ascii=False) if isinstance(val, dict | list) else val
        self.items.append(item)
        annotations = task.get("annotations")
        if annotations is None:
            annotations = task.get("completions", [])  # exports before Label Studio 1.0
        if not isinstance(annotations, list):
            self.problem(index, "'annotations' is not a list")
            return
        for ann in annotations:
            self.annotation(index, item_id, as_dict(ann))

    def annotation(self, index: int, item_id: str, ann: Any) -> None:
        if not isinstance(ann, Mapping):
            self.problem(index, "an annotation is not an object")
            return
        completed_by = ann.get("completed_by")
        annotator = _user_id(completed_by, self.emails)
        if (
            annotator is not None
            and annotator.startswith("user-")
            and isinstance(completed_by, Mapping)
        ):
            # named by email only: the same person may also appear under a numeric id
            self.stand_ins.add(annotator)
        if annotator is None:
            self.problem(index, f"annotation {ann.get('id')} has no 'completed_by'")
            return
        editor = _user_id(ann.get("updated_by"), self.emails)
        on_behalf = editor is not None and editor != annotator
        created = _timestamp(ann.get("created_at"))
        lead = ann.get("lead_time")
        lead = float(lead) if isinstance(lead, int | float) else None
        results = ann.get("result") or []
        if not isinstance(results, list):
            self.problem(index, f"annotation {ann.get('id')}: 'result' is not a list")
            return
        if ann.get("was_cancelled") or ann.get("skipped"):
            self.counts["cancelled_annotations"] += 1
            if results:
                self.skipped["cancelled_annotation_result"] += len(results)
            self.cancelled.append((item_id, annotator, created, lead, on_behalf))
            return
        n_before = len(self.rows)
        for res in results:
            self.result(index, item_id, annotator, created, lead, on_behalf, res)
        if not results:
            self.skipped["empty_annotation"] += 1
        elif len(self.rows) == n_before:
            self.counts["annotations_without_scored_result"] += 1

    def result(self, index, item_id, annotator, created, lead, on_behalf, res) -> None:
        if not isinstance(res, Mapping):
            self.problem(index, "an annotation result is not an object")
            return
        name = res.get("from_name")
        rtype = _result_type(res)
        if rtype == "textarea":
            self.skipped["textarea_result"] += 1
            return
        if rtype not in _VALUE_KEYS or not name:
            self.skipped[f"unsupported_result:{rtype or 'unknown'}"] += 1
            return
        label = _extract(rtype, res.get("value") or {})
        if label is None:
            self.skipped["empty_result"] += 1
            return
        spec = self.fields.get(name)
        if self.config is not None and spec is None:
            self.counts["unknown_from_name"] += 1
        if isinstance(label, list) and rtype in _LIST_TYPES:
            kind = spec.get("kind") if spec else None
            if kind == "multi":
                pass
            elif len(label) == 1:
                label = label[0]
            elif kind == "single":
                self.counts["multiple_values_on_single_choice"] += 1
        if spec and spec.get("values") and _outside(label, spec["values"]):
            self.counts["unknown_value"] += 1
        self.seen_fields.setdefault(name, None)
        self.rows.append(
            {
                "item_id": item_id,
                "annotator_id": annotator,
                "field": name,
                "label": label,
                "created_at": created,
                "lead_time_s": lead,
                "on_behalf": on_behalf,
            }
        )

    def scored_fields(self) -> list[str]:
        if self.config is not None:
            return [f for f, s in self.fields.items() if s.get("kind") != "text"]
        return list(self.seen_fields)

    def finish(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.problems:
            raise InputError(self.problems)
        # a cancelled (skipped) annotation is a skipped judgment of every scored field
        for item_id, annotator, created, lead, on_behalf in self.cancelled:
            for name in self.scored_fields():
                self.rows.append(
                    {
                        "item_id": item_id,
                        "annotator_id": annotator,
                        "field": name,
                        "label": None,
                        "created_at": created,
                        "lead_time_s": lead,
                        "on_behalf": on_behalf,
                    }
                )
        if self.config is None:
            _listify_multi_fields(self.rows)
        judgments = pd.DataFrame(self.rows, columns=JUDGMENT_COLUMNS)
        judgments["created_at"] = pd.to_datetime(judgments["created_at"], utc=True).astype(
            "datetime64[ns, UTC]"
        )
        judgments["lead_time_s"] = judgments["lead_time_s"].astype("float64")
        judgments["on_behalf"] = judgments["on_behalf"].astype(bool)
        judgments["label"] = judgments["label"].astype(object)
        items = pd.DataFrame(self.items)
        if items.empty:
            items = pd.DataFrame({"item_id": pd.Series([], dtype=object)})
        items = items.drop_duplicates("item_id", keep="first").reset_index(drop=True)
        return judgments, items


def _outside(label: Any, values: list) -> bool:
    """True when a label (or one of its values) is not among the schema's values."""
    if isinstance(label, float):
        return label not in {float(v) for v in values if isinstance(v, int | float)}
    allowed = {str(v) for v in values}
    got = label if isinstance(label, list) else [label]
    return any(str(v) not in allowed for v in got)


def _timestamp(value: Any) -> pd.Timestamp | None:
    # exports before Label Studio 1.0 wrote created_at as Unix seconds
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return pd.Timestamp(value, unit="s", tz="UTC")
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _listify_multi_fields(rows: list[dict]) -> None:
    # without a label config, a field that ever holds several choices is multi-choice:
    # give all its labels the same (list) shape
    multi = {r["field"] for r in rows if isinstance(r["label"], list)}
    for r in rows:
        if r["field"] in multi and isinstance(r["label"], str):
            r["label"] = [r["label"]]


def tasks_to_raw(
    tasks: Iterable[Any],
    *,
    config: LabelConfig | None,
    where: str,
    emails: dict[str, str] | None = None,
) -> RawTables:
    """Convert Label Studio task dicts (full JSON export shape) into raw tables.

    Parameters
    ----------
    tasks : iterable of dict
        Tasks with ``id``, ``data`` and ``annotations`` (or the pre-1.0 ``completions``).
    config : LabelConfig or None
        The parsed label config; without it the schema is left to inference (None).
    where : str
        Name of the file or server, used in error messages.
    emails : dict, optional
        Lower-cased email -> user id, to resolve ``completed_by`` objects without an id.
        Pairs seen in ``completed_by`` objects are added to it (for the metadata join).

    Returns
    -------
    RawTables
        ``source`` holds ``counts`` (cancelled annotations and label-config breaches) and
        ``notes``; ``skipped_rows`` counts results that could not become judgments.

    Raises
    ------
    InputError
        Naming the task position for every malformed task (up to 20).

    Examples
    --------
    >>> raw = tasks_to_raw(
    ...     [{"id": 7, "data": {"text": "hi"}, "annotations": [{"completed_by": 3,
    ...       "result": [{"from_name": "tox", "type": "choices",
    ...                   "value": {"choices": ["toxic"]}}]}]}],
    ...     config=None, where="demo.json")
    >>> raw.judgments[["item_id", "annotator_id", "field", "label"]].values.tolist()
    [['7', '3', 'tox', 'toxic']]
    """
    conv = _Converter(config, where, emails if emails is not None else {})
    for index, task in enumerate(tasks):
        conv.task(index, task)
    judgments, items = conv.finish()
    annotators = pd.DataFrame(
        {"annotator_id": pd.Series(pd.unique(judgments["annotator_id"]), dtype=object)}
    )
    notes = list(config.notes) if config else []
    if conv.stand_ins:
        notes.append(
            f"{len(conv.stand_ins)} annotator(s) are named only by email in the export and got "
            "a stand-in id (user-...); one person may then appear under two ids: give an "
            "annotators file with both user_id and email to map them"
        )
    return RawTables(
        judgments=judgments,
        annotators=annotators,
        items=items,
        schema=config.schema if config else None,
        skipped_rows=dict(sorted(conv.skipped.items())),
        source={"counts": dict(sorted(conv.counts.items())), "notes": notes},
    )
