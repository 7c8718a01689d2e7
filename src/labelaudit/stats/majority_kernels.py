"""numba kernel of the contested-items statistic under relabellings (optional accelerator).

Importing this module imports numba; :class:`labelaudit.stats.contested.ContestedStatistic`
imports it lazily and falls back to numpy when numba is missing. Both count the same
integers, so both give identical results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["contested_counts"]


@njit(cache=True, nogil=True, parallel=True)
def contested_counts(
    offsets: np.ndarray,
    ann: np.ndarray,
    val: np.ndarray,
    pooled: np.ndarray,
    perm_codes: np.ndarray,
    n_groups: int,
    n_values: int,
    min_group_judgments: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Items compared and flipped per (relabelling, group).

    Items are ``offsets[u]:offsets[u + 1]`` of ``ann``/``val`` with pooled unique
    plurality ``pooled[u]``. A group's item is compared when the group gave it at least
    ``min_group_judgments`` judgments and its values have a unique plurality, and
    flipped when that differs from the pooled one. Group codes -1 count for no group.

    Examples
    --------
    One item judged 1, 1, 0, 0 (pooled majority 0 given by the caller); groups of two:

    >>> c, f = contested_counts(np.array([0, 4]), np.arange(4), np.array([1, 1, 0, 0]),
    ...                         np.array([0]), np.array([[0, 0, 1, 1], [0, 1, 0, 1]]), 2, 2, 2)
    >>> c.tolist(), f.tolist()
    ([[1, 1], [0, 0]], [[1, 0], [0, 0]])
    """
    n_perm = perm_codes.shape[0]
    n_items = offsets.size - 1
    compared = np.zeros((n_perm, n_groups), dtype=np.int64)
    flipped = np.zeros((n_perm, n_groups), dtype=np.int64)
    need = max(min_group_judgments, 1)
    max_m = 1
    for u in range(n_items):
        max_m = max(max_m, offsets[u + 1] - offsets[u])
    for p in prange(n_perm):
        codes = perm_codes[p]
        local = np.zeros(n_groups * n_values, dtype=np.int64)
        size = np.zeros(n_groups, dtype=np.int64)
        # per-thread totals, written once: threads writing neighbouring rows of the
        # shared arrays item by item would share cache lines
        n_cmp = np.zeros(n_groups, dtype=np.int64)
        n_flip = np.zeros(n_groups, dtype=np.int64)
        cell = np.empty(max_m, dtype=np.int64)  # group * n_values + value
        grp = np.empty(max_m, dtype=np.int64)  # group, -1: none
        for u in range(n_items):
            lo = offsets[u]
            m = offsets[u + 1] - lo
            # the item's groups once: one gather per judgment instead of three
            top_size = 0
            for i in range(m):
                g = codes[ann[lo + i]]
                grp[i] = g
                if g >= 0:
                    c = g * n_values + val[lo + i]
                    cell[i] = c
                    size[g] += 1
                    local[c] += 1
                    top_size = max(top_size, size[g])
            # most items have no group with enough judgments for a majority
            if top_size >= need:
                for i in range(m):
                    g = grp[i]
                    if g < 0 or size[g] < need:
                        continue
                    base = g * n_values
                    top = -1
                    arg = -1
                    unique = False
                    for v in range(n_values):
                        x = local[base + v]
                        if x > top:
                            top, arg, unique = x, v, True
                        elif x == top:
                            unique = False
                    if unique:
                        n_cmp[g] += 1
                        if arg != pooled[u]:
                            n_flip[g] += 1
                    size[g] = 0  # settled at its first judgment
            for i in range(m):
                g = grp[i]
                if g >= 0:
                    size[g] = 0
                    local[cell[i]] = 0
        for g in range(n_groups):
            compared[p, g] = n_cmp[g]
            flipped[p, g] = n_flip[g]
    return compared, flipped
