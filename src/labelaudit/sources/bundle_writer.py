"""Write pulled raw tables as a bundle folder the folder loader reads (CONTRACT section 1).

Shared by every ``labelaudit pull`` source (Label Studio, PRISM): it depends only on
:class:`RawTables`, so a source without optional dependencies can use it.

Files: ``judgments.jsonl`` (JSON Lines round-trips str, number, list and null labels
exactly, which a single Parquet column cannot), ``annotators.parquet``, ``items.parquet``,
``schema.yaml``, ``guidelines/instructions.html`` (sanitised: no scripts, styles or
event handlers) and ``source.json`` (provenance, skipped-row counts; never a key).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import nh3
import pandas as pd
import yaml

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables

_TABLE_STEMS = ("judgments", "annotators", "items")
_TABLE_SUFFIXES = (".jsonl", ".parquet", ".csv")


def sanitize_html(html: str) -> str:
    """Guideline HTML without scripts, styles, event handlers or external resources.

    Examples
    --------
    >>> sanitize_html('<p onclick="x()">Be <b>kind</b></p><script>alert(1)</script>')
    '<p>Be <b>kind</b></p>'
    """
    return nh3.clean(html, tags=nh3.ALLOWED_TAGS - {"img"}, url_schemes={"http", "https", "mailto"})


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _json_value(value.tolist())
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if value is pd.NaT:
        return None
    return value


def _parquet_safe(table: pd.DataFrame) -> pd.DataFrame:
    # task data may mix types in one key (3 in one task, "3" in another): Parquet needs one
    out = table.copy()
    for col in out.columns:
        if out[col].dtype != object:
            continue
        kinds = {type(v) for v in out[col] if v is not None and not _is_na(v)}
        if len(kinds) > 1 and not kinds <= {int, float}:
            out[col] = out[col].map(lambda v: None if v is None or _is_na(v) else str(v))
    return out


def _is_na(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _check_out_dir(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError([Problem(str(out_dir), "exists and is not a folder", fix="pick --out")])
    ours = out_dir / "source.json"
    stale = [
        p.name
        for stem in _TABLE_STEMS
        for suf in _TABLE_SUFFIXES
        if (p := out_dir / (stem + suf)).exists()
    ]
    if stale and not ours.exists():
        raise InputError(
            [
                Problem(
                    str(out_dir),
                    f"already holds bundle tables ({', '.join(stale)}) not written by a pull",
                    fix="write the pull to a new or empty folder",
                )
            ]
        )
    for name in stale:  # an earlier pull: replace it whole
        (out_dir / name).unlink()


def write_bundle(raw: RawTables, out_dir: Path) -> Path:
    """Write ``raw`` as a bundle folder and return its path.

    Parameters
    ----------
    raw : RawTables
        Tables from a source (a Label Studio pull or export, a PRISM conversion).
    out_dir : Path
        Folder to write (created when missing; an earlier pull there is replaced).

    Returns
    -------
    Path
        ``out_dir``.
    """
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "judgments.jsonl", "w", encoding="utf-8") as fh:
        cols = list(raw.judgments.columns)
        for row in raw.judgments.itertuples(index=False, name=None):
            rec = {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if raw.annotators is not None:
        _parquet_safe(raw.annotators).to_parquet(out_dir / "annotators.parquet", index=False)
    if raw.items is not None:
        _parquet_safe(raw.items).to_parquet(out_dir / "items.parquet", index=False)
    if raw.schema:
        with open(out_dir / "schema.yaml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(raw.schema, fh, sort_keys=False, allow_unicode=True)
    if raw.guidelines:
        gdir = out_dir / "guidelines"
        gdir.mkdir(exist_ok=True)
        for g in raw.guidelines:
            text = sanitize_html(g.text) if g.fmt == "html" else g.text
            (gdir / Path(g.name).name).write_text(text, encoding="utf-8")
    if isinstance(raw.target, dict):
        with open(out_dir / "target.yaml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(raw.target, fh, sort_keys=False, allow_unicode=True)
    source = {**_json_value_deep(raw.source), "skipped_rows": dict(raw.skipped_rows)}
    (out_dir / "source.json").write_text(
        json.dumps(source, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out_dir


def _json_value_deep(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_value_deep(v) for k, v in obj.items()}
    return _json_value(obj)
