"""Cross-replication reliability kappa_x (Wong, Paritosh & Aroyo 2021).

kappa_x compares two replications X and Y of an annotation (here: one annotator group
and everyone else) on the items both rated:

    kappa_x = 1 - d_o / d_e

``d_o`` pairs every X judgment of an item with every Y judgment of the same item,
weighting item u by ``(m_xu + m_yu) / (m_xu * m_yu)`` and dividing by the number of
judgments ``N_x + N_y``; ``d_e`` pairs all X judgments with all Y judgments regardless
of item, ``sum_ck X_c Y_k delta_ck / (N_x N_y)``. This follows the reference
implementation (google-research/cross-replication-reliability, ``XrrMetrics``),
with Krippendorff's squared difference functions as distances (identical to the
reference's for nominal and interval data). For ordinal data, mid-ranks come from the
pooled X + Y margins.

Like alpha, both parts are sums of per-item terms, so bootstrap replicates are
reweightings of :func:`kappa_x_item_contributions`.
"""

from __future__ import annotations

import numpy as np

from labelaudit.stats.alpha import _check_level, centred, distance_matrix

__all__ = [
    "kappa_x_from_counts",
    "kappa_x_batch",
    "kappa_x_from_cross",
    "kappa_x_item_contributions",
    "kappa_x_from_contributions",
]


def _as_batch(x: np.ndarray) -> tuple[np.ndarray, bool]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        return x[None], True
    if x.ndim != 3:
        raise ValueError("counts must be (items, values) or (K, items, values)")
    return x, False


def kappa_x_batch(
    counts_x: np.ndarray, counts_y: np.ndarray, level: str, numeric: np.ndarray
) -> np.ndarray:
    """kappa_x for a batch of replication pairs: (K, U, V) x (K, U, V) -> (K,).

    Accepts (U, V) inputs too (then returns a 0-d array). NaN when no item was rated
    by both replications or when there is no expected disagreement.

    Examples
    --------
    >>> x = np.array([[[1.0, 1.0]], [[2.0, 0.0]]])
    >>> y = np.array([[[1.0, 1.0]], [[0.0, 0.0]]])  # second pair shares no item
    >>> kappa_x_batch(x, y, "nominal", [0, 1]).tolist()
    [0.0, nan]
    """
    _check_level(level)
    x, squeeze = _as_batch(counts_x)
    y, _ = _as_batch(counts_y)
    if x.shape != y.shape:
        raise ValueError("both replications need counts over the same items and values")
    mx = x.sum(axis=2)
    my = y.sum(axis=2)
    both = (mx >= 1) & (my >= 1)
    w = np.zeros_like(mx)
    np.divide(mx + my, mx * my, out=w, where=both)
    cross = np.matmul((x * w[..., None]).transpose(0, 2, 1), y)  # (K, V, V)
    xm = (x * both[..., None]).sum(axis=1)
    ym = (y * both[..., None]).sum(axis=1)
    out = kappa_x_from_cross(cross, xm, ym, level, numeric)
    return out[0] if squeeze else out


def kappa_x_from_cross(
    cross: np.ndarray, xm: np.ndarray, ym: np.ndarray, level: str, numeric: np.ndarray
) -> np.ndarray:
    """kappa_x from weighted cross-coincidences (K, V, V) and shared-item margins (K, V).

    ``cross[k, c, d] = sum_u x_uc y_ud (m_xu + m_yu) / (m_xu m_yu)`` over items rated by
    both replications; ``xm``/``ym`` are their value totals on those items.

    Examples
    --------
    One item, each side gave one of each value (d_o = d_e = 1/2):

    >>> cross, margins = np.ones((1, 2, 2)), np.array([[1.0, 1.0]])
    >>> kappa_x_from_cross(cross, margins, margins, "nominal", [0, 1]).tolist()
    [0.0]
    """
    nx = xm.sum(axis=1)
    ny = ym.sum(axis=1)
    delta = distance_matrix(level, numeric, xm + ym if level == "ordinal" else None)
    if delta.ndim == 2:
        num = np.einsum("kcd,cd->k", cross, delta)
        exp = np.einsum("kc,cd,kd->k", xm, delta, ym)
    else:
        num = (cross * delta).sum(axis=(1, 2))
        exp = np.einsum("kc,kcd,kd->k", xm, delta, ym)
    return _kappa(num, exp, nx, ny)


