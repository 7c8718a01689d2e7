"""GRASP and group-vs-rest alpha under relabellings: the agreement contrasts' statistic.

For blocks of assignments (the group of every annotator under each relabelling, from
:func:`labelaudit.stats.significance.draw_assignments`) :class:`GraspStatistic` gives,
per group, GAI = IRR / XRR (:mod:`labelaudit.stats.grasp`) and the difference between
the group's within alpha and the alpha among everyone else: the statistics of LA103 and
LA102, from one pass over the judgments.

Two kernels (``kernel=``): ``"numba"`` (:mod:`.grasp_kernels`, imported lazily) walks
each item's judgment pairs under a whole block of relabellings in parallel and
accumulates per-group (V, V) coincidences, O(judgment pairs) per relabelling; ``"numpy"``
counts (item, value, group) cells of a block with one ``bincount`` over the judgments
and applies the closed forms of :func:`labelaudit.stats.grasp.irr_xrr`. No dense
annotator x item matrix is ever built; both give the same numbers to ~1e-12.
"""

from __future__ import annotations

import importlib

import numpy as np
import scipy.sparse as sp

from labelaudit.stats.alpha import alpha_from_coincidences, coincidences
from labelaudit.stats.grasp import _irr_xrr_from_product, association_index, sums_irr_xrr
from labelaudit.stats.kernel import resolve

__all__ = ["GraspJudgments", "GraspStatistic", "judgments_by_item"]


class GraspJudgments:
    """One field's judgments arranged for :class:`GraspStatistic`, once for every attribute.

    Parameters
    ----------
    indicator : sparse (U * V, n_annotators)
        From :func:`labelaudit.stats.counts.indicator_matrix`.
    total : (U, V) value counts of all annotators.
    level, numeric : the field's level of measurement and its values' numbers.
    kernel : "auto" | "numba" | "numpy"
    """

    def __init__(
        self, indicator: sp.spmatrix, total: np.ndarray, level: str, numeric: np.ndarray,
        *, kernel: str = "auto",
    ) -> None:  # fmt: skip
        self.level, self.numeric = level, np.asarray(numeric, dtype=np.float64)
        self.shape = total.shape
        self.all_pairs = coincidences(np.asarray(total, dtype=np.float64))
        self.stats, self.numba = _kernel(kernel, indicator, total, level, self.numeric)


