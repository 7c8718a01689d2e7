"""GRASP permutation kernels (numba and numpy) against the sparse-product reference.

``irr_xrr`` (one sparse @ dense product of the indicator with one-hot memberships, then
closed forms per level) is the reference; ``_reference_grasp_test`` below is the
permutation loop as it was before the kernels (one batch at a time through
``irr_xrr``). Both kernels must give the same statistics on random data with missing
group codes, strata, groups absent from items and groups with one judgment on an item,
and ``grasp_test`` the same p-values and permutation counts.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from labelaudit.stats.alpha import coincidences
from labelaudit.stats.counts import indicator_matrix, value_counts
from labelaudit.stats.grasp import _one_hot, association_index, irr_xrr
from labelaudit.stats.grasp_kernels import grasp_sums
from labelaudit.stats.grasp_permutation import (
    GraspResult,
    _kernel,
    grasp_test,
    judgments_by_item,
    permute_codes,
)

LEVELS = ["nominal", "ordinal", "interval", "ratio"]
KERNELS = ["numba", "numpy"]


def _reference_grasp_test(indicator, codes, n_groups, total, level, numeric, *,
                          n_permutations=1000, seed=0, strata=None, test=None,
                          early_stop=True, stop_after=10, xrr_epsilon=0.05,
                          max_cells=4_000_000):  # fmt: skip
    codes = np.asarray(codes, dtype=np.int64)
    nv = len(numeric)
    irr, xrr = irr_xrr(indicator, _one_hot(codes, n_groups), total, level, numeric)
    gai = association_index(irr, xrr, xrr_epsilon)
    test = np.ones(n_groups, dtype=bool) if test is None else np.asarray(test, dtype=bool)
    test = test & np.isfinite(gai)
    p = np.full(n_groups, np.nan)
    used = np.zeros(n_groups, dtype=np.int64)
    if n_permutations < 1 or not test.any():
        return GraspResult(irr, xrr, gai, p, used)
    rng = np.random.default_rng(seed)
    cells = max(1, (indicator.shape[0] // nv) * nv * n_groups)
    batch = int(max(1, min(n_permutations, max_cells // cells)))
    if early_stop:
        batch = min(batch, 100)
    hi, lo, valid = (np.zeros(n_groups, dtype=np.int64) for _ in range(3))
    active, stopped, done = test.copy(), np.zeros(n_groups, dtype=bool), 0
    while done < n_permutations and active.any():
        b = min(batch, n_permutations - done)
        cols = np.flatnonzero(active)
        members = np.hstack(
            [_one_hot(permute_codes(codes, rng, strata), n_groups)[:, cols] for _ in range(b)]
        )
        p_irr, p_xrr = irr_xrr(indicator, members, total, level, numeric)
        null = np.full((b, n_groups), np.nan)
        null[:, cols] = association_index(p_irr, p_xrr, xrr_epsilon).reshape(b, cols.size)
        fin, act = np.isfinite(null), active[None, :]
        hi += ((null >= gai[None, :]) & fin & act).sum(axis=0)
        lo += ((null <= gai[None, :]) & fin & act).sum(axis=0)
        valid += (fin & act).sum(axis=0)
        used += np.where(active, b, 0)
        done += b
        if early_stop and done < n_permutations:
            stop = active & (np.minimum(hi, lo) >= stop_after)
            stopped |= stop
            active &= ~stop
    for g in np.flatnonzero(test):
        tail = min(hi[g], lo[g])
        p[g] = (min(1.0, 2.0 * tail / max(valid[g], 1)) if stopped[g]
                else min(1.0, 2.0 * (1 + tail) / (1 + valid[g])))  # fmt: skip
    return GraspResult(irr, xrr, gai, p, used)


def _data(seed: int, n_items: int = 120, n_annotators: int = 40, n_values: int = 4):
    """Random judgments (2-8 per item, so groups often have 0 or 1 on an item), a planted
    group that reads a quarter of the items differently, missing codes and strata."""
    rng = np.random.default_rng(seed)
    items, anns = [], []
    for u in range(n_items):
        who = rng.choice(n_annotators, size=rng.integers(2, 9), replace=False)
        items += [u] * who.size
        anns += who.tolist()
    items, anns = np.array(items), np.array(anns)
    codes = rng.integers(-1, 4, n_annotators)
    codes[:8] = 0
    truth = rng.integers(0, n_values, n_items)
    values = np.clip(truth[items] + rng.integers(-1, 2, items.size), 0, n_values - 1)
    flip = (codes[anns] == 0) & (items < n_items // 4)
    values = np.where(flip, n_values - 1 - values, values)
    indicator = indicator_matrix(items, values, anns, n_items, n_values, n_annotators)
    total = value_counts(items, values, n_items, n_values)
    numeric = np.sort(rng.choice(np.arange(1.0, 20.0), n_values, replace=False))
    strata = rng.integers(0, 2, n_annotators)
    return items, values, anns, indicator, total, codes, numeric, strata


def test_judgments_by_item_recovers_the_judgments():
    items, values, anns, indicator, total, *_ = _data(0)
    offsets, ann, val = judgments_by_item(indicator, total.shape[1])
    got = sorted(zip(np.repeat(np.arange(total.shape[0]), np.diff(offsets)), ann, val, strict=True))
    assert got == sorted(zip(items.tolist(), anns.tolist(), values.tolist(), strict=True))
    # a cell counting two judgments gives two of them
    m = indicator_matrix(np.array([0, 0, 0]), np.array([1, 1, 0]), np.array([2, 2, 1]), 1, 2, 3)
    assert [a.tolist() for a in judgments_by_item(m, 2)] == [[0, 3], [1, 2, 2], [0, 1, 1]]


def test_kernel_sums_equal_per_group_coincidences():
    items, values, anns, indicator, total, codes, *_ = _data(1)
    offsets, ann, val = judgments_by_item(indicator, total.shape[1])
    n_items, nv = total.shape
    m_max = int(np.diff(offsets).max())
    m = np.arange(m_max + 1.0)
    w_in = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    mx, my = m[:, None], m[None, :]
    w_cross = np.where((mx >= 1) & (my >= 1), (mx + my) / np.maximum(mx * my, 1.0), 0.0)
    perms = np.stack([codes, permute_codes(codes, np.random.default_rng(0))])
    o, cross, nc, xb, yb = grasp_sums(offsets, ann, val, perms, 4, nv, w_in, w_cross)
    for p, pc in enumerate(perms):
        for g in range(4):
            sel = pc[anns] == g
            x = value_counts(items[sel], values[sel], n_items, nv)
            y = total - x
            np.testing.assert_allclose(o[p, g], coincidences(x), rtol=1e-13, atol=1e-12)
            np.testing.assert_array_equal(nc[p, g], x[x.sum(axis=1) >= 2].sum(axis=0))
            both = (x.sum(axis=1) >= 1) & (y.sum(axis=1) >= 1)
            np.testing.assert_array_equal(xb[p, g], x[both].sum(axis=0))
            np.testing.assert_array_equal(yb[p, g], y[both].sum(axis=0))
            mxu, myu = x.sum(axis=1)[both], y.sum(axis=1)[both]
            want = np.einsum("u,uc,ud->cd", (mxu + myu) / (mxu * myu), x[both], y[both])
            np.testing.assert_allclose(cross[p, g], want, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("level", LEVELS)
def test_kernel_statistics_equal_irr_xrr(level, kernel):
    _, _, _, indicator, total, codes, numeric, strata = _data(2)
    rng = np.random.default_rng(3)
    perms = np.stack([codes] + [permute_codes(codes, rng, strata) for _ in range(7)])
    stats = _kernel(kernel, indicator, total, level, numeric)
    irr, xrr = stats(perms, 4, np.arange(4))
    ref_irr, ref_xrr = irr_xrr(
        indicator, np.hstack([_one_hot(p, 4) for p in perms]), total, level, numeric
    )
    np.testing.assert_allclose(irr.ravel(), ref_irr, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(xrr.ravel(), ref_xrr, rtol=1e-12, atol=1e-13)
    assert np.isfinite(irr).all() and np.isfinite(xrr).all()
    # a group nobody belongs to is undefined, as in the reference
    irr5, xrr5 = stats(perms[:1], 5, np.arange(5))
    assert np.isnan(irr5[0, 4]) and np.isnan(xrr5[0, 4])


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    "options",
    [
        {"n_permutations": 300},
        {"n_permutations": 200, "early_stop": False, "max_cells": 5000},
        {"n_permutations": 250, "stratify": True, "max_cells": 2000},
        {"n_permutations": 150, "test": [True, False, True, True]},
    ],
)
def test_grasp_test_kernels_equal_reference(level, options):
    _, _, _, indicator, total, codes, numeric, strata = _data(4)
    opts = dict(options)
    if opts.pop("stratify", False):
        opts["strata"] = strata
    if "test" in opts:
        opts["test"] = np.array(opts["test"])
    ref = _reference_grasp_test(indicator, codes, 4, total, level, numeric, seed=7, **opts)
    assert ref.p_value[0] < 0.05  # the planted group is found: not all p-values are 1
    for kernel in KERNELS:
        res = grasp_test(indicator, codes, 4, total, level, numeric, seed=7, kernel=kernel, **opts)
        for name in ("irr", "xrr", "gai"):
            np.testing.assert_allclose(getattr(res, name), getattr(ref, name), rtol=1e-12)
        np.testing.assert_array_equal(res.p_value, ref.p_value)
        np.testing.assert_array_equal(res.n_permutations, ref.n_permutations)


def test_numba_counts_a_permutation_equal_to_the_observed_grouping_as_a_tie():
    # two members, both present: every permutation is the observed grouping, so every
    # null value equals the observed one exactly and neither tail is ever smaller
    _, _, _, indicator, total, _, numeric, _ = _data(5, n_annotators=10)
    codes = np.array([-1, 0, -1, 0, -1, -1, -1, -1, -1, -1])
    res = grasp_test(indicator, codes, 1, total, "ordinal", numeric, n_permutations=200,
                     max_cells=1, kernel="numba")  # fmt: skip
    assert res.p_value[0] == 1.0 and res.n_permutations[0] == 10


def test_kernel_name_is_checked():
    _, _, _, indicator, total, codes, numeric, _ = _data(6)
    with pytest.raises(ValueError, match="kernel"):
        grasp_test(indicator, codes, 4, total, "nominal", numeric, kernel="cuda")


def test_auto_falls_back_to_numpy_without_numba(monkeypatch):
    _, _, _, indicator, total, codes, numeric, _ = _data(7)
    auto = grasp_test(indicator, codes, 4, total, "ordinal", numeric, n_permutations=40)
    # a module set to None in sys.modules raises ImportError on import, as without numba
    monkeypatch.setitem(sys.modules, "labelaudit.stats.grasp_kernels", None)
    fallback = grasp_test(indicator, codes, 4, total, "ordinal", numeric, n_permutations=40)
    assert not _kernel("auto", indicator, total, "ordinal", numeric).chunked
    np.testing.assert_allclose(fallback.gai, auto.gai, rtol=1e-12)
    np.testing.assert_array_equal(fallback.p_value, auto.p_value)
    with pytest.raises(ImportError):
        grasp_test(indicator, codes, 4, total, "ordinal", numeric, kernel="numba")
