"""Counting (bincount) paths of the numeric core equal the sorting/product code they replace.

``effective_groups_per_item`` and ``loo_majority_agreement`` count (item, group/value)
cells with ``np.bincount`` when the code range is small and fall back to ``np.unique``
otherwise; the escape-gap permutation test totals groups with one bincount instead of a
masked product per group. Each is pinned here to a straightforward reference on random
inputs, on both sides of the range switch.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from labelaudit.analyses.coverage import annotator_permutation_p
from labelaudit.stats.representation import effective_groups_per_item
from labelaudit.stats.timing import loo_majority_agreement


def _reference_effective(items, groups, kind):
    """The previous implementation: cells and items found by np.unique."""
    width = int(groups.max()) + 1
    cells, cell_counts = np.unique(items * width + groups, return_counts=True)
    _, item_pos, n_groups = np.unique(cells // width, return_inverse=True, return_counts=True)
    n_judg = np.bincount(item_pos, weights=cell_counts).astype(np.int64)
    p = cell_counts / n_judg[item_pos]
    if kind == "shannon":
        eff = np.exp(np.bincount(item_pos, weights=-p * np.log(p)))
    else:
        eff = 1.0 / np.bincount(item_pos, weights=p**2)
    return n_judg, n_groups.astype(np.int64), eff


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", ["shannon", "simpson"])
def test_effective_groups_counting_equals_unique(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 500))
    # small item range (bincount path) or huge sparse codes (np.unique path)
    high = int(rng.choice([5, 200, 10**9]))
    items = rng.integers(0, high, n)
    groups = rng.integers(0, int(rng.integers(1, 8)), n)
    got = effective_groups_per_item(items, groups, kind)
    want = _reference_effective(items, groups, kind)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def _reference_loo(items, values):
    """Leave-one-out majority, judgment by judgment."""
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
def test_loo_majority_counting_equals_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    items = rng.integers(0, int(rng.choice([4, 30, 10**12])), n)
    n_values = int(rng.integers(1, 5))
    values = rng.integers(0, n_values, n)
    got = loo_majority_agreement(items, values, n_values)
    np.testing.assert_array_equal(got, _reference_loo(items.tolist(), values.tolist()))


def _reference_permutation_p(n, e, groups, n_perm, rng):
    """The previous implementation: a masked matrix product per group."""
    codes = np.unique(groups)
    tot_n, tot_e = n.sum(), e.sum()

    def gaps(assign):
        out = np.empty((assign.shape[0], len(codes)))
        for j, g in enumerate(codes):
            m = assign == g
            gn, ge = m @ n, m @ e
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, j] = ge / gn - (tot_e - ge) / (tot_n - gn)
        return out

    observed = gaps(groups[None, :])[0]
    perms = np.stack([rng.permutation(groups) for _ in range(n_perm)])
    null = gaps(perms)
    exceed = (np.abs(null) >= np.abs(observed)[None, :] - 1e-12).sum(axis=0)
    return np.where(np.isnan(observed), np.nan, (exceed + 1) / (n_perm + 1))


@pytest.mark.parametrize("seed", range(15))
def test_escape_permutation_bincount_equals_products(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(4, 60))
    n = rng.integers(1, 40, k).astype(float)
    e = np.minimum(rng.integers(0, 10, k), n).astype(float)
    groups = rng.choice(np.array([0, 2, 5, 9]), k)  # codes with gaps, as after dropping -1
    got = annotator_permutation_p(n, e, groups, 60, np.random.default_rng(seed))
    want = _reference_permutation_p(n, e, groups, 60, np.random.default_rng(seed))
    np.testing.assert_array_equal(got, want)
