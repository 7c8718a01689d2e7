"""Preference flips under rater relabellings, checked against oracles that share no code.

- the null mean and p-value of the engine's test against the exact permutation
  distribution: on tiny inputs (6-8 annotators) every group of the same size is
  enumerated with ``itertools`` and the flip share of each computed from its definition;
  the Monte Carlo values must lie within a stated number of standard errors of the exact
  ones;
- the observed flip share equals the definition (and group_decision_shift);
- properties: the numba and numpy kernels return identical numbers.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest

from labelaudit.stats.preference import group_decision_shift
from labelaudit.stats.preference_flips import FlipShareStatistic, _flip_shares, prepare_judgments
from labelaudit.stats.significance import Contrast, draw_assignments, run_contrasts

KERNELS = ["numba", "numpy"]


def _sign(x) -> int:
    return (x > 0) - (x < 0)


def _share_by_definition(items, dirs, who, members) -> Fraction:
    """Flip share of the annotator set ``members``: among the comparisons judged both by
    the set and by someone else, the share where the set's one-vote-per-judgment
    decision is the opposite response to everyone's (0 when there are none)."""
    pooled, mine = defaultdict(int), defaultdict(int)
    inside, outside = set(), set()
    for i, d, a in zip(items.tolist(), dirs.tolist(), who.tolist(), strict=True):
        pooled[i] += d
        if a in members:
            mine[i] += d
            inside.add(i)
        else:
            outside.add(i)
    both = inside & outside
    flipped = sum(_sign(mine[i]) != 0 and _sign(mine[i]) == -_sign(pooled[i]) for i in both)
    return Fraction(flipped, len(both)) if both else Fraction(0)


def _case(seed: int):
    r = np.random.default_rng(seed)
    n_items, n_ann, n = int(r.integers(1, 30)), int(r.integers(2, 25)), int(r.integers(1, 300))
    items, who = r.integers(0, n_items, n), r.integers(0, n_ann, n)
    dirs = r.integers(-1, 2, n)
    member = r.random(n_ann) < 0.3
    eligible = None if seed % 3 == 0 else (r.random(n_ann) < 0.8) | member
    return items, dirs, who, member, n_items, eligible, int(r.integers(1, 150))


def _tiny(seed: int):
    """6-8 annotators judging 5 comparisons (about 3 judgments each); a group of 2-3."""
    r = np.random.default_rng(seed)
    n_ann = 6 + seed % 3
    items = np.repeat(np.arange(5), 3 + r.integers(0, 3, 5))
    who = np.concatenate([r.choice(n_ann, size=m, replace=False) for m in np.bincount(items)])
    dirs = r.integers(-1, 2, items.size)
    member = np.zeros(n_ann, dtype=bool)
    member[r.choice(n_ann, size=2 + seed % 2, replace=False)] = True
    eligible = None if seed % 2 == 0 else member | (np.arange(n_ann) < n_ann - 1)
    return items, dirs, who, member, eligible


TINY = [
    # By hand: raters 0, 1, 2 on two comparisons, rater 0 against raters 1 and 2 on both
    # (pooled -1 on item 0, +1 on item 1). A one-rater group flips both comparisons when
    # it is rater 0 and neither otherwise: shares 1, 0, 0, exact mean 1/3, and
    # P(share >= 1) = 1/3 for group {0}.
    (np.array([0, 0, 0, 1, 1, 1]), np.array([1, -1, -1, -1, 1, 1]), np.array([0, 1, 2] * 2),
     np.array([True, False, False]), None),
    # seeds whose observed share is above 0 (else P(share >= observed) = 1 trivially)
    *(_tiny(seed) for seed in (1, 3, 5, 6, 7, 9, 11)),
]  # fmt: skip


def _exact_null(case: int):
    """Exact mean, P(share >= observed) and standard deviation over every group of the
    same size drawn from the eligible annotators (all equally likely)."""
    items, dirs, who, member, eligible = TINY[case]
    pool = np.flatnonzero(np.ones(member.size, bool) if eligible is None else eligible)
    observed = _share_by_definition(items, dirs, who, set(np.flatnonzero(member).tolist()))
    shares = [_share_by_definition(items, dirs, who, set(c))
              for c in itertools.combinations(pool.tolist(), int(member.sum()))]  # fmt: skip
    mean = sum(shares, Fraction(0)) / len(shares)
    var = sum(((x - mean) ** 2 for x in shares), Fraction(0)) / len(shares)
    tail = Fraction(sum(x >= observed for x in shares), len(shares))
    return observed, mean, tail, math.sqrt(var)


def _codes(member, eligible):
    """Group 0 = the members, 1 = the other eligible raters, -1 = not relabelled."""
    eligible = np.ones(member.size, bool) if eligible is None else eligible
    return np.where(member, 0, np.where(eligible, 1, -1))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", range(len(TINY)))
