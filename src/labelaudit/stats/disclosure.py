"""Cell suppression across linked tables: which counts to hide so that no small one can be derived.

Sizes in, hidden cells out. A *cell* is one count a report can show: raters of a group, of
an intersection of groups, of a group inside a split report. A :class:`Relation` says that
one cell (or a published total) is the sum of others: a region is the sum of its
region × gender cells, the pool is the sum of the regions and the undisclosed. Suppressing
cell by cell fails against these sums (a marginal minus its shown parts gives back a hidden
part), so the cells are audited together, as the adversary would attack them:

* the unknowns are the hidden cells and the cells no table prints; every other cell's value
  is known, and so is every published total;
* the hidden cells' labels are known too ("fewer than k" bounds a cell to 1..k-1, "hidden so
  a smaller group can't be derived" to k or more; a cell no table prints is only >= 0);
* a cell is *recovered* when the relations and those bounds leave it fewer than two whole
  values (the linear relaxation: :func:`feasible_ranges`).

:func:`protect` hides every cell with ``0 < size < k`` in any scope (the pool, or one field)
and then, while some hidden or unprinted small cell is recovered, hides the cheapest printed
cell that shares a relation with it (complementary suppression chosen across the linked
tables, never attribute by attribute). Hiding a cell never narrows another's range, so this
ends, at worst with everything hidden.

Relations are exact because every relation's cells are known up to the ones the caller
marks unknown: a remainder (raters who did not disclose the second attribute) is either a
cell of its own or, when the caller treats it as known, cancels out of the equations, which
only use the unknowns' true sizes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["COMPLEMENTARY", "SMALL", "Relation", "feasible_ranges", "protect"]

SMALL = "small"
COMPLEMENTARY = "complementary"
_INF = math.inf


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``; ``total=None`` is a published total (known)."""

    total: Hashable | None
    parts: tuple[Hashable, ...]


def label_bounds(size: int, k: int) -> tuple[float, float]:
    """What a hidden cell's label tells a reader: 1..k-1 ("fewer than k"), else k or more.

    >>> label_bounds(2, 5), label_bounds(9, 5)
    ((1, 4), (5, inf))
    """
    return (1, k - 1) if 0 < size < k else (k, _INF)


