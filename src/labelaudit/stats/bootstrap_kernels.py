"""numba kernel for the item bootstrap (optional accelerator of :mod:`.bootstrap`).

Importing this module imports numba; :func:`labelaudit.stats.bootstrap.bootstrap_pattern_counts`
imports it lazily and falls back to numpy when numba is missing. Both paths count whole
numbers of draws, so they give identical results.

Example
-------
Two replicates over three items; coding 0 gives the items patterns 0, 0, 1, coding 1
gives them 2, 3, 3:

>>> draws = np.array([[0, 0, 2], [1, 2, 2]])
>>> counts, exact = pattern_counts(draws, np.array([[0, 0, 1], [2, 3, 3]], dtype=np.int32), 4)
>>> counts.tolist(), exact
([[2.0, 1.0, 2.0, 1.0], [1.0, 2.0, 0.0, 3.0]], True)
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["pattern_counts"]

#: replicates counted together, two 32-bit lanes per uint64 word: a word add adds both
#: lanes at once (no carry crosses them: a lane never exceeds its replicate's n draws)
LANES = 16
WORDS = LANES // 2
LOW = np.uint64(0xFFFFFFFF)
SHIFT = np.uint64(32)


@njit(cache=True, nogil=True)
def pattern_counts(
    draws: np.ndarray, patterns: np.ndarray, n_patterns: int
) -> tuple[np.ndarray, bool]:
    """How many of each replicate's draws fell on items of each pattern.

    Serial on purpose: callers run blocks on several threads (it holds no GIL), which
    splits the work without a parallel region per 16 replicates.

    Parameters
    ----------
    draws : (b, n_items) int64
        Item drawn, per replicate and draw.
    patterns : (K, n_items) int32
        K codings of the items, codes in ``[0, n_patterns)``; K * n_items < 2**32.
    n_patterns : int

    Returns
    -------
    counts : (b, n_patterns) float64
        ``weights @ onehot`` with ``weights[r]`` the bincount of ``draws[r]`` and
        ``onehot[u, p]`` the number of codings giving item u pattern p.
    exact : bool
        False when some item was drawn 256 times or more in one replicate (possible
        only on tiny inputs): the counts are then wrong and must be redone otherwise.
    """
    b, n = draws.shape
    k = patterns.shape[0]
    out = np.zeros((b, n_patterns))
    # one byte per item keeps a replicate's histogram in L2 cache
    small = np.zeros((LANES, n), np.uint8)
    weights = np.zeros((n, WORDS), np.uint64)
    acc = np.zeros((n_patterns, WORDS), np.uint64)
    for r0 in range(0, b, LANES):
        s = min(b, r0 + LANES) - r0
        small[:, :] = 0
        for j in range(s):
            row = small[j]
            wrapped = False
            for i in range(n):
                u = draws[r0 + j, i]
                row[u] += np.uint8(1)
                wrapped |= row[u] == 0
            if wrapped:
                return out, False
        # packed in one pass: the (n, WORDS) weights are written once per 16 replicates
        for u in range(n):
            for h in range(WORDS):
                weights[u, h] = np.uint64(small[2 * h, u]) | (
                    np.uint64(small[2 * h + 1, u]) << SHIFT
                )
        acc[:, :] = 0
        # coding by coding: one coding's accumulator rows stay in L2 cache
        for c in range(k):
            for u in range(n):
                p = patterns[c, u]
                for h in range(WORDS):
                    acc[p, h] += weights[u, h]
        for j in range(s):
            shift = SHIFT * np.uint64(j % 2)
            for p in range(n_patterns):
                out[r0 + j, p] = (acc[p, j // 2] >> shift) & LOW
    return out, True
