"""Representativeness figures: shares, intervals, distances and concentration.

Arrays in, numbers out. Nothing here knows about annotators, bundles or targets:
the analysis in :mod:`labelaudit.analyses.representation` feeds counts in and names
the results.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = [
    "shares",
    "total_variation_distance",
    "gini",
    "top_share",
    "effective_groups_per_item",
]


def shares(counts: np.ndarray | list[float]) -> np.ndarray:
    """Normalise non-negative counts to shares that sum to 1.

    Parameters
    ----------
    counts : array-like of float
        Non-negative counts (annotators, judgments, people) per group.

    Returns
    -------
    numpy.ndarray
        ``counts / counts.sum()``.

    Raises
    ------
    ValueError
        If a count is negative or not finite, or all counts are zero.

    Examples
    --------
    >>> shares([3, 1]).tolist()
    [0.75, 0.25]
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError("counts must be finite and non-negative")
    total = c.sum()
    if total <= 0:
        raise ValueError("counts sum to zero: shares are undefined")
    return c / total


def total_variation_distance(
    p: np.ndarray | list[float], q: np.ndarray | list[float], tol: float = 1e-6
) -> float:
    """Total variation distance ``0.5 * sum |p - q|`` between two distributions.

    It is the largest difference in probability the two distributions give to any
    set of groups: 0 when identical, 1 when they share no group. Both inputs must be
    aligned over the same groups (a group absent from one side has share 0 there).

    Parameters
    ----------
    p, q : array-like of float
        Shares over the same groups, each summing to 1 within ``tol``.
    tol : float
        Tolerance on the sums.

    Returns
    -------
    float
        The distance, in [0, 1].

    Raises
    ------
    ValueError
        If lengths differ, a share is negative, or a side does not sum to 1.

    Examples
    --------
    >>> total_variation_distance([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])
    0.5
    """
    a = np.asarray(p, dtype=float)
    b = np.asarray(q, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("p and q must be one-dimensional and the same length")
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("shares must be non-negative")
    for name, x in (("p", a), ("q", b)):
        if abs(x.sum() - 1.0) > tol:
            raise ValueError(f"{name} sums to {x.sum():.6g}, not 1")
    return float(0.5 * np.abs(a - b).sum())


def _positive_total(x: np.ndarray, undefined: str) -> float:
    """The sum of contributions ``x``, which must be non-empty, non-negative, not all zero."""
    if x.size == 0:
        raise ValueError("values is empty")
    if np.any(x < 0):
        raise ValueError("values must be non-negative")
    total = float(x.sum())
    if total <= 0:
        raise ValueError(f"values sum to zero: {undefined}")
    return total


def gini(values: np.ndarray | list[float]) -> float:
    """Gini coefficient of non-negative values (e.g. judgments per annotator).

    Mean absolute difference between all pairs divided by twice the mean,
    ``sum_ij |x_i - x_j| / (2 n^2 mean)``: 0 when everyone contributes equally,
    ``(n - 1) / n`` when one contributor does everything.

    Parameters
    ----------
    values : array-like of float
        One non-negative value per contributor; at least one must be positive.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If empty, negative, or all zero.

    Examples
    --------
    >>> gini([5, 5, 5, 5])
    0.0
    >>> gini([0, 0, 0, 8])
    0.75
    >>> round(gini([1, 2, 3, 4]), 4)
    0.25
    """
    x = np.sort(np.asarray(values, dtype=float))
    total = _positive_total(x, "the Gini coefficient is undefined")
    n = x.size
    ranks = np.arange(1, n + 1)
    # sorted-rank form of the pairwise definition: O(n log n) instead of O(n^2)
    return float(2 * np.sum(ranks * x) / (n * total) - (n + 1) / n)


def top_share(values: np.ndarray | list[float], fraction: float = 0.1) -> tuple[float, int]:
    """Share of the total contributed by the top ``fraction`` of contributors.

    The top group has ``ceil(fraction * n)`` members (at least one), so with equal
    contributions the share equals that group's headcount share.

    Parameters
    ----------
    values : array-like of float
        One non-negative value per contributor.
    fraction : float
        Fraction of contributors in the top group, in (0, 1].

    Returns
    -------
    (float, int)
        The share, and the number of contributors in the top group.

    Raises
    ------
    ValueError
        If ``fraction`` is outside (0, 1], or values are empty, negative or all zero.

    Examples
    --------
    >>> top_share([1] * 9 + [11])
    (0.55, 1)
    >>> top_share([2, 2, 2, 2], fraction=0.5)
    (0.5, 2)
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    total = _positive_total(x, "the share is undefined")
    # the small epsilon keeps 0.1 * 30 from rounding up to 4 in floating point
    k = max(1, int(np.ceil(fraction * x.size - 1e-9)))
    return float(x[:k].sum() / total), k


def effective_groups_per_item(
    item_codes: np.ndarray,
    group_codes: np.ndarray,
    kind: Literal["shannon", "simpson"] = "shannon",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item: judgments, distinct groups, and the effective number of groups.

    The effective number is the Hill number of the item's judgment distribution
    over groups: ``exp(H)`` with H the Shannon entropy (``kind="shannon"``, order 1)
    or the inverse Simpson index ``1 / sum p^2`` (``kind="simpson"``, order 2). It
    equals the number of groups when they contribute equally and 1 when a single
    group does everything.

    Parameters
    ----------
    item_codes : numpy.ndarray of int
        Item index of each judgment (0..n_items-1; only items present are returned).
    group_codes : numpy.ndarray of int
        Group index of the judging annotator, aligned with ``item_codes``
        (non-negative: drop judgments by annotators without a group first).
    kind : {"shannon", "simpson"}

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        For each distinct item in ascending code order: number of judgments, number
        of distinct groups, effective number of groups.

    Raises
    ------
    ValueError
        On misaligned inputs, negative codes or an unknown ``kind``.

    Examples
    --------
    >>> n, g, eff = effective_groups_per_item(
    ...     np.array([0, 0, 0, 0, 1, 1]), np.array([0, 0, 1, 1, 2, 2]))
    >>> n.tolist(), g.tolist(), eff.round(4).tolist()
    ([4, 2], [2, 1], [2.0, 1.0])
    """
    items = np.asarray(item_codes, dtype=np.int64)
    groups = np.asarray(group_codes, dtype=np.int64)
    if items.shape != groups.shape or items.ndim != 1:
        raise ValueError("item_codes and group_codes must be aligned 1-d arrays")
    if kind not in ("shannon", "simpson"):
        raise ValueError(f"kind must be 'shannon' or 'simpson', got {kind!r}")
    if items.size == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    if items.min() < 0 or groups.min() < 0:
        raise ValueError("codes must be non-negative")
    # sparse (item, group) cells keyed item * G + group: never a dense items x groups matrix
    width = int(groups.max()) + 1
    keys = items * width + groups
    n_cells = (int(items.max()) + 1) * width
    if n_cells <= 4 * keys.size + (1 << 20):
        # the key range is small next to the judgments: counting beats sorting, same cells
        dense = np.bincount(keys, minlength=n_cells)
        cells = np.flatnonzero(dense)
        cell_counts = dense[cells]
    else:
        cells, cell_counts = np.unique(keys, return_counts=True)
    # cells are sorted, so each item's cells are one run
    cell_items = cells // width
    starts = np.ones(cells.size, dtype=bool)
    starts[1:] = cell_items[1:] != cell_items[:-1]
    item_pos = np.cumsum(starts) - 1
    n_groups = np.diff(np.append(np.flatnonzero(starts), cells.size))
    n_judg = np.bincount(item_pos, weights=cell_counts).astype(np.int64)
    p = cell_counts / n_judg[item_pos]
    if kind == "shannon":
        h = np.bincount(item_pos, weights=-p * np.log(p))
        eff = np.exp(h)
    else:
        eff = 1.0 / np.bincount(item_pos, weights=p**2)
    return n_judg, n_groups.astype(np.int64), eff