def test_null_mean_and_p_value_match_exact_enumeration(kernel, case):
    items, dirs, who, member, eligible = TINY[case]
    observed, mean, tail, sd = _exact_null(case)
    if case == 0:
        assert (observed, mean, tail) == (1, Fraction(1, 3), Fraction(1, 3))
    data = prepare_judgments(items, dirs, who, member.size, int(items.max()) + 1)
    codes = _codes(member, eligible)
    n = 20_000
    c = Contrast("tiny", codes, np.arange(codes.size), FlipShareStatistic(data, 2, kernel=kernel),
                 ["F", "F"], ["greater"] * 2, np.array([True, False]))  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=n, max_permutations=n,
                            stop_after=None, seed=case)  # fmt: skip
    assert r.observed[0] == float(observed)  # the observed share exactly
    assert r.n_permutations[0] == n
    # 5 standard errors of a mean of n draws; (1 + b) / (1 + n) adds at most 1 / n
    assert abs(r.null_mean[0] - float(mean)) <= 5 * sd / math.sqrt(n) + 1e-12
    assert abs(r.p_value[0] - float(tail)) <= 5 * math.sqrt(float(tail * (1 - tail)) / n) + 1 / n


def test_enumeration_cases_are_not_degenerate():
    """The tiny cases test something: exact means and tails strictly inside (0, 1)."""
    inner = [0 < ex[1] < 1 and 0 < ex[2] < 1 for ex in map(_exact_null, range(len(TINY)))]
    assert all(inner), inner


def test_observed_share_follows_the_definition():
    for seed in range(40):
        items, dirs, who, member, n_items, eligible, _ = _case(seed)
        data = prepare_judgments(items, dirs, who, member.size, n_items)
        codes = _codes(member, eligible)
        got = FlipShareStatistic(data, 2)(codes[None], np.array([0]))[0, 0]
        members = set(np.flatnonzero(member).tolist())
        if not members:
            assert np.isnan(got)
            continue
        assert got == float(_share_by_definition(items, dirs, who, members)), seed
        s = group_decision_shift(items, dirs, member[who], n_items)
        assert got == (s["n_flipped"] / s["n_items_compared"] if s["n_items_compared"] else 0.0)


def test_kernels_return_identical_shares_under_relabellings():
    for seed in range(40):
        items, dirs, who, member, n_items, eligible, _ = _case(seed)
        data = prepare_judgments(items, dirs, who, member.size, n_items)
        codes = _codes(member, eligible)
        rows = draw_assignments(codes, np.arange(codes.size), np.random.default_rng(seed), 20)
        a, b = (FlipShareStatistic(data, 2, kernel=k)(rows, np.arange(2)) for k in KERNELS)
        np.testing.assert_array_equal(a, b)


def test_kernels_agree_on_a_block_of_draws():
    r = np.random.default_rng(1)
    n_items, n_ann, n = 200, 40, 1500
    items, who, dirs = r.integers(0, n_items, n), r.integers(0, n_ann, n), r.integers(-1, 2, n)
    data = prepare_judgments(items, dirs, who, n_ann, n_items)
    drawn = np.stack([r.choice(n_ann, size=7, replace=False) for _ in range(30)])
    a, b = _flip_shares(drawn, data, True), _flip_shares(drawn, data, False)
    np.testing.assert_array_equal(a, b)
    assert (a > 0).any()


def test_unknown_kernel_is_rejected():
    data = prepare_judgments(np.zeros(2, dtype=int), np.array([1, -1]), np.array([0, 1]), 2, 1)
    with pytest.raises(ValueError, match="kernel"):
        FlipShareStatistic(data, 2, kernel="gpu")


def test_bit_parallel_kernel_equals_numpy_on_many_draws_and_busy_items():
    # several 64-draw lanes, items judged by hundreds of annotators (wide bit-sliced
    # counters), and the pooled decision tied on some items
    for seed in range(6):
        r = np.random.default_rng(seed)
        n_items, n_ann, n = 12, 300, 4000
        items, who = r.integers(0, n_items, n), r.integers(0, n_ann, n)
        dirs = r.integers(-1, 2, n)
        data = prepare_judgments(items, dirs, who, n_ann, n_items)
        assert data.item_sign is not None
        drawn = np.stack([r.choice(n_ann, size=90, replace=False) for _ in range(150)])
        np.testing.assert_array_equal(
            _flip_shares(drawn, data, True), _flip_shares(drawn, data, False)
        )


def test_non_unit_directions_use_the_plain_kernel():
    r = np.random.default_rng(2)
    items, who = r.integers(0, 20, 300), r.integers(0, 15, 300)
    dirs = r.integers(-1, 2, 300) * 2.5  # only the sign matters for a decision
    data = prepare_judgments(items, dirs, who, 15, 20)
    assert data.item_sign is None
    drawn = np.stack([r.choice(15, size=5, replace=False) for _ in range(40)])
    np.testing.assert_array_equal(_flip_shares(drawn, data, True), _flip_shares(drawn, data, False))
