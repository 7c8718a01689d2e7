"""Representation stats core: shares, Wilson interval, TVD, Gini, top share, Hill numbers."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import labelaudit.populations.alignment as alignment_module
import labelaudit.populations.m49 as m49_module
import labelaudit.stats.representation as rep_module
from labelaudit.stats.proportions import wilson_interval
from labelaudit.stats.representation import (
    effective_groups_per_item,
    gini,
    shares,
    top_share,
    total_variation_distance,
)


@pytest.mark.parametrize("module", [rep_module, m49_module, alignment_module])
def test_doctests_pass(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_shares_normalise_counts():
    assert shares([6, 3, 1]).tolist() == [0.6, 0.3, 0.1]


@pytest.mark.parametrize("bad", [[0, 0], [1, -1], [1, float("nan")]])
def test_shares_reject_bad_counts(bad):
    with pytest.raises(ValueError):
        shares(bad)


def test_wilson_matches_hand_computation():
    # k = 6, n = 10, z = 1.959964: centre = (0.6 + z^2/20) / (1 + z^2/10)
    z = 1.959963984540054
    p, n = 0.6, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson_interval(6, 10)
    assert float(lo) == pytest.approx(centre - half, abs=1e-12)
    assert float(hi) == pytest.approx(centre + half, abs=1e-12)
    assert float(lo) == pytest.approx(0.3127, abs=5e-5)
    assert float(hi) == pytest.approx(0.8318, abs=5e-5)


def test_wilson_edges_and_vectorised():
    lo, hi = wilson_interval(np.array([0, 5]), np.array([5, 5]))
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert 0 < hi[0] < 1 and 0 < lo[1] < 1
    # a wider level gives a wider interval
    lo99, hi99 = wilson_interval(3, 10, level=0.99)
    lo95, hi95 = wilson_interval(3, 10, level=0.95)
    assert lo99 < lo95 and hi99 > hi95


@pytest.mark.parametrize("k,n,level", [(1, 0, 0.95), (4, 3, 0.95), (-1, 3, 0.95), (1, 3, 1.0)])
def test_wilson_rejects_bad_input(k, n, level):
    with pytest.raises(ValueError):
        wilson_interval(k, n, level)


def test_tvd_hand_values():
    assert total_variation_distance([0.6, 0.3, 0.1, 0.0], [0.2, 0.5, 0.2, 0.1]) == pytest.approx(
        0.4
    )
    assert total_variation_distance([1.0, 0.0], [0.0, 1.0]) == 1.0
    assert total_variation_distance([0.5, 0.5], [0.5, 0.5]) == 0.0


@pytest.mark.parametrize(
    "p,q", [([0.5, 0.5], [1.0]), ([0.5, 0.6], [0.5, 0.5]), ([-0.1, 1.1], [0.5, 0.5])]
)
def test_tvd_rejects_bad_input(p, q):
    with pytest.raises(ValueError):
        total_variation_distance(p, q)


def _gini_pairwise(x):
    x = np.asarray(x, float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())


@pytest.mark.parametrize("x", [[1, 1, 1, 1, 1, 1, 4, 4, 4, 2, 1], [0, 0, 0, 8], [3, 1, 2], [7]])
def test_gini_matches_pairwise_definition(x):
    assert gini(x) == pytest.approx(_gini_pairwise(x), abs=1e-12)


def test_gini_extremes_and_errors():
    assert gini([2, 2, 2]) == 0.0
    assert gini([0, 0, 0, 0, 10]) == pytest.approx(0.8)  # (n - 1) / n
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            gini(bad)


def test_top_share_hand_values():
    # 11 contributors: the top 10% is ceil(1.1) = 2 people with 4 + 4 of 21
    assert top_share([1, 1, 1, 1, 1, 1, 4, 4, 4, 2, 1]) == (pytest.approx(8 / 21), 2)
    # exactly 30 contributors: the top decile is 3, not 4 (floating point 0.1 * 30)
    assert top_share([1] * 30)[1] == 3
    with pytest.raises(ValueError):
        top_share([1, 2], fraction=0)


def test_effective_groups_shannon_and_simpson():
    # item 0: groups (0, 1, 1, 1) -> p = (1/4, 3/4); item 1: (2, 2); item 2: (0, 1) -> 2
    items = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    groups = np.array([0, 1, 1, 1, 2, 2, 0, 1])
    n, g, eff = effective_groups_per_item(items, groups, "shannon")
    assert n.tolist() == [4, 2, 2] and g.tolist() == [2, 1, 2]
    h = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert eff.tolist() == pytest.approx([math.exp(h), 1.0, 2.0])
    _, _, inv_simpson = effective_groups_per_item(items, groups, "simpson")
    assert inv_simpson.tolist() == pytest.approx([1 / (0.0625 + 0.5625), 1.0, 2.0])


def test_effective_groups_validation():
    n, g, eff = effective_groups_per_item(np.array([], int), np.array([], int))
    assert n.size == g.size == eff.size == 0
    with pytest.raises(ValueError):
        effective_groups_per_item(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError):
        effective_groups_per_item(np.array([0]), np.array([-1]))
    with pytest.raises(ValueError):
        effective_groups_per_item(np.array([0]), np.array([0]), "gini")  # type: ignore[arg-type]
