"""Krippendorff's alpha from counts: published worked example, krippendorff package parity."""

from __future__ import annotations

import doctest

import krippendorff
import numpy as np
import pytest

from labelaudit.stats import alpha as alpha_mod
from labelaudit.stats import counts as counts_mod
from labelaudit.stats import crossrep as crossrep_mod
from labelaudit.stats import grasp as grasp_mod
from labelaudit.stats.alpha import (
    alpha_from_contributions,
    alpha_from_counts,
    coincidences,
    distance_matrix,
    item_contributions,
)
from labelaudit.stats.counts import value_counts

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1..5, missing as nan.
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
)


def _counts(reliability: np.ndarray, values: np.ndarray) -> np.ndarray:
    """coders x units matrix (nan = missing) -> units x values counts."""
    return np.stack([(reliability == v).sum(axis=0) for v in values], axis=1).astype(float)


@pytest.mark.parametrize(
    "level,expected",
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_worked_example(level, expected):
    values = np.arange(1.0, 6.0)
    got = alpha_from_counts(_counts(K2011, values), level, values)
    assert round(got, 3) == expected


def test_worked_example_coincidence_matrix():
    # the coincidence matrix printed in Krippendorff (2011), section C
    o = coincidences(_counts(K2011, np.arange(1.0, 6.0)))
    expected = np.array(
        [
            [7, 4 / 3, 1 / 3, 1 / 3, 0],
            [4 / 3, 10, 4 / 3, 1 / 3, 0],
            [1 / 3, 4 / 3, 8, 1 / 3, 0],
            [1 / 3, 1 / 3, 1 / 3, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    np.testing.assert_allclose(o, expected, atol=1e-12)
    assert o.sum() == pytest.approx(40.0)
    np.testing.assert_allclose(o.sum(axis=1), [9, 13, 10, 5, 3])


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("level", LEVELS)
def test_matches_krippendorff_package_on_random_data(seed, level):
    rng = np.random.default_rng(seed)
    n_coders, n_units = rng.integers(3, 9), rng.integers(20, 80)
    values = np.array([1.0, 2.0, 3.0, 5.0, 8.0])  # uneven spacing matters for ratio/interval
    data = rng.choice(values, size=(n_coders, n_units), p=[0.4, 0.25, 0.15, 0.12, 0.08])
    data[rng.random(data.shape) < 0.35] = np.nan  # leaves some units with < 2 values
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    got = alpha_from_counts(_counts(data, values), level, values)
    assert got == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_weighted_contributions_equal_recount_of_resampled_items(level):
    # a bootstrap replicate as a reweighting must equal alpha on the duplicated items
    rng = np.random.default_rng(7)
    values = np.arange(1.0, 6.0)
    data = rng.choice(values, size=(5, 40))
    data[rng.random(data.shape) < 0.3] = np.nan
    counts = _counts(data, values)
    keep = counts.sum(axis=1) >= 2
    counts = counts[keep]
    draw = rng.integers(0, counts.shape[0], counts.shape[0])
    weights = np.bincount(draw, minlength=counts.shape[0]).astype(float)
    via_weights = alpha_from_contributions(
        weights @ item_contributions(counts, level, values), level, values
    )[0]
    recount = alpha_from_counts(counts[draw], level, values)
    assert via_weights == pytest.approx(recount, abs=1e-12)


def test_ordinal_distance_uses_midranks():
    # Krippendorff (2011): ordinal delta^2 between ranks 1 and 3 with n = (9, 13, 10)
    d = distance_matrix("ordinal", np.array([1.0, 2.0, 3.0]), np.array([9.0, 13.0, 10.0]))
    assert d[0, 2] == pytest.approx((9 + 13 + 10 - (9 + 10) / 2) ** 2)
    assert d[0, 1] == pytest.approx((9 + 13 - (9 + 13) / 2) ** 2)


def test_undefined_alpha_is_nan():
    # everybody gave the same value: no expected disagreement
    assert np.isnan(alpha_from_counts(np.array([[3.0, 0.0], [2.0, 0.0]]), "nominal", [0, 1]))
    # no item has two judgments
    assert np.isnan(alpha_from_counts(np.array([[1.0, 0.0], [0.0, 1.0]]), "nominal", [0, 1]))


def test_explicit_errors():
    with pytest.raises(ValueError, match="level"):
        alpha_from_counts(np.ones((2, 2)), "cardinal", [0, 1])
    with pytest.raises(ValueError, match="one column per value"):
        alpha_from_counts(np.ones((2, 3)), "nominal", [0, 1])
    with pytest.raises(ValueError, match="marginals"):
        distance_matrix("ordinal", np.arange(3.0))
    with pytest.raises(ValueError, match="out of range"):
        value_counts(np.array([0, 5]), np.array([0, 0]), 2, 1)


@pytest.mark.parametrize("module", [alpha_mod, counts_mod, crossrep_mod, grasp_mod])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
