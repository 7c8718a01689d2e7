"""Contested items under rater relabellings, checked against oracles that share no code.

- observed counts against the definition (unique pluralities counted with
  ``collections.Counter``, one (group, item) cell at a time), on random inputs;
- the numba and numpy kernels count identical integers under random relabellings;
- the chance baseline (the null mean) and the one-sided p-value against the exact
  permutation distribution: on tiny inputs every distinct relabelling of the raters is
  enumerated with ``itertools``; the Monte Carlo values must lie within a stated number
  of standard errors of the exact ones.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pytest

from labelaudit.stats import majority as mj
from labelaudit.stats.contested import ContestedStatistic
from labelaudit.stats.significance import Contrast, draw_assignments, run_contrasts

KERNELS = ["numba", "numpy"]


def _unique_plurality(votes: Counter):
    """The value chosen most often, when no other value is chosen as often; else None."""
    votes = Counter({v: c for v, c in votes.items() if c > 0})
    if not votes:
        return None
    top = max(votes.values())
    leaders = [v for v, c in votes.items() if c == top]
    return leaders[0] if len(leaders) == 1 else None


def _flips_by_definition(items, values, anns, codes, pooled, n_groups, min_group_judgments):
    """Items compared and flipped per group: every (group, item) cell, one at a time."""
    pooled_major = [_unique_plurality(Counter(dict(enumerate(row)))) for row in pooled.tolist()]
    cells: defaultdict[tuple[int, int], Counter] = defaultdict(Counter)
    for i, v, a in zip(items.tolist(), values.tolist(), anns.tolist(), strict=True):
        if codes[a] >= 0:
            cells[codes[a], i][v] += 1
    compared, flipped = [0] * n_groups, [0] * n_groups
    for (g, i), votes in cells.items():
        mine = _unique_plurality(votes)
        if votes.total() >= min_group_judgments and None not in (mine, pooled_major[i]):
            compared[g] += 1
            flipped[g] += mine != pooled_major[i]
    return compared, flipped


def _case(seed: int):
    """Random judgments, one per (item, annotator); -1 codes for raters without a value."""
    rng = np.random.default_rng(seed)
    n_items, k, g = int(rng.integers(1, 40)), int(rng.integers(2, 6)), int(rng.integers(1, 5))
    n_ann = int(rng.integers(2, 30))
    pairs = rng.integers(0, n_items * n_ann, int(rng.integers(1, 500)))
    pairs = np.unique(pairs)
    items, anns = pairs // n_ann, pairs % n_ann
    values = rng.integers(0, k, items.size)
    codes = rng.integers(-1, g, n_ann)
    pooled = mj.label_counts(items, values, n_items, k)
    if seed % 2:  # judgments outside this unit's coding can only add to the pooled counts
        pooled = pooled + rng.integers(0, 2, pooled.shape)
    return items, values, anns, codes, pooled, g


@pytest.mark.parametrize("seed", range(40))
def test_observed_counts_follow_the_definition(seed):
    items, values, anns, codes, pooled, g = _case(seed)
    mg = 1 + seed % 3
    for kernel in KERNELS:
        s = ContestedStatistic(items, values, anns, pooled, g, mg, kernel=kernel)
        c, f = s.counts(codes)
        assert (c.tolist(), f.tolist()) == _flips_by_definition(items, values, anns, codes,
                                                                pooled, g, mg)  # fmt: skip


def test_definition_by_hand():
    # item 0: group 0 (raters 0, 1) says 1, 1; group 1 (raters 2-4) says 0, 0, 1; an
    # unknown rater (5) says 0. Pooled: 0 x3, 1 x3 -> a tie, so no cell of item 0
    # compares. Item 1: group 0 (raters 0, 1, 2... here 0, 1, 6) says 2, 2, 0 (majority 2),
    # group 1 (rater 3) says 0 once (below 2); pooled 2 x2, 0 x2, plus two 0s from outside
    # the unit -> pooled 0: group 0 compares, flips.
    items = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    values = np.array([1, 1, 0, 0, 1, 0, 2, 2, 0, 0])
    anns = np.array([0, 1, 2, 3, 4, 5, 0, 1, 6, 3])
    codes = np.array([0, 0, 1, 1, 1, -1, 0])
    pooled = mj.label_counts(items, values, 2, 3) + np.array([[0, 0, 0], [2, 0, 0]])
    assert _flips_by_definition(items, values, anns, codes, pooled, 2, 2) == ([1, 0], [1, 0])
    c, f = ContestedStatistic(items, values, anns, pooled, 2, 2).counts(codes)
    assert c.tolist() == [1, 0] and f.tolist() == [1, 0]


@pytest.mark.parametrize("seed", range(12))
def test_kernels_count_the_same_under_relabellings(seed):
    items, values, anns, codes, pooled, g = _case(100 + seed)
    rows = draw_assignments(codes, np.arange(codes.size), np.random.default_rng(seed), 30)
    a, b = (ContestedStatistic(items, values, anns, pooled, g, 2, kernel=k) for k in KERNELS)
    np.testing.assert_array_equal(a._counts(rows)[0], b._counts(rows)[0])
    np.testing.assert_array_equal(a._counts(rows)[1], b._counts(rows)[1])
    np.testing.assert_array_equal(a(rows, np.arange(g)), b(rows, np.arange(g)))


def _tiny(seed: int, n_ann: int, codes: list[int], n_items: int = 5, k: int = 2):
    """Every rater judges most items; group 0 leans to value 1."""
    rng = np.random.default_rng(seed)
    codes = np.array(codes)
    items, anns, values = [], [], []
    for i in range(n_items):
        for a in range(n_ann):
            if rng.random() < 0.85:
                lean = codes[a] == 0 and rng.random() < 0.4
                items.append(i)
                anns.append(a)
                values.append(1 if lean else int(rng.integers(0, k)))
    items, anns, values = np.array(items), np.array(anns), np.array(values)
    return items, values, anns, codes, mj.label_counts(items, values, n_items, k)


TINY = [
    _tiny(0, 6, [0, 0, 0, 1, 1, 1]),  # C(6, 3) = 20 relabellings
    _tiny(8, 7, [0, 0, 1, 1, 2, 2, -1], k=3),  # 6! / (2! 2! 2!) = 90
    _tiny(2, 8, [0, 0, 0, 1, 1, 1, 1, 1], n_items=7),  # C(8, 3) = 56
]


def _exact(case: int, min_group_judgments: int):
    """Per group: P(a share is defined), E[share | defined], P(share >= observed | defined)."""
    items, values, anns, codes, pooled = TINY[case]
    g = int(codes.max()) + 1
    present = np.flatnonzero(codes >= 0)
    args = (items, values, anns)
    obs_c, obs_f = _flips_by_definition(*args, codes, pooled, g, min_group_judgments)
    observed = [Fraction(f, c) if c else None for c, f in zip(obs_c, obs_f, strict=True)]
    shares = []
    for perm in sorted(set(itertools.permutations(codes[present].tolist()))):
        lab = codes.copy()
        lab[present] = perm
        c, f = _flips_by_definition(*args, lab, pooled, g, min_group_judgments)
        shares.append([Fraction(fg, cg) if cg else None for cg, fg in zip(c, f, strict=True)])
    out = []
    for k in range(g):
        seen = [row[k] for row in shares if row[k] is not None]
        if observed[k] is None or not seen:
            out.append(None)
            continue
        mean = sum(seen, Fraction(0)) / len(seen)
        sd = math.sqrt(float(sum(((x - mean) ** 2 for x in seen), Fraction(0)) / len(seen)))
        tail = Fraction(sum(x >= observed[k] for x in seen), len(seen))
        out.append((Fraction(len(seen), len(shares)), mean, tail, sd))
    return out


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", range(len(TINY)))
@pytest.mark.parametrize("min_group_judgments", [1, 2])
def test_null_mean_and_p_value_match_exact_enumeration(kernel, case, min_group_judgments):
    items, values, anns, codes, pooled = TINY[case]
    g = int(codes.max()) + 1
    exact = _exact(case, min_group_judgments)
    stat = ContestedStatistic(items, values, anns, pooled, g, min_group_judgments, kernel=kernel)
    n = 8000
    c = Contrast("tiny", codes, np.arange(codes.size), stat, ["F"] * g, ["greater"] * g,
                 np.ones(g, dtype=bool))  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=n, max_permutations=n,
                            stop_after=None, seed=case)  # fmt: skip
    inner = 0
    for k, ex in enumerate(exact):
        if ex is None:
            assert np.isnan(r.p_value[k])
            continue
        p_def, mean, tail, sd = ex
        seen = float(p_def) * n
        assert abs(r.null_mean[k] - float(mean)) <= 5 * sd / math.sqrt(seen) + 1e-12
        tail_se = math.sqrt(float(tail * (1 - tail)) / seen)
        assert abs(r.p_value[k] - float(tail)) <= 5 * tail_se + 2 / seen
        inner += 0 < tail < 1
    assert inner >= 1  # the case tests something
