"""Majority labels from per-item label counts: group majorities, flips, leave-one-out agreement.

Arrays in, numbers out. "Majority" here is the *unique plurality*: the value chosen
most often on an item, provided no other value is chosen equally often. Items with a
tie, or with no judgments, have no majority (code -1). For two values this is the
same as a strict majority (more than half).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from labelaudit.stats.counts import value_counts
from labelaudit.stats.kernel import resolve

NO_MAJORITY = -1


def label_counts(
    item_codes: np.ndarray, value_codes: np.ndarray, n_items: int, n_values: int
) -> np.ndarray:
    """Count judgments per item and value: an (n_items, n_values) integer matrix.

    >>> label_counts(np.array([0, 0, 1]), np.array([1, 1, 0]), 2, 2).tolist()
    [[0, 2], [1, 0]]
    """
    # the same count as the agreement engine's sufficient statistic, as integers
    return value_counts(item_codes, value_codes, n_items, n_values).astype(np.int64)


def plurality(counts: np.ndarray) -> np.ndarray:
    """Unique-plurality value per row of a count matrix; -1 for ties and empty rows.

    >>> plurality(np.array([[3, 1], [2, 2], [0, 0], [1, 2]])).tolist()
    [0, -1, -1, 1]
    """
    c = np.asarray(counts)
    if c.ndim != 2:
        raise ValueError("counts must be a 2-D (units x values) matrix")
    if c.shape[1] == 0:
        return np.full(c.shape[0], NO_MAJORITY, dtype=np.int64)
    top = c.max(axis=1)
    winner = c.argmax(axis=1).astype(np.int64)
    unique = (c == top[:, None]).sum(axis=1) == 1
    return np.where(unique & (top > 0), winner, NO_MAJORITY)


class MajorityComparison(NamedTuple):
    compared: np.ndarray  # bool per item: both majorities exist and the group has enough votes
    flipped: np.ndarray  # bool per item: compared and the two majorities differ
    group_majority: np.ndarray  # int per item (-1 = none)
    pooled_majority: np.ndarray  # int per item (-1 = none)
    gap: np.ndarray  # float per item: group share - rest share of the group's majority value


def compare_majorities(
    group_counts: np.ndarray, pooled_counts: np.ndarray, *, min_group_judgments: int = 2
) -> MajorityComparison:
    """Would the item's label change if only this group's judgments counted?

    An item is *compared* when the group gave it at least ``min_group_judgments``
    judgments and both the group's and the pooled (everyone's, the group included)
    unique plurality exist. It is *flipped* (contested) when the two differ. ``gap`` is
    how much more often the group chose its majority value than everyone else did
    (share among the group's judgments minus share among the rest's; NaN when the rest
    gave no judgment), used to rank examples.

    >>> g = np.array([[0, 2], [2, 0], [1, 1], [0, 1]])
    >>> pooled = np.array([[5, 2], [4, 0], [3, 1], [0, 3]])
    >>> res = compare_majorities(g, pooled)
    >>> res.compared.tolist(), res.flipped.tolist()
    ([True, True, False, False], [True, False, False, False])
    >>> round(float(res.gap[0]), 4)
    1.0
    """
    g = np.asarray(group_counts)
    p = np.asarray(pooled_counts)
    if g.shape != p.shape or g.ndim != 2:
        raise ValueError("group_counts and pooled_counts must be matrices of the same shape")
    if np.any(g > p):
        raise ValueError("pooled counts must include the group's counts (pooled >= group)")
    if min_group_judgments < 1:
        raise ValueError("min_group_judgments must be at least 1")
    g_major = plurality(g)
    p_major = plurality(p)
    compared = (g.sum(axis=1) >= min_group_judgments) & (g_major >= 0) & (p_major >= 0)
    flipped = compared & (g_major != p_major)
    rest = p - g
    idx = np.arange(g.shape[0])
    pick = np.clip(g_major, 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_share = g[idx, pick] / g.sum(axis=1)
        r_share = rest[idx, pick] / rest.sum(axis=1)
    gap = np.where(g_major >= 0, g_share - r_share, np.nan)
    return MajorityComparison(compared, flipped, g_major, p_major, gap)


def leave_one_out_agreement(
    item_codes: np.ndarray,
    value_codes: np.ndarray,
    counts: np.ndarray,
    *,
    min_others: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Does each judgment match the majority of the *other* judgments on its item?

    For judgment j on item i, the other annotators' counts are ``counts[i]`` minus j's
    own vote. A judgment is *comparable* when at least ``min_others`` other judgments
    exist and they have a unique plurality; it *agrees* when its value is that
    plurality. Returns (comparable, agrees), both boolean arrays aligned with the input.

    >>> items = np.array([0, 0, 0, 1, 1, 1])
    >>> values = np.array([0, 0, 1, 0, 1, 1])
    >>> c = label_counts(items, values, 2, 2)
    >>> comp, agree = leave_one_out_agreement(items, values, c)
    >>> comp.tolist()
    [False, False, True, True, False, False]
    >>> agree[comp].tolist()
    [False, False]
    """
    items = np.asarray(item_codes, dtype=np.int64)
    values = np.asarray(value_codes, dtype=np.int64)
    c = np.asarray(counts)
    if items.shape != values.shape:
        raise ValueError("item_codes and value_codes must have the same length")
    if min_others < 1:
        raise ValueError("min_others must be at least 1")
    others = c[items].copy()
    others[np.arange(len(items)), values] -= 1
    if np.any(others < 0):
        raise ValueError("counts must include every judgment passed in")
    major = plurality(others)
    comparable = (others.sum(axis=1) >= min_others) & (major >= 0)
    return comparable, comparable & (major == values)


