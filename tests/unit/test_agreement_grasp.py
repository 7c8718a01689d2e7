"""GRASP pieces: sparse group counts, subsets, epsilon; the test on a planted group."""

from __future__ import annotations

import numpy as np
import pytest

from labelaudit.stats.alpha import alpha_from_counts
from labelaudit.stats.counts import (
    first_judgments,
    group_value_counts,
    indicator_matrix,
    value_counts,
)
from labelaudit.stats.crossrep import kappa_x_from_counts
from labelaudit.stats.grasp import association_index, irr_xrr
from labelaudit.stats.grasp_statistic import GraspJudgments, GraspStatistic
from labelaudit.stats.significance import Contrast, run_contrasts


def grasp_test(m, codes, n_groups, total, level, numeric, *, n_permutations, seed=0,
               early_stop=True, test=None):  # fmt: skip
    """GAI and its two-sided p-value per group, from the engine (one contrast)."""
    stat = GraspStatistic(GraspJudgments(m, total, level, numeric), n_groups, 0.05)
    tested = np.ones(n_groups, dtype=bool) if test is None else test
    cols = np.concatenate([tested, np.zeros(n_groups, dtype=bool)])
    c = Contrast("t", codes, np.arange(codes.size), stat, ["F"] * 2 * n_groups,
                 ["two-sided"] * 2 * n_groups, cols)  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=n_permutations,
                            max_permutations=n_permutations,
                            stop_after=10 if early_stop else None, seed=seed)  # fmt: skip
    return r.observed[:n_groups], r.p_value[:n_groups], r.n_permutations[:n_groups]


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
    gai, p, _ = grasp_test(m, camp, 2, total, "nominal", [0, 1], n_permutations=300, seed=0)
    assert (gai > 1).all() and (p <= 0.025).all()  # clearly significant: stopped early
    random_split = rng.permutation(camp)
    _, p_null, _ = grasp_test(m, random_split, 2, total, "nominal", [0, 1], n_permutations=300)
    assert (p_null > 0.05).all()


def test_early_stopping_cuts_permutations_for_clear_nulls_and_clear_effects():
    m, total, camp, rng = _planted(seed=2)
    random_split = rng.permutation(camp)
    kw = {"n_permutations": 1000, "seed": 1}
    _, _, full = grasp_test(m, random_split, 2, total, "nominal", [0, 1], early_stop=False, **kw)
    _, p, early = grasp_test(m, random_split, 2, total, "nominal", [0, 1], **kw)
    assert (full == 1000).all()
    assert (early < 1000).all() and (p > 0.1).all()
    # the planted split is at the floor: it stops once its p is below half the BH
    # threshold (family of 2: 0.05 * 2 / 2), i.e. from 2 / (l + 1) <= 0.025
    _, p, planted = grasp_test(m, camp, 2, total, "nominal", [0, 1], **kw)
    assert (planted == 80).all() and p.tolist() == pytest.approx([2 / 81] * 2)
    _, p, no_stop = grasp_test(m, camp, 2, total, "nominal", [0, 1], early_stop=False, **kw)
    assert (no_stop == 1000).all() and p.tolist() == pytest.approx([2 / 1001] * 2)


def test_untested_groups_get_no_p_value():
    m, total, camp, _ = _planted()
    gai, p, used = grasp_test(m, camp, 2, total, "nominal", [0, 1], n_permutations=50,
                              test=np.array([True, False]))  # fmt: skip
    assert np.isfinite(p[0]) and np.isnan(p[1]) and used[1] == 0
    assert np.isfinite(gai[1])
