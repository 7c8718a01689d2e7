"""One grouped metric table through the release: hide, null, fold names.

A grouped table has ``attribute`` and ``group`` columns. Each row is one cell of the
disclosure plan (:mod:`labelaudit.privacy.plan`). :func:`prepare` marks the rows to hide:

1. rows of hidden cells, in every table, field and edition;
2. rows whose own count of raters is below k (a group with few raters on one field, few
   with a pay rate...).

:mod:`labelaudit.privacy.audit` then audits all tables of all reports together (their
rows are linked cells too, for every count that adds up over raters) and may hide more.
:func:`finish` writes the table as outputs may show it:

3. every figure of a suppressed row is nulled and ``suppressed_reason`` says why:
   ``small`` (fewer than k raters) or ``complementary`` (hidden so that a smaller group
   can't be derived);
4. a group name held by fewer than k raters is never printed: the rows of such groups
   become one row per attribute, "N other values (each fewer than k raters)". Names the
   target population gives are the auditor's words, not a rater's, and stay;
5. figures about "everyone else" are nulled where everyone else is fewer than k raters;
6. example items keep only shown groups' rows, each item once per field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.privacy.plan import POOL, ROSTER, Plan
from labelaudit.stats.disclosure import COMPLEMENTARY, SMALL

#: columns that identify a row rather than measure it; kept on suppressed rows
IDENTITY_COLUMNS = frozenset(
    {
        "field", "scope", "attribute", "group", "level", "value", "language", "test",
        "suppressed", "suppressed_reason", "target_share", "in_target", "target_basis",
        "currency", "position_bucket", "method",
    }
)  # fmt: skip
#: identity columns that describe the group itself (not kept on a folded row)
_GROUP_FACTS = ("target_share", "in_target", "target_basis")
#: tables whose groups take the target population's spelling
TARGET_SPELLING = frozenset({"representation", "representation_by_field"})
#: figures about everyone but the row's group (and what gives them back): shown only when
#: that rest has k or more raters, else they would describe a handful of people
REST_COLUMNS = {
    "agreement_difference": ("alpha_rest", "difference", "ci_low", "ci_high"),
    "escape_usage": ("rest_rate", "ratio", "p_value", "p_adjusted", "p_value_z"),
    "tie_skip_usage": ("rest_tie_rate", "rest_skip_rate"),
    "fast_judgments": ("rest_fast_share",),
    "pay_by_group": ("rest_median_hourly_pay",),
}


def folded_label(n: int, k: int) -> str:
    """How the groups whose name can't be printed are named.

    >>> folded_label(1, 5), folded_label(3, 5)
    ('1 other value (fewer than 5 raters)', '3 other values (each fewer than 5 raters)')
    """
    if n == 1:
        return f"1 other value (fewer than {k} raters)"
    return f"{n} other values (each fewer than {k} raters)"


def row_scope(table: str, row_field: Any) -> str:
    if isinstance(row_field, str) and row_field:
        return "field:" + row_field.split(":", 1)[0]
    return ROSTER if table == "pay_by_group" else POOL


@dataclass
class Grouped:
    """A grouped table between hiding and printing: rows, their cells, what is hidden."""

    name: str
    table: pd.DataFrame
    plan: Plan
    cells: list[Any]
    scopes: list[str]
    counts: list[int | None]
    hidden: dict[int, str] = field(default_factory=dict)

    def key(self, i: int) -> Any:
        """The row's cell, or for a group the plan doesn't know, a key of its own."""
        if self.cells[i] is not None:
            return self.cells[i]
        return (
            "@row",
            self.plan.prefix,
            str(self.table.at[i, "attribute"]),
            str(self.table.at[i, "group"]),
        )

    def rows(self) -> list[int]:
        """Rows that describe a group (not the overall rows)."""
        t = self.table
        return [
            i
            for i in range(len(t))
            if isinstance(t.at[i, "attribute"], str) and not _missing(t.at[i, "group"])
        ]


def prepare(name: str, table: pd.DataFrame, plan: Plan) -> Grouped | None:
    """The rows to hide before the joint audit (None: not a grouped table)."""
    if table.empty or "group" not in table.columns or "attribute" not in table.columns:
        return None
    t = table.reset_index(drop=True).copy()
    target = name in TARGET_SPELLING
    cells = [
        plan.cell(a, g, target=target) if isinstance(a, str) and not _missing(g) else None
        for a, g in zip(t["attribute"], t["group"], strict=True)
    ]
    fields = t["field"] if "field" in t.columns else pd.Series([None] * len(t))
    g = Grouped(name, t, plan, cells, [row_scope(name, f) for f in fields], _counts(t))
    for i in g.rows():
        cell, n = cells[i], g.counts[i]
        if cell is not None and cell in plan.hidden:
            g.hidden[i] = plan.hidden[cell]
        elif n is not None and 0 < n < plan.k:
            g.hidden[i] = SMALL
    return g


def finish(g: Grouped, extra: set) -> pd.DataFrame:
    """The table as every output may show it, once ``extra`` cells are hidden too."""
    plan, k, t = g.plan, g.plan.k, g.table
    hidden = dict(g.hidden)
    for i in g.rows():
        if i not in hidden and g.key(i) in extra:
            hidden[i] = COMPLEMENTARY
    if "suppressed" not in t.columns:
        t["suppressed"] = False
    was = t["suppressed"].fillna(False).astype(bool)
    reasons: list[str | None] = []
    for i in range(len(t)):
        if i in hidden:
            n = g.counts[i]
            own = SMALL if n is not None and 0 < n < k else None
            if own is None and n is not None and n >= k:
                own = COMPLEMENTARY
            reasons.append(own or plan.reason(g.cells[i], g.scopes[i]) or hidden[i])
        else:
            reasons.append(SMALL if bool(was.iloc[i]) else None)
    t["suppressed"] = [r is not None for r in reasons]
    t = _with_reason(t, reasons)
    in_target = t["in_target"] if "in_target" in t.columns else pd.Series([None] * len(t))
    unnamed = [
        bool(t.at[i, "suppressed"])
        and not _is_true(in_target.iloc[i])  # the target's own group names are the auditor's
        and not _nameable(g.cells[i], g.counts[i], plan)
        for i in range(len(t))
    ]
    if "item_id" in t.columns:
        return _examples(t)
    t = _small_rest(g.name, t, g.counts, g.scopes, plan)
    figures = [c for c in t.columns if c not in IDENTITY_COLUMNS]
    sup = t["suppressed"].to_numpy(dtype=bool)
    for col in figures:
        t[col] = t[col].astype(object)
        t.loc[sup, col] = None
    if g.name in TARGET_SPELLING:
        t = _null_shares_without_denominator(t, plan)
    return _fold(t, unnamed, k)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _examples(t: pd.DataFrame) -> pd.DataFrame:
    """Example items: only shown groups' rows, and each item once per field.

    Two rows on one item (region=Europe and region×gender=Europe×male) would let their
    per-item counts be subtracted; with one group per item, the only other count is
    "everyone else", which no hidden group is alone in.
    """
    t = t[~t["suppressed"]]
    keys = [c for c in ("field", "item_id") if c in t.columns]
    return t.drop_duplicates(keys, keep="first").reset_index(drop=True)


def _small_rest(name, t, counts, scopes, plan: Plan) -> pd.DataFrame:
    """Null figures about "everyone else" where everyone else is fewer than k raters."""
    cols = [c for c in REST_COLUMNS.get(name, ()) if c in t.columns]
    if not cols:
        return t
    totals: dict[tuple, int] = {}
    if name == "pay_by_group" and "currency" in t.columns:  # rest = same currency
        for _, r in t[t["attribute"].isna()].iterrows():
            if pd.notna(r.get("n_annotators")):
                totals[("currency", r["currency"])] = int(r["n_annotators"])
    rest_col = (
        pd.to_numeric(t["n_annotators_rest"], errors="coerce")
        if "n_annotators_rest" in t.columns
        else None
    )
    for i in range(len(t)):
        if bool(t.at[i, "suppressed"]) or counts[i] is None:
            continue
        if rest_col is not None and not pd.isna(rest_col.iloc[i]):
            rest = int(rest_col.iloc[i])
        elif name == "pay_by_group":
            total = (
                totals.get(("currency", t.at[i, "currency"])) if "currency" in t.columns else None
            )
            rest = None if total is None else total - counts[i]
        else:
            total = plan.totals.get(scopes[i])
            rest = None if total is None else total - counts[i]
        if rest is not None and 0 <= rest < plan.k:
            for c in cols:
                t[c] = t[c].astype(object)
                t.at[i, c] = None
    return t


def _counts(t: pd.DataFrame) -> list[int | None]:
    if "n_annotators" not in t.columns:
        return [None] * len(t)
    n = pd.to_numeric(t["n_annotators"], errors="coerce")
    return [None if pd.isna(v) else int(v) for v in n]


def blocks(t: pd.DataFrame, exclude: tuple[str, ...]) -> dict[tuple, list[int]]:
    """Row positions by the identity columns other than ``exclude`` (one table of counts)."""
    keys = [c for c in t.columns if c in IDENTITY_COLUMNS and c not in exclude]
    keys = [c for c in keys if c not in ("suppressed", "suppressed_reason", *_GROUP_FACTS)]
    out: dict[tuple, list[int]] = {}
    if not keys:
        return {(): list(range(len(t)))}
    filled = t[keys].astype(object).where(t[keys].notna(), None)
    for i, key in enumerate(map(tuple, filled.to_numpy().tolist())):
        out.setdefault(key, []).append(i)
    return out


def _is_true(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_)) and bool(v)


def _nameable(cell, n, plan: Plan) -> bool:
    if cell is not None:
        return plan.is_named(cell)
    return n is not None and n >= plan.k


def _with_reason(t: pd.DataFrame, reasons: list[str | None]) -> pd.DataFrame:
    if "suppressed_reason" in t.columns:
        t = t.drop(columns="suppressed_reason")
    at = list(t.columns).index("suppressed") + 1
    t.insert(at, "suppressed_reason", pd.Series(reasons, index=t.index, dtype=object))
    return t


def _null_shares_without_denominator(t: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Pool shares give away how many disclosed an attribute: null them where that is hidden."""
    for attr in t["attribute"].dropna().unique():
        if ("@disclosed", plan.prefix, attr) in plan.hidden:
            rows = t["attribute"] == attr
            for col in ("pool_share", "pool_ci_low", "pool_ci_high", "ratio"):
                if col in t.columns:
                    t[col] = t[col].astype(object)
                    t.loc[rows, col] = None
    return t


def _fold(t: pd.DataFrame, unnamed: list[bool], k: int) -> pd.DataFrame:
    """The rows of groups that may not be named, one per block and attribute."""
    if not any(unnamed):
        return t
    by_block = blocks(t, exclude=("group",))
    first: dict[int, int] = {}
    drop: set[int] = set()
    for rows in by_block.values():
        mine = [i for i in rows if unnamed[i]]
        if not mine:
            continue
        first[mine[0]] = len(mine)
        drop |= set(mine[1:])
    t = t.copy()
    t["group"] = t["group"].astype(object)
    with_target = set()
    if "in_target" in t.columns:  # attributes the target describes: folded groups are not in it
        with_target = set(t.loc[t["in_target"].notna(), "attribute"].dropna())
    for i, n in first.items():
        t.at[i, "group"] = folded_label(n, k)
        t.at[i, "suppressed_reason"] = SMALL
        for col in _GROUP_FACTS:
            if col in t.columns:
                t[col] = t[col].astype(object)
                in_target = col == "in_target" and t.at[i, "attribute"] in with_target
                t.at[i, col] = False if in_target else None
    return t.drop(index=sorted(drop)).reset_index(drop=True)
