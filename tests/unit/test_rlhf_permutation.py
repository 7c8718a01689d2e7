"""Preference-divergence permutation test, checked against oracles that share no code with it.

- the null mean and p-value against the exact permutation distribution: on tiny inputs
  (6-8 annotators) every group of the same size is enumerated with ``itertools`` and the
  flip share of each computed from its definition; the Monte Carlo values must lie within
  a stated number of standard errors of the exact ones;
- the Besag-Clifford rule against runs without stopping on the same draws, and the
  documented generator contract: the test leaves the generator where ``n_permutations``
  (or, stopped, ``used``) ``rng.choice`` draws leave it - the divergence analysis draws
  every group's test from one generator, so a single extra or missing draw would change
  every later test;
- properties: the numba and numpy kernels return identical numbers and generator states.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest

from labelaudit.stats.preference_permutation import (
    _flip_shares,
    flip_share_permutation,
    prepare_judgments,
)

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


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", range(len(TINY)))
def test_null_mean_and_p_value_match_exact_enumeration(kernel, case):
    items, dirs, who, member, eligible = TINY[case]
    observed, mean, tail, sd = _exact_null(case)
    if case == 0:
        assert (observed, mean, tail) == (1, Fraction(1, 3), Fraction(1, 3))
    n = 20_000
    got = flip_share_permutation(items, dirs, who, member, int(items.max()) + 1, n,
                                 np.random.default_rng(case), eligible, kernel=kernel)  # fmt: skip
    assert got.observed == float(observed)  # the observed share exactly
    assert got.n_permutations == n
    # 5 standard errors of a mean of n draws; (1 + b) / (1 + n) adds at most 1 / n
    assert abs(got.null_mean - float(mean)) <= 5 * sd / math.sqrt(n) + 1e-12
    assert abs(got.p_value - float(tail)) <= 5 * math.sqrt(float(tail * (1 - tail)) / n) + 1 / n


def test_enumeration_cases_are_not_degenerate():
    """The tiny cases test something: exact means and tails strictly inside (0, 1)."""
    inner = [0 < ex[1] < 1 and 0 < ex[2] < 1 for ex in map(_exact_null, range(len(TINY)))]
    assert all(inner), inner


def _replayed(seed, pool_size, eligible, k, draws):
    """A generator after ``draws`` documented draws: ``rng.choice(pool, size=k, replace=False)``."""
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(np.ones(pool_size, bool) if eligible is None else eligible)
    for _ in range(draws):
        rng.choice(pool, size=k, replace=False)
    return rng.bit_generator.state


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stop_after", [None, 1, 3, 10])
def test_early_stop_and_generator_follow_the_draw_by_draw_contract(kernel, stop_after):
    """Stopped after l draws: the numbers of a run of l draws without stopping, except
    p = h / l; the run of l - 1 draws is one hit short (p = h / l as well). Either way the
    generator is left where l single draws leave it."""
    stopped = 0
    for seed in range(40):
        items, dirs, who, member, n_items, eligible, n_perm = _case(seed)
        args = (items, dirs, who, member, n_items)
        got = flip_share_permutation(*args, n_perm, np.random.default_rng(seed), eligible,
                                     stop_after, kernel=kernel)  # fmt: skip
        used = got.n_permutations
        assert used <= n_perm
        assert got.observed == float(_share_by_definition(
            items, dirs, who, set(np.flatnonzero(member).tolist())))  # fmt: skip
        rng = np.random.default_rng(seed)
        flip_share_permutation(*args, n_perm, rng, eligible, stop_after, kernel=kernel)
        assert rng.bit_generator.state == _replayed(seed, member.size, eligible,
                                                    int(member.sum()), used), f"seed {seed}"  # fmt: skip
        full = flip_share_permutation(*args, used, np.random.default_rng(seed), eligible,
                                      kernel=kernel)  # fmt: skip
        assert full.null_mean == got.null_mean, f"seed {seed}"
        if stop_after is None or (used == n_perm and got.p_value == full.p_value):
            assert got.p_value == full.p_value  # never stopped
            continue
        stopped += 1
        assert got.p_value == stop_after / used
        assert full.p_value == pytest.approx((1 + stop_after) / (1 + used), rel=1e-12)
        if used > 1:
            short = flip_share_permutation(*args, used - 1, np.random.default_rng(seed),
                                           eligible, kernel=kernel)  # fmt: skip
            assert short.p_value == pytest.approx(stop_after / used, rel=1e-12)
    if stop_after is not None:
        assert stopped > 5  # some tests did stop early


@pytest.mark.parametrize("stop_after", [None, 1, 3, 10])
def test_kernels_return_identical_tests_on_random_inputs(stop_after):
    for seed in range(40):
        items, dirs, who, member, n_items, eligible, n_perm = _case(seed)
        a_rng, b_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        a, b = (
            flip_share_permutation(items, dirs, who, member, n_items, n_perm, rng, eligible,
                                   stop_after, kernel=kernel)
            for rng, kernel in ((a_rng, "numba"), (b_rng, "numpy"))
        )  # fmt: skip
        assert tuple(a) == tuple(b), f"seed {seed}"
        assert a_rng.bit_generator.state == b_rng.bit_generator.state, f"seed {seed}"


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
    with pytest.raises(ValueError, match="kernel"):
        flip_share_permutation(np.zeros(2, dtype=int), np.array([1, -1]), np.array([0, 1]),
                               np.array([True, False]), 1, 5, np.random.default_rng(0),
                               kernel="gpu")  # fmt: skip


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
