"""Contested items under relabellings: the share of a group's items it would relabel.

For a grouping of the annotators, a group's item is *compared* when the group gave it
at least ``min_group_judgments`` judgments and both the group's and the pooled unique
plurality exist (:func:`labelaudit.stats.majority.compare_majorities`), and *flipped*
when they differ. :class:`ContestedStatistic` gives every group's flipped share under a
block of relabellings (the contested-items contrast of LA111): the rater is the unit,
each annotator keeping their own judgments, so the chance baseline is the share random
groups of the same raters' size reach on the same items. Counting runs in numpy or in
the numba kernel of :mod:`labelaudit.stats.majority_kernels`, with identical results.
"""

from __future__ import annotations

import copy

import numpy as np

from labelaudit.stats.kernel import resolve
from labelaudit.stats.majority import plurality

__all__ = ["ContestedStatistic"]


class ContestedStatistic:
    """Flipped share of compared items per group (columns = group codes; NaN: none).

    Parameters
    ----------
    item_codes, value_codes, annotator_codes : (J,) int
        The unit's judgments (one per annotator and item).
    pooled_counts : (U, V) int
        Every judgment's counts per item (the pooled majority comes from these).
    n_groups, min_group_judgments : int
    kernel : "auto" | "numba" | "numpy"

    Examples
    --------
    Two items judged by four annotators; annotators 0 and 1 say 1, the others 0, and a
    fifth judgment of 0 makes the pooled majority 0 on both:

    >>> items = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> values = np.array([1, 1, 0, 0, 0, 1, 1, 0, 0, 0])
    >>> anns = np.tile(np.arange(5), 2)
    >>> pooled = np.array([[3, 2], [3, 2]])
    >>> s = ContestedStatistic(items, values, anns, pooled, 2, 2, kernel="numpy")
    >>> s.counts(np.array([0, 0, 1, 1, -1]))
    (array([2, 2]), array([2, 0]))
    >>> s(np.array([[0, 0, 1, 1, -1], [0, 1, 0, 1, -1]]), np.array([0, 1])).tolist()
    [[1.0, 0.0], [nan, nan]]
    """

    def __init__(
        self,
        item_codes: np.ndarray,
        value_codes: np.ndarray,
        annotator_codes: np.ndarray,
        pooled_counts: np.ndarray,
        n_groups: int,
        min_group_judgments: int,
        *,
        kernel: str = "auto",
    ) -> None:
        items = np.asarray(item_codes, dtype=np.int64)
        pooled = plurality(np.asarray(pooled_counts))
        per_item = np.bincount(items, minlength=pooled.size)
        # items that can never be compared change nothing: a tie in the pooled counts,
        # or fewer judgments than a group's majority needs
        live = (pooled >= 0) & (per_item >= min_group_judgments)
        keep = live[items]
        order = np.argsort(items[keep], kind="stable")
        self.ann = np.asarray(annotator_codes, dtype=np.int64)[keep][order]
        self.val = np.asarray(value_codes, dtype=np.int64)[keep][order]
        kept = np.flatnonzero(live)
        self.item = np.searchsorted(kept, items[keep][order])
        self.offsets = np.concatenate([[0], np.cumsum(per_item[kept])]).astype(np.int64)
        self.pooled = pooled[kept].astype(np.int64)
        self.n_groups, self.n_values = n_groups, int(np.shape(pooled_counts)[1])
        self.min_group_judgments = int(min_group_judgments)
        self.numba = resolve(kernel) == "numba"
        cells = max(1, kept.size * n_groups * self.n_values)
        self.block = 64 if self.numba else int(max(1, min(64, 4_000_000 // cells)))

    def regrouped(self, n_groups: int) -> ContestedStatistic:
        """The same judgments for groupings with ``n_groups`` groups (shares the arrays)."""
        out = copy.copy(self)
        out.n_groups = n_groups
        cells = max(1, self.pooled.size * n_groups * self.n_values)
        out.block = 64 if self.numba else int(max(1, min(64, 4_000_000 // cells)))
        return out

    def counts(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Items compared and flipped per group under one grouping ``codes``."""
        c, f = self._counts(np.asarray(codes, dtype=np.int64)[None, :])
        return c[0], f[0]

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        c, f = self._counts(np.asarray(assignments, dtype=np.int64))
        c, f = c[:, columns], f[:, columns]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(c > 0, f / c, np.nan)

    def _counts(self, assignments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.numba:
            from labelaudit.stats.majority_kernels import contested_counts

            return contested_counts(self.offsets, self.ann, self.val, self.pooled,
                                    np.ascontiguousarray(assignments), self.n_groups,
                                    self.n_values, self.min_group_judgments)  # fmt: skip
        g, k, n_items = self.n_groups, self.n_values, self.pooled.size
        out_c = np.zeros((assignments.shape[0], g), dtype=np.int64)
        out_f = np.zeros_like(out_c)
        for p, codes in enumerate(assignments):
            jg = codes[self.ann]
            ok = jg >= 0
            cell = self.item[ok] * g + jg[ok]
            counts = np.bincount(cell * k + self.val[ok], minlength=n_items * g * k)
            counts = counts.reshape(n_items * g, k)
            size = counts.sum(axis=1)
            major = plurality(counts)
            compared = (size >= self.min_group_judgments) & (major >= 0)
            flipped = compared & (major != np.repeat(self.pooled, g))
            group = np.tile(np.arange(g), n_items)
            out_c[p] = np.bincount(group[compared], minlength=g)
            out_f[p] = np.bincount(group[flipped], minlength=g)
        return out_c, out_f
