"""GRASP pieces: sparse group counts, permutations, two-sided p, early stopping, BH."""

from __future__ import annotations

import numpy as np
import pytest

from labelaudit.stats.alpha import alpha_from_counts
from labelaudit.stats.contingency import benjamini_hochberg
from labelaudit.stats.counts import (
    first_judgments,
    group_value_counts,
    indicator_matrix,
    value_counts,
)
from labelaudit.stats.crossrep import kappa_x_from_counts
from labelaudit.stats.grasp import association_index, irr_xrr
from labelaudit.stats.grasp_permutation import grasp_test, permute_codes, two_sided_p


def test_benjamini_hochberg_hand_computed():
    # sorted p: 0.005, 0.01, 0.03, 0.04, 0.20 (m = 5)
    # p * m / rank: 0.025, 0.025, 0.05, 0.05, 0.20; step-up minimum from the top keeps them
    p = np.array([0.04, 0.005, 0.20, 0.03, 0.01])
    np.testing.assert_allclose(benjamini_hochberg(p), [0.05, 0.025, 0.20, 0.05, 0.025])
    # monotonicity repair: 0.02*3/2 = 0.03 > 0.025*3/3 = 0.025 -> both 0.025
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.01, 0.02, 0.025])),
                               [0.025, 0.025, 0.025])  # fmt: skip
    out = benjamini_hochberg(np.array([np.nan, 0.5]))
    assert np.isnan(out[0]) and out[1] == 0.5
    with pytest.raises(ValueError):
        benjamini_hochberg(np.array([1.5]))


def test_two_sided_p_hand_computed():
    null = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan])
    # observed 5.5: 1 null value >= it, 8 <= it; p = 2 * (1 + 1) / (1 + 9)
    assert two_sided_p(5.5, null) == pytest.approx(0.4)
    # observed 2.0: 5 >= and 5 <=; p = 2 * 6 / 10 -> capped at 1
    assert two_sided_p(2.0, null) == 1.0
    assert np.isnan(two_sided_p(np.nan, null))


def test_sparse_group_counts_equal_direct_counts():
    rng = np.random.default_rng(0)
    items = rng.integers(0, 30, 400)
    anns = rng.integers(0, 25, 400)
    keep = first_judgments(items, anns)
    items, anns = items[keep], anns[keep]
    vals = rng.integers(0, 4, items.size)
    groups = rng.integers(0, 3, 25)
    m = indicator_matrix(items, vals, anns, 30, 4, 25)
    one_hot = np.eye(3)[groups]
    got = group_value_counts(m, one_hot, 4)
    for g in range(3):
        sel = groups[anns] == g
        np.testing.assert_array_equal(got[g], value_counts(items[sel], vals[sel], 30, 4))


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_irr_xrr_equal_alpha_and_kappa_x_on_subsets(level):
    rng = np.random.default_rng(1)
    items = np.repeat(np.arange(50), 6)
    anns = np.concatenate([rng.choice(12, 6, replace=False) for _ in range(50)])
    vals = rng.integers(0, 3, items.size)
    groups = np.arange(12) % 2
    m = indicator_matrix(items, vals, anns, 50, 3, 12)
    total = value_counts(items, vals, 50, 3)
    num = np.array([1.0, 2.0, 4.0])
    irr, xrr = irr_xrr(m, np.eye(2)[groups], total, level, num)
    for g in range(2):
        sel = groups[anns] == g
        cg = value_counts(items[sel], vals[sel], 50, 3)
        assert irr[g] == pytest.approx(alpha_from_counts(cg, level, num), abs=1e-12)
        expected = kappa_x_from_counts(cg, total - cg, level, num)
        assert xrr[g] == pytest.approx(expected, abs=1e-12)


def test_permutation_keeps_group_sizes_missing_and_strata():
    codes = np.array([0, 0, 1, 1, 2, -1, 0, 1])
    strata = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    rng = np.random.default_rng(5)
    for _ in range(20):
        out = permute_codes(codes, rng, strata)
        assert out[5] == -1
        for s in (0, 1):
            sel = strata == s
            assert sorted(out[sel]) == sorted(codes[sel])


def test_association_index_epsilon():
    np.testing.assert_allclose(
        association_index(np.array([0.5, 0.5, np.nan]), np.array([0.25, -0.04, 0.3]), 0.05),
        [2.0, np.nan, np.nan],
    )


def _planted(n_items=80, n_ann=16, seed=0):
    rng = np.random.default_rng(seed)
    items = np.repeat(np.arange(n_items), n_ann)
    anns = np.tile(np.arange(n_ann), n_items)
    truth = rng.integers(0, 2, n_items)
    vals = np.where(rng.random(items.size) < 0.1, 1 - truth[items], truth[items])
    camp = np.arange(n_ann) < n_ann // 2
    vals = np.where(camp[anns] & (items < n_items // 4), 1 - vals, vals)
    m = indicator_matrix(items, vals, anns, n_items, 2, n_ann)
    return m, value_counts(items, vals, n_items, 2), camp.astype(int), rng


def test_planted_group_is_significant_and_random_split_is_not():
    m, total, camp, rng = _planted()
    res = grasp_test(m, camp, 2, total, "nominal", [0, 1], n_permutations=300, seed=0)
    assert (res.gai > 1).all() and (res.p_value < 0.01).all()
    random_split = rng.permutation(camp)
    null = grasp_test(m, random_split, 2, total, "nominal", [0, 1], n_permutations=300, seed=0)
    assert (null.p_value > 0.05).all()


def test_early_stopping_cuts_permutations_only_for_clear_nulls():
    m, total, camp, rng = _planted(seed=2)
    random_split = rng.permutation(camp)
    full = grasp_test(m, random_split, 2, total, "nominal", [0, 1], n_permutations=1000,
                      seed=1, early_stop=False)  # fmt: skip
    early = grasp_test(m, random_split, 2, total, "nominal", [0, 1], n_permutations=1000,
                       seed=1, early_stop=True)  # fmt: skip
    assert (full.n_permutations == 1000).all()
    assert (early.n_permutations < 1000).all()
    assert (early.p_value > 0.1).all()
    planted = grasp_test(m, camp, 2, total, "nominal", [0, 1], n_permutations=300, seed=1)
    assert (planted.n_permutations == 300).all()


def test_untested_groups_get_no_p_value():
    m, total, camp, _ = _planted()
    res = grasp_test(m, camp, 2, total, "nominal", [0, 1], n_permutations=50,
                     test=np.array([True, False]))  # fmt: skip
    assert np.isfinite(res.p_value[0]) and np.isnan(res.p_value[1])
    assert np.isfinite(res.gai[1])
