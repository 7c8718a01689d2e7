"""The significance engine of every group-vs-rest contrast: relabellings of the raters,
sequential Monte Carlo p-values and Benjamini-Hochberg families.

One *contrast* is one stream of relabellings: the attribute values of the annotators
are permuted across annotators (each keeps their own judgments; group sizes, and with
``strata`` each stratum's composition, are kept), and a *statistic* callback turns a
block of those assignments into one value per test column (typically one per group, or
one per attribute). Drawing the assignments (:func:`draw_assignments`) is kept apart
from computing the statistic, so a block can be drawn once and its statistic summed
from per-partition contributions.

Conventions (CONTRACT section 4):

- two-sided ``p = min(1, 2 (1 + b) / (1 + B))`` with ``b`` the smaller tail (permuted
  values at least as far out as observed on each side) and ``B`` the permutations with
  a defined statistic; one-sided (``"greater"``) ``p = (1 + b) / (1 + B)``; values equal
  to the observed one (within 1e-9, relative) count in both tails;
- Besag and Clifford (1991) early stopping: a test stops at the permutation where its
  tail reaches ``stop_after``; its p-value is then ``stop_after / l`` (doubled when
  two-sided) after ``l`` permutations;
- ``p_adjusted``: Benjamini-Hochberg within each family (one per rule) over the run;
- sequential resolution: permutations are drawn in rounds of doubling size. A test
  stops early once it is clearly null (Besag-Clifford) or clearly significant (its p
  at most half the current BH threshold of its family); otherwise it runs to
  ``n_permutations``, and beyond that up to ``max_permutations`` only while its p sits
  at the resolution floor: while the +1 correction, not the data, keeps it above half
  the BH threshold it would need (Sandve, Ferkingstad and Nygard 2011 combine these two
  rules the same way). A test at the floor goes straight to the first count whose floor
  meets its threshold when that comes before the next round. Every p-value is reported
  with the permutations behind it.

Each contrast draws from its own generator, seeded by the run's seed and the contrast's
key, over annotators in a canonical order (the caller's: sorted ids), one permutation
after another: the results depend neither on the input row order, nor on block sizes,
nor on which other contrasts ran. Within a round the contrasts are independent, so
``workers`` threads advance them side by side (each contrast's own draws and counts stay
in one thread, in order): the results do not depend on the number of workers either.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

__all__ = [
    "Contrast",
    "ContrastResult",
    "Family",
    "benjamini_hochberg",
    "draw_assignments",
    "p_value",
    "run_contrasts",
]

#: ``statistic(assignments (P, n_annotators), columns (k,)) -> (P, k)`` values
Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]
SIDES = {"two-sided": 2.0, "greater": 1.0}
_TIE = 1e-9


def draw_assignments(
    codes: np.ndarray,
    order: np.ndarray,
    rng: np.random.Generator,
    n: int,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """``n`` relabellings of ``codes``: values shuffled among the annotators ``order`` lists.

    Annotators outside ``order``, and those with code -1, keep their code. One
    permutation is drawn per row (per stratum, strata in ascending order), so the k-th
    row is the same whatever ``n`` the rows are drawn in; listing ``order`` by sorted id
    makes the draws independent of how the annotators were numbered.

    Examples
    --------
    >>> rows = draw_assignments(np.array([0, 0, 1, -1, 1]), np.arange(5),
    ...                         np.random.default_rng(0), 3)
    >>> rows.shape, sorted(rows[0, [0, 1, 2, 4]].tolist()), rows[:, 3].tolist()
    ((3, 5), [0, 0, 1, 1], [-1, -1, -1])
    >>> bool((draw_assignments(np.array([0, 1, 0, 1]), np.arange(4), np.random.default_rng(0),
    ...      4, strata=np.array([0, 1, 0, 1])) == [0, 1, 0, 1]).all())
    True
    """
    codes = np.asarray(codes, dtype=np.int64)
    order = np.asarray(order, dtype=np.int64)
    pos = order[codes[order] >= 0]
    if strata is None:
        parts = [np.arange(pos.size)]
    else:
        s = np.asarray(strata)[pos]
        parts = [np.flatnonzero(s == v) for v in np.unique(s)]
    vals = [codes[pos[p]] for p in parts]
    where = [pos[p] for p in parts]
    out = np.tile(codes, (n, 1))
    for r in range(n):
        for w, v in zip(where, vals, strict=True):
            out[r, w] = v[rng.permutation(v.size)]
    return out


def p_value(tail: int, n: int, sides: str = "two-sided", *, stopped: bool = False) -> float:
    """Permutation p-value from the tail count ``tail`` of ``n`` permutations.

    Examples
    --------
    >>> p_value(0, 999), p_value(0, 999, "greater"), p_value(10, 40, stopped=True)
    (0.002, 0.001, 0.5)
    """
    if n < 1:
        return float("nan")
    s = SIDES[sides]
    raw = s * tail / n if stopped else s * (1 + tail) / (1 + n)
    return float(min(1.0, raw))


def benjamini_hochberg(p_values: np.ndarray | Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN entries are left out of the family.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, float("nan"), 0.03]).round(4).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        if np.any((p[ok] < 0) | (p[ok] > 1)):
            raise ValueError("p-values must lie in [0, 1]")
        out[ok] = sps.false_discovery_control(p[ok], method="bh")
    return out


@dataclass
class Contrast:
    """One stream of relabellings and the test columns its statistic gives.

    ``family`` and ``sides`` name, per column, the BH family (a rule code) and
    ``"two-sided"`` or ``"greater"``; ``tested`` leaves columns out (too little
    support, too small a group): they get no p-value and are not in any family.
    ``block`` bounds the permutations per statistic call (memory).
    """

    key: str
    codes: np.ndarray
    order: np.ndarray
    statistic: Statistic
    family: Sequence[str]
    sides: Sequence[str]
    tested: np.ndarray
    strata: np.ndarray | None = None
    block: int = 64


@dataclass
class ContrastResult:
    """Per column of a contrast (NaN / 0 where not tested)."""

    observed: np.ndarray
    p_value: np.ndarray
    p_adjusted: np.ndarray
    n_permutations: np.ndarray  # permutations the column's p rests on
    null_mean: np.ndarray  # mean permuted statistic
    family_size: np.ndarray


@dataclass(frozen=True)
class Family:
    """One BH family of the run: its size, level and permutation use."""

    name: str
    size: int
    alpha: float
    n_significant: int
    n_unresolved: int  # tests still at the resolution floor when max_permutations ran out
    max_permutations_used: int


class _State:
    """Tail counts of one contrast's columns, kept across rounds."""

    def __init__(self, c: Contrast, seed: int) -> None:
        self.c = c
        self.rng = np.random.default_rng([seed, zlib.crc32(c.key.encode())])
        self.observed = np.asarray(c.statistic(c.codes[None, :], np.arange(len(c.family)))[0],
                                   dtype=np.float64)  # fmt: skip
        t = self.observed.size
        self.two = np.array([SIDES[s] == 2.0 for s in c.sides])
        self.hi, self.lo, self.valid, self.used = (np.zeros(t, np.int64) for _ in range(4))
        self.total = np.zeros(t)
        self.stopped = np.zeros(t, dtype=bool)
        self.live = np.asarray(c.tested, dtype=bool) & np.isfinite(self.observed)
        self.tol = _TIE * np.maximum(1.0, np.abs(np.nan_to_num(self.observed)))

    def tail(self) -> np.ndarray:
        return np.where(self.two, np.minimum(self.hi, self.lo), self.hi)

    def p(self) -> np.ndarray:
        s = np.where(self.two, 2.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(self.stopped, s * self.tail() / self.valid,
                         s * (1 + self.tail()) / (1 + self.valid))  # fmt: skip
        return np.where(self.live & (self.valid > 0), np.minimum(p, 1.0), np.nan)

    def catch_up(self, goal: np.ndarray, stop_after: int | None) -> None:
        """Advance every column to ``goal`` permutations (fewer if it stops)."""
        need = np.flatnonzero(goal > self.used)
        if need.size:
            self.advance(need, goal[need] - self.used[need], stop_after)

    def advance(self, cols: np.ndarray, counts: np.ndarray, stop_after: int | None) -> None:
        """Count the next ``counts[j]`` permutations of the stream for column ``cols[j]``
        (Besag-Clifford stops a column at the permutation that reached ``stop_after``).

        A column that needs fewer permutations than another one of the contrast uses the
        first ones only: the blocks are drawn once, for the most demanding column.
        """
        c = self.c
        left = np.asarray(counts, dtype=np.int64).copy()
        while cols.size:
            b = int(min(left.max(), c.block))
            null = np.asarray(c.statistic(draw_assignments(c.codes, c.order, self.rng, b, c.strata),
                                          cols), dtype=np.float64)  # fmt: skip
            obs, tol = self.observed[cols], self.tol[cols]
            fin = np.isfinite(null)
            hi = np.cumsum(fin & (null >= obs - tol), axis=0) + self.hi[cols]
            lo = np.cumsum(fin & (null <= obs + tol), axis=0) + self.lo[cols]
            valid = np.cumsum(fin, axis=0) + self.valid[cols]
            tot = np.cumsum(np.where(fin, null, 0.0), axis=0) + self.total[cols]
            last = np.minimum(left, b) - 1
            if stop_after is not None:
                tail = np.where(self.two[cols], np.minimum(hi, lo), hi)
                reached = (tail >= stop_after) & (np.arange(b)[:, None] <= last[None, :])
                hit = reached.any(axis=0)
                last = np.where(hit, reached.argmax(axis=0), last)
                self.stopped[cols[hit]] = True
            at = (last, np.arange(cols.size))
            self.hi[cols], self.lo[cols], self.valid[cols] = hi[at], lo[at], valid[at]
            self.total[cols] = tot[at]
            self.used[cols] += last + 1
            left -= last + 1
            keep = (left > 0) & ~self.stopped[cols]
            cols, left = cols[keep], left[keep]


def _schedule(n_permutations: int, cap: int, first: int) -> list[int]:
    """Permutation counts at which tests are judged: doubling up to the base, then the cap."""
    points = []
    b = min(first, n_permutations)
    while b < n_permutations:
        points.append(b)
        b *= 2
    points.append(n_permutations)
    while points[-1] < cap:
        points.append(min(cap, points[-1] * 2))
    return points


def run_contrasts(
    contrasts: Sequence[Contrast],
    alphas: Mapping[str, float],
    *,
    n_permutations: int,
    max_permutations: int,
    stop_after: int | None,
    seed: int,
    workers: int = 1,
) -> tuple[list[ContrastResult], dict[str, Family]]:
    """Test every column of ``contrasts``; BH within each family of ``alphas``.

    ``stop_after`` None turns early stopping off (no Besag-Clifford, no early stop for
    significance): every test then runs ``n_permutations``, and more only while it sits
    at the resolution floor (``max_permutations = n_permutations`` turns that off too).
    ``workers`` > 1 advances that many contrasts at a time in threads (statistics that
    release the GIL, e.g. numba kernels, then share the cores); same results.

    Examples
    --------
    Ten annotators, their values 0..9; the statistic is group 0's mean value minus the
    rest's. Group 0 holds the five largest values: of the 252 relabellings only this one
    is as extreme, so p sits at the floor, 2 / (l + 1), and the test stops as clearly
    significant once that is at most half the BH threshold (a family of one: 0.025),
    after the round of 80 permutations:

    >>> v = np.arange(10.0)
    >>> def gap(rows, cols):
    ...     g = rows == 0
    ...     return ((g * v).sum(1) / 5 - (~g * v).sum(1) / 5)[:, None]
    >>> c = Contrast("demo", np.array([1] * 5 + [0] * 5), np.arange(10), gap, ["X"],
    ...              ["two-sided"], np.array([True]))
    >>> (r,), fam = run_contrasts([c], {"X": 0.05}, n_permutations=1000,
    ...                           max_permutations=1000, stop_after=10, seed=0)
    >>> float(r.observed[0]), float(r.p_value[0]), int(r.n_permutations[0]), fam["X"].size
    (5.0, 0.024691358024691357, 80, 1)
    """
    first = 2 * stop_after if stop_after is not None else n_permutations
    cap = max(max_permutations, n_permutations)
    points = _schedule(n_permutations, cap, max(first, 1))
    with ThreadPoolExecutor(max(1, workers)) if workers > 1 else _Serial() as pool:
        states = list(pool.map(lambda c: _State(c, seed), contrasts))
        goal = [np.where(s.live, points[0], 0) for s in states]
        while True:
            # a contrast's draws and counts stay in one task, in order; list() waits for
            # the round and raises the first error
            list(pool.map(lambda s, g: s.catch_up(g, stop_after), states, goal))
            verdicts = _judge(states, alphas, n_permutations, cap, stop_after is not None)
            if not _next_goals(states, goal, verdicts, points, cap):
                break
    return _results(states, alphas, verdicts)


class _Serial:
    """The executor interface, in this thread (``workers = 1``)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc) -> None:
        return None

    @staticmethod
    def map(fn, *items):
        return map(fn, *items)


def _next_goals(states, goal, verdicts, points, cap) -> bool:
    """Set each contrast's next permutation counts; whether any test needs more."""
    more = False
    for s, g, (needy, _, target) in zip(states, goal, verdicts, strict=True):
        nxt = np.array([next((q for q in points if q > u), cap) for u in s.used])
        # a test at the floor goes straight to the count its threshold asks for
        # when that comes before the next round's
        nxt = np.where(target > s.used, np.minimum(nxt, target), nxt)
        g[:] = np.where(needy, nxt, s.used)
        more |= bool(needy.any())
    return more


def _judge(states: list[_State], alphas: Mapping[str, float], base: int, cap: int, early: bool):
    """Per contrast: which columns need more permutations, which are unresolved, and for
    columns at the floor the permutation count at which the floor meets their threshold
    (0: none)."""
    p = [s.p() for s in states]
    out = []
    crit = {}
    for f, alpha in alphas.items():
        ps = np.concatenate([q[_in(s, f)] for s, q in zip(states, p, strict=True)] or [[]])
        ps = ps[np.isfinite(ps)]
        m = ps.size
        k = _bh_rejections(ps, alpha)
        floor = sum(int((_in(s, f) & ~s.stopped & (s.tail() == 0) & (q > alpha * k / max(m, 1))
                         & np.isfinite(q)).sum()) for s, q in zip(states, p, strict=True))  # fmt: skip
        crit[f] = (alpha, m, k, floor)
    for s, q in zip(states, p, strict=True):
        needy = np.zeros(q.size, dtype=bool)
        unresolved = np.zeros(q.size, dtype=bool)
        target = np.zeros(q.size, dtype=np.int64)
        tails = s.tail()
        for j in np.flatnonzero(np.isfinite(q) & ~s.stopped):
            alpha, m, k, floor = crit[s.c.family[j]]
            t_star = alpha * k / m
            rejected = q[j] <= t_star
            # the threshold a test at the floor would need: with the others at the floor
            t_floor = t_star if rejected else alpha * (k + max(floor, 1)) / m
            side = SIDES[s.c.sides[j]]
            at_floor = tails[j] == 0
            if s.used[j] < base:
                needy[j] = not (early and rejected and q[j] <= t_star / 2)
                if early and at_floor:  # the floor side / (l + 1) below half of it
                    target[j] = int(side / (t_floor / 2))
                continue
            # past the base count only the floor decides: a test sitting there goes on
            # until it is below half the threshold it would need (a p_adjusted that
            # reads clearly, not just under the level), up to the cap
            if rejected and not (at_floor and q[j] > t_star / 2):
                continue
            t_need = t_floor if at_floor else alpha * (k + 1) / m
            limited = side * tails[j] / s.valid[j] < t_need
            needy[j] = limited and s.used[j] < cap
            unresolved[j] = limited and s.used[j] >= cap and not rejected
            if at_floor:
                target[j] = min(cap, int(side / (t_need / 2)))
        out.append((needy, unresolved, target))
    return out


def _in(s: _State, family: str) -> np.ndarray:
    return s.live & np.array([f == family for f in s.c.family], dtype=bool)


def _bh_rejections(p: np.ndarray, alpha: float) -> int:
    """Number of Benjamini-Hochberg rejections at level ``alpha``."""
    m = p.size
    if not m:
        return 0
    ok = np.sort(p) <= alpha * np.arange(1, m + 1) / m
    return int(np.flatnonzero(ok)[-1] + 1) if ok.any() else 0


def _results(states, alphas, verdicts) -> tuple[list[ContrastResult], dict[str, Family]]:
    p = [s.p() for s in states]
    adjusted = [np.full(q.size, np.nan) for q in p]
    sizes = [np.zeros(q.size, dtype=np.int64) for q in p]
    families = {}
    for f, alpha in alphas.items():
        where = [_in(s, f) & np.isfinite(q) for s, q in zip(states, p, strict=True)]
        ps = np.concatenate([q[w] for q, w in zip(p, where, strict=True)] or [[]])
        adj = benjamini_hochberg(ps)
        start = 0
        for a, z, w in zip(adjusted, sizes, where, strict=True):
            n = int(w.sum())
            a[w], z[w] = adj[start : start + n], ps.size
            start += n
        unresolved = sum(int((v[1] & w).sum()) for v, w in zip(verdicts, where, strict=True))
        used = max([int(s.used[w].max()) for s, w in zip(states, where, strict=True) if w.any()],
                   default=0)  # fmt: skip
        families[f] = Family(f, int(ps.size), float(alpha), int((adj < alpha).sum()),
                             unresolved, used)  # fmt: skip
    results = []
    for s, q, a, z in zip(states, p, adjusted, sizes, strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(s.live & (s.valid > 0), s.total / s.valid, np.nan)
        results.append(ContrastResult(s.observed, q, a, np.where(s.live, s.used, 0), mean, z))
    return results, families
