"""Counting (bincount) paths of the numeric core, checked against their definitions.

``effective_groups_per_item`` and ``loo_majority_agreement`` count (item, group/value)
cells with ``np.bincount`` when the code range is small and fall back to ``np.unique``
otherwise: both are pinned to hand-computed cases and to the definition computed item
by item (``collections.Counter``) on random inputs, and the two paths must agree
exactly. The rate-gap statistic (escape use, fast judgments, judgments faster than the
median) totals groups with one bincount: its observed gaps are pinned by hand, and the
engine's p-values to the exact permutation distribution, every relabelling of 6-8
annotators enumerated with ``itertools``, one-sided and two-sided.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from labelaudit.stats.rater_sums import RateGap
from labelaudit.stats.representation import effective_groups_per_item
from labelaudit.stats.significance import Contrast, run_contrasts
from labelaudit.stats.timing import loo_majority_agreement


def _effective_by_definition(items, groups, kind):
    """Per distinct item (ascending): judgments, distinct groups, Hill number, item by item."""
    per_item: dict[int, Counter] = {}
    for i, g in zip(items.tolist(), groups.tolist(), strict=True):
        per_item.setdefault(i, Counter())[g] += 1
    n_judg, n_groups, eff = [], [], []
    for i in sorted(per_item):
        counts = list(per_item[i].values())
        m = sum(counts)
        shares = [c / m for c in counts]
        n_judg.append(m)
        n_groups.append(len(counts))
        if kind == "shannon":
            eff.append(math.exp(-sum(p * math.log(p) for p in shares)))
        else:
            eff.append(1.0 / sum(p * p for p in shares))
    return np.array(n_judg), np.array(n_groups), np.array(eff)


def test_effective_groups_by_hand():
    # item 0: groups 0, 0, 0, 1 -> shares 3/4, 1/4:
    #   Shannon exp(-(3/4 ln 3/4 + 1/4 ln 1/4)) = 4 / 3^(3/4) = 1.7548...,
    #   Simpson 1 / (9/16 + 1/16) = 1.6
    # item 2 (item 1 absent): groups 0, 1, 2 once each -> 3 for both
    # item 7: group 4 twice -> 1 for both
    items = np.array([0, 0, 0, 0, 2, 2, 2, 7, 7])
    groups = np.array([0, 0, 0, 1, 0, 1, 2, 4, 4])
    for kind, first in (("shannon", 4 / 3**0.75), ("simpson", 1.6)):
        n, g, eff = effective_groups_per_item(items, groups, kind)
        assert n.tolist() == [4, 3, 2] and g.tolist() == [2, 3, 1]
        np.testing.assert_allclose(eff, [first, 3.0, 1.0], rtol=1e-12)
        # the np.unique path (codes spread over a huge range) gives the same numbers
        wide = effective_groups_per_item(items * 10**9, groups, kind)
        for a, b in zip(wide, (n, g, eff), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", ["shannon", "simpson"])
def test_effective_groups_follow_the_definition_on_both_paths(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 500))
    # small item range (bincount path) or huge sparse codes (np.unique path)
    high = int(rng.choice([5, 200, 10**9]))
    items = rng.integers(0, high, n)
    groups = rng.integers(0, int(rng.integers(1, 8)), n)
    got = effective_groups_per_item(items, groups, kind)
    want = _effective_by_definition(items, groups, kind)
    assert [a.dtype for a in got] == [np.int64, np.int64, np.float64]
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12)
    # the same judgments with item codes spread 10^9 apart (order kept) take the other
    # path when this one counted: the two paths agree exactly
    spread = effective_groups_per_item(np.unique(items, return_inverse=True)[1] * 10**9,
                                       groups, kind)  # fmt: skip
    dense = effective_groups_per_item(np.unique(items, return_inverse=True)[1], groups, kind)
    for a, b in zip(spread, dense, strict=True):
        np.testing.assert_array_equal(a, b)


def _loo_by_definition(items, values):
    """Leave-one-out majority from its definition, judgment by judgment."""
    out = np.full(len(items), np.nan)
    for i in range(len(items)):
        others = Counter(values[j] for j in range(len(items)) if j != i and items[j] == items[i])
        if not others:
            continue
        top = max(others.values())
        leaders = [v for v, c in others.items() if c == top]
        if len(leaders) == 1:
            out[i] = float(values[i] == leaders[0])
    return out


@pytest.mark.parametrize("seed", range(25))
def test_loo_majority_follows_the_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    items = rng.integers(0, int(rng.choice([4, 30, 10**12])), n)
    n_values = int(rng.integers(1, 5))
    values = rng.integers(0, n_values, n)
    got = loo_majority_agreement(items, values, n_values)
    np.testing.assert_array_equal(got, _loo_by_definition(items.tolist(), values.tolist()))


def _gaps(n, e, groups, codes):
    """Escape-rate gap of each group vs everyone else, as fractions (None: undefined)."""
    tot_n, tot_e = sum(n), sum(e)
    out = []
    for c in codes:
        gn = sum(x for x, g in zip(n, groups, strict=True) if g == c)
        ge = sum(x for x, g in zip(e, groups, strict=True) if g == c)
        out.append(
            None if gn in (0, tot_n) else Fraction(ge, gn) - Fraction(tot_e - ge, tot_n - gn)
        )
    return out


def _exact_p(n, e, groups, sides="two-sided"):
    """Exact permutation p per group over every distinct relabelling: one-sided
    P(gap >= observed), two-sided min(1, 2 min(P(gap >= obs), P(gap <= obs)))."""
    codes = sorted(set(groups))
    observed = _gaps(n, e, groups, codes)
    relabellings = sorted(set(itertools.permutations(groups)))
    hi, lo, seen = [0] * len(codes), [0] * len(codes), [0] * len(codes)
    for perm in relabellings:
        for j, gap in enumerate(_gaps(n, e, perm, codes)):
            if gap is None or observed[j] is None:
                continue
            seen[j] += 1
            hi[j] += gap >= observed[j]
            lo[j] += gap <= observed[j]
    out = []
    for j in range(len(codes)):
        if observed[j] is None:
            out.append(None)
            continue
        up, down = Fraction(hi[j], seen[j]), Fraction(lo[j], seen[j])
        out.append(up if sides == "greater" else min(Fraction(1), 2 * min(up, down)))
    return out


def _engine_p(n, e, groups, b, seed, sides="two-sided"):
    """The engine's p-value per group code (ascending), no early stopping."""
    groups = np.asarray(groups)
    codes = np.unique(groups)
    g = int(codes.max()) + 1
    tested = np.isin(np.arange(g), codes)
    c = Contrast("gap", groups, np.arange(groups.size), RateGap(n, e, g), ["F"] * g, [sides] * g,
                 tested)  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=b, max_permutations=b,
                            stop_after=None, seed=seed)  # fmt: skip
    return r.p_value[codes]


