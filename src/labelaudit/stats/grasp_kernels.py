"""numba kernel of the GRASP statistics under relabellings (accelerator of :mod:`.grasp_statistic`).

Importing this module imports numba; :mod:`labelaudit.stats.grasp_statistic` imports it
lazily and falls back to numpy when numba is missing. Both paths give the same statistics
(to rounding at the 1e-12 level).

The kernel works per judgment, not per (item, value, group) cell: with ~5 judgments
per item, at most 5 of an item's value x group cells are non-zero, so walking the
judgment pairs of each item costs O(sum_u m_u^2) per permutation whatever the number
of groups and values. From the pairs it accumulates, per permutation and group, the
weighted within-group coincidences and the group-vs-rest cross-coincidences; every
level of measurement (ratio too) then follows from these small (V, V) matrices. On
request it also gives the rest's within-coincidences (everyone outside the group), as
the change from the coincidences of all judgments: only items the group judged change,
and there the rest's pairs are all pairs minus the group's own and its cross pairs.
(Closed forms per group with O(1) work per judgment were tried for nominal data, and
two-pass mid-rank moments for ordinal: both measured slower than this pair walk.)

Examples
--------
One item judged 0, 0, 1 by annotators 0, 1, 2; annotators 0 and 2 form group 0:

>>> offsets, ann, val = np.array([0, 3]), np.array([0, 1, 2]), np.array([0, 0, 1])
>>> w_in, w_cross = np.array([0.0, 0.0, 1.0, 0.5]), np.zeros((4, 4))
>>> w_cross[2, 1] = 1.5
>>> o, cross, nc, xb, yb, ro = grasp_sums(offsets, ann, val, np.array([[0, -1, 0]]), 1, 2,
...                                       w_in, w_cross, True)
>>> o[0, 0].tolist(), cross[0, 0].tolist(), yb[0, 0].tolist()
([[0.0, 1.0], [1.0, 0.0]], [[1.5, 0.0], [1.5, 0.0]], [1.0, 0.0])

The rest (annotator 1 alone) has no pair: its coincidences are those of all three
judgments, (0, 0, 1) with weight 1/2, minus exactly these:

>>> ro[0, 0].tolist()
[[-1.0, -1.0], [-1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["grasp_sums"]


@njit(cache=True, nogil=True, parallel=True)
def grasp_sums(
    offsets: np.ndarray,
    ann: np.ndarray,
    val: np.ndarray,
    perm_codes: np.ndarray,
    n_groups: int,
    n_values: int,
    w_in: np.ndarray,
    w_cross: np.ndarray,
    rest: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coincidence sums of every group under each row of ``perm_codes``.

    Parameters
    ----------
    offsets : (U + 1,) int64
        Judgments of item u are ``offsets[u]:offsets[u + 1]`` of ``ann``/``val``.
    ann, val : (J,) int64
        Annotator and value code of each judgment.
    perm_codes : (P, n_annotators) int64
        Group of each annotator (-1: none) under each permutation.
    w_in : (M + 1,) float64
        ``1 / (m - 1)`` for a group with m >= 2 judgments on an item, else 0.
    w_cross : (M + 1, M + 1) float64
        ``(mx + my) / (mx * my)`` for mx group and my other judgments, else 0.

    Returns
    -------
    o : (P, G, V, V)
        Within-group coincidences ``sum_u w_in[mx] (x_uc x_ud - [c = d] x_uc)``.
    cross : (P, G, V, V)
        ``sum_u w_cross[mx, my] x_uc y_ud`` (y: everyone outside the group).
    nc : (P, G, V)
        Value totals of the group on items where it has >= 2 judgments.
    xb, yb : (P, G, V)
        Value totals of the group and of the rest on items both judged.
    ro : (P, G, V, V), or (P, 0, V, V) without ``rest``
        The rest's within-coincidences minus those of all judgments, so the rest's are
        ``coincidences(all counts) + ro``.
    """
    n_perm = perm_codes.shape[0]
    n_items = offsets.size - 1
    max_m = 0
    for u in range(n_items):
        max_m = max(max_m, offsets[u + 1] - offsets[u])
    o = np.zeros((n_perm, n_groups, n_values, n_values))
    cross = np.zeros((n_perm, n_groups, n_values, n_values))
    nc = np.zeros((n_perm, n_groups, n_values))
    xb = np.zeros((n_perm, n_groups, n_values))
    yb = np.zeros((n_perm, n_groups, n_values))
    ro = np.zeros((n_perm, n_groups if rest else 0, n_values, n_values))
    for p in prange(n_perm):
        codes = perm_codes[p]
        op, cp, ncp, xbp, ybp, rop = o[p], cross[p], nc[p], xb[p], yb[p], ro[p]
        # per-thread scratch, reset item by item through the touched entries only
        mx = np.zeros(n_groups, dtype=np.int64)
        xc = np.zeros((n_groups, n_values), dtype=np.int64)
        seen = np.zeros(n_groups, dtype=np.bool_)
        gj = np.empty(max(max_m, 1), dtype=np.int64)
        touched = np.empty(max(max_m, 1), dtype=np.int64)
        cnt = np.zeros(n_values, dtype=np.int64)
        dv = np.empty(max(max_m, 1), dtype=np.int64)
        for u in range(n_items):
            a = offsets[u]
            m = offsets[u + 1] - a
            # many judgments on an item: per-group counts beat the pair walk (m^2 pairs
            # against a few (value, value) cells per group present); the bound needs no
            # pass over the item
            counts = m * m > 2 * min(m, n_groups) * min(m, n_values) ** 2
            need = counts or rest  # per-group and per-value counts of the item
            nt = 0
            nd = 0
            for i in range(m):
                g = codes[ann[a + i]]
                gj[i] = g
                if g >= 0:
                    if need and mx[g] == 0:
                        touched[nt] = g
                        nt += 1
                    mx[g] += 1
                if need:
                    vi = val[a + i]
                    if g >= 0:
                        xc[g, vi] += 1
                    if cnt[vi] == 0:
                        dv[nd] = vi
                        nd += 1
                    cnt[vi] += 1
            if counts:
                _item_from_counts(op, cp, ncp, xbp, ybp, rop, mx, xc, cnt, dv, nd, touched,
                                  nt, m, w_in, w_cross, rest)  # fmt: skip
            else:
                # the pair walk, inline: it is the hot loop on typical data
                for i in range(m):
                    g = gj[i]
                    if g < 0:
                        continue
                    mg = mx[g]
                    my = m - mg
                    vi = val[a + i]
                    if mg >= 2:
                        ncp[g, vi] += 1.0
                    if my >= 1:
                        xbp[g, vi] += 1.0
                    wi = w_in[mg]
                    wc = w_cross[mg, my]
                    # the rest's values are counted once per (item, group): at its first
                    first = not seen[g]
                    seen[g] = True
                    for k in range(m):
                        if k == i:
                            continue
                        vk = val[a + k]
                        if gj[k] == g:
                            op[g, vi, vk] += wi
                        else:
                            cp[g, vi, vk] += wc
                            if first:
                                ybp[g, vk] += 1.0
                if rest:
                    _rest_from_counts(rop, mx, xc, cnt, dv, nd, touched, nt, m, w_in)
            for i in range(m):
                g = gj[i]
                if g >= 0:
                    mx[g] = 0
                    seen[g] = False
                    if need:
                        xc[g, val[a + i]] = 0
            for x in range(nd):
                cnt[dv[x]] = 0
    return o, cross, nc, xb, yb, ro


