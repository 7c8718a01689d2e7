"""kappa_x: the reference implementation's unit test, and a brute-force pairwise definition."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from labelaudit.stats.alpha import distance_matrix
from labelaudit.stats.crossrep import (
    kappa_x_batch,
    kappa_x_from_contributions,
    kappa_x_from_counts,
    kappa_x_item_contributions,
)

# google-research/cross-replication-reliability, CrossReplicationReliabilityTest.java:
# per-item counts of annotations "A" and "B" in dataset X and dataset Y.
X_USEFUL = [[0, 2], [0, 3], [2, 0], [3, 0], [1, 1]]
X_EXTRA = [[3, 0], [2, 1]]  # items 6 and 7 exist only in X and must not count
Y = [[0, 2], [1, 1], [1, 1], [1, 1], [2, 0]]


@pytest.mark.parametrize("with_extra", [False, True])
def test_reference_unit_test(with_extra):
    x = np.array(X_USEFUL + (X_EXTRA if with_extra else []), dtype=float)
    y = np.array(Y + ([[0, 0]] * len(X_EXTRA) if with_extra else []), dtype=float)
    agg = kappa_x_item_contributions(x, y, "nominal", [0, 1]).sum(axis=0)
    nx, ny = agg[1:3].sum(), agg[3:5].sum()
    d_o = agg[0] / (nx + ny)
    d_e = (agg[1] * agg[4] + agg[2] * agg[3]) / (nx * ny)
    assert d_o == pytest.approx(0.4090909, abs=1e-7)
    assert d_e == pytest.approx(0.5, abs=1e-12)
    assert kappa_x_from_counts(x, y, "nominal", [0, 1]) == pytest.approx(0.1818182, abs=1e-7)
    assert kappa_x_from_contributions(agg, "nominal", [0, 1])[0] == pytest.approx(
        0.1818182, abs=1e-7
    )


def _brute_force(x_vals: list[list[float]], y_vals: list[list[float]], delta, values) -> float:
    """kappa_x straight from its definition, judgment by judgment."""
    pos = {v: i for i, v in enumerate(values)}
    items = [i for i in range(len(x_vals)) if x_vals[i] and y_vals[i]]
    nx = sum(len(x_vals[i]) for i in items)
    ny = sum(len(y_vals[i]) for i in items)
    d_o = 0.0
    for i in items:
        pair_sum = sum(delta[pos[a], pos[b]] for a, b in itertools.product(x_vals[i], y_vals[i]))
        d_o += pair_sum * (len(x_vals[i]) + len(y_vals[i])) / (len(x_vals[i]) * len(y_vals[i]))
    d_o /= nx + ny
    all_x = [a for i in items for a in x_vals[i]]
    all_y = [b for i in items for b in y_vals[i]]
    d_e = sum(delta[pos[a], pos[b]] for a in all_x for b in all_y) / (nx * ny)
    return 1 - d_o / d_e


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_pairwise_definition(level, seed):
    rng = np.random.default_rng(seed)
    values = [1.0, 2.0, 4.0, 7.0]
    x_vals = [list(rng.choice(values, rng.integers(0, 4))) for _ in range(25)]
    y_vals = [list(rng.choice(values, rng.integers(0, 5))) for _ in range(25)]
    cx = np.array([[row.count(v) for v in values] for row in x_vals], dtype=float)
    cy = np.array([[row.count(v) for v in values] for row in y_vals], dtype=float)
    both = (cx.sum(1) > 0) & (cy.sum(1) > 0)
    margins = (cx[both] + cy[both]).sum(axis=0)
    delta = distance_matrix(level, np.array(values), margins if level == "ordinal" else None)
    expected = _brute_force(x_vals, y_vals, delta, values)
    assert kappa_x_from_counts(cx, cy, level, values) == pytest.approx(expected, abs=1e-12)
    # the reweighting path (all weights 1) gives the same number
    agg = kappa_x_item_contributions(cx, cy, level, values).sum(axis=0)
    assert kappa_x_from_contributions(agg, level, values)[0] == pytest.approx(expected, abs=1e-12)


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(4, 30, 3)).astype(float)
    y = rng.integers(0, 3, size=(4, 30, 3)).astype(float)
    batch = kappa_x_batch(x, y, "interval", [0.0, 1.0, 2.0])
    single = [kappa_x_from_counts(x[k], y[k], "interval", [0.0, 1.0, 2.0]) for k in range(4)]
    np.testing.assert_allclose(batch, single, atol=1e-12)


def test_no_shared_items_is_nan_and_shapes_are_checked():
    assert np.isnan(kappa_x_from_counts([[1, 0], [0, 0]], [[0, 0], [1, 1]], "nominal", [0, 1]))
    with pytest.raises(ValueError, match="same items"):
        kappa_x_batch(np.ones((2, 3, 2)), np.ones((2, 4, 2)), "nominal", [0, 1])