def kappa_x_from_counts(
    counts_x: np.ndarray, counts_y: np.ndarray, level: str, numeric: np.ndarray
) -> float:
    """kappa_x between two replications given their (U, V) per-item value counts.

    Rows are the same items in both; items missing from either replication (a row of
    zeros) are left out, as in the reference implementation.

    Examples
    --------
    The reference implementation's unit test (d_o = 9/22, d_e = 1/2):

    >>> x = np.array([[0, 2], [0, 3], [2, 0], [3, 0], [1, 1], [3, 0], [2, 1]])
    >>> y = np.array([[0, 2], [1, 1], [1, 1], [1, 1], [2, 0], [0, 0], [0, 0]])
    >>> round(kappa_x_from_counts(x, y, "nominal", [0, 1]), 7)
    0.1818182
    """
    cx = np.asarray(counts_x, dtype=np.float64)
    cy = np.asarray(counts_y, dtype=np.float64)
    if cx.ndim != 2 or cx.shape != cy.shape or cx.shape[1] != len(numeric):
        raise ValueError("counts must both be (items, values) with one column per value")
    return float(kappa_x_batch(cx, cy, level, numeric))


def kappa_x_item_contributions(
    counts_x: np.ndarray, counts_y: np.ndarray, level: str, numeric: np.ndarray
) -> np.ndarray:
    """Per-item terms of kappa_x, a (U, F) matrix to reweight for the bootstrap.

    Nominal/ratio: [weighted cross disagreement, X counts (V), Y counts (V)]
    (F = 1 + 2V). Interval: [weighted cross disagreement, then count, sum and sum of
    squares of the values for X and for Y] (F = 7). Ordinal: [weighted cross coincidences (V*V), X (V), Y (V)], because
    the mid-rank distances depend on the resampled margins. Items not rated by both
    replications contribute zeros.

    Examples
    --------
    >>> kappa_x_item_contributions([[1, 1]], [[0, 2]], "nominal", [0, 1]).tolist()
    [[2.0, 1.0, 1.0, 0.0, 2.0]]
    """
    _check_level(level)
    x = np.asarray(counts_x, dtype=np.float64)
    y = np.asarray(counts_y, dtype=np.float64)
    mx = x.sum(axis=1)
    my = y.sum(axis=1)
    both = (mx >= 1) & (my >= 1)
    w = np.zeros_like(mx)
    np.divide(mx + my, mx * my, out=w, where=both)
    xb = x * both[:, None]
    yb = y * both[:, None]
    if level == "interval":
        v = centred(numeric)
        sx1, sx2, sy1, sy2 = x @ v, x @ (v * v), y @ v, y @ (v * v)
        lead = w * (mx * sy2 + my * sx2 - 2.0 * sx1 * sy1)
        moments = np.column_stack([lead, mx, sx1, sx2, my, sy1, sy2])
        return moments * np.column_stack([np.ones_like(mx)] + [both] * 6)
    if level == "ordinal":
        per = (x * w[:, None])[:, :, None] * y[:, None, :]
        lead = per.reshape(x.shape[0], -1)
    else:
        delta = distance_matrix(level, numeric)
        lead = (((x @ delta) * y).sum(axis=1) * w)[:, None]
    return np.column_stack([lead, xb, yb])


def kappa_x_from_contributions(agg: np.ndarray, level: str, numeric: np.ndarray) -> np.ndarray:
    """kappa_x for each row of aggregated contributions (B, F) -> (B,).

    Examples
    --------
    >>> x = np.array([[0, 2], [0, 3], [2, 0], [3, 0], [1, 1]])
    >>> y = np.array([[0, 2], [1, 1], [1, 1], [1, 1], [2, 0]])
    >>> c = kappa_x_item_contributions(x, y, "nominal", [0, 1]).sum(axis=0)
    >>> kappa_x_from_contributions(c, "nominal", [0, 1]).round(7).tolist()
    [0.1818182]
    """
    agg = np.atleast_2d(np.asarray(agg, dtype=np.float64))
    nv = len(numeric)
    if level == "interval":
        nx, sx1, sx2, ny, sy1, sy2 = (agg[:, i] for i in range(1, 7))
        return _kappa(agg[:, 0], nx * sy2 + ny * sx2 - 2.0 * sx1 * sy1, nx, ny)
    xm = agg[:, -2 * nv : -nv]
    ym = agg[:, -nv:]
    if level == "ordinal":
        cross = agg[:, : nv * nv].reshape(-1, nv, nv)
        return kappa_x_from_cross(cross, xm, ym, level, numeric)
    delta = distance_matrix(level, numeric)
    exp = np.einsum("kc,cd,kd->k", xm, delta, ym)
    return _kappa(agg[:, 0], exp, xm.sum(axis=1), ym.sum(axis=1))


def _kappa(num: np.ndarray, exp: np.ndarray, nx: np.ndarray, ny: np.ndarray) -> np.ndarray:
    """1 - d_o / d_e from the weighted cross disagreement and the all-pairs disagreement."""
    out = np.full(nx.shape, np.nan)
    ok = (nx > 0) & (ny > 0)
    d_o = np.where(ok, num / np.where(ok, nx + ny, 1.0), np.nan)
    d_e = np.where(ok, exp / np.where(ok, nx * ny, 1.0), np.nan)
    good = ok & (d_e > 1e-12)
    out[good] = 1.0 - d_o[good] / d_e[good]
    return out
