"""Metric tables as the report shows them: previews by importance, rows behind findings.

A section's preview puts the rows behind a finding first (marked, each linking to its
finding), then the most notable of the rest (smallest adjusted p-value), and collapses
every suppressed row into one line naming the groups. The appendix shows the table as
the analysis wrote it. Suppressed rows keep their identity and never show a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from labelaudit.render.findings import FindingView
from labelaudit.render.formatting import (
    IDENTITY,
    format_value,
    is_missing,
    label,
    numeric_column,
    suppressed_text,
)

#: subject keys a table row can be matched on (a finding's subject names its row)
MATCH_KEYS = ("field", "attribute", "group", "language", "item_id", "guideline", "line")


@dataclass
class TableView:
    id: str
    title: str
    columns: list[str]
    numeric: list[bool]
    #: {"cells": [...], "span": (colspan, text) | None, "finding": FindingView | None}
    rows: list[dict]
    note: str = ""
    n_rows: int = 0
    n_marked: int = 0  # rows behind a finding
    folded: bool = False  # shown in a <details> on screen (printing unfolds it)
    anchor: str = ""  # element id: ``table-<id>`` (appendix) or ``preview-<id>``


def rows_behind(df: pd.DataFrame, views: list[FindingView]) -> dict[object, FindingView]:
    """Row index -> the most important finding about that row (``views`` come ranked,
    and only of rules that read this table).

    A row is behind a finding when it names the finding's subject exactly: the table
    has a column for every key of the subject, the row's value equals the subject's on
    each, and a key the subject leaves out is empty in the row (the overall row, not a
    group's).
    """
    keys = [k for k in MATCH_KEYS if k in df.columns]
    if not keys or df.empty:
        return {}
    cells = {k: [None if is_missing(v) else str(v) for v in df[k]] for k in keys}
    wanted: dict[tuple, FindingView] = {}
    for v in views:
        named = {k for k in MATCH_KEYS if v.keys.get(k) is not None}
        if not named or not named <= set(keys):
            continue  # the subject is about something this table doesn't name
        key = tuple(None if v.keys.get(k) is None else str(v.keys[k]) for k in keys)
        wanted.setdefault(key, v)
    out: dict[object, FindingView] = {}
    for i, idx in enumerate(df.index):
        hit = wanted.get(tuple(cells[k][i] for k in keys))
        if hit is not None:
            out[idx] = hit
    return out


def _suppressed(df: pd.DataFrame) -> pd.Series:
    if "suppressed" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["suppressed"].fillna(False).astype(bool)


def preview_order(
    df: pd.DataFrame, behind: dict[object, FindingView], ranks: dict[int, int]
) -> tuple[pd.DataFrame, str]:
    """Rows behind findings (most important finding first), then the smallest adjusted
    p-value, then the rest as written; suppressed rows last."""
    key = pd.Series(
        [ranks.get(id(behind[i]), 0) if i in behind else len(ranks) for i in df.index],
        index=df.index,
    )
    order = {"_behind": key, "_sup": _suppressed(df)}
    by, how = ["_sup", "_behind"], "rows behind findings first"
    for col in ("p_adjusted", "p_value"):
        if col in df.columns and pd.api.types.is_numeric_dtype(df[col]):
            by.append(col)
            how += f", then the smallest {label(col)}"
            break
    ranked = df.assign(**order).sort_values(by, kind="stable", na_position="last")
    return ranked.drop(columns=list(order)), how


def table_view(
    name: str,
    df: pd.DataFrame,
    *,
    k: int | None,
    limit: int,
    columns: list[str] | None = None,
    preview: bool = False,
    views: list[FindingView] | None = None,
) -> TableView:
    """Format a metric table; with ``preview``, cut to ``limit`` rows by importance.

    ``views`` (ranked findings) mark the rows behind them. In a preview the suppressed
    rows are collapsed into one line; elsewhere each keeps its identity and one
    "suppressed" cell.
    """
    behind = rows_behind(df, views or [])
    how = ""
    if preview:
        ranks = {id(v): i for i, v in enumerate(views or [])}
        df, how = preview_order(df, behind, ranks)
    cols = [
        c
        for c in (columns or list(df.columns))
        if c in df.columns and c not in ("suppressed", "suppressed_reason")
    ]
    ident = [c for c in cols if c in IDENTITY]
    figures = [c for c in cols if c not in IDENTITY]
    ordered = ident + figures
    numeric = [c not in IDENTITY and numeric_column(df[c]) for c in ordered]
    sup = _suppressed(df)
    hidden = df[sup] if preview and figures else df.iloc[0:0]
    shown = df[~sup] if preview and figures else df
    rows = []
    for idx, row in shown.head(limit).iterrows():
        finding = behind.get(idx)
        if bool(sup.get(idx, False)) and figures:
            cells = [format_value(c, row[c]) for c in ident]
            why = suppressed_text(k, row.get("suppressed_reason"))
            rows.append({"cells": cells, "span": (len(figures), why), "finding": None})
        else:
            rows.append({"cells": [format_value(c, row[c]) for c in ordered], "span": None,
                         "finding": finding})  # fmt: skip
    if len(hidden):
        reasons = (
            hidden["suppressed_reason"]
            if "suppressed_reason" in hidden.columns
            else pd.Series("small", index=hidden.index)
        )
        # one line per reason: too few raters, or hidden so a smaller group can't be derived
        for reason in sorted({str(x) for x in reasons.fillna("small")}):
            part = hidden[reasons.fillna("small").astype(str) == reason]
            names = "; ".join(
                " ".join(format_value(c, r[c]) for c in ident if not is_missing(r[c]))
                for _, r in part.iterrows()
            )
            many = "s" if len(part) > 1 else ""
            why = suppressed_text(k, reason)
            text = f"{len(part)} row{many} {why}: {names}"
            rows.append({"cells": [], "span": (len(ordered), text), "finding": None})
    n_visible = len(shown)
    note = ""
    if preview and n_visible > limit:
        note = f"Showing {limit} of {n_visible:,} rows ({how}); the appendix has the full table."
    elif not preview and len(df) > limit:
        note = f"First {limit:,} of {len(df):,} rows shown; findings.json has them all."
    return TableView(
        name, label(name), [label(c) for c in ordered], numeric, rows, note,
        n_rows=len(df), n_marked=sum(1 for r in rows if r["finding"] is not None),
        anchor=f"{'preview' if preview else 'table'}-{name}",
    )  # fmt: skip
