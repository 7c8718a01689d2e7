"""Preference flips under relabellings: the statistic of the preference-divergence test.

A group's *flip share* is the share of the comparisons it judged (together with someone
outside it) on which its one-vote-per-judgment decision is the opposite response to the
pooled one (``n_flipped / n_items_compared`` of
:func:`labelaudit.stats.preference.group_decision_shift`). :class:`FlipShareStatistic`
gives every group's flip share under a block of relabellings (the LA602 contrast): each
rater keeps their own judgments. Flip shares are counted by numpy here or by the numba
kernels of :mod:`labelaudit.stats.preference_kernels`, with identical results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from labelaudit.stats.kernel import resolve

__all__ = ["FlipShareStatistic", "Judgments", "prepare_judgments"]


class FlipShareStatistic:
    """Flip share of each group (columns = group codes) under relabellings of the raters.

    Examples
    --------
    >>> data = prepare_judgments(np.array([0, 0, 0, 1, 1, 1]), np.array([1, -1, -1, 1, 1, -1]),
    ...                          np.array([0, 1, 2, 0, 1, 2]), 3, 2)
    >>> s = FlipShareStatistic(data, 2, kernel="numpy")
    >>> s(np.array([[0, 1, 1], [1, 0, 1]]), np.array([0, 1])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """

    def __init__(self, data: Judgments, n_groups: int, *, kernel: str = "auto") -> None:
        self.data, self.n_groups = data, n_groups
        self.numba = resolve(kernel) == "numba"
        n_items = data.total_n.size
        self.block = 256 if self.numba else max(1, min(256, 4_000_000 // max(n_items, 1)))

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        out = np.full((assignments.shape[0], len(columns)), np.nan)
        for j, g in enumerate(columns):
            member = assignments == g
            k = int(member[0].sum())
            if k == 0:
                continue
            # a relabelling keeps group sizes: every row holds k members
            drawn = np.nonzero(member)[1].reshape(-1, k)
            out[:, j] = _flip_shares(drawn, self.data, self.numba)
        return out


class Judgments(NamedTuple):
    """Judgments grouped by annotator (numpy path) and by item (numba path)."""

    ptr: np.ndarray  # (n_annotators + 1,) judgments of annotator a: ptr[a]:ptr[a + 1] of
    item: np.ndarray  # ... item (int64) and
    direction: np.ndarray  # ... direction (float64)
    total_n: np.ndarray  # (n_items,) judgments per item
    pooled: np.ndarray  # (n_items,) float64 sign of the pooled sum
    item_ptr: np.ndarray  # (U + 1,) judgments of the U items with >= 2 judgments, item by
    item_ann: np.ndarray  # ... item: annotator (int64) and
    item_dir: np.ndarray  # ... direction (float64)
    item_pooled: np.ndarray  # (U,) pooled sign of those items
    item_sign: np.ndarray | None  # item_dir as int64 when every direction is -1, 0 or +1


def prepare_judgments(
    item_codes: np.ndarray, directions: np.ndarray, who: np.ndarray, n_ann: int, n_items: int
) -> Judgments:
    """Judgments of a preference field arranged for :class:`FlipShareStatistic`.

    Examples
    --------
    >>> data = prepare_judgments(np.array([0, 0, 1]), np.array([1, -1, 1]),
    ...                          np.array([1, 0, 0]), 2, 2)
    >>> data.ptr.tolist(), data.item.tolist(), data.pooled.tolist()
    ([0, 2, 3], [0, 1, 0], [0.0, 1.0])
    """
    items = np.asarray(item_codes, dtype=np.int64)
    d = np.asarray(directions, dtype=float)
    who = np.asarray(who, dtype=np.int64)
    order = np.argsort(who, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(who, minlength=n_ann))]).astype(np.int64)
    # pooled sums and counts are the same in every draw: compute them once
    total_sum = np.bincount(items, weights=d, minlength=n_items)
    total_n = np.bincount(items, minlength=n_items).astype(np.int64)
    pooled = np.sign(total_sum)
    # an item judged once is never judged by the group and by someone else
    multi = total_n >= 2
    by_item = np.argsort(items, kind="stable")
    by_item = by_item[multi[items[by_item]]]
    item_ptr = np.concatenate([[0], np.cumsum(total_n[multi])]).astype(np.int64)
    return Judgments(
        ptr, items[order], d[order], total_n, pooled,
        item_ptr, who[by_item], d[by_item], pooled[multi],
        d[by_item].astype(np.int64) if np.isin(d, (-1.0, 0.0, 1.0)).all() else None,
    )  # fmt: skip


def _flip_shares(drawn: np.ndarray, data: Judgments, use_numba: bool) -> np.ndarray:
    """Flip share of each row of ``drawn`` (annotator positions) as the group."""
    drawn = np.ascontiguousarray(drawn, dtype=np.int64)
    if use_numba:
        from labelaudit.stats.preference_kernels import flip_shares, flip_shares_bits

        n_draws, n_ann = drawn.shape[0], data.ptr.size - 1
        if data.item_sign is not None:  # directions are -1 / 0 / +1: 64 draws per pass
            lanes = np.zeros(((n_draws + 63) // 64, n_ann), dtype=np.uint64)
            for b in range(n_draws):
                lanes[b // 64, drawn[b]] |= np.uint64(1 << (b % 64))
            return flip_shares_bits(
                lanes, n_draws, data.item_ptr, data.item_ann, data.item_sign, data.item_pooled
            )
        member = np.zeros((n_draws, n_ann), dtype=np.bool_)
        member[np.arange(n_draws)[:, None], drawn] = True
        return flip_shares(member, data.item_ptr, data.item_ann, data.item_dir, data.item_pooled)
    b, n_items = drawn.shape[0], data.total_n.size
    starts, lens = data.ptr[drawn.ravel()], np.diff(data.ptr)[drawn.ravel()]
    first = np.cumsum(lens) - lens
    pos = np.repeat(starts - first, lens) + np.arange(int(lens.sum()))
    row = np.repeat(np.repeat(np.arange(b, dtype=np.int64), drawn.shape[1]), lens)
    keys = row * n_items + data.item[pos]
    g_sum = np.bincount(keys, weights=data.direction[pos], minlength=b * n_items)
    g_n = np.bincount(keys, minlength=b * n_items)
    g_sum, g_n = g_sum.reshape(b, n_items), g_n.reshape(b, n_items)
    both = (g_n > 0) & (g_n < data.total_n)
    g = np.sign(g_sum)
    n_both = both.sum(axis=1)
    flipped = (both & (g != 0) & (g == -data.pooled)).sum(axis=1)
    return np.where(n_both > 0, flipped / np.maximum(n_both, 1), 0.0)
