"""numba kernel for the preference-divergence permutation test (optional accelerator).

Importing this module imports numba;
:class:`labelaudit.stats.preference_flips.FlipShareStatistic` imports it lazily
and falls back to numpy when numba is missing. Both compute the same integer counts, so
the flip shares are identical.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["flip_shares", "flip_shares_bits"]


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


@njit(cache=True, nogil=True, parallel=True)
def flip_shares_bits(
    lanes: np.ndarray,
    n_draws: int,
    item_ptr: np.ndarray,
    ann: np.ndarray,
    sign: np.ndarray,
    pooled: np.ndarray,
) -> np.ndarray:
    """Flip shares of up to 64 draws per lane, bit-parallel.

    ``lanes[l, a]`` has bit b set when annotator a is in draw 64 * l + b. Directions are
    -1 / 0 / +1 (``sign``, int64). Per item, the group's numbers of +1 and -1 judgments
    are kept as bit-sliced counters (plane k holds bit k of every draw's count), so one
    pass over an item's judgments serves 64 draws; items judged more than 2**30 times
    are not supported (far beyond any real data set).
    """
    n_lanes = lanes.shape[0]
    n_items = item_ptr.size - 1
    out = np.zeros(n_draws)
    for lane in prange(n_lanes):
        bits = lanes[lane]
        pos = np.zeros(32, dtype=np.uint64)
        neg = np.zeros(32, dtype=np.uint64)
        acc_both = np.zeros(64, dtype=np.uint64)  # bit-sliced per-draw counters
        acc_flip = np.zeros(64, dtype=np.uint64)
        for u in range(n_items):
            lo = item_ptr[u]
            hi = item_ptr[u + 1]
            planes = 1
            while (np.int64(1) << planes) <= hi - lo:
                planes += 1
            for k in range(planes):
                pos[k] = 0
                neg[k] = 0
            any_ = np.uint64(0)
            all_ = ~np.uint64(0)
            for q in range(lo, hi):
                x = bits[ann[q]]
                any_ |= x
                all_ &= x
                d = sign[q]
                if d > 0:
                    for k in range(planes):
                        t = pos[k] & x
                        pos[k] ^= x
                        x = t
                        if x == 0:
                            break
                elif d < 0:
                    for k in range(planes):
                        t = neg[k] & x
                        neg[k] ^= x
                        x = t
                        if x == 0:
                            break
            both = any_ & ~all_
            if both == 0:
                continue
            flip = np.uint64(0)
            p = pooled[u]
            if p != 0:
                gt = np.uint64(0)  # draws where the group's +1 count beats its -1 count
                lt = np.uint64(0)
                eq = ~np.uint64(0)
                for k in range(planes - 1, -1, -1):
                    gt |= eq & pos[k] & ~neg[k]
                    lt |= eq & neg[k] & ~pos[k]
                    eq &= ~(pos[k] ^ neg[k])
                flip = both & (gt if p < 0 else lt)
            x = both
            for k in range(64):
                t = acc_both[k] & x
                acc_both[k] ^= x
                x = t
                if x == 0:
                    break
            x = flip
            for k in range(64):
                t = acc_flip[k] & x
                acc_flip[k] ^= x
                x = t
                if x == 0:
                    break
        for b in range(64):
            draw = lane * 64 + b
            if draw >= n_draws:
                break
            n_both = 0
            n_flip = 0
            for k in range(64):
                n_both += np.int64((acc_both[k] >> np.uint64(b)) & np.uint64(1)) << k
                n_flip += np.int64((acc_flip[k] >> np.uint64(b)) & np.uint64(1)) << k
            if n_both:
                out[draw] = n_flip / n_both
    return out
