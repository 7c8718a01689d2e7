"""Item-bootstrap resampling: the replicates' weights, and their sums per item pattern.

A bootstrap replicate resamples items with replacement; statistics that are sums of
per-item terms (alpha's coincidences, kappa_x's cross-coincidences) are then
``weights @ contributions``. When an item's contributions depend only on its value
counts, items sharing a count pattern share them, and a replicate only needs how many
of its draws fell on each pattern (:func:`bootstrap_pattern_counts`).

Arrays in, arrays out; numpy (numba optionally, see :mod:`.bootstrap_kernels`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["bootstrap_weights", "bootstrap_pattern_counts"]


def _draws(
    n_items: int, n_boot: int, seed: int | Sequence[int], max_cells: int
) -> Iterator[np.ndarray]:
    """The resampled item codes, (b, n_items) per block, n_boot rows in all.

    The block sizes are part of the stream: numpy draws bounded integers from 32-bit
    halves of the generator's output and drops an unused half at the end of each call,
    so every bootstrap built on these blocks must draw them in the same sizes.
    """
    if n_items < 1 or n_boot < 1:
        return
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, max_cells // n_items))
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        yield rng.integers(0, n_items, size=(b, n_items))
        done += b


def bootstrap_weights(
    n_items: int, n_boot: int, seed: int | Sequence[int], max_cells: int = 10_000_000
) -> Iterator[np.ndarray]:
    """Yield blocks of item-resampling weights, (b, n_items) each, n_boot rows in all.

    Row r holds how often each item is drawn in replicate r (multinomial, n_items
    draws with replacement). The blocks depend only on ``(n_items, n_boot, seed)``,
    so every statistic bootstrapped with the same arguments sees the same resampled
    items, which makes differences between statistics meaningful. ``seed`` may be a
    sequence of ints (e.g. ``[run_seed, field_index]``).

    Examples
    --------
    >>> w = np.vstack(list(bootstrap_weights(4, 3, seed=0)))
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 4), [4.0, 4.0, 4.0])
    """
    for draws in _draws(n_items, n_boot, seed, max_cells):
        # row by row: a histogram of n_items bins stays in cache, one of b * n_items does not
        out = np.empty(draws.shape, dtype=np.float64)
        for r, row in enumerate(draws):
            out[r] = np.bincount(row, minlength=n_items)
        yield out


def bootstrap_pattern_counts(
    patterns: np.ndarray,
    n_patterns: int,
    n_boot: int,
    seed: int | Sequence[int],
    *,
    max_cells: int = 10_000_000,
    kernel: str = "auto",
) -> Iterator[np.ndarray]:
    """Resampled items counted by pattern: blocks of ``weights @ onehot(patterns)``.

    The same replicates as :func:`bootstrap_weights` (same ``n_items``, ``n_boot``,
    ``seed`` and ``max_cells``), summed over the items that share a pattern. When
    per-item contributions depend only on an item's pattern (its value counts), a
    replicate's aggregate is ``counts @ contributions_per_pattern``: a few thousand
    patterns instead of every item.

    Parameters
    ----------
    patterns : (K, n_items) int array
        K codings of the items, codes in ``[0, n_patterns)`` (give each coding its own
        range to keep them apart).
    n_patterns : int
    n_boot, seed, max_cells
        As for :func:`bootstrap_weights`.
    kernel : "auto" | "numba" | "numpy"
        Counting by the numba kernel (``"auto"``: when numba imports) or by numpy
        (a sparse product); the counts are integers, identical either way.

    Yields
    ------
    (b, n_patterns) float64 blocks, n_boot rows in all: entry (r, p) is how many of
    replicate r's draws fell on items with pattern p, summed over the K codings.

    Examples
    --------
    >>> pats = np.array([[0, 1, 1, 0, 1], [2, 2, 3, 3, 3]])
    >>> counts = np.vstack(list(bootstrap_pattern_counts(pats, 4, 3, seed=0)))
    >>> w = np.vstack(list(bootstrap_weights(5, 3, seed=0)))
    >>> onehot = (pats[:, :, None] == np.arange(4)).sum(axis=0)
    >>> bool((counts == w @ onehot).all()), counts.sum(axis=1).tolist()
    (True, [10.0, 10.0, 10.0])
    """
    patterns = np.asarray(patterns)
    if patterns.ndim != 2:
        raise ValueError("patterns must be (K, n_items)")
    if patterns.size and (patterns.min() < 0 or patterns.max() >= n_patterns):
        raise ValueError("pattern code out of range")
    n_items = patterns.shape[1]
    count = _pattern_counter(patterns, n_patterns, kernel)
    step = max(1, max_cells // max(n_patterns, 1))
    # one thread draws the blocks, in order; two count them, each block as soon as it
    # is drawn (numpy's generator and the numba kernel release the GIL, so the threads
    # share the cores); blocks are yielded in order, at most two counted ahead
    blocks = _draws(n_items, n_boot, seed, max_cells)
    with ThreadPoolExecutor(max_workers=1) as drawer, ThreadPoolExecutor(max_workers=2) as pool:
        counting: deque = deque()
        pending = drawer.submit(next, blocks, None)
        while True:
            while len(counting) < 2 and (draws := pending.result()) is not None:
                pending = drawer.submit(next, blocks, None)
                counting.extend(
                    pool.submit(count, draws[r0 : r0 + step])
                    for r0 in range(0, draws.shape[0], step)
                )
            if not counting:
                break
            yield counting.popleft().result()


def _pattern_counter(patterns: np.ndarray, n_patterns: int, kernel: str):
    """draws (b, n_items) -> (b, n_patterns) pattern counts, by numba or numpy."""
    import scipy.sparse as sp

    from labelaudit.stats.kernel import resolve

    k, n_items = patterns.shape
    onehot_t = sp.csr_matrix(
        (np.ones(k * n_items), (patterns.ravel(), np.tile(np.arange(n_items), k))),
        shape=(n_patterns, n_items),
    )

    def count(draws: np.ndarray) -> np.ndarray:
        weights = np.empty((n_items, draws.shape[0]))
        for r, row in enumerate(draws):
            weights[:, r] = np.bincount(row, minlength=n_items)
        return np.ascontiguousarray((onehot_t @ weights).T)

    if resolve(kernel) == "numpy" or k * n_items >= 2**32:
        return count
    try:
        from labelaudit.stats.bootstrap_kernels import pattern_counts
    except ImportError:
        if kernel == "numba":
            raise
        return count
    pats = np.ascontiguousarray(patterns, dtype=np.int32)

    def fast(draws: np.ndarray) -> np.ndarray:
        out, exact = pattern_counts(draws, pats, n_patterns)
        return out if exact else count(draws)

    return fast
