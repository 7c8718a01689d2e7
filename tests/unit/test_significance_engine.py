"""The significance engine, checked against hand computations and exact enumeration.

- the p-value conventions and Benjamini-Hochberg by hand;
- relabellings keep group sizes, missing codes and strata, do not depend on the block
  size they are drawn in, nor on how annotators are numbered when listed by id;
- Monte Carlo p-values (two-sided and one-sided) within a stated number of standard
  errors of the exact permutation distribution, enumerated with ``itertools``;
- Besag-Clifford stopping at exactly the permutation that reached ``stop_after``, found
  by redrawing the same stream by hand;
- sequential resolution: a test at the floor of a 30-test family gets permutations
  until the floor is below the BH threshold it needs, and no more; with the cap at the
  base it is reported unresolved.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pytest

from labelaudit.stats.significance import (
    Contrast,
    benjamini_hochberg,
    draw_assignments,
    p_value,
    run_contrasts,
)


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


def test_p_value_conventions_by_hand():
    # two-sided: twice the smaller tail with the +1 correction, capped at 1
    assert p_value(1, 9) == pytest.approx(2 * 2 / 10)
    assert p_value(5, 9) == 1.0
    # one-sided: (1 + b) / (1 + B)
    assert p_value(1, 9, "greater") == pytest.approx(0.2)
    # Besag-Clifford: h / l (doubled when two-sided)
    assert p_value(10, 200, "greater", stopped=True) == pytest.approx(0.05)
    assert p_value(10, 200, stopped=True) == pytest.approx(0.1)
    assert math.isnan(p_value(0, 0))


def test_relabellings_keep_sizes_missing_codes_and_strata():
    codes = np.array([0, 0, 1, 1, 2, -1, 0, 1, 2])
    strata = np.array([0, 0, 0, 1, 1, 1, 1, 1, 0])
    order = np.array([8, 0, 1, 2, 3, 4, 5, 6])  # annotator 7 is not shuffled
    rows = draw_assignments(codes, order, np.random.default_rng(5), 50, strata)
    assert (rows[:, 5] == -1).all() and (rows[:, 7] == 1).all()
    moved = np.array([0, 1, 2, 3, 4, 6, 8])
    for s in (0, 1):
        sel = moved[strata[moved] == s]
        assert all(sorted(r[sel]) == sorted(codes[sel]) for r in rows)
    assert len({tuple(r) for r in rows}) > 5  # they do move


def test_relabellings_do_not_depend_on_the_block_size():
    codes = np.random.default_rng(0).integers(-1, 4, 30)
    order = np.arange(30)
    whole = draw_assignments(codes, order, np.random.default_rng(1), 12)
    rng = np.random.default_rng(1)
    parts = np.vstack([draw_assignments(codes, order, rng, k) for k in (5, 1, 6)])
    np.testing.assert_array_equal(whole, parts)


def test_relabellings_follow_ids_not_positions():
    ids = np.array([f"r{k:02d}" for k in range(20)])
    codes = np.arange(20) % 3
    shuffled = np.random.default_rng(2).permutation(20)  # the same raters numbered otherwise
    a = draw_assignments(codes, np.argsort(ids), np.random.default_rng(3), 4)
    ids_b, codes_b = ids[shuffled], codes[shuffled]
    b = draw_assignments(codes_b, np.argsort(ids_b), np.random.default_rng(3), 4)
    # the group each id gets is the same
    for ra, rb in zip(a, b, strict=True):
        assert dict(zip(ids, ra, strict=True)) == dict(zip(ids_b, rb, strict=True))


def _gap(values: np.ndarray):
    """Statistic: mean value of group 0 minus everyone else's (one column)."""

    def stat(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        g = rows == 0
        n = g.sum(axis=1)
        out = (g * values).sum(axis=1) / n - (~g * values).sum(axis=1) / (values.size - n)
        return np.repeat(out[:, None], len(cols), axis=1)

    return stat


def _exact(values: np.ndarray, codes: np.ndarray) -> tuple[float, float, float, float]:
    """Exact tails of the gap over every relabelling: P(T >= t), P(T <= t)."""
    k = int((codes == 0).sum())
    t = values[codes == 0].mean() - values[codes != 0].mean()
    null = []
    for members in itertools.combinations(range(values.size), k):
        g = np.zeros(values.size, dtype=bool)
        g[list(members)] = True
        null.append(values[g].mean() - values[~g].mean())
    null = np.array(null)
    return t, float(np.mean(null >= t - 1e-9)), float(np.mean(null <= t + 1e-9)), null.size


CASES = [
    (np.random.default_rng(0).normal(size=9), np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])),
    (np.arange(9.0) ** 1.5, np.array([1, 0, 1, 0, 0, 1, 1, 0, 1])),
    (np.array([3.0, 3.0, 3.0, 1.0, 1.0, 2.0, 2.0, 0.0]), np.array([0, 0, 1, 1, 1, 1, 0, 1])),
]


