"""Krippendorff's alpha from per-item value counts, with item-bootstrap intervals.

Alpha is computed from the coincidence matrix (Krippendorff 2011, "Computing
Krippendorff's Alpha-Reliability"): an item rated ``m_u >= 2`` times adds
``n_uc * n_uk / (m_u - 1)`` to cell (c, k) (minus the self-pairs on the diagonal).
Items with fewer than two pairable values add nothing. Then

    alpha = 1 - (n - 1) * sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck

with ``n_c`` the coincidence margins and ``delta_ck`` the squared difference function
of the level of measurement. Because the observed part is a sum of per-item terms and
the margins are sums of per-item counts, a bootstrap replicate that resamples items is
a reweighting of per-item contributions: ``weights @ contributions``.

Arrays in, numbers out; numpy only.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from labelaudit.stats.bootstrap import bootstrap_pattern_counts, bootstrap_weights

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

__all__ = [
    "LEVELS",
    "distance_matrix",
    "centred",
    "coincidences",
    "alpha_from_coincidences",
    "alpha_from_counts",
    "item_contributions",
    "alpha_from_contributions",
    "bootstrap_weights",
    "bootstrap_pattern_counts",
    "percentile_interval",
    "bootstrap_alpha",
]


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")


def distance_matrix(
    level: str, numeric: np.ndarray, marginals: np.ndarray | None = None
) -> np.ndarray:
    """Squared difference function delta^2_ck between the scale's values.

    Parameters
    ----------
    level : "nominal" | "ordinal" | "interval" | "ratio"
    numeric : (V,) array
        Each value's position (the number for interval/ratio; any increasing order for
        ordinal).
    marginals : (V,) or (K, V) array, required for ordinal
        How often each value was used (the coincidence margins). Ordinal distance is
        the squared distance between the values' mid-ranks, so it depends on them.

    Returns
    -------
    (V, V) array, or (K, V, V) when ``marginals`` is 2-D and level is ordinal.

    Examples
    --------
    >>> distance_matrix("nominal", np.array([0.0, 1.0])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> distance_matrix("ordinal", np.arange(3.0), np.array([2.0, 4.0, 2.0]))[0].tolist()
    [0.0, 9.0, 36.0]
    """
    _check_level(level)
    v = np.asarray(numeric, dtype=np.float64)
    if level == "nominal":
        return 1.0 - np.eye(v.size)
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        d = v[:, None] - v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(s == 0, 0.0, (d / np.where(s == 0, 1.0, s)) ** 2)
        return out
    if marginals is None:
        raise ValueError("ordinal distances need the value marginals")
    order = np.argsort(v, kind="stable")
    m = np.asarray(marginals, dtype=np.float64)[..., order]
    # mid-rank of each value: everything below it plus half of itself
    mid = np.cumsum(m, axis=-1) - m / 2.0
    ranks = np.empty_like(mid)
    ranks[..., order] = mid
    return (ranks[..., :, None] - ranks[..., None, :]) ** 2


def centred(numeric: np.ndarray) -> np.ndarray:
    """Scale values shifted to their midrange: interval distances are unchanged by a
    shift, and moments of centred values lose less precision.

    Examples
    --------
    >>> centred(np.array([1.0, 2.0, 5.0])).tolist()
    [-2.0, -1.0, 2.0]
    """
    v = np.asarray(numeric, dtype=np.float64)
    return v - (v.min() + v.max()) / 2.0 if v.size else v


def coincidences(counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix o_ck from per-item value counts.

    ``counts`` is (U, V) or a batch (K, U, V); the result is (V, V) or (K, V, V).

    Examples
    --------
    >>> coincidences(np.array([[2.0, 0.0], [1.0, 1.0], [1.0, 0.0]])).tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    """
    n = np.asarray(counts, dtype=np.float64)
    squeeze = n.ndim == 2
    if squeeze:
        n = n[None]
    if n.ndim != 3:
        raise ValueError("counts must be (items, values) or (K, items, values)")
    m = n.sum(axis=2)
    w = np.zeros_like(m)
    np.divide(1.0, m - 1.0, out=w, where=m >= 2)
    nw = n * w[..., None]
    o = np.matmul(nw.transpose(0, 2, 1), n)
    diag = nw.sum(axis=1)
    idx = np.arange(n.shape[2])
    o[:, idx, idx] -= diag
    return o[0] if squeeze else o


def alpha_from_coincidences(o: np.ndarray, level: str, numeric: np.ndarray) -> np.ndarray:
    """Alpha from a coincidence matrix (V, V) or a batch (K, V, V); NaN when undefined.

    Alpha is undefined when there are fewer than two pairable values or when all of
    them are the same (no expected disagreement).

    Examples
    --------
    >>> float(alpha_from_coincidences(np.array([[2.0, 1.0], [1.0, 0.0]]), "nominal", [0, 1]))
    0.0
    """
    o = np.asarray(o, dtype=np.float64)
    squeeze = o.ndim == 2
    if squeeze:
        o = o[None]
    nc = o.sum(axis=2)
    n = nc.sum(axis=1)
    delta = distance_matrix(level, numeric, nc if level == "ordinal" else None)
    d_obs = np.einsum("kcd,...cd->k", o, delta) if delta.ndim == 2 else (o * delta).sum((1, 2))
    d_exp = _expected(nc, delta)
    out = _alpha(n, d_obs, d_exp)
    return out[0] if squeeze else out


def _expected(nc: np.ndarray, delta: np.ndarray) -> np.ndarray:
    if delta.ndim == 2:
        return np.einsum("kc,cd,kd->k", nc, delta, nc)
    return np.einsum("kc,kcd,kd->k", nc, delta, nc)


def _alpha(n: np.ndarray, d_obs: np.ndarray, d_exp: np.ndarray) -> np.ndarray:
    out = np.full(n.shape, np.nan)
    ok = (n >= 2) & (d_exp > 1e-12 * np.maximum(n, 1.0) ** 2)
    out[ok] = 1.0 - (n[ok] - 1.0) * d_obs[ok] / d_exp[ok]
    return out


def alpha_from_counts(counts: np.ndarray, level: str, numeric: np.ndarray) -> float:
    """Krippendorff's alpha from a (U, V) matrix of per-item value counts.

    Examples
    --------
    Krippendorff (2011), 4 coders x 12 units with missing values, nominal:

    >>> rows = [[1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
    ...         [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0]]
    >>> data = np.array(rows).T  # units x coders, 0 = missing
    >>> counts = np.stack([(data == v).sum(axis=1) for v in range(1, 6)], axis=1)
    >>> round(alpha_from_counts(counts, "nominal", np.arange(1.0, 6.0)), 3)
    0.743
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[1] != len(numeric):
        raise ValueError("counts must be (items, values) with one column per value")
    return float(alpha_from_coincidences(coincidences(counts), level, numeric))


def item_contributions(counts: np.ndarray, level: str, numeric: np.ndarray) -> np.ndarray:
    """Per-item terms whose (weighted) sum determines alpha: a (U, F) matrix.

    For nominal and ratio data the distances are fixed, so each item contributes its
    observed disagreement ``sum_ck n_uc n_uk delta_ck / (m_u - 1)`` and its pairable
    value counts (F = 1 + V). Interval data need only moments: the disagreement, m_u,
    sum of values and sum of squares (F = 4, whatever the number of scale points).
    Ordinal distances depend on the margins, so each item contributes its whole
    coincidence matrix (F = V * V).
    Aggregate with ``weights @ contributions`` and finish with
    :func:`alpha_from_contributions`.

    Examples
    --------
    >>> item_contributions(np.array([[2.0, 1.0], [1.0, 0.0]]), "nominal", [0, 1]).tolist()
    [[2.0, 2.0, 1.0], [0.0, 0.0, 0.0]]
    """
    _check_level(level)
    n = np.asarray(counts, dtype=np.float64)
    m = n.sum(axis=1)
    pairable = m >= 2
    if level == "ordinal":
        nv = n.shape[1]
        w = np.zeros_like(m)
        np.divide(1.0, m - 1.0, out=w, where=pairable)
        per = (n * w[:, None])[:, :, None] * n[:, None, :]
        idx = np.arange(nv)
        per[:, idx, idx] -= n * w[:, None]
        return per.reshape(n.shape[0], nv * nv)
    if level == "interval":
        v = centred(numeric)
        s1, s2 = n @ v, n @ (v * v)
        d = np.zeros_like(m)
        np.divide(2.0 * (m * s2 - s1 * s1), m - 1.0, out=d, where=pairable)
        return np.column_stack([d, m, s1, s2]) * np.column_stack(
            [np.ones_like(m), pairable, pairable, pairable]
        )
    delta = distance_matrix(level, numeric)
    d = np.zeros_like(m)
    np.divide(((n @ delta) * n).sum(axis=1), m - 1.0, out=d, where=pairable)
    return np.column_stack([d, n * pairable[:, None]])


def alpha_from_contributions(agg: np.ndarray, level: str, numeric: np.ndarray) -> np.ndarray:
    """Alpha for each row of aggregated contributions (B, F) -> (B,).

    Examples
    --------
    >>> c = item_contributions(np.array([[2.0, 1.0], [1.0, 1.0]]), "nominal", [0, 1])
    >>> alpha_from_contributions(c.sum(axis=0, keepdims=True), "nominal", [0, 1]).round(3).tolist()
    [-0.333]
    """
    agg = np.atleast_2d(np.asarray(agg, dtype=np.float64))
    nv = len(numeric)
    if level == "ordinal":
        return alpha_from_coincidences(agg.reshape(-1, nv, nv), level, numeric)
    if level == "interval":
        n, s1, s2 = agg[:, 1], agg[:, 2], agg[:, 3]
        return _alpha(n, agg[:, 0], 2.0 * (n * s2 - s1 * s1))
    nc = agg[:, 1:]
    delta = distance_matrix(level, numeric)
    return _alpha(nc.sum(axis=1), agg[:, 0], _expected(nc, delta))


def percentile_interval(replicates: np.ndarray, ci_level: float) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates ignored).

    Examples
    --------
    >>> [round(x, 6) for x in percentile_interval(np.arange(101.0), 0.9)]
    [5.0, 95.0]
    """
    if not 0 < ci_level < 1:
        raise ValueError("ci_level must be in (0, 1)")
    r = np.asarray(replicates, dtype=np.float64)
    r = r[~np.isnan(r)]
    if r.size == 0:
        return (float("nan"), float("nan"))
    tail = (1.0 - ci_level) / 2.0
    lo, hi = np.quantile(r, [tail, 1.0 - tail])
    return (float(lo), float(hi))


def bootstrap_alpha(
    counts: np.ndarray,
    level: str,
    numeric: np.ndarray,
    n_boot: int = 1000,
    ci_level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Alpha and its item-bootstrap percentile interval: (alpha, ci_low, ci_high).

    Items are resampled with replacement among the pairable ones (m_u >= 2);
    deterministic for a given seed.

    Examples
    --------
    >>> counts = np.array([[3, 0], [0, 3], [2, 1], [3, 0], [0, 2], [1, 1]])
    >>> a, lo, hi = bootstrap_alpha(counts, "nominal", [0, 1], n_boot=200, seed=1)
    >>> round(a, 3), lo <= a <= hi
    (0.524, True)
    """
    counts = np.asarray(counts, dtype=np.float64)
    point = alpha_from_counts(counts, level, numeric)
    contrib = item_contributions(counts[counts.sum(axis=1) >= 2], level, numeric)
    reps = [
        alpha_from_contributions(w @ contrib, level, numeric)
        for w in bootstrap_weights(contrib.shape[0], n_boot, seed)
    ]
    if not reps:
        return (point, float("nan"), float("nan"))
    lo, hi = percentile_interval(np.concatenate(reps), ci_level)
    return (point, lo, hi)
