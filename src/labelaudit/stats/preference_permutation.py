"""Preference-divergence permutation test: a group's flip share against random groups.

A group's *flip share* is the share of the comparisons it judged (together with someone
outside it) on which its one-vote-per-judgment decision is the opposite response to the
pooled one (``n_flipped / n_items_compared`` of
:func:`labelaudit.stats.preference.group_decision_shift`). The null draws groups of the
same size at random; each annotator keeps their own judgments. Blocks of draws are
counted together by numpy here or by the numba kernels of
:mod:`labelaudit.stats.preference_kernels`, with identical results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from labelaudit.stats.kernel import resolve


class FlipShareTest(NamedTuple):
    observed: float  # the group's flip share
    null_mean: float  # mean flip share of the random groups drawn
    p_value: float
    n_permutations: int  # random groups drawn (fewer than asked when stopped early)


def flip_share_permutation(
    item_codes: np.ndarray,
    directions: np.ndarray,
    judgment_annotator: np.ndarray,
    member: np.ndarray,
    n_items: int,
    n_permutations: int,
    rng: np.random.Generator,
    eligible: np.ndarray | None = None,
    stop_after: int | None = None,
    *,
    kernel: str = "auto",
    prepared: Judgments | None = None,
) -> FlipShareTest:
    """Flip share of a group against groups of the same size drawn at random.

    The group's annotators (``member``, one bool per annotator) are swapped for the
    same number of annotators drawn at random from ``eligible`` (default: everyone);
    each annotator keeps their own judgments. Returns ``(observed, null_mean, p_value,
    n_permutations)`` with the one-sided p-value ``(1 + #{null >= observed}) / (1 +
    n_permutations)``. With ``stop_after`` = h, drawing stops at the draw where h draws
    reached the observed share and the p-value is h / draws (Besag and Clifford 1991,
    sequential Monte Carlo).

    Draws are made one group at a time with ``rng.choice`` (the generator ends where a
    draw-by-draw loop leaves it, early stop included); the flip shares of a block of
    draws are computed together, from each drawn annotator's own judgments only
    (``kernel``: "numba", "numpy" or "auto", see :mod:`labelaudit.stats.kernel`; both
    give identical results). ``prepared``: :func:`prepare_judgments` of the same
    arguments, to share that work between the tests of one field.

    Raises
    ------
    ValueError
        When ``n_permutations`` < 1.

    Examples
    --------
    >>> items = np.array([0, 0, 0, 1, 1, 1])
    >>> dirs = np.array([1, -1, -1, 1, 1, -1])
    >>> who = np.array([0, 1, 2, 0, 1, 2])
    >>> obs, null, p, used = flip_share_permutation(
    ...     items, dirs, who, np.array([True, False, False]), 2, 200, np.random.default_rng(0))
    >>> obs, used
    (0.5, 200)
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be >= 1")
    use_numba = resolve(kernel) == "numba"
    member = np.asarray(member, dtype=bool)
    data = prepared or prepare_judgments(
        item_codes, directions, judgment_annotator, member.size, n_items
    )
    pool = np.flatnonzero(np.ones(member.size, bool) if eligible is None else eligible)
    k = int(member.sum())
    observed = float(_flip_shares(np.flatnonzero(member)[None, :], data, use_numba)[0])
    # numpy blocks hold (draws x items) arrays: bound their size
    block = 256 if use_numba else max(1, min(256, 4_000_000 // max(n_items, 1)))
    null: list[np.ndarray] = []
    hits = done = 0
    while done < n_permutations:
        b = min(block if stop_after is None else max(16, min(done, block)), n_permutations - done)
        before = rng.bit_generator.state if stop_after is not None else None
        drawn = np.stack([rng.choice(pool, size=k, replace=False) for _ in range(b)])
        shares = _flip_shares(drawn, data, use_numba)
        reached = hits + np.cumsum(shares >= observed)
        if stop_after is not None and reached[-1] >= stop_after:
            last = int(np.argmax(reached >= stop_after)) + 1
            # leave the generator exactly where a draw-by-draw loop would have stopped
            rng.bit_generator.state = before
            for _ in range(last):
                rng.choice(pool, size=k, replace=False)
            null.append(shares[:last])
            used = done + last
            return FlipShareTest(observed, float(np.mean(np.concatenate(null))), stop_after / used,
                                 used)  # fmt: skip
        null.append(shares)
        hits = int(reached[-1])
        done += b
    p = (1.0 + hits) / (1.0 + n_permutations)
    return FlipShareTest(observed, float(np.mean(np.concatenate(null))), p, n_permutations)


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
    """Judgments of a preference field arranged for :func:`flip_share_permutation`.

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
