"""Contingency-table statistics: tests of independence, effect sizes, proportions.

Arrays in, numbers out. Every function validates its input and raises ``ValueError``
with a plain message; none reads files or pandas objects.

Labels cluster within annotators, so the p-values the audit acts on come from
relabelling annotators (:mod:`labelaudit.stats.significance`); the asymptotic tests here
treat judgments as independent and are reported for reference only.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats


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
