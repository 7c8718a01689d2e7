"""Contingency-table statistics: tests of independence, effect sizes, proportions.

Arrays in, numbers out. Every function validates its input and raises ``ValueError``
with a plain message; none reads files or pandas objects.

The permutation tests here come in two flavours because labels are clustered:

* :func:`chi2_monte_carlo` treats every judgment as an independent draw (the classic
  "exact" test with fixed margins, as R's ``chisq.test(simulate.p.value=TRUE)``);
* :func:`chi2_cluster_permutation` permutes *annotators'* group labels, each annotator
  keeping all their judgments, so a few prolific annotators cannot make a group look
  different on their own.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats

#: relative tolerance when comparing resampled statistics with the observed one, so
#: that floating-point noise on tied tables does not lower the p-value
_TIE_TOLERANCE = 1e-9


class ChiSquareResult(NamedTuple):
    statistic: float
    dof: int
    p_value: float
    min_expected: float


def _as_table(table: np.ndarray | list) -> np.ndarray:
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D contingency table, got {arr.ndim} dimension(s)")
    if arr.size and (np.any(arr < 0) or not np.all(np.isfinite(arr))):
        raise ValueError("contingency table counts must be finite and non-negative")
    return arr


def drop_empty(table: np.ndarray | list) -> np.ndarray:
    """Remove rows and columns whose total is zero (they carry no information).

    >>> drop_empty([[1, 0, 2], [0, 0, 0], [3, 0, 4]]).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    arr = _as_table(table)
    return arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]


def expected_counts(table: np.ndarray | list) -> np.ndarray:
    """Expected cell counts under independence: row total x column total / n.

    >>> expected_counts([[10, 20], [30, 40]]).tolist()
    [[12.0, 18.0], [28.0, 42.0]]
    """
    arr = _as_table(table)
    n = arr.sum()
    if n == 0:
        raise ValueError("contingency table is empty (all counts are zero)")
    return np.outer(arr.sum(axis=1), arr.sum(axis=0)) / n


def chi2_statistic(table: np.ndarray | list) -> float:
    """Pearson's X^2 = sum (observed - expected)^2 / expected, without continuity correction.

    Rows or columns with a zero total must be removed first (see :func:`drop_empty`).

    >>> round(chi2_statistic([[10, 20], [30, 40]]), 4)
    0.7937
    """
    arr = _as_table(table)
    exp = expected_counts(arr)
    if np.any(exp == 0):
        raise ValueError("a row or column total is zero; call drop_empty() first")
    return float(((arr - exp) ** 2 / exp).sum())


def chi2_independence(table: np.ndarray | list) -> ChiSquareResult:
    """Pearson chi-square test of independence (asymptotic p-value, no Yates correction).

    Returns the statistic, degrees of freedom (r - 1)(c - 1), the upper-tail p-value and
    the smallest expected count (the usual validity rule wants every expected count >= 5).

    >>> res = chi2_independence([[10, 20], [30, 40]])
    >>> round(res.statistic, 4), res.dof, round(res.p_value, 4), res.min_expected
    (0.7937, 1, 0.373, 12.0)
    """
    arr = drop_empty(table)
    r, c = arr.shape
    if r < 2 or c < 2:
        raise ValueError(f"need at least 2 non-empty rows and columns, got {r} x {c}")
    stat = chi2_statistic(arr)
    dof = (r - 1) * (c - 1)
    return ChiSquareResult(
        stat, dof, float(stats.chi2.sf(stat, dof)), float(expected_counts(arr).min())
    )


