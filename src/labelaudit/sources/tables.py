"""One table file read into pandas: Parquet (a file or a dataset folder), CSV, JSON Lines.

Problems are appended to a list, never raised, so every broken file is reported in one
run. What pandas or pyarrow would paper over is a problem here: a column name given
twice (pandas renames the second ``label.1``; JSON keeps the last of two equal keys),
an empty file, a line nested so deeply that the JSON parser would overflow.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from labelaudit.errors import Problem

TABLE_EXTS = (".parquet", ".csv", ".jsonl")


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _twice(names: list[str], path: Path, role: str, problems: list[Problem]) -> bool:
    """Append a problem (and return True) when a column name occurs more than once."""
    dupes = [n for n, k in Counter(names).items() if k > 1]
    if dupes:
        problems.append(
            Problem(
                str(path),
                f"the {role} table has column {dupes[0]!r} twice"
                + (f" (and {len(dupes) - 1} more names)" if len(dupes) > 1 else ""),
                column=str(dupes[0]),
                fix="give every column its own name (rename or drop the copy)",
            )
        )
    return bool(dupes)


def read_table(path: Path, role: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read one table; on failure append a Problem naming the file and return None."""
    if not path.exists():
        problems.append(Problem(str(path), f"{role} table not found", fix="check the path"))
        return None
    kind = "Parquet" if path.suffix == ".parquet" or path.is_dir() else path.suffix[1:].upper()
    try:
        if path.is_dir():
            return _parquet_folder(path, role, problems)
        if path.stat().st_size == 0:
            problems.append(
                Problem(str(path), f"the {role} file is empty",
                        fix=f"export the {role} with a header row and data rows")
            )  # fmt: skip
            return None
        if path.suffix == ".parquet":
            if _twice(pq.read_schema(str(path)).names, path, role, problems):
                return None
            return _to_pandas(ds.dataset(str(path), format="parquet").to_table(), role)
        if path.suffix == ".csv":
            return _csv(path, role, problems)
        if path.suffix == ".jsonl":
            return _jsonl(path, role, problems)
    except (pa.ArrowInvalid, pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        problems.append(
            Problem(
                str(path),
                f"cannot read the {role} table as {kind}: {msg}",
                fix=f"re-export {path.name} as valid {kind} (UTF-8 for text formats)",
            )
        )
        return None
    problems.append(
        Problem(
            str(path),
            f"unsupported file type {path.suffix!r} for the {role} table",
            fix=f"use {role}.parquet, {role}.csv or {role}.jsonl",
        )
    )
    return None


def _parquet_folder(path: Path, role: str, problems: list[Problem]) -> pd.DataFrame | None:
    files = list(path.rglob("*.parquet"))
    if not files:
        problems.append(
            Problem(
                str(path),
                f"the {role} table is a folder with no .parquet files",
                fix="a folder table must be a Parquet dataset; name a CSV or JSONL file itself",
            )
        )
        return None
    if _twice(pq.read_schema(str(min(files))).names, path, role, problems):
        return None
    table = ds.dataset(str(path), format="parquet", partitioning="hive").to_table()
    return _to_pandas(table, role)


def _csv(path: Path, role: str, problems: list[Problem]) -> pd.DataFrame | None:
    # utf-8-sig: a byte-order mark (Excel's UTF-8 export) is not part of the first name
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if _twice(header, path, role, problems):
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def _jsonl(path: Path, role: str, problems: list[Problem]) -> pd.DataFrame | None:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
            except json.JSONDecodeError as exc:
                wrong, fix = f"is not valid JSON ({exc.msg})", "each line must be one JSON object"
            except _DuplicateKey as exc:
                wrong = f"gives key {exc.key!r} twice"
                fix = "give each key once per line (JSON would silently keep the last)"
            except RecursionError:
                wrong, fix = "is nested too deeply to read", "flatten the values of that line"
            else:
                if isinstance(obj, dict):
                    rows.append(obj)
                    continue
                wrong, fix = "is not a JSON object", "each line must be one JSON object"
            problems.append(Problem(str(path), f"line {lineno} {wrong}", rows=[lineno], fix=fix))
            return None
    return pd.DataFrame(rows)


def _to_pandas(table: pa.Table, role: str) -> pd.DataFrame:
    """Arrow table to pandas; judgments' text columns arrive dictionary-encoded.

    Ids and labels repeat millions of times: as Categorical columns each distinct
    string becomes one Python object instead of one per row (a 10M-row table would
    otherwise hold ~40M string objects while it is normalised). The loader turns them
    back into plain object columns of shared strings.
    """
    if role == "judgments":
        for i, name in enumerate(table.column_names):
            col = table.column(i)
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                table = table.set_column(i, name, col.dictionary_encode())
    return table.to_pandas()
