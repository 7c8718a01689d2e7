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
) -> tuple[np.ndarray, np.ndarray]:
    """Chance baseline for :func:`flips_by_group`: random subsets of the same sizes.

    Within each item, the group labels of its judgments are shuffled (judgments with
    no group, -1, stay out of the shuffle), so every group keeps exactly as many
    judgments on every item as it really gave. Small groups flip more items by chance
    simply because 2 or 3 judgments make a noisy majority; this baseline measures that.
    Returns, per group, the mean share of compared items that flip under permutation
    and the one-sided p-value (1 + #{permuted share >= observed}) / (1 + #{permutations
    where the group compared any item}). NaN where a group compared no items, or when
    ``n_resamples`` is 0.

    One item; two group-0 judgments say 1, two group-1 judgments say 0, and the pooled
    majority is 0 (one more 0 from an unknown group). Of the 6 equally likely ways to
    give group 0 two of the four judgments, 1 flips the item, 1 does not and 4 tie
    (not compared), so the expected share is 0.5 and P(share >= 1) is 1/2:

    >>> items, values = np.zeros(4, dtype=int), np.array([1, 1, 0, 0])
    >>> pooled = label_counts(items, values, 1, 2) + np.array([1, 0])
    >>> exp, p = flips_permutation_baseline(items, values, np.array([0, 0, 1, 1]), pooled,
    ...                                     n_groups=2, n_resamples=600, seed=0)
    >>> [round(float(x), 1) for x in exp], [round(float(x), 1) for x in p]
    ([0.5, 0.5], [0.5, 1.0])
    """
    items = np.asarray(item_codes, dtype=np.int64)
    values = np.asarray(value_codes, dtype=np.int64)
    groups = np.asarray(judgment_groups, dtype=np.int64)
    nan = np.full(n_groups, np.nan)
    if n_resamples <= 0 or n_groups < 1:
        return nan, nan.copy()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_items, k = np.shape(pooled_counts)
    kw = {"min_group_judgments": min_group_judgments}
    n_cmp, n_flip = flips_by_group(items, values, groups, n_groups, pooled_counts, **kw)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(n_cmp > 0, n_flip / np.maximum(n_cmp, 1), np.nan)
    # Shuffling values among an item's grouped judgments is the same as shuffling their
    # group labels, and keeps the (group, item) cells fixed: precompute them once.
    known = np.flatnonzero(groups >= 0)
    cells, cell_of = np.unique(groups[known] * n_items + items[known], return_inverse=True)
    can_compare = np.bincount(cell_of, minlength=len(cells)) >= min_group_judgments
    live = np.zeros(n_items, dtype=bool)
    live[cells[can_compare] % n_items] = True  # other items cannot change any result
    known = known[live[items[known]]]
    order = known[np.argsort(items[known], kind="stable")]
    cells, cell_of = np.unique(groups[order] * n_items + items[order], return_inverse=True)
    p_major = plurality(pooled_counts)[cells % n_items]
    sizes = np.bincount(cell_of, minlength=len(cells))
    keep = (sizes >= min_group_judgments) & (p_major >= 0)  # cells that can ever compare
    eligible = keep[cell_of]
    cell_of = (np.cumsum(keep) - 1)[cell_of[eligible]]
    cell_group, p_major = (cells // n_items)[keep], p_major[keep]
    per_item = np.bincount(items[order], minlength=n_items)
    starts = np.concatenate([[0], np.cumsum(per_item)[:-1]])
    # items with the same number of grouped judgments are shuffled together as rows
    blocks = [starts[per_item == m][:, None] + np.arange(m) for m in np.unique(per_item) if m > 1]
    base = values[order]
    total, seen, at_least = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
    for _ in range(n_resamples):
        v = base.copy()
        for pos in blocks:
            v[pos] = rng.permuted(v[pos], axis=1)
        counts = np.bincount(cell_of * k + v[eligible], minlength=len(cell_group) * k)
        g_major = plurality(counts.reshape(-1, k))
        compared = g_major >= 0
        flipped = compared & (g_major != p_major)
        c = np.bincount(cell_group[compared], minlength=n_groups)
        f = np.bincount(cell_group[flipped], minlength=n_groups)
        ok = c > 0
        share = np.where(ok, f / np.maximum(c, 1), np.nan)
        total[ok] += share[ok]
        seen[ok] += 1
        # a relative tolerance keeps float noise on equal shares from lowering p
        at_least += ok & (share >= observed * (1 - 1e-9))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(seen > 0, total / seen, np.nan)
        p = np.where(np.isfinite(observed), (1 + at_least) / (1 + seen), np.nan)
    return expected, p


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
