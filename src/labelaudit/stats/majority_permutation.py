"""Permutation baseline for majority flips: how many items a group flips by chance.

Within each item the group labels of its judgments are shuffled, so every group keeps
exactly as many judgments on every item as it really gave, and the flips of
:func:`labelaudit.stats.majority.flips_by_group` are recounted. Two kernels count the
permuted majorities (:mod:`labelaudit.stats.kernel`): numpy blocks here, and the numba
kernel in :mod:`labelaudit.stats.majority_kernels`, which draws the same random stream.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from labelaudit.stats.kernel import resolve
from labelaudit.stats.majority import plurality


class FlipBaseline(NamedTuple):
    expected: np.ndarray  # mean permuted share of flipped items per group (NaN: none)
    p_value: np.ndarray  # one-sided permutation p-value per group (NaN: not tested)
    n_resamples: np.ndarray  # permutations drawn per group (fewer when it stopped early)
    n_compared: np.ndarray  # observed items compared per group (as flips_by_group)
    n_flipped: np.ndarray  # observed items flipped per group


def flips_permutation_baseline(
    item_codes: np.ndarray,
    value_codes: np.ndarray,
    judgment_groups: np.ndarray,
    pooled_counts: np.ndarray,
    *,
    n_groups: int,
    n_resamples: int,
    seed: int | np.random.Generator = 0,
    min_group_judgments: int = 2,
    stop_after: int | None = None,
    kernel: str = "auto",
) -> FlipBaseline:
    """Chance baseline for :func:`~labelaudit.stats.majority.flips_by_group`: same-size subsets.

    Within each item, the group labels of its judgments are shuffled (judgments with
    no group, -1, stay out of the shuffle), so every group keeps exactly as many
    judgments on every item as it really gave. Small groups flip more items by chance
    simply because 2 or 3 judgments make a noisy majority; this baseline measures that.

    Parameters
    ----------
    n_resamples : int
        Permutations to draw at most (0: no baseline, everything NaN).
    stop_after : int, optional
        Besag and Clifford (1991) sequential stopping, the rule of
        :func:`labelaudit.stats.grasp_permutation.grasp_test`: a group stops at the
        permutation where ``stop_after`` permuted shares have reached its observed share; its
        p-value is then ``stop_after / l`` after ``l`` permutations in which it compared
        any item, and its expected share the mean over those. The draws stop when every
        group with an observed share has stopped. None: all ``n_resamples`` are drawn.
    kernel : {"auto", "numba", "numpy"}
        Who counts the permuted majorities (:mod:`labelaudit.stats.kernel`); both
        shuffle with the same random stream and give identical results.

    Returns
    -------
    FlipBaseline
        Per group: the mean share of compared items that flip under permutation, the
        one-sided p-value (1 + #{permuted share >= observed}) / (1 + #{permutations
        where the group compared any item}) and the permutations drawn for the group
        (NaN where a group compared no items, or when ``n_resamples`` is 0); and the
        observed items compared and flipped, as
        :func:`~labelaudit.stats.majority.flips_by_group` counts them.

    Examples
    --------
    One item; two group-0 judgments say 1, two group-1 judgments say 0, and the pooled
    majority is 0 (one more 0 from an unknown group). Of the 6 equally likely ways to
    give group 0 two of the four judgments, 1 flips the item, 1 does not and 4 tie
    (not compared), so the expected share is 0.5 and P(share >= 1) is 1/2:

    >>> from labelaudit.stats.majority import label_counts
    >>> items, values = np.zeros(4, dtype=int), np.array([1, 1, 0, 0])
    >>> pooled = label_counts(items, values, 1, 2) + np.array([1, 0])
    >>> exp, p, used, n_cmp, n_flip = flips_permutation_baseline(
    ...     items, values, np.array([0, 0, 1, 1]), pooled, n_groups=2, n_resamples=600, seed=0)
    >>> [round(float(x), 1) for x in exp], [round(float(x), 1) for x in p], used.tolist()
    ([0.5, 0.5], [0.5, 1.0], [600, 600])
    >>> n_cmp.tolist(), n_flip.tolist()
    ([1, 1], [1, 0])
    """
    items = np.asarray(item_codes, dtype=np.int64)
    values = np.asarray(value_codes, dtype=np.int64)
    groups = np.asarray(judgment_groups, dtype=np.int64)
    if stop_after is not None and stop_after < 1:
        raise ValueError("stop_after must be at least 1")
    if not items.shape == values.shape == groups.shape:
        raise ValueError("item_codes, value_codes and judgment_groups must align")
    if groups.size and groups.max() >= n_groups:
        raise ValueError("group codes must lie below n_groups")
    use_numba = resolve(kernel) == "numba"
    lay = _shuffle_layout(items, values, groups, pooled_counts, n_groups, min_group_judgments)
    # the layout holds every cell that can compare: unshuffled, it gives flips_by_group
    n_cmp, n_flip = (x[0] for x in _count_block(lay, lay.base[lay.pos_cell >= 0][None, :]))
    nan = np.full(n_groups, np.nan)
    if n_resamples <= 0 or n_groups < 1:
        return FlipBaseline(nan, nan.copy(), np.zeros(n_groups, dtype=np.int64), n_cmp, n_flip)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(n_cmp > 0, n_flip / np.maximum(n_cmp, 1), np.nan)
    tested = np.isfinite(observed)
    counting = np.ones(n_groups, dtype=bool)  # groups still adding to their baseline
    total, seen = np.zeros(n_groups), np.zeros(n_groups)
    at_least = np.zeros(n_groups, dtype=np.int64)
    used = np.zeros(n_groups, dtype=np.int64)
    done = 0
    while done < n_resamples:
        # early stopping: small blocks first (nothing stops before stop_after draws),
        # then doubling, so a stopped test wastes at most as many draws as it used
        b = n_resamples - done if stop_after is None else max(16, min(done, 256))
        b = min(b, n_resamples - done, _numpy_block(lay) if not use_numba else n_resamples)
        if use_numba:
            from labelaudit.stats.majority_kernels import permuted_flip_counts

            c_blk, f_blk = permuted_flip_counts(rng, b, counting, *lay.kernel_args())
        else:
            c_blk, f_blk = _numpy_flip_counts(rng, b, lay)
        done += b
        for c, f in zip(c_blk, f_blk, strict=True):
            ok = counting & (c > 0)
            share = np.where(ok, f / np.maximum(c, 1), np.nan)
            total[ok] += share[ok]
            seen[ok] += 1
            used[counting] += 1
            # a relative tolerance keeps float noise on equal shares from lowering p
            at_least += ok & (share >= observed * (1 - 1e-9))
            if stop_after is not None:
                counting &= ~(tested & (at_least >= stop_after))
                if tested.any() and not (counting & tested).any():
                    done = n_resamples
                    break
    stopped = tested & ~counting
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(seen > 0, total / seen, np.nan)
        p = np.where(stopped, at_least / np.maximum(seen, 1), (1 + at_least) / (1 + seen))
    return FlipBaseline(expected, np.where(tested, p, np.nan), used, n_cmp, n_flip)


class _Layout(NamedTuple):
    """Judgments in shuffle order and the (group, item) cells their majorities decide.

    ``base`` holds the values of the grouped judgments on items where some group can
    compare, item by item; rows (items) come in the order ``Generator.permuted`` walks
    them in the numpy path: items with one grouped judgment first (not shuffled), then
    by number of judgments, then by item. Cells are numbered item by item.
    """

    base: np.ndarray  # (n,) value per position
    row_start: np.ndarray  # (R,) first position of each row
    row_len: np.ndarray  # (R,) positions of each row
    row_cell_lo: np.ndarray  # (R,) the cells of row r are row_cell_lo[r]:row_cell_hi[r]
    row_cell_hi: np.ndarray
    pos_cell: np.ndarray  # (n,) cell of each position, -1 when it can never compare
    cell_group: np.ndarray  # (C,) group of each cell
    cell_pooled: np.ndarray  # (C,) pooled majority of the cell's item
    n_groups: int
    n_values: int
    blocks: list[np.ndarray]  # numpy path: position matrix per row length > 1

    def kernel_args(self) -> tuple:
        return (self.base, self.row_start, self.row_len, self.row_cell_lo, self.row_cell_hi,
                self.pos_cell,
                self.cell_group, self.cell_pooled, self.n_groups, self.n_values)  # fmt: skip


def _shuffle_layout(
    items: np.ndarray,
    values: np.ndarray,
    groups: np.ndarray,
    pooled_counts: np.ndarray,
    n_groups: int,
    min_group_judgments: int,
) -> _Layout:
    n_items, k = np.shape(pooled_counts)
    # Shuffling values among an item's grouped judgments is the same as shuffling their
    # group labels, and keeps the (group, item) cells fixed: precompute them once.
    known = np.flatnonzero(groups >= 0)
    cells, cell_of = _cells(items[known] * n_groups + groups[known], n_items * n_groups)
    sizes = np.bincount(cell_of, minlength=len(cells))
    live = np.zeros(n_items, dtype=bool)
    live[cells[sizes >= min_group_judgments] // n_groups] = True  # others change nothing
    inside = live[items[known]]
    known, cell_of = known[inside], cell_of[inside]
    by_item = np.argsort(items[known], kind="stable")
    order, cell_of = known[by_item], cell_of[by_item]
    item_of = items[order]
    p_major = plurality(pooled_counts)[cells // n_groups]
    keep = (sizes >= min_group_judgments) & (p_major >= 0)  # cells that can ever compare
    new_id = np.cumsum(keep) - 1
    pos_cell = np.where(keep[cell_of], new_id[cell_of], -1)
    cell_item = (cells // n_groups)[keep]
    per_item = np.bincount(item_of, minlength=n_items)
    starts = np.concatenate([[0], np.cumsum(per_item)[:-1]])
    present = np.flatnonzero(per_item > 0)
    # the numpy path shuffles items with m judgments together, m ascending (radix sort
    # on small integers)
    lens = per_item[present]
    rows = present[np.argsort(lens.astype(np.uint16) if lens.max(initial=0) < 2**16 else lens,
                              kind="stable")]  # fmt: skip
    first_cell = np.searchsorted(cell_item, np.arange(n_items + 1))
    lengths = np.unique(per_item[present])
    blocks = [starts[per_item == m][:, None] + np.arange(m) for m in lengths if m > 1]
    return _Layout(
        base=np.ascontiguousarray(values[order]),
        row_start=starts[rows].astype(np.int64),
        row_len=per_item[rows].astype(np.int64),
        row_cell_lo=first_cell[rows].astype(np.int64),
        row_cell_hi=first_cell[rows + 1].astype(np.int64),
        pos_cell=pos_cell.astype(np.int64),
        cell_group=(cells % n_groups)[keep].astype(np.int64),
        cell_pooled=p_major[keep].astype(np.int64),
        n_groups=n_groups,
        n_values=k,
        blocks=blocks,
    )


def _cells(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (ascending) and each element's index among them, as ``np.unique``."""
    if n_keys <= max(4 * key.size, 1 << 20):  # a dense count is cheaper than sorting
        present = np.bincount(key, minlength=n_keys) > 0
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present), rank[key]
    cells, cell_of = np.unique(key, return_inverse=True)
    return cells, cell_of.reshape(-1)