@pytest.mark.parametrize("sides", ["two-sided", "greater"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_p_values_match_exact_enumeration(case, sides):
    values, codes = CASES[case]
    t, hi, lo, n_exact = _exact(values, codes)
    exact = min(1.0, 2 * min(hi, lo)) if sides == "two-sided" else hi
    tail = min(hi, lo) if sides == "two-sided" else hi
    n = 6000
    c = Contrast("exact", codes, np.arange(codes.size), _gap(values), ["F"], [sides],
                 np.array([True]))  # fmt: skip
    (r,), fam = run_contrasts([c], {"F": 0.05}, n_permutations=n, max_permutations=n,
                              stop_after=None, seed=case)  # fmt: skip
    assert r.observed[0] == pytest.approx(t)
    assert r.n_permutations[0] == n and fam["F"].size == 1
    s = 2 if sides == "two-sided" else 1
    se = math.sqrt(tail * (1 - tail) / n)
    assert abs(r.p_value[0] - exact) <= s * (5 * se + 1 / n) + 1e-12
    assert n_exact > 50 and 0 < exact < 1  # not degenerate


@pytest.mark.parametrize("stop_after", [1, 4, 10])
def test_besag_clifford_stops_at_the_permutation_that_reached_stop_after(stop_after):
    values, codes = np.random.default_rng(7).normal(size=30), np.arange(30) % 2
    key, seed = "bc", 11
    c = Contrast(key, codes, np.arange(30), _gap(values), ["F"], ["greater"], np.array([True]))
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=500, max_permutations=500,
                            stop_after=stop_after, seed=seed)  # fmt: skip
    # the same stream by hand: the first permutation where stop_after permuted gaps
    # reached the observed one
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    null = _gap(values)(draw_assignments(codes, np.arange(30), rng, 500), np.array([0]))[:, 0]
    t = _gap(values)(codes[None], np.array([0]))[0, 0]
    hits = np.cumsum(null >= t - 1e-9)
    first = int(np.argmax(hits >= stop_after)) + 1
    assert hits[-1] >= stop_after  # the observed gap is ordinary: it does stop
    assert r.n_permutations[0] == first
    assert r.p_value[0] == pytest.approx(min(1.0, stop_after / first))
    assert r.null_mean[0] == pytest.approx(null[:first].mean())


def _family(n_null: int, max_permutations: int, early: bool = True):
    """One perfectly separated group (exact p = 2 / C(40, 20)) among n_null null tests."""
    rng = np.random.default_rng(0)
    contrasts = []
    for k in range(n_null + 1):
        values = rng.normal(size=40)
        codes = (np.argsort(np.argsort(-values)) >= 20).astype(int) if k == 0 else (
            rng.permutation(np.arange(40) % 2))  # fmt: skip
        contrasts.append(Contrast(f"t{k}", codes, np.arange(40), _gap(values), ["F"],
                                  ["two-sided"], np.array([True])))  # fmt: skip
    return run_contrasts(contrasts, {"F": 0.05}, n_permutations=1000,
                         max_permutations=max_permutations, stop_after=10 if early else None,
                         seed=1)  # fmt: skip


def test_a_test_at_the_floor_gets_permutations_until_bh_can_decide_it():
    results, fam = _family(29, max_permutations=20000)
    planted = results[0]
    # floor after 1,000: 2 / 1001 = 0.002 > 0.05 / 30, the threshold a lone rejection
    # needs; the test goes on to the first count whose floor is below half of it
    n = planted.n_permutations[0]
    assert 2 / (n + 1) < 0.05 / 30 / 2 <= 2 / n and n in (2399, 2400)
    assert planted.p_value[0] == pytest.approx(2 / (n + 1))
    assert planted.p_adjusted[0] == pytest.approx(30 * 2 / (n + 1))
    assert planted.p_adjusted[0] < 0.025
    assert fam["F"].size == 30 and fam["F"].n_unresolved == 0 and fam["F"].n_significant >= 1
    # the extra permutations go to the test that needs them only
    assert max(r.n_permutations[0] for r in results[1:]) <= 1000


def test_a_capped_test_at_the_floor_is_reported_unresolved():
    results, fam = _family(29, max_permutations=1000)
    assert results[0].n_permutations[0] == 1000
    assert results[0].p_adjusted[0] >= 0.05
    assert fam["F"].n_unresolved == 1


def test_clear_effects_stop_early_only_with_early_stopping():
    results, fam = _family(2, max_permutations=20000)
    # family of 3, one rejection: the floor 2 / (l + 1) must fall below half of 0.05 / 3,
    # which it does from l = 240 on; the test goes there instead of the next round (320)
    assert results[0].n_permutations[0] == 240
    assert results[0].p_value[0] == pytest.approx(2 / 241)
    results, _ = _family(2, max_permutations=20000, early=False)
    assert all(r.n_permutations[0] == 1000 for r in results)


def test_untested_columns_get_nothing_and_stay_out_of_the_family():
    values, codes = CASES[0]
    c = Contrast("u", codes, np.arange(codes.size), _gap(values), ["F", "F"],
                 ["two-sided", "greater"], np.array([True, False]))  # fmt: skip
    (r,), fam = run_contrasts([c], {"F": 0.05}, n_permutations=200, max_permutations=200,
                              stop_after=10, seed=0)  # fmt: skip
    assert np.isnan(r.p_value[1]) and np.isnan(r.p_adjusted[1]) and r.n_permutations[1] == 0
    assert r.family_size.tolist() == [1, 0] and fam["F"].size == 1
    assert r.observed[1] == pytest.approx(r.observed[0])  # observed either way