def test_rate_gap_by_hand():
    # 4 annotators, one judgment each; annotators 0, 1 (group 0) escaped, 2, 3 did not.
    # Observed gap of group 0: 2/2 - 0/2 = 1 (group 2: -1). A relabelling puts two of
    # the four in group 0: {0, 1} gives gap 1, {2, 3} gap -1, the other four 0: so
    # P(gap >= 1) = 1/6 and the two-sided p = 2 * 1/6 = 1/3 for both groups.
    n, e, groups = [1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 2, 2]
    assert RateGap(np.array(n), np.array(e), 3)(np.array([groups]), np.array([0, 2])).tolist() \
        == [[1.0, -1.0]]  # fmt: skip
    assert _exact_p(n, e, groups) == [Fraction(1, 3), Fraction(1, 3)]
    assert _exact_p(n, e, groups, "greater") == [Fraction(1, 6), Fraction(1)]
    p = _engine_p(np.array(n, float), np.array(e, float), groups, 3000, 0)
    # 5 standard errors of a share of 3000 draws (doubled), plus 2 / 3001 of the +1
    assert np.abs(p - 1 / 3).max() <= 2 * 5 * math.sqrt(1 / 6 * 5 / 6 / 3000) + 2 / 3001
    # one group holding everyone has no "rest": undefined, so not tested
    gap = RateGap(np.ones(3), np.ones(3), 1)(np.zeros((1, 3), dtype=int), np.array([0]))
    assert np.isnan(gap).all()


ESCAPE_CASES = [
    # judgments and escapes per annotator, group codes with gaps (as after dropping -1)
    ([5, 3, 8, 2, 6, 4], [1, 0, 4, 0, 3, 2], [0, 0, 2, 2, 5, 5]),
    ([10, 7, 3, 9, 12, 4, 6, 8], [6, 1, 0, 2, 9, 1, 3, 0], [0, 9, 9, 0, 0, 2, 2, 9]),
    ([4, 4, 4, 4, 4, 4, 4], [0, 1, 2, 3, 4, 0, 1], [5, 5, 5, 9, 9, 9, 9]),
]


@pytest.mark.parametrize("sides", ["two-sided", "greater"])
@pytest.mark.parametrize("case", range(len(ESCAPE_CASES)))
def test_rate_gap_p_values_match_exact_enumeration(case: int, sides: str) -> None:
    n, e, groups = ESCAPE_CASES[case]
    exact = _exact_p(n, e, groups, sides)
    b = 4000
    p = _engine_p(np.array(n, float), np.array(e, float), groups, b, case, sides)
    s = 2 if sides == "two-sided" else 1
    for got, want in zip(p, exact, strict=True):
        assert want is not None
        tail = float(want) / s if want < 1 else 0.5
        se = math.sqrt(tail * (1 - tail) / b)
        assert abs(got - float(want)) <= s * (5 * se + 1 / (b + 1))
    assert any(0 < w < 1 for w in exact)  # not a trivial distribution


@pytest.mark.parametrize("seed", range(15))
def test_rate_gap_test_depends_on_the_grouping_not_on_the_codes(seed: int) -> None:
    """Exact properties on random inputs: renaming the group codes moves each group's
    p-value with it; with two groups, each is the other's rest, so their gaps are
    opposite and their two-sided p-values equal."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(4, 60))
    n = rng.integers(1, 40, k).astype(float)
    e = np.minimum(rng.integers(0, 10, k), n).astype(float)
    groups = rng.choice(np.array([0, 2, 5, 9]), k)  # codes with gaps, as after dropping -1
    codes = np.unique(groups)
    p = _engine_p(n, e, groups, 60, seed)
    # an order-keeping renaming keeps every draw, so every p-value
    renamed = np.array([1, 3, 4, 7])[: codes.size][np.searchsorted(codes, groups)]
    np.testing.assert_array_equal(_engine_p(n, e, renamed, 60, seed), p)
    two = _engine_p(n, e, (groups > 2).astype(int), 60, seed)
    assert two.size == 1 or two[0] == two[1]  # one group alone (all codes on one side)