def _numpy_block(lay: _Layout, max_cells: int = 4_000_000) -> int:
    """Permutations per numpy block: at most ``max_cells`` permuted count cells."""
    return max(1, max_cells // max(1, len(lay.cell_group) * lay.n_values))


def _numpy_flip_counts(
    rng: np.random.Generator, n_perm: int, lay: _Layout
) -> tuple[np.ndarray, np.ndarray]:
    """Items compared and flipped per (permutation, group): one bincount for the block."""
    elig = np.flatnonzero(lay.pos_cell >= 0)
    v = np.empty((n_perm, elig.size), dtype=np.int64)
    for b in range(n_perm):
        shuffled = lay.base.copy()
        for pos in lay.blocks:
            shuffled[pos] = rng.permuted(shuffled[pos], axis=1)
        v[b] = shuffled[elig]
    return _count_block(lay, v)


def _count_block(lay: _Layout, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compared and flipped per (row of ``v``, group); ``v``: values at eligible positions."""
    n_perm, (n_cells, k, g) = v.shape[0], (len(lay.cell_group), lay.n_values, lay.n_groups)
    elig = np.flatnonzero(lay.pos_cell >= 0)
    offset = (np.arange(n_perm, dtype=np.int64) * n_cells)[:, None]
    keys = ((offset + lay.pos_cell[elig]) * k + v).ravel()
    counts = np.bincount(keys, minlength=n_perm * n_cells * k).reshape(-1, k)
    g_major = plurality(counts).reshape(n_perm, n_cells)
    compared = g_major >= 0
    flipped = compared & (g_major != lay.cell_pooled)
    slot = (np.arange(n_perm, dtype=np.int64) * g)[:, None] + lay.cell_group
    size = n_perm * g
    c = np.bincount(slot[compared], minlength=size).reshape(n_perm, g)
    f = np.bincount(slot[flipped], minlength=size).reshape(n_perm, g)
    return c, f
