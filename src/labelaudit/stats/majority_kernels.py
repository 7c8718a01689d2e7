"""numba kernel for the contested-items permutation baseline (optional accelerator).

Importing this module imports numba; :func:`labelaudit.stats.majority.flips_permutation_baseline`
imports it lazily and falls back to numpy when numba is missing. The kernel draws from
the caller's ``numpy.random.Generator`` exactly as ``Generator.permuted(rows, axis=1)``
does (Fisher-Yates from the last position down, each index by numpy's
``random_interval``: masked 32-bit draws, rejected above the bound), so both paths
shuffle identically and give identical counts.

With the default PCG64 bit generator the 32-bit draws are taken in bulk
(``random_raw``, two 32-bit halves per 64-bit output, low half first, as PCG64's
``next_uint32`` hands them out) instead of one call per draw; the generator is then
moved to just after the draws used, so it ends exactly where the draw-by-draw path
leaves it.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.np.random.generator_core import next_uint32

__all__ = ["permuted_flip_counts"]


def permuted_flip_counts(
    rng: np.random.Generator, n_perm: int, *layout: object, spare: float = 1.02
) -> tuple[np.ndarray, np.ndarray]:
    """Items compared and flipped per (permutation, group) for ``n_perm`` shuffles.

    ``layout`` is :meth:`labelaudit.stats.majority._Layout.kernel_args`. ``spare``: how
    many 32-bit draws to take in bulk, relative to the expected number (a shortfall
    is drawn one by one from the generator, so it changes nothing but speed).

    Examples
    --------
    One item, four judgments all saying 1, two judgments per group; the pooled majority
    is 0, so whatever the shuffle both groups compare and flip the item:

    >>> ones, two = np.ones(4, dtype=np.int64), np.array([0, 0, 1, 1])
    >>> c, f = permuted_flip_counts(np.random.default_rng(0), 2, ones, np.array([0]),
    ...                             np.array([4]), np.array([0]), np.array([2]), two,
    ...                             np.array([0, 1]), np.array([0, 0]), 2, 2)
    >>> c.tolist(), f.tolist()
    ([[1, 1], [1, 1]], [[1, 1], [1, 1]])
    """
    bitgen = rng.bit_generator
    if type(bitgen) is not np.random.PCG64:
        return _counts(rng, np.zeros(0, dtype=np.uint32), n_perm, *layout)[:2]
    row_len = np.asarray(layout[2])
    want = int(n_perm * _expected_draws(row_len) * spare)
    start = bitgen.state
    held = int(start["has_uint32"])
    raw = bitgen.random_raw((want + 1) // 2)
    seq = raw.view(np.uint32)  # little-endian: low half, then high half
    if held:
        seq = np.concatenate([np.array([start["uinteger"]], dtype=np.uint32), seq])
    # the generator now sits after the bulk draws with no half held back, so a kernel
    # that runs out of them continues on it as if it had drawn everything one by one
    after = bitgen.state
    after["has_uint32"] = 0
    after["uinteger"] = int(seq[-1]) if seq.size else after["uinteger"]
    bitgen.state = after
    compared, flipped, used = _counts(rng, seq, n_perm, *layout)
    if used <= seq.size:
        _rewind(bitgen, start, seq, held, used)
    return compared, flipped


def _expected_draws(row_len: np.ndarray) -> float:
    """Expected 32-bit draws of one Fisher-Yates pass over rows of these lengths."""
    if row_len.size == 0:
        return 0.0
    top = int(row_len.max())
    i = np.arange(1, max(top, 2), dtype=np.int64)
    mask = (1 << np.ceil(np.log2(i + 1)).astype(np.int64)) - 1
    per_step = np.concatenate([[0.0], (mask + 1) / (i + 1)])  # rejection sampling
    per_len = np.cumsum(per_step)  # a row of length m takes steps 1..m-1
    return float(per_len[np.maximum(row_len, 1) - 1].sum())


def _rewind(bitgen: np.random.PCG64, start: dict, seq: np.ndarray, held: int, used: int) -> None:
    """Put the generator just after the first ``used`` values of ``seq``."""
    if used == 0:
        bitgen.state = start
        return
    from_raw = used - held  # 32-bit halves taken from the bulk 64-bit outputs
    bitgen.state = start
    if from_raw > 0:
        bitgen.random_raw((from_raw + 1) // 2)  # moves the stream, keeps the held half
    state = bitgen.state
    if from_raw % 2:  # the high half of the last output is held for the next draw
        state["has_uint32"], state["uinteger"] = 1, int(seq[held + from_raw])
    elif from_raw > 0:
        state["has_uint32"], state["uinteger"] = 0, int(seq[held + from_raw - 1])
    else:  # only the held half was used
        state["has_uint32"] = 0
    bitgen.state = state


@njit(cache=True, nogil=True)
def _counts(
    rng: np.random.Generator,
    seq: np.ndarray,
    n_perm: int,
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
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows (items) are shuffled in the given order, each from ``base`` (not from the
    previous permutation), drawing from ``seq`` and then from ``rng``. A cell (group,
    item) is compared when its values have a unique plurality, and flipped when that
    differs from ``cell_pooled``. Returns the counts and the draws used."""
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
    n_seq = seq.size
    used = 0
    for b in range(n_perm):
        for r in range(row_len.size):
            s = row_start[r]
            m = row_len[r]
            for t in range(m):
                buf[t] = base[s + t]
            for i in range(m - 1, 0, -1):
                # numpy's random_interval(i): smallest all-ones mask >= i, reject above i
                mask = np.uint32(i)
                mask |= mask >> 1
                mask |= mask >> 2
                mask |= mask >> 4
                mask |= mask >> 8
                mask |= mask >> 16
                while True:
                    # past the bulk draws, straight from the generator
                    x = seq[used] if used < n_seq else np.uint32(next_uint32(bitgen))
                    x &= mask
                    used += 1
                    if x <= i:
                        break
                j = np.int64(x)
                y = buf[i]
                buf[i] = buf[j]
                buf[j] = y
            lo = row_cell_lo[r]
            hi = row_cell_hi[r]
            if lo == hi:
                continue
            for t in range(m):
                c = pos_cell[s + t]
                if c >= 0:
                    local[(c - lo) * n_values + buf[t]] += 1
            for c in range(hi - lo):
                # unique plurality: the first maximum, and no other value as frequent
                top = -1
                arg = -1
                unique = False
                for v in range(n_values):
                    y = local[c * n_values + v]
                    local[c * n_values + v] = 0
                    if y > top:
                        top = y
                        arg = v
                        unique = True
                    elif y == top:
                        unique = False
                if unique and top > 0:
                    g = cell_group[lo + c]
                    compared[b, g] += 1
                    if arg != cell_pooled[lo + c]:
                        flipped[b, g] += 1
    return compared, flipped, used
