"""numba kernel for the preference-divergence permutation test (optional accelerator).

Importing this module imports numba; :func:`labelaudit.stats.preference.flip_share_permutation`
imports it lazily and falls back to numpy when numba is missing. Both compute the same
integer counts, so the flip shares are identical.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["flip_shares"]


@njit(cache=True, nogil=True, parallel=True)
def flip_shares(
    member: np.ndarray,
    item_ptr: np.ndarray,
    ann: np.ndarray,
    direction: np.ndarray,
    pooled: np.ndarray,
) -> np.ndarray:
    """Flip share of each row of ``member`` (bool per annotator) taken as one group.

    Streams through the judgments item by item (``item_ptr[u]:item_ptr[u + 1]`` of
    ``ann``/``direction``, items with at least two judgments): the membership row is
    small enough to stay in cache, so a draw costs one sequential pass and no scratch
    arrays. An item counts when the group and someone else judged it; it flips when the
    sign of the group's summed directions is the opposite of ``pooled``.

    Examples
    --------
    Two items judged by annotators 0, 1 and 2; annotator 0 alone is the group and goes
    against the pooled decision on the first item only:

    >>> member = np.array([[True, False, False]])
    >>> ptr, ann = np.array([0, 3, 6]), np.array([0, 1, 2, 0, 1, 2])
    >>> dirs = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
    >>> flip_shares(member, ptr, ann, dirs, np.array([-1.0, 1.0])).tolist()
    [0.5]
    """
    n_draws = member.shape[0]
    n_items = item_ptr.size - 1
    out = np.zeros(n_draws)
    for b in prange(n_draws):
        mine = member[b]
        both = 0
        flipped = 0
        for u in range(n_items):
            lo = item_ptr[u]
            hi = item_ptr[u + 1]
            n = 0
            s = 0.0
            for q in range(lo, hi):
                # branch-free: membership is a coin flip the branch predictor cannot learn
                m = np.int64(mine[ann[q]])
                n += m
                s += m * direction[q]
            if n > 0 and n < hi - lo:
                both += 1
                sign = 1.0 if s > 0 else (-1.0 if s < 0 else 0.0)
                if sign != 0 and sign == -pooled[u]:
                    flipped += 1
        if both:
            out[b] = flipped / both
    return out
