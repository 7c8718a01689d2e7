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

    Examples
    --------
    >>> label_counts(np.array([0, 0, 1]), np.array([1, 1, 0]), 2, 2).tolist()
    [[0, 2], [1, 0]]
    """
    # the same count as the agreement engine's sufficient statistic, as integers
    return value_counts(item_codes, value_codes, n_items, n_values).astype(np.int64)


def plurality(counts: np.ndarray) -> np.ndarray:
    """Unique-plurality value per row of a count matrix; -1 for ties and empty rows.

    Examples
    --------
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

    Examples
    --------
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

    Examples
    --------
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

    Examples
    --------
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


def low_agreement_flags(
    agreement: np.ndarray, *, bottom_share: float = 0.1, below: float | None = None
) -> np.ndarray:
    """Simulate a QC cut on per-annotator agreement scores.

    With ``below`` set, flag scores strictly below it. Otherwise flag the lowest
    ``bottom_share`` of annotators: every score at or below the ``bottom_share``
    quantile (lower interpolation), so ties at the cut are all flagged rather than
    split arbitrarily. When every score is the same nobody is flagged.

    Examples
    --------
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
