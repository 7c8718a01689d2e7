"""The joint (intersectional) table of a target: ``joint.file`` read into shares.

``target.yaml`` may name a census-style CSV (``joint: {file: ..., format: wide|long}``)
holding the shares of combinations of attributes (age x sex x race). The wide layout
has one row attribute and columns named by the other attributes joined by a separator;
the long layout has one column per attribute and a share column. The shares must sum
to 1 (+-0.01). Every problem is appended to ``problems``, naming ``joint.file`` and
the setting at fault.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from labelaudit.errors import Problem

#: how far a distribution's shares may sum from 1 (CONTRACT section 1)
SHARE_TOLERANCE = 0.01


def joint_table(
    spec: object, where: str, problems: list[Problem], base_dir: Path
) -> pd.DataFrame | None:
    """The joint table of ``spec`` in long form (attribute columns + ``share``), or None."""

    def bad(msg: str, fix: str, setting: str = "joint") -> None:
        problems.append(Problem(where, msg, setting=setting, fix=fix))

    if not isinstance(spec, dict) or "file" not in spec:
        bad(
            "joint must be a mapping with at least `file`",
            "write joint: {file: table.csv, format: wide, row_attribute: age, ...}",
        )
        return None
    if not isinstance(spec["file"], str) or not spec["file"].strip():
        bad(f"joint.file must be a file name, got {spec['file']!r}", "write file: census.csv",
            "joint.file")  # fmt: skip
        return None
    path = Path(spec["file"]).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    fmt = str(spec.get("format", "wide"))
    table = _read_joint(path, bad)
    if table is None:
        return None
    if fmt == "wide":
        long = _wide_to_long(table, spec, bad)
    elif fmt == "long":
        long = _long(table, spec, bad)
    else:
        bad(f"joint format {fmt!r} is not wide or long", "write format: wide", "joint.format")
        return None
    if long is None:
        return None
    total = float(long["share"].sum())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        bad(
            f"joint shares in {path.name} sum to {total:.4g}, not 1",
            "drop total rows/columns (drop_rows, drop_columns) or fix the table",
        )
        return None
    long["share"] = long["share"] / total
    return long.reset_index(drop=True)


def _read_joint(path: Path, bad) -> pd.DataFrame | None:
    """The joint table's CSV, or None with the reason (missing, a folder, empty, ...)."""
    name = str(path)
    if path.is_dir():
        bad(f"joint table {name!r} is a folder", "name the CSV file itself", "joint.file")
        return None
    try:
        table = pd.read_csv(path, encoding="utf-8")
    except FileNotFoundError:
        bad(f"joint table {name!r} is not found", "check the path (relative to target.yaml)",
            "joint.file")  # fmt: skip
        return None
    except pd.errors.EmptyDataError:
        bad(f"joint table {name!r} is empty", "give a CSV with a header and share rows",
            "joint.file")  # fmt: skip
        return None
    except UnicodeDecodeError:
        bad(f"joint table {name!r} is not UTF-8 text", "re-save it as UTF-8", "joint.file")
        return None
    except (OSError, pd.errors.ParserError, ValueError) as exc:
        bad(f"cannot read joint table {name!r}: {str(exc).splitlines()[0][:200]}",
            "give a readable CSV file", "joint.file")  # fmt: skip
        return None
    if table.empty:
        bad(f"joint table {name!r} has a header but no rows", "add the share rows", "joint.file")
        return None
    return table


def _wide_to_long(table: pd.DataFrame, spec: dict, bad) -> pd.DataFrame | None:
    row_attr = spec.get("row_attribute")
    col_attrs = spec.get("column_attributes")
    if not row_attr or not isinstance(col_attrs, list) or not col_attrs:
        bad(
            "a wide joint table needs row_attribute and column_attributes",
            "write row_attribute: age and column_attributes: [race, sex]",
        )
        return None
    sep = str(spec.get("separator", "_"))
    table = table.rename(columns={table.columns[0]: str(row_attr)})
    table[str(row_attr)] = table[str(row_attr)].astype(str).str.strip()
    drop_rows = [str(r) for r in spec.get("drop_rows", []) or []]
    table = table[~table[str(row_attr)].isin(drop_rows)]
    drop_cols = [c for c in spec.get("drop_columns", []) or [] if c in table.columns]
    table = table.drop(columns=drop_cols)
    long = table.melt(id_vars=[str(row_attr)], var_name="_cell", value_name="share")
    parts = long["_cell"].astype(str).str.split(sep, regex=False)
    wrong = parts.map(len) != len(col_attrs)
    if wrong.any():
        bad(
            f"column {long.loc[wrong, '_cell'].iloc[0]!r} does not split by {sep!r} into "
            f"{len(col_attrs)} parts ({', '.join(map(str, col_attrs))})",
            "list total columns under drop_columns or fix the separator",
            "joint.separator",
        )
        return None
    for i, attr in enumerate(col_attrs):
        long[str(attr)] = parts.str[i]
    return _numeric_shares(long[[str(row_attr), *map(str, col_attrs), "share"]], bad)


def _long(table: pd.DataFrame, spec: dict, bad) -> pd.DataFrame | None:
    share_col = str(spec.get("share_column", "share"))
    attrs = spec.get("attributes") or [c for c in table.columns if c != share_col]
    if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
        bad(f"joint.attributes must be a list of column names, got {attrs!r}",
            "write attributes: [age, sex]", "joint.attributes")  # fmt: skip
        return None
    missing = [c for c in [*attrs, share_col] if c not in table.columns]
    if missing:
        bad(
            f"the joint table lacks column(s) {', '.join(missing)}",
            "name the attribute columns under attributes: and the share column under share_column:",
        )
        return None
    long = table[[*attrs, share_col]].rename(columns={share_col: "share"})
    for a in attrs:
        long[a] = long[a].astype(str).str.strip()
    return _numeric_shares(long, bad)


def _numeric_shares(long: pd.DataFrame, bad) -> pd.DataFrame | None:
    """``long`` with its ``share`` column as numbers; None when one is not a number >= 0."""
    long = long.copy()
    long["share"] = pd.to_numeric(long["share"], errors="coerce")
    if long["share"].isna().any() or (long["share"] < 0).any():
        bad(
            "the joint table has empty, non-numeric or negative shares",
            "fill every share with a non-negative number",
            "joint.file",
        )
        return None
    return long
