"""Group statistics built from per-rater sums, under relabellings.

Each rater brings fixed sums (judgments, escape judgments, fast judgments, label counts,
a QC flag); under a relabelling a group's totals are the sums over the raters it then
holds, one ``bincount`` over (relabelling, group) cells per block. The statistics here
are callbacks for :class:`labelaudit.stats.significance.Contrast`:

- :class:`RateGap`: a group's rate minus everyone else's (escape use, fast judgments,
  judgments faster than the median), judgment-weighted;
- :class:`ChiSquare`: Pearson's X^2 of the group x label table of the tested groups;
- :class:`GroupCount`: how many of a group's raters carry a flag (the QC cut).

Sums of whole counts are exact in any order, so results do not depend on rater order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ChiSquare", "GroupCount", "RateGap", "group_totals"]


def group_totals(assignments: np.ndarray, per_rater: np.ndarray, n_groups: int) -> np.ndarray:
    """(P, G, K) sums of ``per_rater`` (n_raters, K) over each group's raters, per row.

    Examples
    --------
    >>> group_totals(np.array([[0, 1, 1, -1]]), np.array([[1, 0], [2, 1], [3, 1], [9, 9]]), 2)
    array([[[1., 0.],
            [5., 2.]]])
    """
    a = np.asarray(assignments, dtype=np.int64)
    x = np.asarray(per_rater, dtype=np.float64)
    p, k = a.shape[0], x.shape[1]
    keep = a >= 0
    cell = (a + n_groups * np.arange(p)[:, None])[keep]
    rows = np.broadcast_to(np.arange(a.shape[1]), a.shape)[keep]
    out = np.empty((p * n_groups, k))
    for j in range(k):
        out[:, j] = np.bincount(cell, weights=x[rows, j], minlength=p * n_groups)
    return out.reshape(p, n_groups, k)


class RateGap:
    """Per group: its share of hits among its judgments minus the share among all others.

    ``n`` and ``hits`` are per rater (judgments, and how many of them are hits; hits
    may be fractional, e.g. 0.5 for a time equal to the median). The rest is every rater
    outside the group, those without an attribute value included.

    Examples
    --------
    >>> gap = RateGap(np.array([10, 10, 10, 10]), np.array([5, 5, 1, 1]), 2)
    >>> gap(np.array([[0, 0, 1, 1], [0, 1, 0, 1]]), np.array([0, 1])).tolist()
    [[0.4, -0.4], [0.0, 0.0]]
    """

    block = 256

    def __init__(self, n: np.ndarray, hits: np.ndarray, n_groups: int) -> None:
        self.x = np.column_stack([np.asarray(n, float), np.asarray(hits, float)])
        self.total = self.x.sum(axis=0)
        self.n_groups = n_groups

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        t = group_totals(assignments, self.x, self.n_groups)[:, columns, :]
        n, h = t[..., 0], t[..., 1]
        rest_n, rest_h = self.total[0] - n, self.total[1] - h
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = h / n - rest_h / rest_n
        return np.where((n > 0) & (rest_n > 0), gap, np.nan)


class ChiSquare:
    """Pearson's X^2 of the (tested groups x labels) table; one column.

    ``counts`` is (n_raters, V) label counts per rater; ``groups`` the codes of the
    groups in the test (raters of other groups are left out of the table).

    Examples
    --------
    >>> counts = np.array([[4, 0], [4, 0], [0, 4], [0, 4]])
    >>> ChiSquare(counts, np.array([0, 1]), 2)(np.array([[0, 0, 1, 1], [0, 1, 0, 1]]),
    ...                                         np.array([0])).ravel().tolist()
    [16.0, 0.0]
    """

    block = 256

    def __init__(self, counts: np.ndarray, groups: np.ndarray, n_groups: int) -> None:
        self.counts = np.asarray(counts, dtype=np.float64)
        self.groups, self.n_groups = np.asarray(groups), n_groups

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        tables = group_totals(assignments, self.counts, self.n_groups)[:, self.groups, :]
        rows = tables.sum(axis=2, keepdims=True)
        cols = tables.sum(axis=1, keepdims=True)
        n = tables.sum(axis=(1, 2))[:, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            exp = rows * cols / n
            cell = np.where(exp > 0, (tables - exp) ** 2 / exp, 0.0)
        return np.repeat(cell.sum(axis=(1, 2))[:, None], len(columns), axis=1)


class GroupCount:
    """Per group: how many of its raters carry ``flag`` (e.g. the QC cut's flag).

    Examples
    --------
    >>> GroupCount(np.array([1, 1, 0, 0]), 2)(np.array([[0, 0, 1, 1]]), np.array([0, 1])).tolist()
    [[2.0, 0.0]]
    """

    block = 256

    def __init__(self, flag: np.ndarray, n_groups: int) -> None:
        self.flag = np.asarray(flag, dtype=np.float64)[:, None]
        self.n_groups = n_groups

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return group_totals(assignments, self.flag, self.n_groups)[:, columns, 0]
