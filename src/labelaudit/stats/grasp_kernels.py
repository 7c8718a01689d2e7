"""numba kernels for the GRASP permutation test (optional accelerator of :mod:`.grasp`).

Importing this module imports numba; :mod:`labelaudit.stats.grasp` imports it lazily and
falls back to numpy when numba is missing. Both paths give the same statistics (to
rounding at the 1e-12 level).

The kernel works per judgment, not per (item, value, group) cell: with ~5 judgments
per item, at most 5 of an item's value x group cells are non-zero, so walking the
judgment pairs of each item costs O(sum_u m_u^2) per permutation whatever the number
of groups and values. From the pairs it accumulates, per permutation and group, the
weighted within-group coincidences and the group-vs-rest cross-coincidences; every
level of measurement (ratio too) then follows from these small (V, V) matrices.
Nominal data has closed forms (:func:`nominal_sums`) that need O(1) work per judgment
and give the same per-item terms as the numpy formulas.

Examples
--------
One item judged 0, 0, 1 by annotators 0, 1, 2; annotators 0 and 2 form group 0:

>>> offsets, ann, val = np.array([0, 3]), np.array([0, 1, 2]), np.array([0, 0, 1])
>>> w_in, w_cross = np.array([0.0, 0.0, 1.0, 0.5]), np.zeros((4, 4))
>>> w_cross[2, 1] = 1.5
>>> o, cross, nc, xb, yb = grasp_sums(offsets, ann, val, np.array([[0, -1, 0]]), 1, 2,
...                                   w_in, w_cross)
>>> o[0, 0].tolist(), cross[0, 0].tolist(), yb[0, 0].tolist()
([[0.0, 1.0], [1.0, 0.0]], [[1.5, 0.0], [1.5, 0.0]], [1.0, 0.0])
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["grasp_sums", "nominal_sums"]


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
    for p in prange(n_perm):
        codes = perm_codes[p]
        op, cp, ncp, xbp, ybp = o[p], cross[p], nc[p], xb[p], yb[p]
        # per-thread scratch, reset item by item through the touched entries only
        mx = np.zeros(n_groups, dtype=np.int64)
        seen = np.zeros(n_groups, dtype=np.bool_)
        gj = np.empty(max(max_m, 1), dtype=np.int64)
        for u in range(n_items):
            a = offsets[u]
            m = offsets[u + 1] - a
            for i in range(m):
                g = codes[ann[a + i]]
                gj[i] = g
                if g >= 0:
                    mx[g] += 1
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
                # the rest's values are counted once per (item, group): at its first judgment
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
            for i in range(m):
                g = gj[i]
                if g >= 0:
                    mx[g] = 0
                    seen[g] = False
    return o, cross, nc, xb, yb


@njit(cache=True, nogil=True, parallel=True)
def nominal_sums(
    offsets: np.ndarray,
    ann: np.ndarray,
    val: np.ndarray,
    tj: np.ndarray,
    total: np.ndarray,
    perm_codes: np.ndarray,
    n_groups: int,
    w_in: np.ndarray,
    w_cross: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nominal closed forms per permutation and group, O(m + G V) work per item.

    ``tj[j]``: how many judgments of j's item gave j's value; ``total`` (U, V) float.
    ``perm_codes`` must code "no group" as ``n_groups`` (not -1). Returns ``d_obs``,
    ``num`` (P, G): ``sum_u w_in (m^2 - S2)`` and ``sum_u w_cross (mx my - sum_c x_c y_c)``
    with ``S2 = sum_c x_c^2``; and the margins ``nc``, ``xb``, ``yb`` (P, G, V) as in
    :func:`grasp_sums`. Per item the terms are the integers of the numpy closed forms
    times the same weights, summed item by item in the same order.
    """
    n_perm = perm_codes.shape[0]
    n_items, n_values = total.shape
    ng = n_groups + 1
    m_top = w_in.size
    two, both = _flags(m_top)
    d_obs = np.zeros((n_perm, n_groups))
    num = np.zeros((n_perm, n_groups))
    nc = np.zeros((n_perm, ng, n_values))
    xb = np.zeros((n_perm, ng, n_values))
    tb = np.zeros((n_perm, n_groups, n_values))
    for p in prange(n_perm):
        codes = perm_codes[p]
        mx = np.zeros(ng, dtype=np.int64)
        s2 = np.zeros(ng, dtype=np.int64)
        xt = np.zeros(ng, dtype=np.int64)
        cnt = np.zeros((ng, n_values), dtype=np.int64)
        # every update is unconditional (weights 0 where a term is absent; adding 0.0
        # leaves a sum unchanged): branches on the groups' counts mispredict at random
        for u in range(n_items):
            a = offsets[u]
            m = offsets[u + 1] - a
            for j in range(a, a + m):
                g = codes[ann[j]]
                v = val[j]
                mx[g] += 1
                # sum of squared counts, kept incrementally: (c + 1)^2 = c^2 + 2c + 1
                s2[g] += 2 * cnt[g, v] + 1
                cnt[g, v] += 1
                xt[g] += tj[j]
            for g in range(n_groups):
                mg = mx[g]
                my = m - mg
                d_obs[p, g] += w_in[mg] * (mg * mg - s2[g])
                num[p, g] += w_cross[mg, my] * (mg * my - (xt[g] - s2[g]))
                bf = both[mg, my]
                for v in range(n_values):
                    tb[p, g, v] += bf * total[u, v]
            for j in range(a, a + m):
                g = codes[ann[j]]
                v = val[j]
                nc[p, g, v] += two[mx[g]]
                xb[p, g, v] += both[mx[g], m - mx[g]]
                cnt[g, v] = 0
            for g in range(ng):
                mx[g] = 0
                s2[g] = 0
                xt[g] = 0
    g = n_groups
    return d_obs, num, nc[:, :g].copy(), xb[:, :g].copy(), tb - xb[:, :g]


@njit(cache=True, nogil=True)
def _flags(m_top: int) -> tuple[np.ndarray, np.ndarray]:
    """1.0 where m >= 2 (pairable), and where mx >= 1 and my >= 1 (both sides judged)."""
    two = np.zeros(m_top)
    both = np.zeros((m_top, m_top))
    for c in range(m_top):
        two[c] = 1.0 if c >= 2 else 0.0
        for d in range(m_top):
            both[c, d] = 1.0 if (c >= 1 and d >= 1) else 0.0
    return two, both
