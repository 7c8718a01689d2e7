"""numba kernel for the item bootstrap (optional accelerator of :mod:`.alpha`).

Importing this module imports numba; :func:`labelaudit.stats.alpha.bootstrap_pattern_counts`
imports it lazily and falls back to numpy when numba is missing. Both paths count whole
numbers of draws, so they give identical results.

Example
-------
Two replicates over three items; coding 0 gives the items patterns 0, 0, 1, coding 1
gives them 2, 3, 3:

>>> draws = np.array([[0, 0, 2], [1, 2, 2]])
>>> pattern_counts(draws, np.array([[0, 0, 1], [2, 3, 3]], dtype=np.int32), 4).tolist()
[[2.0, 1.0, 2.0, 1.0], [1.0, 2.0, 0.0, 3.0]]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["pattern_counts"]

#: replicates counted together: one int32 lane each, 16 lanes = one 64-byte cache line
LANES = 16


@njit(cache=True, nogil=True, parallel=True)
def pattern_counts(draws: np.ndarray, patterns: np.ndarray, n_patterns: int) -> np.ndarray:
    """How many of each replicate's draws fell on items of each pattern.

    Parameters
    ----------
    draws : (b, n_items) int64
        Item drawn, per replicate and draw.
    patterns : (K, n_items) int32
        K codings of the items, codes in ``[0, n_patterns)``.
    n_patterns : int

    Returns
    -------
    (b, n_patterns) float64: ``weights @ onehot`` with ``weights[r]`` the bincount of
    ``draws[r]`` and ``onehot[u, p]`` the number of codings giving item u pattern p.
    """
    b, n = draws.shape
    k = patterns.shape[0]
    out = np.zeros((b, n_patterns))
    rows = np.zeros((LANES, n), np.int32)
    weights = np.zeros((n, LANES), np.int32)
    acc = np.zeros((n_patterns, LANES), np.int32)
    n_chunks = (n + 4095) // 4096
    for r0 in range(0, b, LANES):
        s = min(b, r0 + LANES) - r0
        for j in prange(LANES):
            rows[j, :] = 0
            if j < s:
                for i in range(n):
                    rows[j, draws[r0 + j, i]] += 1
        # item-major weights: one item's LANES replicate weights are one vector add
        for c in prange(n_chunks):
            for u in range(c * 4096, min(n, c * 4096 + 4096)):
                for j in range(LANES):
                    weights[u, j] = rows[j, u]
        acc[:, :] = 0
        # codings own disjoint pattern rows of acc when their code ranges are disjoint;
        # shared ranges would race, so they are split only by coding when that is safe
        for c in range(k):
            for u in range(n):
                p = patterns[c, u]
                for j in range(LANES):
                    acc[p, j] += weights[u, j]
        for j in range(s):
            for p in range(n_patterns):
                out[r0 + j, p] = acc[p, j]
    return out
