"""Item bootstrap: deterministic, shared resamples, sensible coverage of the point estimate."""

from __future__ import annotations

import numpy as np
import pytest

from labelaudit.stats.alpha import (
    bootstrap_alpha,
    bootstrap_pattern_counts,
    bootstrap_weights,
    percentile_interval,
)
from labelaudit.stats.counts import row_patterns


def _counts(seed: int, n_items: int = 150) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_items)
    counts = np.zeros((n_items, 3))
    for i in range(n_items):
        for _ in range(rng.integers(1, 6)):
            v = truth[i] if rng.random() < 0.7 else rng.integers(0, 3)
            counts[i, v] += 1
    return counts


def test_same_seed_same_interval():
    c = _counts(0)
    first = bootstrap_alpha(c, "nominal", [0, 1, 2], n_boot=300, seed=11)
    second = bootstrap_alpha(c, "nominal", [0, 1, 2], n_boot=300, seed=11)
    assert first == second
    other = bootstrap_alpha(c, "nominal", [0, 1, 2], n_boot=300, seed=12)
    assert other[0] == first[0] and other[1:] != first[1:]


def test_interval_brackets_estimate_and_narrows_with_more_items():
    small = bootstrap_alpha(_counts(1, 60), "ordinal", [0, 1, 2], n_boot=400, seed=0)
    large = bootstrap_alpha(_counts(1, 1500), "ordinal", [0, 1, 2], n_boot=400, seed=0)
    for a, lo, hi in (small, large):
        assert lo < a < hi
    assert (large[2] - large[1]) < (small[2] - small[1])


def test_weights_are_deterministic_multinomial_blocks():
    blocks = list(bootstrap_weights(50, 7, seed=[3, 1], max_cells=100))
    assert [b.shape for b in blocks] == [(2, 50)] * 3 + [(1, 50)]
    w = np.vstack(blocks)
    assert (w.sum(axis=1) == 50).all()
    # same arguments, same resampled items (statistics compared across calls stay paired)
    again = np.vstack(list(bootstrap_weights(50, 7, seed=[3, 1], max_cells=100)))
    np.testing.assert_array_equal(w, again)


def test_percentile_interval_ignores_nan_and_checks_level():
    r = np.array([np.nan, 1.0, 2.0, 3.0, 4.0, 5.0])
    assert percentile_interval(r, 0.5) == pytest.approx((2.0, 4.0))
    with pytest.raises(ValueError):
        percentile_interval(r, 1.5)
    assert all(np.isnan(percentile_interval(np.array([np.nan]), 0.9)))


def _one_bincount_weights(n_items, n_boot, seed, max_cells=10_000_000):
    """The weights as first written: one bincount over every (replicate, item) cell."""
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, max_cells // n_items))
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        draws = rng.integers(0, n_items, size=(b, n_items)) + (np.arange(b) * n_items)[:, None]
        yield np.bincount(draws.ravel(), minlength=b * n_items).reshape(b, n_items).astype(float)
        done += b


@pytest.mark.parametrize("n_items,n_boot,max_cells", [(1, 3, 10), (57, 41, 500), (300, 20, 10**7)])
def test_weights_equal_the_one_bincount_reference(n_items, n_boot, max_cells):
    new = np.vstack(list(bootstrap_weights(n_items, n_boot, seed=[7, 2], max_cells=max_cells)))
    ref = np.vstack(list(_one_bincount_weights(n_items, n_boot, [7, 2], max_cells)))
    np.testing.assert_array_equal(new, ref)


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(
    "n_items,n_boot,max_cells", [(1, 5, 10), (203, 37, 2_000), (64, 50, 10**7)]
)
def test_pattern_counts_equal_weights_times_onehot(kernel, shared, n_items, n_boot, max_cells):
    rng = np.random.default_rng(n_items)
    sizes = rng.integers(1, 9, size=4)
    if shared:  # codings may share codes: their one-hot matrices add up
        pats = np.stack([rng.integers(0, s, n_items) for s in sizes])
        n_pat = int(sizes.max())
    else:
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        pats = np.stack(
            [rng.integers(0, s, n_items) + o for s, o in zip(sizes, offsets, strict=True)]
        )
        n_pat = int(sizes.sum())
    onehot = (pats[:, :, None] == np.arange(n_pat)).sum(axis=0).astype(float)
    blocks = list(
        bootstrap_pattern_counts(pats, n_pat, n_boot, [4, 1], max_cells=max_cells, kernel=kernel)
    )
    assert all(b.shape[0] * n_pat <= max(max_cells, n_pat) for b in blocks)
    weights = np.vstack(list(bootstrap_weights(n_items, n_boot, [4, 1], max_cells=max_cells)))
    np.testing.assert_array_equal(np.vstack(blocks), weights @ onehot)


def test_pattern_counts_check_their_codes():
    with pytest.raises(ValueError):
        next(bootstrap_pattern_counts(np.array([[0, 3]]), 3, 2, 0))
    with pytest.raises(ValueError):
        next(bootstrap_pattern_counts(np.array([0, 1]), 3, 2, 0))
    with pytest.raises(ValueError):
        next(bootstrap_pattern_counts(np.array([[0, 1]]), 3, 2, 0, kernel="gpu"))


@pytest.mark.parametrize("scale", [1, 10**9])
def test_row_patterns_give_back_every_row(scale):
    rng = np.random.default_rng(scale)
    rows = rng.integers(0, 4, size=(500, 7)) * np.array([1, 1, 1, 1, 1, 1, scale])
    codes, distinct = row_patterns(rows.astype(float))
    np.testing.assert_array_equal(distinct[codes], rows)
    np.testing.assert_array_equal(distinct, np.unique(rows, axis=0))
    with pytest.raises(ValueError):
        row_patterns(np.array([[0.5, 1.0]]))
    assert row_patterns(np.zeros((0, 3)))[0].size == 0


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_pattern_counts_of_an_item_drawn_256_times_and_more(kernel):
    # the numba kernel counts in bytes: a wrapped count must be redone exactly
    from labelaudit.stats.bootstrap import _pattern_counter

    n = 400
    draws = np.random.default_rng(0).integers(0, n, size=(20, n))
    draws[3, :300] = 5
    draws[17, :] = 9
    pats = np.stack([np.arange(n) % 7, np.arange(n) % 3 + 7])
    weights = np.stack([np.bincount(row, minlength=n) for row in draws]).astype(float)
    onehot = (pats[:, :, None] == np.arange(10)).sum(axis=0)
    np.testing.assert_array_equal(_pattern_counter(pats, 10, kernel)(draws), weights @ onehot)
