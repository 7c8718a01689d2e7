"""GRASP group association (Prabhakaran et al., NAACL 2024): IRR, XRR and GAI per group.

For each group G of an annotator attribute:

- IRR = Krippendorff's alpha among G's annotators only;
- XRR = cross-replication reliability kappa_x between G's judgments and everyone
  else's (Wong, Paritosh & Aroyo 2021);
- GAI = IRR / XRR, the group association index: above 1, G agrees with itself more
  than with the rest (G reads the items its own way); undefined when |XRR| is too
  close to 0 to divide by.

This module holds the statistic: closed forms that give IRR and XRR of K annotator
sets at once from per-set (item, value) counts, and the same from the coincidence sums
of the numba kernel. Its statistic under relabellings is :mod:`labelaudit.stats.grasp_statistic`.
No dense annotator x item matrix is ever built.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from labelaudit.stats.alpha import _alpha, alpha_from_coincidences, centred, distance_matrix
from labelaudit.stats.crossrep import _kappa, kappa_x_from_cross

__all__ = [
    "association_index",
    "irr_xrr",
    "sums_irr_xrr",
]


def association_index(irr: np.ndarray, xrr: np.ndarray, xrr_epsilon: float) -> np.ndarray:
    """GAI = IRR / XRR, NaN where |XRR| < xrr_epsilon or either is undefined.

    Examples
    --------
    >>> association_index(np.array([0.6, 0.6]), np.array([0.5, 0.01]), 0.05).tolist()
    [1.2, nan]
    """
    irr = np.asarray(irr, dtype=np.float64)
    xrr = np.asarray(xrr, dtype=np.float64)
    ok = np.isfinite(irr) & np.isfinite(xrr) & (np.abs(xrr) >= xrr_epsilon)
    out = np.full(np.broadcast(irr, xrr).shape, np.nan)
    out[ok] = irr[ok] / xrr[ok]
    return out


def irr_xrr(
    indicator: sp.spmatrix,
    membership: np.ndarray,
    total: np.ndarray,
    level: str,
    numeric: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Within-set alpha and set-vs-rest kappa_x for K annotator sets at once.

    ``membership`` is (n_annotators, K) 0/1; ``total`` the (U, V) counts of all
    annotators (the rest of set k is ``total - counts_k``).

    Examples
    --------
    >>> from labelaudit.stats.counts import indicator_matrix, value_counts
    >>> items, values, anns = np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0]), np.array([0, 1, 0, 1])
    >>> m = indicator_matrix(items, values, anns, 2, 2, 2)
    >>> irr, xrr = irr_xrr(m, np.array([[1], [1]]), value_counts(items, values, 2, 2), "nominal", [0, 1])
    >>> irr.round(3).tolist(), xrr.tolist()
    ([0.0], [nan])
    """
    prod = np.asarray(indicator @ np.asarray(membership, dtype=np.float64))
    return _irr_xrr_from_product(prod, total, level, numeric)


