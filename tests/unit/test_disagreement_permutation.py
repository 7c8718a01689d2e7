"""Contested-items permutation baseline: both kernels against the plain per-permutation loop.

``_reference`` is ``flips_permutation_baseline`` as it was before the block kernels (one
``Generator.permuted`` pass and one bincount per permutation), extended with the
documented Besag-Clifford rule (a group stops at the permutation where ``stop_after``
permuted shares reached its observed share; p = stop_after / l). The numba and numpy
kernels must give exactly its numbers, draw the same random stream and leave the
generator where it left it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelaudit.stats import majority as mj
from labelaudit.stats import majority_permutation as mp
from labelaudit.stats.majority_kernels import permuted_flip_counts

KERNELS = ["numba", "numpy"]


def _reference(items, values, groups, pooled, *, n_groups, n_resamples, seed,
               min_group_judgments=2, stop_after=None):  # fmt: skip
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if n_resamples <= 0:
        nan = np.full(n_groups, np.nan)
        return nan, nan, np.zeros(n_groups, dtype=np.int64), rng
    n_items, k = pooled.shape
    n_cmp, n_flip = mj.flips_by_group(
        items, values, groups, n_groups, pooled, min_group_judgments=min_group_judgments
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(n_cmp > 0, n_flip / np.maximum(n_cmp, 1), np.nan)
    known = np.flatnonzero(groups >= 0)
    cells, cell_of = np.unique(groups[known] * n_items + items[known], return_inverse=True)
    can_compare = np.bincount(cell_of, minlength=len(cells)) >= min_group_judgments
    live = np.zeros(n_items, dtype=bool)
    live[cells[can_compare] % n_items] = True
    known = known[live[items[known]]]
    order = known[np.argsort(items[known], kind="stable")]
    per_item = np.bincount(items[order], minlength=n_items)
    starts = np.concatenate([[0], np.cumsum(per_item)[:-1]])
    blocks = [starts[per_item == m][:, None] + np.arange(m) for m in np.unique(per_item) if m > 1]
    tested = np.isfinite(observed)
    counting = np.ones(n_groups, dtype=bool)
    total, seen = np.zeros(n_groups), np.zeros(n_groups)
    at_least, used = np.zeros(n_groups, dtype=np.int64), np.zeros(n_groups, dtype=np.int64)
    for _ in range(n_resamples):
        v = values.copy()
        shuffled = values[order]
        for pos in blocks:
            shuffled[pos] = rng.permuted(shuffled[pos], axis=1)
        v[order] = shuffled
        # straight from the definition: every group's majority per item, this permutation
        c, f = mj.flips_by_group(
            items, v, groups, n_groups, pooled, min_group_judgments=min_group_judgments
        )
        ok = counting & (c > 0)
        share = np.where(ok, f / np.maximum(c, 1), np.nan)
        total[ok] += share[ok]
        seen[ok] += 1
        used[counting] += 1
        at_least += ok & (share >= observed * (1 - 1e-9))
        if stop_after is not None:
            counting &= ~(tested & (at_least >= stop_after))
            if tested.any() and not (counting & tested).any():
                break
    stopped = tested & ~counting
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(seen > 0, total / seen, np.nan)
        p = np.where(stopped, at_least / np.maximum(seen, 1), (1 + at_least) / (1 + seen))
    return expected, np.where(tested, p, np.nan), used, rng


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n_items, k, g = int(rng.integers(1, 40)), int(rng.integers(2, 6)), int(rng.integers(1, 5))
    n = int(rng.integers(1, 500))
    items, values = rng.integers(0, n_items, n), rng.integers(0, k, n)
    groups = rng.integers(-1, g, n)  # -1: annotators without the attribute
    pooled = mj.label_counts(items, values, n_items, k)
    if seed % 2:  # judgments outside this unit's coding can only add to the pooled counts
        pooled = pooled + rng.integers(0, 2, pooled.shape)
    return items, values, groups, pooled, g


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stop_after", [None, 1, 3, 10])
def test_baseline_equals_reference_on_random_inputs(kernel, stop_after):
    for seed in range(40):
        items, values, groups, pooled, g = _case(seed)
        mg = 1 + seed % 3
        n_perm = [0, 1, 7, 60][seed % 4]
        kw = {"n_groups": g, "n_resamples": n_perm, "min_group_judgments": mg}
        ref_rng = np.random.default_rng(seed)
        new_rng = np.random.default_rng(seed)
        exp, p, used, _ = _reference(items, values, groups, pooled, seed=ref_rng,
                                     stop_after=stop_after, **kw)  # fmt: skip
        res = mp.flips_permutation_baseline(
            items, values, groups, pooled, seed=new_rng, stop_after=stop_after,
            kernel=kernel, **kw,
        )  # fmt: skip
        np.testing.assert_array_equal(res.expected, exp, err_msg=f"seed {seed}")
        n_cmp, n_flip = mj.flips_by_group(items, values, groups, g, pooled, min_group_judgments=mg)
        np.testing.assert_array_equal(res.n_compared, n_cmp, err_msg=f"seed {seed}")
        np.testing.assert_array_equal(res.n_flipped, n_flip, err_msg=f"seed {seed}")
        np.testing.assert_array_equal(res.p_value, p, err_msg=f"seed {seed}")
        if n_perm:
            np.testing.assert_array_equal(res.n_resamples, used, err_msg=f"seed {seed}")
        if stop_after is None:  # the same draws, so the generator ends in the same state
            assert new_rng.bit_generator.state == ref_rng.bit_generator.state


def test_kernels_count_the_same_permutations():
    rng = np.random.default_rng(4)
    items, values = rng.integers(0, 50, 600), rng.integers(0, 3, 600)
    groups = rng.integers(-1, 3, 600)
    pooled = mj.label_counts(items, values, 50, 3)
    lay = mp._shuffle_layout(items, values, groups, pooled, 3, 2)
    a_rng, b_rng = np.random.default_rng(9), np.random.default_rng(9)
    a = permuted_flip_counts(a_rng, 25, np.ones(3, dtype=bool), *lay.kernel_args())
    b = mp._numpy_flip_counts(b_rng, 25, lay)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a_rng.bit_generator.state == b_rng.bit_generator.state
    assert a[0].sum() > 0 and a[1].sum() > 0


@pytest.mark.parametrize("kernel", KERNELS)
def test_early_stop_follows_besag_clifford(kernel):
    # group 0 never flips: every permuted share is >= 0, so it stops after exactly 10
    # permutations with p = 10 / 10; group 1 flips item 0 only under half the shuffles
    items = np.repeat(np.arange(30), 4)
    values = np.tile([0, 0, 0, 1], 30)
    groups = np.tile([0, 0, 1, 1], 30)
    pooled = mj.label_counts(items, values, 30, 2)
    res = mp.flips_permutation_baseline(
        items, values, groups, pooled, n_groups=2, n_resamples=200, seed=1,
        stop_after=10, kernel=kernel,
    )  # fmt: skip
    assert res.p_value[0] == 1.0
    assert res.n_resamples[0] == 10
    assert res.n_resamples[1] == 10  # stops with group 0: its share is 0 as well
    full = mp.flips_permutation_baseline(
        items, values, groups, pooled, n_groups=2, n_resamples=200, seed=1, kernel=kernel
    )
    assert full.n_resamples.tolist() == [200, 200]
    assert full.p_value[0] == 1.0


def test_unknown_kernel_is_rejected():
    items, values, groups, pooled, g = _case(0)
    with pytest.raises(ValueError, match="kernel"):
        mp.flips_permutation_baseline(
            items, values, groups, pooled, n_groups=g, n_resamples=5, kernel="gpu"
        )
    with pytest.raises(ValueError, match="stop_after"):
        mp.flips_permutation_baseline(
            items, values, groups, pooled, n_groups=g, n_resamples=5, stop_after=0
        )


@pytest.mark.parametrize("held", [False, True])
@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox])
def test_kernel_draws_like_generator_permuted(held, bitgen):
    # a 32-bit half held back by the generator before the call, and another bit generator
    rng = np.random.default_rng(8)
    items, values = rng.integers(0, 60, 700), rng.integers(0, 4, 700)
    groups = rng.integers(-1, 4, 700)
    pooled = mj.label_counts(items, values, 60, 4)
    lay = mp._shuffle_layout(items, values, groups, pooled, 4, 2)
    a_rng, b_rng = np.random.Generator(bitgen(5)), np.random.Generator(bitgen(5))
    if held:
        a_rng.integers(0, 2**32, dtype=np.uint32)
        b_rng.integers(0, 2**32, dtype=np.uint32)
    a = permuted_flip_counts(a_rng, 6, np.ones(4, dtype=bool), *lay.kernel_args())
    b = mp._numpy_flip_counts(b_rng, 6, lay)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # the next 32-bit draws (a held half first) and doubles are the same
    np.testing.assert_array_equal(
        a_rng.integers(0, 2**32, 3, dtype=np.uint32), b_rng.integers(0, 2**32, 3, dtype=np.uint32)
    )
    assert a_rng.random() == b_rng.random()


def test_inactive_groups_are_skipped_without_changing_the_stream():
    rng = np.random.default_rng(4)
    items, values = rng.integers(0, 50, 600), rng.integers(0, 3, 600)
    groups = rng.integers(-1, 3, 600)
    pooled = mj.label_counts(items, values, 50, 3)
    lay = mp._shuffle_layout(items, values, groups, pooled, 3, 2)
    some = np.array([True, False, True])
    a_rng, b_rng = np.random.default_rng(9), np.random.default_rng(9)
    a = permuted_flip_counts(a_rng, 20, some, *lay.kernel_args())
    b = permuted_flip_counts(b_rng, 20, np.ones(3, dtype=bool), *lay.kernel_args())
    np.testing.assert_array_equal(a[0][:, some], b[0][:, some])
    np.testing.assert_array_equal(a[1][:, some], b[1][:, some])
    assert not a[0][:, 1].any()
    assert a_rng.bit_generator.state == b_rng.bit_generator.state


@pytest.mark.parametrize("n_keys", [50, 10**9])  # dense count, and np.unique for huge ranges
def test_cells_numbers_keys_like_unique(n_keys):
    key = np.random.default_rng(0).integers(0, 50, 400) * (n_keys // 50)
    cells, cell_of = mp._cells(key, n_keys)
    want_cells, want_of = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(cells, want_cells)
    np.testing.assert_array_equal(cell_of, want_of)


def test_attributes_in_two_threads_give_the_sequential_tables(tmp_path, monkeypatch):
    """Baselines of all (unit, attribute) pairs run side by side: same tables as one at a time."""
    from labelaudit.analyses import disagreement as dis
    from labelaudit.pipeline import load_bundle, resolve_config
    from labelaudit.sample.generate import write_sample_bundle

    cfg = resolve_config(write_sample_bundle(tmp_path / "demo", seed=0), quiet=True)
    bundle = load_bundle(cfg)
    assert len(dis.audited_attributes(bundle, cfg)) >= 2  # the threads really run
    threaded = dis.disagreement(bundle, cfg).tables
    together = dis._contested_baselines

    def one_at_a_time(b, units, attrs, conf):
        return {
            (u, a): together(b, [unit], [a], conf)[0, a]
            for u, unit in enumerate(units)
            for a in attrs
        }

    monkeypatch.setattr(dis, "_contested_baselines", one_at_a_time)
    sequential = dis.disagreement(bundle, cfg).tables
    assert len(threaded["contested_items"]) > 0
    for name, table in sequential.items():
        pd.testing.assert_frame_equal(threaded[name], table, check_exact=True)
