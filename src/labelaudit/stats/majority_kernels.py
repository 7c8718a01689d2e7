"""numba kernel for the contested-items permutation baseline (optional accelerator).

Importing this module imports numba;
:func:`labelaudit.stats.majority_permutation.flips_permutation_baseline` imports it
lazily and falls back to numpy when numba is missing. The kernel draws from the
caller's ``numpy.random.Generator`` exactly as ``Generator.permuted(rows, axis=1)``
does (Fisher-Yates from the last position down, ``random_interval`` on the same bit
generator), so both paths shuffle identically and give identical counts.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.np.random.random_methods import random_interval

__all__ = ["permuted_flip_counts"]


@njit(cache=True, nogil=True)
def permuted_flip_counts(
    rng: np.random.Generator,
    n_perm: int,
    active: np.ndarray,
    base: np.ndarray,
    row_start: np.ndarray,
    row_len: np.ndarray,
    row_cell_lo: np.ndarray,
    row_cell_hi: np.ndarray,
    pos_cell: np.ndarray,
    cell_group: np.ndarray,
    cell_pooled: np.ndarray,
    n_groups: int,
    n_values: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Items compared and flipped per (permutation, group) for ``n_perm`` shuffles.

    Rows (items) are shuffled in the given order, each from ``base`` (not from the
    previous permutation). A cell (group, item) is compared when its values have a
    unique plurality, and flipped when that differs from ``cell_pooled``; only groups
    with ``active`` set are counted (the others read 0; every row is still shuffled, so
    the random stream does not depend on ``active``). Array layout:
    :class:`labelaudit.stats.majority._Layout`.

    Examples
    --------
    One item, four judgments all saying 1, two judgments per group; the pooled majority
    is 0, so whatever the shuffle both groups compare and flip the item:

    >>> ones, two = np.ones(4, dtype=np.int64), np.array([0, 0, 1, 1])
    >>> yes = np.ones(2, dtype=np.bool_)
    >>> c, f = permuted_flip_counts(np.random.default_rng(0), 2, yes, ones, np.array([0]),
    ...                             np.array([4]), np.array([0]), np.array([2]), two,
    ...                             np.array([0, 1]), np.array([0, 0]), 2, 2)
    >>> c.tolist(), f.tolist()
    ([[1, 1], [1, 1]], [[1, 1], [1, 1]])
    """
    compared = np.zeros((n_perm, n_groups), dtype=np.int64)
    flipped = np.zeros((n_perm, n_groups), dtype=np.int64)
    width = 1
    cells = 1
    for r in range(row_len.size):
        width = max(width, row_len[r])
        cells = max(cells, row_cell_hi[r] - row_cell_lo[r])
    buf = np.empty(width, dtype=base.dtype)
    local = np.zeros(cells * n_values, dtype=np.int64)
    bitgen = rng.bit_generator
    for b in range(n_perm):
        for r in range(row_len.size):
            s = row_start[r]
            m = row_len[r]
            for t in range(m):
                buf[t] = base[s + t]
            for i in range(m - 1, 0, -1):
                j = np.int64(random_interval(bitgen, i))
                x = buf[i]
                buf[i] = buf[j]
                buf[j] = x
            lo = row_cell_lo[r]
            hi = row_cell_hi[r]
            if lo == hi:
                continue
            for t in range(m):
                c = pos_cell[s + t]
                if c >= 0 and active[cell_group[c]]:
                    local[(c - lo) * n_values + buf[t]] += 1
            for c in range(hi - lo):
                # unique plurality: the first maximum, and no other value as frequent
                top = -1
                arg = -1
                unique = False
                for v in range(n_values):
                    x = local[c * n_values + v]
                    local[c * n_values + v] = 0
                    if x > top:
                        top = x
                        arg = v
                        unique = True
                    elif x == top:
                        unique = False
                if unique and top > 0:
                    g = cell_group[lo + c]
                    compared[b, g] += 1
                    if arg != cell_pooled[lo + c]:
                        flipped[b, g] += 1
    return compared, flipped