class GraspStatistic:
    """GAI (columns ``0..G-1``) and within-minus-rest alpha (``G..2G-1``) of every group.

    ``xrr_epsilon``: GAI is undefined (NaN) where |XRR| is below it. ``max_cells``
    bounds the numpy kernel's count cells per call (:attr:`block` relabellings).

    Examples
    --------
    >>> from labelaudit.stats.counts import indicator_matrix, value_counts
    >>> items, anns = np.repeat(np.arange(40), 4), np.tile(np.arange(4), 40)
    >>> values = (items % 2) * (anns < 2) + (items % 3 == 0) * (anns >= 2)
    >>> m = indicator_matrix(items, values, anns, 40, 2, 4)
    >>> data = GraspJudgments(m, value_counts(items, values, 40, 2), "nominal", [0.0, 1.0],
    ...                       kernel="numpy")
    >>> g = GraspStatistic(data, 2, 0.05)
    >>> irr, xrr, rest = g.figures(np.array([0, 0, 1, 1]))
    >>> irr.tolist(), (irr - rest).tolist() == g(np.array([[0, 0, 1, 1]]), np.array([2, 3]))[0].tolist()
    ([1.0, 1.0], True)
    """

    def __init__(
        self, data: GraspJudgments, n_groups: int, xrr_epsilon: float, max_cells: int = 4_000_000
    ) -> None:
        self.data, self.n_groups, self.eps = data, n_groups, xrr_epsilon
        cells = max(1, data.shape[0] * data.shape[1] * max(n_groups, 1))
        self.block = 64 if data.numba else int(max(1, min(64, max_cells // cells)))

    def figures(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """IRR, XRR and the rest's alpha of every group under one grouping ``codes``."""
        irr, xrr, rest = self.data.stats(np.asarray(codes)[None, :], self.n_groups,
                                         np.arange(self.n_groups), True)  # fmt: skip
        return irr[0], xrr[0], self._rest_alpha(rest)[0]

    def __call__(self, assignments: np.ndarray, columns: np.ndarray) -> np.ndarray:
        g = self.n_groups
        columns = np.asarray(columns)
        groups = np.unique(columns % g)
        want_rest = bool((columns >= g).any())
        irr, xrr, rest = self.data.stats(assignments, g, groups, want_rest)
        slot = np.searchsorted(groups, columns % g)
        gai = association_index(irr, xrr, self.eps)
        if not want_rest:
            return gai[:, slot]
        diff = irr - self._rest_alpha(rest)
        return np.where(columns >= g, diff[:, slot], gai[:, slot])

    def _rest_alpha(self, ro: np.ndarray) -> np.ndarray:
        """Alpha of the rest from its coincidences' change against all judgments'."""
        shape = ro.shape[:2]
        nv = self.data.numeric.size
        o = self.data.all_pairs[None] + ro.reshape(-1, nv, nv)
        alpha = alpha_from_coincidences(o, self.data.level, self.data.numeric)
        return np.atleast_1d(alpha).reshape(shape)


def _kernel(kernel: str, indicator, total, level: str, numeric: np.ndarray):
    """``stats(assignments, n_groups, groups, rest) -> irr, xrr, rest coincidences``."""
    kernels = None
    if resolve(kernel) == "numba":
        try:
            kernels = importlib.import_module("labelaudit.stats.grasp_kernels")
        except ImportError:
            if kernel == "numba":
                raise
    offsets, ann, val = judgments_by_item(indicator, len(numeric))
    if kernels is None:
        return _numpy_stats(offsets, ann, val, total, level, numeric), False
    m_max = int(np.diff(offsets).max(initial=0))
    m = np.arange(m_max + 1, dtype=np.float64)
    w_in = np.zeros(m_max + 1)
    np.divide(1.0, m - 1.0, out=w_in, where=m >= 2)
    mx, my = m[:, None], m[None, :]
    w_cross = np.zeros((m_max + 1, m_max + 1))
    np.divide(mx + my, mx * my, out=w_cross, where=(mx >= 1) & (my >= 1))
    nv = len(numeric)
    data = (offsets, ann, val)
    # one pair walk for every level: measured faster than per-group closed forms
    # (nominal: 6.5 vs 8 ms per permutation at 1M) and than mid-rank moments (ordinal
    # needs two passes there, its mid-ranks depend on the margins)

    def stats(assignments, n_groups, groups, rest):
        # groups not asked for become "no group" (counted in everyone's rest): the walk
        # skips their judgments' pairs
        slot = np.full(n_groups + 1, -1)
        slot[groups] = np.arange(groups.size)
        codes = slot[assignments]  # code -1 reads slot[-1] = -1
        *sums, ro = kernels.grasp_sums(*data, codes, groups.size, nv, w_in, w_cross, rest)
        return (*sums_irr_xrr(*sums, level, numeric), ro)

    return stats, True


def _numpy_stats(offsets, ann, val, total, level, numeric):
    """Per-set counts of a block by one bincount over the judgments (exactly the
    integers ``indicator @ membership`` gives), then the closed forms of
    :func:`labelaudit.stats.grasp.irr_xrr`; the rest's coincidences from its counts."""
    n_items, nv = total.shape
    item = np.repeat(np.arange(n_items), np.diff(offsets))
    row = item * nv + val
    t = np.asarray(total, dtype=np.float64)
    all_pairs = coincidences(t)

    def stats(assignments, n_groups, groups, rest):
        k = groups.size
        slot = np.full(n_groups + 1, -1)  # group code -> column in the block (-1: none)
        slot[groups] = np.arange(k)
        g = slot[assignments[:, ann]]  # (P, J); code -1 reads slot[-1] = -1
        col = g + (np.arange(assignments.shape[0]) * k)[:, None]
        keep = g >= 0
        width = assignments.shape[0] * k
        key = (row[None, :] * width + col)[keep]
        prod = np.bincount(key, minlength=n_items * nv * width).astype(np.float64)
        prod = prod.reshape(n_items * nv, width)
        irr, xrr = _irr_xrr_from_product(prod, total, level, numeric)
        ro = np.zeros((assignments.shape[0], 0, nv, nv))
        if rest:
            others = t.reshape(-1, 1) - prod  # the rest's counts, column by column
            x = others.reshape(n_items, nv, width).transpose(2, 0, 1)
            ro = (coincidences(x) - all_pairs).reshape(-1, k, nv, nv)
        return irr.reshape(-1, k), xrr.reshape(-1, k), ro

    return stats


def judgments_by_item(indicator: sp.spmatrix, n_values: int):
    """Offsets, annotator and value codes of the judgments, sorted by item, from the
    (U * V, n_annotators) indicator (a cell counting c judgments gives c of them).

    Examples
    --------
    >>> from labelaudit.stats.counts import indicator_matrix
    >>> m = indicator_matrix(np.array([1, 0, 1]), np.array([0, 1, 1]), np.array([2, 0, 1]), 2, 2, 3)
    >>> [a.tolist() for a in judgments_by_item(m, 2)]
    [[0, 1, 3], [0, 2, 1], [1, 0, 1]]
    """
    csr = sp.csr_matrix(indicator)
    csr.sort_indices()
    reps = np.rint(csr.data).astype(np.int64)
    rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr))
    ann, rows = np.repeat(csr.indices.astype(np.int64), reps), np.repeat(rows, reps)
    n_items = csr.shape[0] // n_values
    offsets = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows // n_values, minlength=n_items), out=offsets[1:])
    return offsets, ann, rows % n_values
