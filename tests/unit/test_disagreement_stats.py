"""stats.contingency and stats.majority: hand-computed and published reference values."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats

from labelaudit.stats import contingency as ct
from labelaudit.stats import majority as mj
from labelaudit.stats.proportions import wilson_interval
from labelaudit.stats.rater_sums import ChiSquare, GroupCount
from labelaudit.stats.significance import Contrast, run_contrasts


def _rater_test(stat, groups, n_cols, n=3000, seed=0, strata=None, sides="greater"):
    """The engine's test of ``stat`` with raters relabelled (no early stopping)."""
    groups = np.asarray(groups)
    c = Contrast("t", groups, np.arange(groups.size), stat, ["F"] * n_cols, [sides] * n_cols,
                 np.ones(n_cols, dtype=bool), strata)  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=n, max_permutations=n,
                            stop_after=None, seed=seed)  # fmt: skip
    return r


@pytest.mark.parametrize("module", [ct, mj])
def test_doctests_pass(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 5
    assert result.failed == 0


# ------------------------------------------------------------------ chi-square
def test_chi2_by_hand_2x2():
    # expected [[12, 18], [28, 42]]; each cell is off by 2
    res = ct.chi2_independence([[10, 20], [30, 40]])
    assert res.statistic == pytest.approx(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42, rel=1e-12)
    assert res.dof == 1
    assert res.min_expected == 12.0
    assert res.p_value == pytest.approx(stats.chi2.sf(res.statistic, 1), rel=1e-12)


def test_chi2_matches_scipy_without_continuity_correction():
    table = np.array([[25, 12, 7], [14, 30, 9], [3, 6, 20]])
    ref = stats.chi2_contingency(table, correction=False)
    res = ct.chi2_independence(table)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.dof == ref.dof == 4
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.min_expected == pytest.approx(ref.expected_freq.min())


def test_chi2_drops_empty_rows_and_columns():
    padded = [[10, 0, 20], [0, 0, 0], [30, 0, 40]]
    assert ct.chi2_independence(padded).statistic == pytest.approx(
        ct.chi2_independence([[10, 20], [30, 40]]).statistic
    )
    assert ct.chi2_independence(padded).dof == 1


@pytest.mark.parametrize("bad", [[[1, 2, 3]], [[1, -1], [2, 3]], [1, 2, 3]])
def test_chi2_rejects_bad_tables(bad):
    with pytest.raises(ValueError):
        ct.chi2_independence(bad)


# ------------------------------------------------------------------ Cramér's V
def test_cramers_v_plain_matches_scipy():
    table = np.array([[25, 12, 7], [14, 30, 9], [3, 6, 20]])
    assert ct.cramers_v(table, bias_corrected=False) == pytest.approx(
        stats.contingency.association(table, method="cramer"), rel=1e-12
    )


def test_cramers_v_bergsma_by_hand():
    # n = 80, X^2 = 4 * 10^2 / 20 = 20, phi^2 = 0.25; Bergsma: subtract 1/79 and
    # shrink both dimensions to 2 - 1/79
    v = ct.cramers_v([[30, 10], [10, 30]])
    assert v == pytest.approx(math.sqrt((0.25 - 1 / 79) / (1 - 1 / 79)), rel=1e-12)
    assert ct.cramers_v([[30, 10], [10, 30]], bias_corrected=False) == pytest.approx(0.5)


def test_cramers_v_is_zero_under_exact_independence():
    assert ct.cramers_v([[10, 20], [20, 40]]) == 0.0


# ------------------------------------------- chi-square test, raters relabelled
@pytest.mark.parametrize("seed", range(8))
def test_rater_chi_square_equals_scipy_on_the_group_table(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 6, (25, 4))
    groups = rng.integers(0, 3, 25)
    got = ChiSquare(counts, np.arange(3), 3)(groups[None], np.array([0]))[0, 0]
    table = np.stack([counts[groups == g].sum(axis=0) for g in range(3)])
    table = table[:, table.sum(axis=0) > 0]
    want = stats.chi2_contingency(table, correction=False).statistic
    assert got == pytest.approx(want, rel=1e-12)


def test_rater_chi_square_separated_groups():
    # 3 vs 3 annotators who each label 4 items the same way; 2 of the C(6,3) = 20
    # relabellings separate them perfectly, so p is about 0.1
    counts = np.array([[4, 0]] * 3 + [[0, 4]] * 3)
    r = _rater_test(ChiSquare(counts, np.arange(2), 2), [0, 0, 0, 1, 1, 1], 1, seed=1)
    assert r.observed[0] == pytest.approx(24.0)
    assert r.p_value[0] == pytest.approx(0.1, abs=0.02)


def test_rater_chi_square_is_not_fooled_by_one_prolific_annotator():
    # group 0: one annotator with 200 judgments all "1" plus four balanced annotators;
    # group 1: five balanced annotators. Judgment-level chi-square sees a huge effect;
    # at annotator level it is one unusual person.
    counts = np.array([[0, 200]] + [[10, 10]] * 4 + [[10, 10]] * 5)
    table = np.array([[40, 240], [50, 50]])
    assert ct.chi2_independence(table).p_value < 1e-10
    r = _rater_test(ChiSquare(counts, np.arange(2), 2), [0] * 5 + [1] * 5, 1, n=2000)
    assert r.p_value[0] > 0.3  # the prolific annotator lands in either group half of the time


def test_rater_chi_square_respects_strata():
    # within each stratum the groups are identical, so no relabelling can change X^2
    counts = np.array([[5, 0], [5, 0], [0, 5], [0, 5]])
    r = _rater_test(ChiSquare(counts, np.arange(2), 2), [0, 1, 0, 1], 1, n=200,
                    strata=np.array([0, 0, 1, 1]))  # fmt: skip
    assert r.observed[0] == pytest.approx(0.0)
    assert r.p_value[0] == 1.0


@pytest.mark.parametrize(("flagged", "size"), [(4, 4), (3, 5), (2, 6), (1, 3)])
def test_qc_count_test_equals_the_hypergeometric(flagged, size):
    # a pool of 20 evaluated raters, 5 of them flagged; the group holds `size` raters,
    # `flagged` of them flagged: the exact one-sided p is hypergeometric (one-sided Fisher)
    group = np.array([0] * size + [1] * (20 - size))
    flag = np.zeros(20)
    flag[:flagged] = 1
    flag[size : size + 5 - flagged] = 1
    exact = stats.hypergeom.sf(flagged - 1, 20, size, 5)
    n = 8000
    r = _rater_test(GroupCount(flag, 2), group, 2, n=n, seed=flagged)
    assert r.observed[0] == flagged
    se = math.sqrt(exact * (1 - exact) / n)
    assert abs(r.p_value[0] - exact) <= 5 * se + 1 / n


# ------------------------------------------------------------------ proportions
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score)
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_newcombe_1998(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert lo == pytest.approx(low, abs=6e-5)
    assert hi == pytest.approx(high, abs=6e-5)


def test_two_proportion_z_by_hand():
    z, p = ct.two_proportion_z(30, 100, 20, 100)
    # pooled 0.25, SE = sqrt(0.25 * 0.75 * (1/100 + 1/100))
    assert z == pytest.approx(0.1 / math.sqrt(0.25 * 0.75 * 0.02), rel=1e-12)
    assert p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    assert ct.two_proportion_z(0, 10, 0, 20) == (0.0, 1.0)


def test_plurality_needs_a_unique_winner():
    counts = np.array([[3, 1, 0], [2, 2, 1], [0, 0, 0], [0, 1, 4]])
    assert mj.plurality(counts).tolist() == [0, -1, -1, 2]


def test_compare_majorities_rejects_group_counts_above_pooled():
    with pytest.raises(ValueError):
        mj.compare_majorities(np.array([[3, 0]]), np.array([[2, 0]]))


def test_flips_by_group_matches_compare_majorities():
    rng = np.random.default_rng(5)
    items, values = rng.integers(0, 30, 400), rng.integers(0, 3, 400)
    groups = rng.integers(-1, 3, 400)
    pooled = mj.label_counts(items, values, 30, 3)
    n_cmp, n_flip = mj.flips_by_group(items, values, groups, 3, pooled)
    for g in range(3):
        mine = groups == g
        gc = mj.label_counts(items[mine], values[mine], 30, 3)
        res = mj.compare_majorities(gc, pooled)
        assert (n_cmp[g], n_flip[g]) == (res.compared.sum(), res.flipped.sum())


def test_leave_one_out_agreement_by_hand():
    # item 0: votes a, a, a, b; item 1: a, b (too few others)
    items = np.array([0, 0, 0, 0, 1, 1])
    values = np.array([0, 0, 0, 1, 0, 1])
    comparable, agrees = mj.leave_one_out_agreement(
        items, values, mj.label_counts(items, values, 2, 2)
    )
    assert comparable.tolist() == [True, True, True, True, False, False]
    assert agrees.tolist() == [True, True, True, False, False, False]


def test_low_agreement_flags_ties_and_no_spread():
    scores = np.array([0.5, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95])
    # 10% quantile (lower) is 0.5: both tied annotators are flagged, not one at random
    assert mj.low_agreement_flags(scores).sum() == 2
    assert not mj.low_agreement_flags(np.full(8, 0.8)).any()
    with pytest.raises(ValueError):
        mj.low_agreement_flags(scores, bottom_share=1.5)