def cramers_v(table: np.ndarray | list, *, bias_corrected: bool = True) -> float:
    """Cramér's V, by default with Bergsma's (2013) small-sample bias correction.

    Bergsma's correction subtracts the expected value of phi^2 under independence,
    (r-1)(c-1)/(n-1), and shrinks r and c accordingly; it is 0 for tables at or below
    chance association and is much less biased than the plain V for small n.

    >>> round(cramers_v([[10, 20], [30, 40]], bias_corrected=False), 4)
    0.0891
    >>> cramers_v([[10, 20], [30, 40]])
    0.0
    >>> round(cramers_v([[50, 0], [0, 50]]), 4)
    1.0
    """
    arr = drop_empty(table)
    r, c = arr.shape
    if r < 2 or c < 2:
        raise ValueError(f"need at least 2 non-empty rows and columns, got {r} x {c}")
    n = arr.sum()
    phi2 = chi2_statistic(arr) / n
    if not bias_corrected:
        return float(math.sqrt(phi2 / min(r - 1, c - 1)))
    if n <= 1:
        raise ValueError("bias-corrected Cramér's V needs more than one observation")
    phi2_corr = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
    r_corr = r - (r - 1) ** 2 / (n - 1)
    c_corr = c - (c - 1) ** 2 / (n - 1)
    denom = min(r_corr - 1, c_corr - 1)
    if denom <= 0:
        return 0.0
    return float(min(1.0, math.sqrt(phi2_corr / denom)))


def _mc_p(observed: float, simulated: np.ndarray) -> float:
    """Monte Carlo p-value (1 + #{sim >= obs}) / (B + 1) (Davison and Hinkley 1997)."""
    hits = int(np.count_nonzero(simulated >= observed * (1 - _TIE_TOLERANCE)))
    return (1 + hits) / (len(simulated) + 1)


