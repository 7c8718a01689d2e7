"""Preference-divergence permutation test: both kernels against the draw-by-draw loop.

``_reference`` is ``flip_share_permutation`` as it was before the block kernels: one
``rng.choice`` draw and one pass over every judgment per permutation, stopping at the
draw where ``stop_after`` draws reached the observed share. The numba and numpy kernels
must return exactly its numbers and leave the generator in the same state (the divergence
analysis draws every group's test from one generator, so a single extra or missing draw
would change every later test).
"""

from __future__ import annotations

import numpy as np
import pytest

from labelaudit.stats.preference_permutation import (
    _flip_shares,
    flip_share_permutation,
    prepare_judgments,
)

KERNELS = ["numba", "numpy"]


def _reference(items, dirs, who, member, n_items, n_permutations, rng, eligible=None,
               stop_after=None):  # fmt: skip
    d = np.asarray(dirs, dtype=float)
    pool = np.flatnonzero(np.ones(member.size, bool) if eligible is None else eligible)
    k = int(member.sum())
    total_n = np.bincount(items, minlength=n_items)
    pooled = np.sign(np.bincount(items, weights=d, minlength=n_items))

    def share(m):
        sel = m[who]
        g_sum = np.bincount(items[sel], weights=d[sel], minlength=n_items)
        g_n = np.bincount(items[sel], minlength=n_items)
        both = (g_n > 0) & (g_n < total_n)
        if not both.any():
            return 0.0
        g = np.sign(g_sum)
        return float((both & (g != 0) & (g == -pooled)).sum()) / int(both.sum())

    observed = share(member)
    null, hits = [], 0
    for _ in range(n_permutations):
        m = np.zeros(member.size, dtype=bool)
        m[rng.choice(pool, size=k, replace=False)] = True
        null.append(share(m))
        hits += null[-1] >= observed
        if stop_after is not None and hits >= stop_after:
            return observed, float(np.mean(null)), hits / len(null), len(null)
    return observed, float(np.mean(null)), (1.0 + hits) / (1.0 + n_permutations), n_permutations


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stop_after", [None, 1, 3, 10])
def test_flip_share_permutation_equals_reference(kernel, stop_after):
    checked = 0
    for seed in range(40):
        r = np.random.default_rng(seed)
        n_items, n_ann, n = int(r.integers(1, 30)), int(r.integers(2, 25)), int(r.integers(1, 300))
        items, who = r.integers(0, n_items, n), r.integers(0, n_ann, n)
        dirs = r.integers(-1, 2, n)
        member = r.random(n_ann) < 0.3
        eligible = None if seed % 3 == 0 else (r.random(n_ann) < 0.8) | member
        n_perm = int(r.integers(1, 150))
        ref_rng, new_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        want = _reference(items, dirs, who, member, n_items, n_perm, ref_rng, eligible, stop_after)
        got = flip_share_permutation(
            items, dirs, who, member, n_items, n_perm, new_rng, eligible=eligible,
            stop_after=stop_after, kernel=kernel,
        )  # fmt: skip
        assert tuple(got) == want, f"seed {seed}"
        assert new_rng.bit_generator.state == ref_rng.bit_generator.state, f"seed {seed}"
        checked += got.n_permutations < n_perm
    if stop_after is not None:
        assert checked > 0  # some tests did stop early


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