def feasible_ranges(
    sizes: Mapping[Hashable, int],
    relations: Sequence[Relation],
    unknown: Mapping[Hashable, tuple[float, float]],
    wanted: Iterable[Hashable] | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """The range each unknown cell can take given the known ones (LP relaxation).

    ``unknown`` maps each unknown cell to the bounds a reader knows for it; every other cell
    is known. ``sizes`` are the true sizes (only the unknowns' are read: the known cells'
    values cancel out of the equations).

    >>> r = [Relation(None, ("a", "b", "c"))]
    >>> feasible_ranges({"a": 30, "b": 5, "c": 2}, r, {"b": (5, math.inf), "c": (1, 4)})
    {'b': (5.0, 6.0), 'c': (1.0, 2.0)}
    >>> feasible_ranges({"a": 30, "b": 5, "c": 2}, r, {"c": (1, 4)})
    {'c': (2.0, 2.0)}
    """
    wanted = set(unknown if wanted is None else wanted) & set(unknown)
    equations: list[tuple[dict[Hashable, int], float]] = []
    for rel in relations:
        coef: dict[Hashable, int] = {}
        for p in rel.parts:
            if p in unknown:
                coef[p] = coef.get(p, 0) + 1
        if rel.total is not None and rel.total in unknown:
            coef[rel.total] = coef.get(rel.total, 0) - 1
        coef = {c: a for c, a in coef.items() if a}
        if coef:
            equations.append((coef, float(sum(a * sizes.get(c, 0) for c, a in coef.items()))))
    out: dict[Hashable, tuple[float, float]] = {}
    for cells, eqs in _components(list(unknown), equations):
        todo = [c for c in cells if c in wanted]
        if not todo:
            continue
        if not eqs:
            out.update({c: tuple(map(float, unknown[c])) for c in todo})  # type: ignore[misc]
        elif len(eqs) == 1:
            out.update({c: _one_equation(c, eqs[0], unknown) for c in todo})
        else:
            out.update(_linear_program(cells, eqs, unknown, todo))
    return out


def _components(cells: list[Hashable], equations):
    """Unknown cells grouped by the equations that tie them together (union-find)."""
    parent = {c: c for c in cells}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for coef, _ in equations:
        first, *rest = coef
        for c in rest:
            parent[find(c)] = find(first)
    groups: dict[Hashable, tuple[list, list]] = {}
    for c in cells:
        groups.setdefault(find(c), ([], []))[0].append(c)
    for eq in equations:
        groups[find(next(iter(eq[0])))][1].append(eq)
    return list(groups.values())


def _one_equation(cell, equation, bounds) -> tuple[float, float]:
    """Range of ``cell`` under one equation sum(a_i x_i) = r and box bounds (closed form)."""
    coef, rhs = equation
    a_c = coef[cell]
    lo_rest = hi_rest = 0.0  # range of sum over the other cells of a_i x_i
    for c, a in coef.items():
        if c == cell:
            continue
        lo, hi = bounds[c]
        lo_rest += a * (lo if a > 0 else hi)
        hi_rest += a * (hi if a > 0 else lo)
    # a_c x = rhs - rest
    ends = sorted(((rhs - hi_rest) / a_c, (rhs - lo_rest) / a_c))
    lo_c, hi_c = bounds[cell]
    low = max(float(lo_c), ends[0]) if not math.isnan(ends[0]) else float(lo_c)
    high = min(float(hi_c), ends[1]) if not math.isnan(ends[1]) else float(hi_c)
    return (low, high)


def _linear_program(cells, equations, bounds, todo) -> dict[Hashable, tuple[float, float]]:
    from scipy.optimize import linprog

    index = {c: i for i, c in enumerate(cells)}
    a_eq = np.zeros((len(equations), len(cells)))
    b_eq = np.zeros(len(equations))
    for row, (coef, rhs) in enumerate(equations):
        for c, a in coef.items():
            a_eq[row, index[c]] = a
        b_eq[row] = rhs
    box = [(bounds[c][0], None if bounds[c][1] == _INF else bounds[c][1]) for c in cells]
    out = {}
    for c in todo:
        ends = []
        for sign in (1.0, -1.0):
            obj = np.zeros(len(cells))
            obj[index[c]] = sign
            res = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
            if res.status == 3:  # unbounded
                ends.append(-_INF if sign > 0 else _INF)
            elif res.status == 0:
                ends.append(float(res.x[index[c]]))
            else:  # the true sizes are feasible: a solver failure, read as "not recovered"
                ends.append(float(bounds[c][0]) if sign > 0 else float(bounds[c][1]))
        out[c] = (ends[0], ends[1])
    return out


def recovered(rng: tuple[float, float]) -> bool:
    """Fewer than two whole values fit in the range.

    >>> recovered((2.0, 2.0)), recovered((1.0, 1.9)), recovered((1.0, 2.0))
    (True, True, False)
    """
    lo, hi = rng
    if hi == _INF:
        return False
    return math.floor(hi + 1e-7) - math.ceil(lo - 1e-7) < 1


def protect(
    scopes: Sequence[Mapping[Hashable, int]],
    relations: Sequence[Relation],
    k: int,
    *,
    printed: set[Hashable] | None = None,
    cost: Mapping[Hashable, float] | None = None,
    hidden: Mapping[Hashable, str] | None = None,
    controls: Mapping[Hashable, Iterable[Hashable]] | None = None,
    not_groups: Iterable[Hashable] = (),
    counts: bool = False,
    watch: Iterable[Hashable] | None = None,
) -> tuple[dict[Hashable, str], list[Hashable]]:
    """Cells to hide (``{cell: "small" | "complementary"}``) and the cells it cannot protect.

    ``scopes`` give each cell's size in each scope (the pool first, then e.g. one field
    each); a cell is small when ``0 < size < k`` in any scope. ``printed`` are the cells a
    table shows unless hidden (default: every cell); the others are unknown to a reader from
    the start. ``cost`` ranks candidate complements (default: the pool size; ``inf`` = never
    hide). ``hidden`` are cells already hidden. ``controls`` maps a cell to the cells that
    are printed only while it is shown (a split report's cells, written only when its split
    value is shown). ``not_groups`` are counts that are not groups (the undisclosed, a
    total of disclosed raters): never small, and a reader knows only that they are >= 0.

    With ``counts`` the scopes hold another figure that adds up over raters (judgments,
    label counts, flagged raters): nothing is small by it, a hidden cell is only known to
    be >= 0 (and may be 0: its row is there, its figure hidden), and a cell is recovered
    when its value is positive and pinned. Counts of 0 pin each other (if hidden cells add
    up to 0, each is 0); what they must not do is pin a positive count through a cycle of
    relations (the row and column of an intersection), which this audit catches.
    ``watch`` limits the cells that must not be recovered (default: every hidden cell and
    every small one).

    >>> sizes = {"A": 40, "B": 9, "C": 2}
    >>> protect([sizes], [Relation(None, ("A", "B", "C"))], 5)
    ({'C': 'small', 'B': 'complementary'}, [])
    >>> protect([{"A": 30, "B": 2, "C": 3}], [Relation(None, ("A", "B", "C"))], 5)
    ({'B': 'small', 'C': 'small'}, [])
    """
    cells = sorted({c for s in scopes for c in s}, key=_order)
    printed = set(cells) if printed is None else set(printed)
    pool = scopes[0]
    cost = dict(cost or {})
    out: dict[Hashable, str] = dict(hidden or {})
    plain = set(cells) if counts else set(not_groups)
    small = {c for c in cells if c not in plain and any(0 < s.get(c, 0) < k for s in scopes)}
    for c in cells:
        if c in small and c not in out:
            out[c] = SMALL
    controlled: dict[Hashable, set] = {}
    for head, members in (controls or {}).items():
        for m in members:
            controlled.setdefault(m, set()).add(head)
    by_cell: dict[Hashable, list[Relation]] = {}
    for rel in relations:
        for c in (rel.total, *rel.parts):
            if c is not None:
                by_cell.setdefault(c, []).append(rel)
    given_up: list[Hashable] = []
    if watch is not None:  # cells that may be recovered count as given up from the start
        watched = set(watch)
        given_up = [c for c in cells if c not in watched]

    def shown_with(hidden_now):
        def shown(c) -> bool:
            if c not in printed or c in hidden_now:
                return False
            return not (controlled.get(c, set()) & set(hidden_now))

        return shown

    shown = shown_with(out)

    while True:
        failure = _first_recovered(scopes, relations, k, out, shown, small, given_up, plain, counts)
        if failure is None:
            return out, [c for c in given_up if watch is None or c in watched]
        cell, scope = failure

        def still_recovered(extra, cell=cell, scope=scopes[scope]):
            trial = {**out, extra: COMPLEMENTARY}
            unknown = unknowns(scope, k, trial, shown_with(trial), plain, counts)
            return recovered(feasible_ranges(scope, relations, unknown, [cell])[cell])

        pick = _complement(cell, scopes[scope], by_cell, shown, cost, pool, still_recovered, counts)
        if pick is None:
            given_up.append(cell)
        else:
            out[pick] = SMALL if pick in small else COMPLEMENTARY


def _order(c: Hashable) -> str:
    return repr(c)


def unknowns(
    scope, k, hidden, shown, not_groups=(), counts=False
) -> dict[Hashable, tuple[float, float]]:
    """What a reader does not know in one scope, with the bounds the labels give."""
    out = {}
    for c, n in scope.items():
        if n <= 0 and c not in not_groups and not (counts and c in hidden):
            continue  # an empty group: the row that would show it is absent, so it is known
        if c in hidden and c not in not_groups:
            lo, hi = label_bounds(n, k)
            # with k = 2 "fewer than k" says "exactly 1" by itself; what must still not be
            # recovered is every other figure of the group, which only the sums can give
            out[c] = (0, _INF) if lo == hi else (lo, hi)
        elif c in hidden or not shown(c):
            out[c] = (0, _INF)
    return out


def _first_recovered(scopes, relations, k, hidden, shown, small, given_up, not_groups, counts):
    for i, scope in enumerate(scopes):
        unknown = unknowns(scope, k, hidden, shown, not_groups, counts)
        if counts:  # a positive hidden count must not be pinned (0s may be)
            wanted = (c for c in unknown if c in hidden and scope.get(c, 0) > 0)
        else:
            wanted = (c for c in unknown if c in small or (c in hidden and c not in not_groups))
        check = sorted(
            (c for c in wanted if c not in given_up),
            key=lambda c: (c not in hidden, _order(c)),  # printed cells first
        )
        if not check:
            continue
        ranges = feasible_ranges(scope, relations, unknown, check)
        for c in check:
            if recovered(ranges[c]):
                return c, i
    return None


def _complement(cell, scope, by_cell, shown, cost, pool, still_recovered, counts=False):
    """The cell to hide next: the cheapest shown cell tied to ``cell`` whose hiding alone
    stops its recovery, or failing that the cheapest of the nearest ones.

    Candidates are searched breadth first: the relations of ``cell``, then those of the
    unknowns they share with it, and so on.
    """
    seen_rels: set[int] = set()
    frontier, visited = [cell], {cell}
    nearest: list = []
    tried = 0
    while frontier:
        near: dict[Hashable, int] = {}  # candidate -> unknowns in its tightest relation
        nxt = []
        for u in frontier:
            for rel in by_cell.get(u, []):
                if id(rel) in seen_rels:
                    continue
                seen_rels.add(id(rel))
                members = [c for c in (rel.total, *rel.parts) if c is not None]
                loose = sum(1 for c in members if not shown(c) and scope.get(c, 0) > 0)
                for c in members:
                    if c == cell:
                        continue
                    if (counts or scope.get(c, 0) > 0) and shown(c) and cost.get(c, 0) != _INF:
                        near[c] = min(near.get(c, loose), loose)
                    elif not shown(c) and c not in visited:
                        visited.add(c)
                        nxt.append(c)
        # a relation where the cell is (nearly) the only unknown is what pins it: take the
        # complement there first, the cheapest one
        ranked = sorted(near, key=lambda c: (near[c], cost.get(c, pool.get(c, 0)), _order(c)))
        if ranked and not nearest:
            nearest = ranked
        for c in ranked:
            if tried >= _MAX_TRIALS:
                break
            tried += 1
            if not still_recovered(c):
                return c
        frontier = nxt
    return nearest[0] if nearest else None


_MAX_TRIALS = 60