def _irr_xrr_from_product(
    prod: np.ndarray, total: np.ndarray, level: str, numeric: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`irr_xrr` from the (U * V, K) per-set counts ``indicator @ membership``."""
    nv = len(numeric)
    # (items, values, K) view of the product: reductions over values then run over
    # contiguous (items, K) slices, which is what makes large permutation batches cheap
    x = prod.reshape(-1, nv, prod.shape[1])
    t = np.asarray(total, dtype=np.float64)
    mx = x.sum(axis=1)
    my = t.sum(axis=1)[:, None] - mx  # the rest's judgments per item, without building them
    w = np.zeros_like(mx)
    np.divide(1.0, mx - 1.0, out=w, where=mx >= 2)
    both = (mx >= 1) & (my >= 1)
    w2 = np.zeros_like(mx)
    np.divide(mx + my, mx * my, out=w2, where=both)
    if level == "interval":
        return _interval_irr_xrr(x, t, mx, my, w, w2, both, numeric)
    bothf = both.astype(np.float64)
    xb = np.einsum("uvk,uk->kv", x, bothf)  # (K, V) margins on shared items
    yb = bothf.T @ t - xb
    if level == "nominal":
        return _nominal_irr_xrr(x, t, mx, my, w, w2, xb, yb)
    if level == "ordinal":
        return _ordinal_irr_xrr(x, t, mx, my, w, w2, xb, yb, numeric)
    k = x.shape[2]
    o = np.empty((k, nv, nv))
    cross = np.empty((k, nv, nv))
    for c in range(nv):
        xw = x[:, c, :] * w
        xw2 = x[:, c, :] * w2
        for d in range(nv):
            o[:, c, d] = (xw * x[:, d, :]).sum(axis=0)
            # rest's count of value d is t_d - x_d
            cross[:, c, d] = t[:, d] @ xw2 - (xw2 * x[:, d, :]).sum(axis=0)
        o[:, c, c] -= xw.sum(axis=0)
    irr = alpha_from_coincidences(o, level, numeric)
    xrr = kappa_x_from_cross(cross, xb, yb, level, numeric)
    return np.atleast_1d(irr), np.atleast_1d(xrr)


def _mid_ranks(margins: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """Mid-rank of each value per batch column (K, V), shifted to its midrange."""
    order = np.argsort(np.asarray(numeric, dtype=np.float64), kind="stable")
    m = margins[:, order]
    mid = np.cumsum(m, axis=1) - m / 2.0
    ranks = np.empty_like(mid)
    ranks[:, order] = mid
    # a shift leaves distances unchanged and keeps the moments' cancellation small
    return ranks - ((ranks.max(axis=1) + ranks.min(axis=1)) / 2.0)[:, None]


def _ordinal_irr_xrr(x, t, mx, my, w, w2, xb, yb, numeric) -> tuple[np.ndarray, np.ndarray]:
    """Ordinal distance is the squared distance of mid-ranks, and the mid-ranks are fixed
    by each column's margins: so ordinal data is interval data on per-column positions,
    and the interval moments apply (O(V) per item and column instead of O(V^2))."""
    nc = np.einsum("uvk,uk->kv", x, (mx >= 2).astype(np.float64))  # coincidence margins
    r = _mid_ranks(nc, numeric)
    s1 = np.einsum("uvk,kv->uk", x, r)
    s2 = np.einsum("uvk,kv->uk", x, r * r)
    d_obs = (w * 2.0 * (mx * s2 - s1 * s1)).sum(axis=0)
    n = nc.sum(axis=1)
    a1, a2 = (nc * r).sum(axis=1), (nc * r * r).sum(axis=1)
    irr = _alpha(n, d_obs, 2.0 * (n * a2 - a1 * a1))
    q = _mid_ranks(xb + yb, numeric)  # kappa_x ranks come from both sides' margins
    sx1 = np.einsum("uvk,kv->uk", x, q)
    sx2 = np.einsum("uvk,kv->uk", x, q * q)
    sy1 = t @ q.T - sx1
    sy2 = t @ (q * q).T - sx2
    num = (w2 * (mx * sy2 + my * sx2 - 2.0 * sx1 * sy1)).sum(axis=0)
    nx, ny = xb.sum(axis=1), yb.sum(axis=1)
    x1, x2 = (xb * q).sum(axis=1), (xb * q * q).sum(axis=1)
    y1, y2 = (yb * q).sum(axis=1), (yb * q * q).sum(axis=1)
    xrr = _kappa(num, nx * y2 + ny * x2 - 2.0 * x1 * y1, nx, ny)
    return irr, xrr


def _interval_irr_xrr(x, t, mx, my, w, w2, both, numeric) -> tuple[np.ndarray, np.ndarray]:
    """Interval data from moments: sum_cd n_c n_d (v_c - v_d)^2 = 2 (m S2 - S1^2)."""
    v = centred(numeric)
    sx1 = np.einsum("uvk,v->uk", x, v)
    sx2 = np.einsum("uvk,v->uk", x, v * v)
    sy1 = (t @ v)[:, None] - sx1
    sy2 = (t @ (v * v))[:, None] - sx2
    p = mx >= 2
    d_obs = (w * 2.0 * (mx * sx2 - sx1 * sx1)).sum(axis=0)
    n, s1, s2 = (mx * p).sum(axis=0), (sx1 * p).sum(axis=0), (sx2 * p).sum(axis=0)
    irr = _alpha(n, d_obs, 2.0 * (n * s2 - s1 * s1))
    num = (w2 * (mx * sy2 + my * sx2 - 2.0 * sx1 * sy1)).sum(axis=0)
    nx, ax1, ax2 = (mx * both).sum(axis=0), (sx1 * both).sum(axis=0), (sx2 * both).sum(axis=0)
    ny, ay1, ay2 = (my * both).sum(axis=0), (sy1 * both).sum(axis=0), (sy2 * both).sum(axis=0)
    xrr = _kappa(num, nx * ay2 + ny * ax2 - 2.0 * ax1 * ay1, nx, ny)
    return irr, xrr


def _nominal_irr_xrr(x, t, mx, my, w, w2, xb, yb) -> tuple[np.ndarray, np.ndarray]:
    """Closed forms for nominal data: sum_cd n_c n_d [c != d] = m^2 - sum_c n_c^2."""
    s2 = np.einsum("uvk,uvk->uk", x, x)
    xt = np.einsum("uvk,uv->uk", x, t)  # sum_c x_c t_c, so sum_c x_c y_c = xt - s2
    d_obs = (w * (mx * mx - s2)).sum(axis=0)
    nc = np.einsum("uvk,uk->kv", x, (mx >= 2).astype(np.float64))
    num = (w2 * (mx * my - (xt - s2))).sum(axis=0)
    return _nominal_final(d_obs, num, nc, xb, yb)


def _nominal_final(d_obs, num, nc, xb, yb) -> tuple[np.ndarray, np.ndarray]:
    """Nominal IRR, XRR from the summed closed-form terms and (..., V) margins."""
    n = nc.sum(axis=-1)
    d_exp = n * n - (nc * nc).sum(axis=-1)
    irr = np.full(n.shape, np.nan)
    ok = (n >= 2) & (d_exp > 1e-12 * np.maximum(n, 1.0) ** 2)
    irr[ok] = 1.0 - (n[ok] - 1.0) * d_obs[ok] / d_exp[ok]
    nx, ny = xb.sum(axis=-1), yb.sum(axis=-1)
    exp = nx * ny - (xb * yb).sum(axis=-1)
    xrr = np.full(nx.shape, np.nan)
    good = (nx > 0) & (ny > 0)
    good[good] = exp[good] > 1e-12 * (nx[good] * ny[good])
    xrr[good] = 1.0 - (num[good] / (nx[good] + ny[good])) / (exp[good] / (nx[good] * ny[good]))
    return irr, xrr


def sums_irr_xrr(o, cross, nc, xb, yb, level: str, numeric: np.ndarray):
    """IRR and XRR from the kernel's coincidence sums (any leading shape, then V or V x V).

    Parameters
    ----------
    o : (..., V, V)
        Within-set coincidence matrix (:func:`labelaudit.stats.alpha.coincidences` of
        the set's per-item counts).
    cross : (..., V, V)
        Set-vs-rest cross counts ``sum_u (m_x + m_y) / (m_x m_y) x_uc y_ud`` over the
        items both sides judged.
    nc : (..., V)
        Coincidence margins (the set's counts on items it judged at least twice).
    xb, yb : (..., V)
        The set's and the rest's margins on the items both judged.
    level : str
    numeric : (V,) numeric values of the codes.

    Returns
    -------
    (irr, xrr)
        Arrays of the leading shape.

    Examples
    --------
    A set judges item 0 as (0, 0) and item 1 as (0, 1); the rest judges 1 and 0. Both
    items have m_x = 2, m_y = 1, so the cross weight is (2 + 1) / (2 * 1) = 1.5:

    >>> from labelaudit.stats.alpha import coincidences
    >>> x, y = np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> irr, xrr = sums_irr_xrr(coincidences(x), 1.5 * x.T @ y, x.sum(axis=0),
    ...                         x.sum(axis=0), y.sum(axis=0), "nominal", np.array([0.0, 1.0]))

    IRR: n = 4, D_o = o_01 + o_10 = 2, D_e = 4^2 - (3^2 + 1^2) = 6, 1 - 3 * 2 / 6 = 0.
    XRR: off-diagonal cross 4.5 over n_x + n_y = 6, against (4 * 2 - (3 + 1)) / (4 * 2)
    = 0.5 expected: 1 - 0.75 / 0.5 = -0.5.

    >>> float(irr), float(xrr)
    (0.0, -0.5)
    """
    shape = nc.shape[:-1]
    nv = nc.shape[-1]
    o, cross = o.reshape(-1, nv, nv), cross.reshape(-1, nv, nv)
    nc, xb, yb = nc.reshape(-1, nv), xb.reshape(-1, nv), yb.reshape(-1, nv)
    delta = distance_matrix(level, numeric, nc if level == "ordinal" else None)
    d_obs = (o * delta).sum(axis=(1, 2))
    d_exp = np.einsum("kc,kcd,kd->k", nc, np.broadcast_to(delta, o.shape), nc)
    irr = _alpha(nc.sum(axis=1), d_obs, d_exp)
    xrr = kappa_x_from_cross(cross, xb, yb, level, numeric)
    return irr.reshape(shape), xrr.reshape(shape)


def _one_hot(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_annotators, n_groups) 0/1 membership of group codes; code -1 is in no column."""
    out = np.zeros((codes.size, n_groups), dtype=np.float64)
    present = codes >= 0
    out[np.flatnonzero(present), codes[present]] = 1.0
    return out
