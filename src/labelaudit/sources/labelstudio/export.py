"""Read Label Studio export files: JSON, JSON_MIN and CSV/TSV (format found from content).

* **JSON** (``exportType=JSON``): a list of tasks, each with ``data`` and ``annotations``
  (``completions`` in exports made before Label Studio 1.0). Lossless: cancelled
  annotations, ``updated_by`` and every result are there.
* **JSON_MIN**: one flat record per submitted annotation (task data, ``id``,
  ``annotator``, ``annotation_id``, ``created_at``, ``lead_time`` and one key per control).
  Label Studio drops cancelled annotations and results of unknown controls from it, and
  flattens a single choice to a bare string.
* **CSV / TSV**: the JSON_MIN records as rows; non-string values are JSON-encoded and task
  data keys that clash with a control name are prefixed ``_data_``.

Exports carry no label config; pass ``label_config`` (the project's XML) for an exact
schema. Without it the schema is left for the loader to infer.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawGuideline, RawTables
from labelaudit.sources.labelstudio.annotators import attach_annotator_metadata, metadata_emails
from labelaudit.sources.labelstudio.convert import _VALUE_KEYS, _result_type, tasks_to_raw
from labelaudit.sources.labelstudio.label_config import (
    CONTROL_RESULT_TYPES,
    LabelConfig,
    parse_label_config,
)

#: keys JSON_MIN/CSV add to every record besides task data and controls
_MIN_META = frozenset(
    {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement"}
)
_MIN_DROP = frozenset({"history"})

_FLAT_NOTES = [
    "{fmt} export: Label Studio leaves cancelled (skipped) annotations out of it, so skips "
    "are not counted",
    "{fmt} export: single choices are flattened to a bare string by Label Studio",
    "{fmt} export: 'updated_by' is not exported, so edits made on behalf of an annotator "
    "cannot be seen",
]


def _fail(path: Path, message: str, fix: str = "") -> InputError:
    return InputError([Problem(str(path), message, fix=fix)])


def detect_format(text: str) -> str:
    """Name the export format of a file's text: ``"JSON"``, ``"JSON_MIN"`` or ``"CSV"``.

    Examples
    --------
    >>> detect_format('[{"id": 1, "data": {}, "annotations": []}]')
    'JSON'
    >>> detect_format('[{"id": 1, "text": "hi", "annotator": 2, "sentiment": "pos"}]')
    'JSON_MIN'
    >>> detect_format('annotator,id,sentiment\\n2,1,pos\\n')
    'CSV'
    """
    head = text.lstrip()[:1]
    if head not in ("[", "{"):
        return "CSV"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return "JSON"  # reported as malformed JSON by the reader
    records = data if isinstance(data, list) else [data]
    for rec in records:
        if isinstance(rec, dict) and ("annotations" in rec or "completions" in rec):
            return "JSON"
    if any(isinstance(r, dict) and "annotator" in r for r in records):
        return "JSON_MIN"
    return "JSON"


def read_export(
    path: Path,
    *,
    label_config: str | None = None,
    annotators_file: Path | None = None,
    instructions: str | None = None,
    label_config_name: str = "label config",
) -> RawTables:
    """Read a Label Studio export file into raw tables.

    Parameters
    ----------
    path : Path
        A JSON, JSON_MIN, CSV or TSV export.
    label_config : str, optional
        The project's label config XML; gives the exact schema and tells task data from
        control keys in JSON_MIN/CSV exports.
    label_config_name : str
        Where the label config came from (its file), for messages.
    annotators_file : Path, optional
        Annotator metadata (CSV/Parquet/JSONL) keyed by ``annotator_id``/``user_id``/``id``.
    instructions : str, optional
        The project's instructions (HTML), kept as guideline ``instructions.html``.

    Returns
    -------
    RawTables
        ``source["format"]`` names the format found, ``source["notes"]`` what it lacks.

    Raises
    ------
    InputError
        Unreadable or malformed file (naming the file and the task position).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _fail(path, f"cannot read the export file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _fail(path, "the export file is not UTF-8 text", fix="re-export it") from None
    if not text.strip():
        raise _fail(path, "the export file is empty", fix="re-export the project")
    try:
        config = parse_label_config(label_config) if label_config else None
    except ValueError as exc:
        raise InputError(
            [
                Problem(
                    label_config_name,
                    str(exc),
                    fix="pass the project's label config XML "
                    "(Settings > Labeling Interface > Code in Label Studio)",
                )
            ]
        ) from None
    fmt = detect_format(text)
    where = str(path)
    emails = metadata_emails(annotators_file)
    if fmt == "JSON":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(
                path,
                f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                fix="re-export the project; the file may be truncated",
            ) from None
        except RecursionError:
            raise _fail(
                path,
                "nested too deeply to read (far deeper than any Label Studio export)",
                fix="re-export the project from Label Studio",
            ) from None
        tasks = data if isinstance(data, list) else [data]
        raw = tasks_to_raw(tasks, config=config, where=where, emails=emails)
        if any(isinstance(t, dict) and "completions" in t for t in tasks):
            raw.source["notes"].append("old export format: 'completions' read as annotations")
    else:
        records = _json_min_records(path, text) if fmt == "JSON_MIN" else _csv_records(text)
        tasks = _records_to_tasks(records, config, path)
        raw = tasks_to_raw(tasks, config=config, where=where, emails=emails)
        raw.source["notes"].extend(n.format(fmt=fmt) for n in _FLAT_NOTES)
        if config is None:
            raw.source["notes"].append(
                f"{fmt} export read without the label config: keys holding one string per "
                "task were taken as task data, so single-choice fields may be missed"
            )
    raw.source.update({"kind": "labelstudio-export", "format": fmt, "path": path.name})
    raw.files["judgments"] = where
    if instructions:
        raw.guidelines.append(RawGuideline("instructions.html", instructions, "html"))
    attach_annotator_metadata(raw, annotators_file, emails)
    return raw


def _json_min_records(path: Path, text: str) -> list[dict]:
    data = json.loads(text)
    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise _fail(path, f"task {i} (0-based position in the file): not an object")
    return records


def _csv_records(text: str) -> list[dict]:
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    out = []
    for row in reader:
        rec: dict[str, Any] = {}
        for key, val in row.items():
            if key is None or val is None or val == "":
                continue
            if key.startswith("_data_"):
                rec[key] = val
                continue
            if val[:1] in ("[", "{"):
                with contextlib.suppress(json.JSONDecodeError, RecursionError):
                    val = json.loads(val)
            rec[key] = val
        out.append(rec)
    return out


def _looks_like_result(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k in value for k in _VALUE_KEYS.values())
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _label_keys(records: list[dict], config: LabelConfig | None) -> set[str]:
    keys = {k for r in records for k in r} - _MIN_META - _MIN_DROP
    if config is not None:
        return keys & set(config.schema["fields"])
    labels = {k for r in records for k, v in r.items() if k in keys and _looks_like_result(v)}
    # task data is copied into every record of its task; a key that differs between two
    # records of one task, or is missing from some, is a judgment
    by_task: dict[Any, list[dict]] = {}
    for r in records:
        by_task.setdefault(r.get("id"), []).append(r)
    for group in by_task.values():
        for k in keys - labels:
            vals = [json.dumps(r.get(k, "\0missing"), sort_keys=True) for r in group]
            if len(set(vals)) > 1:
                labels.add(k)
    return labels


def _to_results(name: str, value: Any, config: LabelConfig | None) -> list[dict]:
    control = config.controls.get(name) if config else None
    rtype = CONTROL_RESULT_TYPES.get(control) if control else None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        rtype = rtype or "choices"
        key = _VALUE_KEYS[rtype]
        inner: Any = [value] if rtype in ("choices", "labels", "textarea") else value
        return [{"from_name": name, "type": rtype, "value": {key: inner}}]
    regions = value if isinstance(value, list) else [value]
    out = []
    for region in regions:
        if not isinstance(region, dict):
            continue
        res = {"from_name": name, "value": region}
        res["type"] = rtype or _result_type(res) or "unknown"
        out.append(res)
    return out


def _records_to_tasks(records: list[dict], config: LabelConfig | None, path: Path) -> list[dict]:
    found = _label_keys(records, config)
    # first-seen order keeps judgment rows in a stable, file-like order
    label_keys = [k for k in dict.fromkeys(k for r in records for k in r) if k in found]
    tasks: dict[Any, dict] = {}
    for i, rec in enumerate(records):
        if rec.get("id") is None:
            raise _fail(path, f"task {i} (0-based position in the file): no 'id'")
        task = tasks.get(rec["id"])
        if task is None:
            data = {}
            for k, v in rec.items():
                if k in label_keys or k in _MIN_META or k in _MIN_DROP:
                    continue
                data[k.removeprefix("_data_")] = v
            task = tasks[rec["id"]] = {"id": rec["id"], "data": data, "annotations": []}
        annotator = rec.get("annotator")
        if annotator in (None, "", {}) and rec.get("annotation_id") in (None, ""):
            continue  # a task nobody annotated: an item, no judgment
        if isinstance(annotator, str) and "@" in annotator:
            annotator = {"email": annotator}
        lead = rec.get("lead_time")
        try:
            lead = float(lead) if lead not in (None, "") else None
        except (TypeError, ValueError):
            lead = None
        results = [r for k in label_keys if k in rec for r in _to_results(k, rec[k], config)]
        task["annotations"].append(
            {
                "id": rec.get("annotation_id"),
                "completed_by": annotator,
                "created_at": rec.get("created_at"),
                "lead_time": lead,
                "result": results,
            }
        )
    return list(tasks.values())
