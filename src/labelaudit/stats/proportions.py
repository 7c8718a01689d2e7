"""Intervals for a binomial proportion: one Wilson score interval for every table.

Arrays in, numbers out. Shares of raters, of judgments, of contested items and of
first-shown wins all use this interval, so the same count gives the same interval in
every table of the report.
"""

from __future__ import annotations

from typing import overload

import numpy as np
from scipy.stats import norm

__all__ = ["wilson_interval"]


@overload
def wilson_interval(k: int | float, n: int | float, level: float = ...) -> tuple[float, float]: ...
@overload
def wilson_interval(
    k: np.ndarray | list[float], n: np.ndarray | list[float] | float, level: float = ...
) -> tuple[np.ndarray, np.ndarray]: ...
def wilson_interval(k, n, level=0.95):
    """Wilson (1927) score interval for ``k / n``, without continuity correction.

    Unlike the normal (Wald) interval it stays inside [0, 1] and is usable for shares
    near 0 or 1 and for small counts (Brown, Cai and DasGupta 2001). Scalars in give
    floats out; arrays broadcast.

    Parameters
    ----------
    k : int, float or array-like
        Successes, ``0 <= k <= n``.
    n : int, float or array-like
        Trials, ``n > 0``.
    level : float
        Two-sided confidence level in (0, 1).

    Returns
    -------
    (low, high)
        Bounds; exactly 0 at ``k = 0`` and exactly 1 at ``k = n``.

    Raises
    ------
    ValueError
        If ``level`` is outside (0, 1), ``n <= 0`` or ``k`` is outside [0, n].

    Examples
    --------
    Newcombe (1998, Table I) gives 0.2553 to 0.3662 for 81/263 and 0 to 0.1611 for 0/20:

    >>> [round(v, 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    >>> [round(v, 4) for v in wilson_interval(0, 20)]
    [0.0, 0.1611]
    >>> lo, hi = wilson_interval(np.array([0, 5]), np.array([5, 5]))
    >>> lo.tolist()[0], hi.tolist()[1]
    (0.0, 1.0)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    scalar = np.ndim(k) == 0 and np.ndim(n) == 0
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(n_arr <= 0):
        raise ValueError("n must be positive")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("k must lie in [0, n]")
    z = float(norm.isf((1 - level) / 2))
    p = k_arr / n_arr
    denom = 1 + z * z / n_arr
    centre = (p + z * z / (2 * n_arr)) / denom
    half = z * np.sqrt(p * (1 - p) / n_arr + z * z / (4 * n_arr * n_arr)) / denom
    # the closed form gives exactly 0 (1) at k = 0 (k = n); pin it against rounding
    low = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
    if scalar:
        return float(low), float(high)
    return low, high
