"""Where the inputs hold characters that act instead of showing (rule LA019).

NUL and other control characters, terminal escapes and bidirectional overrides
(:mod:`labelaudit.visible`) are shown as ``[U+XXXX]`` by every output. This step counts
where they occur, one data issue per input file (column names, the distinct values of
each text column, guideline lines, schema names and values), so the report says that
what it shows was rewritten, and where to look in the data. It looks at distinct values
only, which keeps it cheap on millions of judgments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from labelaudit.bundle.types import DataIssue, FieldSpec, Guideline
from labelaudit.visible import HIDDEN, hidden_chars
from labelaudit.wording import counted

#: annotator ids never reach an output (they are pseudonymised or left out)
_UNSHOWN = ("annotator_id",)


def _texts(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list | tuple):
            out += [x for x in v if isinstance(x, str)]
    return out


def _distinct(s: pd.Series) -> Iterable[object]:
    try:
        return pd.unique(s)
    except TypeError:  # list labels
        return s


def table_issue(
    df: pd.DataFrame | None, where: str, distinct: Mapping[str, Iterable[object]] | None = None
) -> DataIssue | None:
    """The LA019 issue of one table, or None; ``distinct`` gives known distinct values."""
    if df is None:
        return None
    columns: dict[str, int] = {}
    chars: set[str] = set()
    for col in df.columns:
        name = str(col)
        if HIDDEN.search(name):
            columns[f"the name of column {name!r}"] = 1
            chars.update(hidden_chars(name))
        dtype = df[col].dtype
        texts = dtype is np.dtype(object) or pd.api.types.is_string_dtype(dtype)
        if name in _UNSHOWN or not (texts or isinstance(dtype, pd.CategoricalDtype)):
            continue
        values = (distinct or {}).get(name)
        found = [t for t in _texts(_distinct(df[col]) if values is None else values)
                 if HIDDEN.search(t)]  # fmt: skip
        if found:
            columns[f"column {name!r}"] = len(set(found))
            for t in found:
                chars.update(hidden_chars(t))
    return _issue(columns, chars, where, "value")


def guideline_issues(guidelines: list[Guideline]) -> list[DataIssue]:
    """One LA019 issue per guideline file with such characters (counting lines)."""
    out = []
    for g in guidelines:
        lines = [i for i, line in enumerate(g.lines, 1) if HIDDEN.search(line)]
        if lines or HIDDEN.search(g.name):
            chars = {c for i in lines for c in hidden_chars(g.lines[i - 1])}
            chars |= set(hidden_chars(g.name))
            at = {
                f"line{'s' if len(lines) > 1 else ''} "
                + ", ".join(map(str, lines[:5]))
                + (", ..." if len(lines) > 5 else ""): len(lines)
            }
            issue = _issue(at if lines else {"the file name": 1}, chars, g.name, "line",
                           counts=False)  # fmt: skip
            if issue is not None:
                issue.rows = lines[:10]
                out.append(issue)
    return out


def schema_issue(schema: Mapping[str, FieldSpec], where: str) -> DataIssue | None:
    """The LA019 issue of the schema's field names and values, or None."""
    found = [t for name, spec in schema.items() for t in _texts([name, *spec.values])
             if HIDDEN.search(t)]  # fmt: skip
    chars = {c for t in found for c in hidden_chars(t)}
    return _issue({"field names and values": len(set(found))} if found else {}, chars, where,
                  "entry")  # fmt: skip


def _issue(
    columns: dict[str, int], chars: set[str], where: str, unit: str, *, counts: bool = True
) -> DataIssue | None:
    if not columns:
        return None
    n = sum(columns.values())
    places = "; ".join(f"{k}: {v}" if counts else k for k, v in columns.items())
    return DataIssue(
        "LA019",
        f"{counted(n, unit)} of {where.rsplit('/', 1)[-1]} ({places}) "
        f"{'holds' if n == 1 else 'hold'} {', '.join(sorted(chars))}: control or "
        "bidirectional-override characters, which act instead of showing; this report "
        "shows each as [U+XXXX].",
        count=n,
        file=where,
        evidence={"characters": sorted(chars), "where": dict(columns)},
    )