def flips_by_group(
    item_codes: np.ndarray,
    value_codes: np.ndarray,
    judgment_groups: np.ndarray,
    n_groups: int,
    pooled_counts: np.ndarray,
    *,
    min_group_judgments: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Items compared and items flipped per group, all groups at once.

    Same definitions as :func:`compare_majorities`; ``judgment_groups`` gives each
    judgment's group (-1 = no group: counted in the pooled majority only). Vectorised
    so that permutation baselines can call it many times.

    >>> items = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> values = np.array([1, 1, 0, 0, 0, 0, 0, 1])
    >>> groups = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> pooled = label_counts(items, values, 2, 2) + np.array([[3, 0], [0, 0]])
    >>> [a.tolist() for a in flips_by_group(items, values, groups, 2, pooled)]
    [[2, 1], [1, 0]]
    """
    items = np.asarray(item_codes, dtype=np.int64)
    values = np.asarray(value_codes, dtype=np.int64)
    groups = np.asarray(judgment_groups, dtype=np.int64)
    pooled = np.asarray(pooled_counts)
    if not items.shape == values.shape == groups.shape:
        raise ValueError("item_codes, value_codes and judgment_groups must align")
    if groups.size and groups.max() >= n_groups:
        raise ValueError("group codes must lie below n_groups")
    n_items, k = pooled.shape
    known = groups >= 0
    # only the (group, item) cells that occur: a dense groups x items grid would not fit
    # in memory for intersections on large data sets
    cells, inv = np.unique(groups[known] * n_items + items[known], return_inverse=True)
    gc = np.bincount(inv * k + values[known], minlength=len(cells) * k).reshape(-1, k)
    g_major = plurality(gc)
    p_major = plurality(pooled)[cells % n_items]
    compared = (gc.sum(axis=1) >= min_group_judgments) & (g_major >= 0) & (p_major >= 0)
    flipped = compared & (g_major != p_major)
    cell_group = cells // n_items
    return (
        np.bincount(cell_group[compared], minlength=n_groups),
        np.bincount(cell_group[flipped], minlength=n_groups),
    )


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
    """Chance baseline for :func:`flips_by_group`: random subsets of the same sizes.

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
        :func:`labelaudit.stats.grasp.grasp_test`: a group stops at the permutation
        where ``stop_after`` permuted shares have reached its observed share; its
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
        observed items compared and flipped, as :func:`flips_by_group` counts them.

    Examples
    --------
    One item; two group-0 judgments say 1, two group-1 judgments say 0, and the pooled
    majority is 0 (one more 0 from an unknown group). Of the 6 equally likely ways to
    give group 0 two of the four judgments, 1 flips the item, 1 does not and 4 tie
    (not compared), so the expected share is 0.5 and P(share >= 1) is 1/2:

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


def low_agreement_flags(
    agreement: np.ndarray, *, bottom_share: float = 0.1, below: float | None = None
) -> np.ndarray:
    """Simulate a QC cut on per-annotator agreement scores.

    With ``below`` set, flag scores strictly below it. Otherwise flag the lowest
    ``bottom_share`` of annotators: every score at or below the ``bottom_share``
    quantile (lower interpolation), so ties at the cut are all flagged rather than
    split arbitrarily. When every score is the same nobody is flagged.

    >>> low_agreement_flags(np.array([0.9, 0.5, 0.8, 0.95, 0.7, 0.85, 0.9, 0.6, 0.75, 0.8])).tolist()
    [False, True, False, False, False, False, False, False, False, False]
    >>> low_agreement_flags(np.array([0.9, 0.5, 0.8]), below=0.85).tolist()
    [False, True, True]
    """
    scores = np.asarray(agreement, dtype=float)
    if scores.size == 0:
        return np.zeros(0, dtype=bool)
    if below is not None:
        return scores < float(below)
    if not 0 <= bottom_share <= 1:
        raise ValueError("bottom_share must lie in [0, 1]")
    cut = np.quantile(scores, bottom_share, method="lower")
    return (scores <= cut) & (scores < scores.max())
