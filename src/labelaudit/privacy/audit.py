"""The joint audit of every grouped table of every report of one run.

The plan protects the counts of raters it can see before the analyses run. The tables
then carry more counts that add up over raters, by the same sums: judgments, label counts,
flagged raters, fast judgments, raters paid below a floor... Two things can still give a
hidden one back:

* a row hidden because its own count is below k (few raters with a pay rate in a group)
  can follow from its table's other rows;
* a count of 0 pins: if region=Americas made no "unsure" judgment, nor did either of its
  gender cells, and the column sum then leaves a hidden cell's count exactly. Through the
  row and column of an intersection (or a split report and the whole) this reaches
  positive counts too.

So each table's counts, per field and block and across the reports, are audited as linked
cells (:func:`labelaudit.stats.disclosure.protect`, counting mode for everything but rater
counts), and a cell that must be hidden to stop a recovery is hidden in every table of
every report of the run: a count printed in another table would give it back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from labelaudit.privacy.groups import Grouped, blocks
from labelaudit.stats.disclosure import Relation, protect

Measure = Callable[[pd.Series], float | None]


def _column(name: str) -> Measure:
    return lambda r: _num(r.get(name))


def _product(rate: str, base: str) -> Measure:
    def value(r: pd.Series) -> float | None:
        a, b = _num(r.get(rate)), _num(r.get(base))
        return None if a is None or b is None else round(a * b)

    return value


#: counts that add up over raters, per table (besides ``n_annotators``, audited everywhere)
ADDITIVE: dict[str, dict[str, Measure]] = {
    "representation": {"n_judgments": _column("n_judgments")},
    "representation_by_field": {"n_judgments": _column("n_judgments")},
    "label_shares": {
        "n_judgments": _column("n_judgments"),
        "group_judgments": _column("group_judgments"),
    },
    "qc_by_group": {"n_flagged": _column("n_flagged")},
    "position_bias": {"n_judgments": _column("n_judgments"), "first_wins": _column("first_wins")},
    "escape_usage": {
        "n_judgments": _column("n_judgments"),
        "escapes": _product("escape_rate", "n_judgments"),
    },
    "tie_skip_usage": {
        "n_judgments": _column("n_judgments"),
        "ties": _product("tie_rate", "n_judgments"),
        "skips": _product("skip_rate", "n_judgments"),
    },
    "timing_by_group": {"n_judgments": _column("n_judgments")},
    "fast_judgments": {"n_judgments": _column("n_judgments"), "n_fast": _column("n_fast")},
    "session_lengths": {
        "n_sessions": _column("n_sessions"),
        "long_sessions": _product("long_session_share", "n_sessions"),
    },
    "pay_by_group": {
        "n_compared": _column("n_compared"),
        "below_floor": _product("share_below_floor", "n_compared"),
    },
}
#: what ``n_annotators`` counts in each table: tables that count the same raters share a
#: family, and a group hidden to protect a count of one family is hidden wherever that
#: family is printed (the same count elsewhere would give it back), and only there
RATERS = {
    **dict.fromkeys(
        ("representation", "representation_by_field", "label_shares", "contested_items",
         "escape_usage", "position_bias", "tie_skip_usage", "preference_divergence"),
        "raters",
    ),
    "group_association": "raters with a pairable judgment",
    "agreement_difference": "raters with a pairable judgment",
    "agreement": "raters within or across groups",
    "qc_by_group": "raters evaluated by QC",
    "timing_by_group": "raters with timed judgments",
    "fast_judgments": "raters with timed judgments",
    "session_lengths": "raters with sessions",
    "pay_by_group": "raters with a pay rate",
}  # fmt: skip
#: the family of each other count (the same quantity in several tables shares one)
FAMILY = {
    ("representation", "n_judgments"): "judgments",
    ("representation_by_field", "n_judgments"): "judgments",
    ("label_shares", "group_judgments"): "judgments",
    ("escape_usage", "n_judgments"): "judgments",
    ("label_shares", "n_judgments"): "judgments of one label",
    ("escape_usage", "escapes"): "judgments of one label",
    ("tie_skip_usage", "ties"): "judgments of one label",
}
#: the iterations are bounded: each adds at least one hidden cell of a finite set
MAX_ROUNDS = 50


def family(table: str, measure: str) -> str:
    if measure == "n_annotators":
        return RATERS.get(table, f"{table}: raters")
    return FAMILY.get((table, measure), f"{table}: {measure}")


def families(table: str) -> set[str]:
    """Every family of counts a table prints."""
    return {family(table, m) for m in ("n_annotators", *ADDITIVE.get(table, {}))}


def _num(v: Any) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


#: tables whose counts cover a different set of raters for each attribute (agreement
#: within a group counts raters with a partner in the group): no total links attributes
PER_ATTRIBUTE_TOTALS = frozenset({"agreement"})
#: tables whose shares give each attribute's total away (pool share = n / total...)
SHARE_TOTALS = frozenset(
    {"representation", "representation_by_field", "qc_by_group", "label_shares"}
)
#: tables whose hidden groups must keep every figure, not only those of groups below k:
#: the pool and field counts the plan protects
STRICT = frozenset({"representation", "representation_by_field"})


class _Scope:
    """One table of counts: a measure in one block of one table, over every report."""

    def __init__(self, counts: bool, table: str):
        self.counts = counts
        self.per_attribute = table in PER_ATTRIBUTE_TOTALS
        self.known_totals = table in SHARE_TOTALS
        self.strict = table in STRICT
        #: cells hidden because they (or their row) have fewer than k raters
        self.small: set = set()
        self.values: dict[Any, float] = {}
        self.hidden: dict[Any, str] = {}
        #: cell -> the (report prefix, attribute) partitions it is a part of
        self.member_of: dict[Any, set[tuple]] = {}
        #: report prefix -> the block's printed total (an overall row), when there is one
        self.totals: dict[tuple, float] = {}
        #: (report prefix, attribute) -> whether nobody left the attribute undisclosed
        self.complete: dict[tuple, bool] = {}


def joint_audit(tables: list[Grouped]) -> dict[str, set]:
    """Cells to hide on top of each table's own hidden rows, by family of counts.

    A table hides the cells of every family it prints (:func:`families`).
    """
    if not tables:
        return {}
    k = tables[0].plan.k
    scopes = _scopes(tables)
    # hiding costs the raters whose figures it hides, whatever count is being audited
    raters: dict[Any, float] = {}
    for key, scope in scopes.items():
        if key[2] == "n_annotators":
            for c, v in scope.values.items():
                raters[c] = max(raters.get(c, 0.0), v)
    extra: dict[str, set] = {}
    for _ in range(MAX_ROUNDS):
        added = False
        for (table, _, measure), scope in scopes.items():
            mine = set().union(*(extra.get(f, set()) for f in families(table)))
            hidden = dict(scope.hidden)
            for c in scope.values:
                if c in mine and c not in hidden:
                    hidden[c] = "complementary"
            if not hidden:
                continue
            relations, unseen = _relations(scope)
            cost = {c: _cost(c, raters.get(c, float(v))) for c, v in scope.values.items()}
            out, _ = protect(
                [{**scope.values, **unseen}],
                relations,
                k,
                printed=set(scope.values),
                hidden=hidden,
                cost=cost,
                counts=scope.counts,
                not_groups=set(unseen),
                # a group hidden only to protect another may be worked out in a table where
                # that other is absent; a group below k never (the pool counts: neither)
                watch=None if scope.strict else scope.small,
            )
            new = set(out) - set(hidden)
            if new:
                extra.setdefault(family(table, measure), set()).update(new)
                added = True
        if not added:
            break
    return extra


def hidden_in(table: str, extra: dict[str, set]) -> set:
    """The cells the joint audit hides in ``table``."""
    return set().union(*(extra.get(f, set()) for f in families(table)))


def _scopes(tables: list[Grouped]) -> dict[tuple, _Scope]:
    out: dict[tuple, _Scope] = {}
    for g in tables:
        k = g.plan.k
        if "item_id" in g.table.columns:
            continue  # example items: a bounded sample, quoted one group per item
        measures: dict[str, Measure] = {}
        if "n_annotators" in g.table.columns:
            measures["n_annotators"] = _column("n_annotators")
        measures.update(ADDITIVE.get(g.name, {}))
        rows = set(g.rows())
        for block, positions in blocks(g.table, exclude=("attribute", "group")).items():
            mine = [i for i in positions if i in rows]
            if not mine:
                continue
            for name, measure in measures.items():
                key = (g.name, block, name)
                scope = out.setdefault(key, _Scope(name != "n_annotators", g.name))
                for i in positions:
                    if i not in rows and (v := measure(g.table.iloc[i])) is not None:
                        scope.totals[g.plan.prefix] = v  # the block's overall row
                for i in mine:
                    v = measure(g.table.iloc[i])
                    if v is None:
                        continue  # no figure to give away
                    cell = g.key(i)
                    attr = str(g.table.at[i, "attribute"])
                    scope.values[cell] = v
                    scope.member_of.setdefault(cell, set()).add((g.plan.prefix, attr))
                    scope.complete[(g.plan.prefix, attr)] = _complete(g.plan, attr)
                    if i in g.hidden:
                        scope.hidden[cell] = g.hidden[i]
                        n = g.counts[i]
                        if g.hidden[i] == "small" or (n is not None and 0 < n < k):
                            scope.small.add(cell)
    return out


def _cost(cell: Any, raters: float) -> float:
    """Finer cells (intersections, split cells) first, then fewer raters (as the plan)."""
    depth = len(cell) if cell and isinstance(cell[0], tuple) else 1
    return (10 - depth) * 1e6 + raters


def _complete(plan, attribute: str) -> bool:
    """Nobody in this report left any part of ``attribute`` undisclosed."""
    fixed = dict(plan.prefix)
    for part in attribute.split("×"):
        if part in fixed:
            continue  # a split report's own attribute: everyone in it disclosed it
        cell = tuple(sorted((*plan.prefix, (part, None)), key=lambda p: p[0]))
        if plan.size(cell) or plan.size(cell, "@annotators"):
            return False
    return True


def _relations(scope: _Scope) -> tuple[list[Relation], dict[Any, float]]:
    """Each report's attribute partitions, and cells one attribute finer than another.

    A partition is its groups plus the undisclosed (a cell of its own, unknown, unless
    nobody left the attribute undisclosed), adding up to the block's total: the printed
    overall row, the split's group in the whole report, or else an unknown total shared
    by every attribute (one per attribute where each covers other raters). The unknown
    cells get values consistent with the true ones (they only set the right-hand sides).
    """
    present = set(scope.values)
    out: list[Relation] = []
    unseen: dict[Any, float] = {}  # totals and undisclosed no table prints
    by_attr: dict[tuple, list[Any]] = {}
    for c in present:
        for member in scope.member_of[c]:
            by_attr.setdefault(member, []).append(c)
    sums = {m: sum(scope.values[c] for c in cells) for m, cells in by_attr.items()}
    for (prefix, attr), cells in by_attr.items():
        parts = tuple(sorted(cells, key=repr))
        if prefix and prefix in present and not scope.per_attribute:
            total: Any = prefix  # a split report's total is its group in the whole report
            value = scope.values[prefix]
        elif scope.known_totals or (prefix in scope.totals and not scope.per_attribute):
            # printed (an overall row), or given away by the shares: known, as are the
            # undisclosed (the attribute's total is of those who disclosed it)
            out.append(Relation(None, parts))
            continue
        else:
            total = ("@total", prefix, attr if scope.per_attribute else None)
            same = [v for (p, a), v in sums.items() if p == prefix and scope.complete.get((p, a))]
            value = max(same) if same else max(v for (p, _), v in sums.items() if p == prefix)
            if scope.per_attribute:
                value = sums[(prefix, attr)]
            unseen.setdefault(total, value)
            value = unseen[total]
        if not scope.complete.get((prefix, attr)):
            rest = ("@undisclosed", prefix, attr)
            unseen[rest] = max(value - sums[(prefix, attr)], 0)
            parts = (*parts, rest)
        out.append(Relation(total, parts))
    families: dict[tuple, list[Any]] = {}
    for c in present:
        if scope.per_attribute:
            break  # a group's count and its intersection cells' count cover other raters
        if not c or not isinstance(c[0], tuple) or len(c) < 2:
            continue
        for j in range(len(c)):
            parent = c[:j] + c[j + 1 :]
            if parent in present:
                families.setdefault((parent, c[j][0]), []).append(c)
    out += [Relation(p, tuple(sorted(kids, key=repr))) for (p, _), kids in families.items()]
    return out, unseen