# inlined into the kernel: a call per item with a dozen array arguments costs more than
# the work
@njit(cache=True, nogil=True, inline="always")
def _rest_from_counts(rop, mx, xc, cnt, dv, nd, touched, nt, m, w_in):
    """The rest's coincidences on one item, minus all judgments': for each group present,
    ``w(m_y) (y_c y_d - [c = d] y_c) - w(m) (n_c n_d - [c = d] n_c)`` with y = n - x."""
    w_all = w_in[m]
    for t in range(nt):
        g = touched[t]
        wr = w_in[m - mx[g]]
        for x in range(nd):
            c = dv[x]
            na = cnt[c]
            ya = na - xc[g, c]
            for y in range(nd):
                d = dv[y]
                nb = cnt[d]
                yb = nb - xc[g, d]
                same = x == y
                rop[g, c, d] += wr * (ya * yb - (ya if same else 0)) - w_all * (
                    na * nb - (na if same else 0)
                )


@njit(cache=True, nogil=True, inline="always")
def _item_from_counts(op, cp, ncp, xbp, ybp, rop, mx, xc, cnt, dv, nd, touched, nt, m,
                      w_in, w_cross, rest):  # fmt: skip
    """The same contributions from each present group's value counts x (many judgments):
    within ``x_c x_d - [c = d] x_c``, cross ``x_c y_d`` with y = n - x."""
    for t in range(nt):
        g = touched[t]
        mg = mx[g]
        my = m - mg
        wi = w_in[mg]
        wc = w_cross[mg, my]
        for x in range(nd):
            c = dv[x]
            xa = xc[g, c]
            if mg >= 2:
                ncp[g, c] += xa
            if my >= 1:
                xbp[g, c] += xa
                ybp[g, c] += cnt[c] - xa
            for y in range(nd):
                d = dv[y]
                xd = xc[g, d]
                op[g, c, d] += wi * (xa * xd - (xa if x == y else 0))
                cp[g, c, d] += wc * xa * (cnt[d] - xd)
    if rest:
        _rest_from_counts(rop, mx, xc, cnt, dv, nd, touched, nt, m, w_in)