def chi2_monte_carlo(
    table: np.ndarray | list, *, n_resamples: int, seed: int | np.random.Generator = 0
) -> float:
    """Monte Carlo exact test of independence: P(X^2 >= observed | both margins fixed).

    Tables with the observed margins are drawn uniformly under independence
    (Patefield 1981, via :func:`scipy.stats.random_table`), which is the conditional
    reference distribution of Fisher's exact test; the p-value is
    (1 + #{X^2_sim >= X^2_obs}) / (1 + n_resamples), so it is never 0.

    >>> round(chi2_monte_carlo([[3, 0], [0, 3]], n_resamples=2000, seed=1), 2)
    0.1
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    arr = drop_empty(table)
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"need at least 2 non-empty rows and columns, got {arr.shape}")
    if not np.allclose(arr, np.round(arr)):
        raise ValueError("the Monte Carlo exact test needs whole-number counts")
    counts = np.round(arr).astype(np.int64)
    observed = chi2_statistic(counts)
    dist = stats.random_table(counts.sum(axis=1), counts.sum(axis=0), seed=seed)
    sims = dist.rvs(size=n_resamples).astype(float)
    exp = expected_counts(counts)
    sim_stats = ((sims - exp) ** 2 / exp).sum(axis=(1, 2))
    return _mc_p(observed, sim_stats)


def chi2_cluster_permutation(
    unit_counts: np.ndarray,
    unit_groups: np.ndarray,
    *,
    n_resamples: int,
    seed: int | np.random.Generator = 0,
    strata: np.ndarray | None = None,
    batch: int = 200,
) -> tuple[float, float]:
    """Permutation test of group x category independence that respects clusters.

    Each unit (an annotator) contributes a row of category counts (their judgments);
    the observed statistic is Pearson's X^2 of the group x category table. The null
    distribution comes from permuting the group labels across units, each unit keeping
    its own counts, optionally only within ``strata``. Judgments from one annotator
    are not independent, so this test is the honest one when annotators differ in how
    much they label.

    Parameters
    ----------
    unit_counts : (n_units, n_categories) array of non-negative counts
    unit_groups : (n_units,) integer group code per unit (0..G-1)
    n_resamples : number of permutations
    seed : seed or Generator for the permutations
    strata : optional (n_units,) codes; labels are shuffled within each stratum
    batch : permutations evaluated at once (bounds memory)

    Returns
    -------
    (statistic, p_value) with p = (1 + #{X^2_perm >= X^2_obs}) / (1 + n_resamples).

    >>> counts = np.array([[4, 0], [4, 0], [4, 0], [0, 4], [0, 4], [0, 4]])
    >>> stat, p = chi2_cluster_permutation(counts, np.array([0, 0, 0, 1, 1, 1]),
    ...                                    n_resamples=999, seed=0)
    >>> stat, round(p, 1)
    (24.0, 0.1)
    """
    counts = np.asarray(unit_counts, dtype=float)
    groups = np.asarray(unit_groups, dtype=np.int64)
    if counts.ndim != 2 or groups.shape != (counts.shape[0],):
        raise ValueError("unit_counts must be (n_units, n_categories) with one group per unit")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if groups.size and groups.min() < 0:
        raise ValueError("group codes must be >= 0; drop units with a missing group first")
    counts = counts[:, counts.sum(axis=0) > 0]
    n_groups = int(groups.max()) + 1 if groups.size else 0
    if n_groups < 2 or counts.shape[1] < 2:
        raise ValueError("need at least 2 groups and 2 observed categories")
    if np.any(np.bincount(groups, minlength=n_groups) == 0):
        raise ValueError("every group code 0..G-1 needs at least one unit")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    col_tot = counts.sum(axis=0)
    total = col_tot.sum()

    def stat_of(tables: np.ndarray) -> np.ndarray:
        # tables: (B, G, K); column totals are fixed by construction, row totals are not
        exp = tables.sum(axis=2, keepdims=True) * col_tot / total
        with np.errstate(divide="ignore", invalid="ignore"):
            cell = np.where(exp > 0, (tables - exp) ** 2 / exp, 0.0)
        return cell.sum(axis=(1, 2))

    observed_table = np.zeros((n_groups, counts.shape[1]))
    np.add.at(observed_table, groups, counts)
    observed = float(stat_of(observed_table[None])[0])

    strata_idx = (
        [np.arange(len(groups))]
        if strata is None
        else [np.flatnonzero(strata == s) for s in np.unique(strata)]
    )
    sims = np.empty(n_resamples)
    done = 0
    while done < n_resamples:
        b = min(batch, n_resamples - done)
        perm = np.tile(groups, (b, 1))
        for idx in strata_idx:
            perm[:, idx] = rng.permuted(perm[:, idx], axis=1)
        flat = (np.arange(b)[:, None] * n_groups + perm).ravel()
        tables = np.stack(
            [
                np.bincount(flat, weights=np.tile(counts[:, k], b), minlength=b * n_groups)
                for k in range(counts.shape[1])
            ],
            axis=1,
        ).reshape(b, n_groups, counts.shape[1])
        sims[done : done + b] = stat_of(tables)
        done += b
    return observed, _mc_p(observed, sims)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Two-sided z test of p1 = p2 with the pooled standard error.

    Returns (z, p_value); z > 0 when x1/n1 > x2/n2. With no variation at all
    (both proportions 0 or both 1) the test is undefined and (0.0, 1.0) is returned.

    >>> z, p = two_proportion_z(30, 100, 20, 100)
    >>> round(z, 4), round(p, 4)
    (1.633, 0.1025)
    """
    if min(n1, n2) <= 0:
        raise ValueError("both sample sizes must be positive")
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError("successes must lie between 0 and the sample size")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(z), float(2 * stats.norm.sf(abs(z)))


def hypergeom_over_p(k: int, population: int, successes: int, draws: int) -> float:
    """One-sided P(X >= k) for X ~ Hypergeometric: over-representation among draws.

    ``population`` units of which ``successes`` belong to the group; ``draws`` units are
    picked (e.g. flagged by QC); ``k`` of them are from the group. Equal to the one-sided
    (greater) Fisher exact test on the 2 x 2 table.

    >>> round(hypergeom_over_p(4, 10, 4, 4), 6)  # all 4 flagged from a group of 4 in 10
    0.004762
    """
    if not (0 <= successes <= population and 0 <= draws <= population):
        raise ValueError("successes and draws must lie between 0 and the population")
    if k < 0 or k > min(successes, draws):
        raise ValueError("k must lie between 0 and min(successes, draws)")
    return float(stats.hypergeom.sf(k - 1, population, successes, draws))


def benjamini_hochberg(p_values: np.ndarray | list) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN entries are left out of the family.

    >>> benjamini_hochberg([0.01, 0.04, float("nan"), 0.03]).round(4).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        if np.any((p[ok] < 0) | (p[ok] > 1)):
            raise ValueError("p-values must lie in [0, 1]")
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out
