"""Labeling-process statistics: time per judgment, fast judgments, sessions.

Arrays in, numbers out. Times are plain floats in seconds; timestamps are seconds since
any fixed origin (the caller converts datetimes).
"""

from __future__ import annotations

import numpy as np


def median_iqr(seconds: np.ndarray) -> tuple[float, float, float]:
    """Median and quartiles (linear interpolation, numpy's default) of finite values.

    Returns ``(median, q1, q3)``; all NaN when there is no finite value.

    Examples
    --------
    >>> median_iqr(np.array([1.0, 2.0, 3.0, 4.0, np.nan]))
    (2.5, 1.75, 3.25)
    """
    x = np.asarray(seconds, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return float(med), float(q1), float(q3)


def fast_mask(seconds: np.ndarray, floor_s: float, relative: float) -> np.ndarray:
    """Flag implausibly fast judgments.

    A judgment is fast when it took less than ``floor_s`` seconds, or less than
    ``relative`` times the median of all finite times given (pass one field's times).
    Missing times (NaN) are never fast.

    Raises
    ------
    ValueError
        When ``floor_s`` or ``relative`` is negative.

    Examples
    --------
    >>> fast_mask(np.array([1.0, 10.0, 12.0, 50.0, 3.0, np.nan]), 2.0, 0.4).tolist()
    [True, False, False, False, True, False]
    """
    if floor_s < 0 or relative < 0:
        raise ValueError("floor_s and relative must be >= 0")
    x = np.asarray(seconds, dtype=float)
    ok = np.isfinite(x)
    if not ok.any():
        return np.zeros(x.shape, dtype=bool)
    limit = max(floor_s, relative * float(np.median(x[ok])))
    out = np.zeros(x.shape, dtype=bool)
    out[ok] = x[ok] < limit
    return out


def loo_majority_agreement(
    item_codes: np.ndarray, value_codes: np.ndarray, n_values: int
) -> np.ndarray:
    """Whether each judgment matches the majority of the *other* judgments of its item.

    Returns a float array: 1.0 (matches the leave-one-out majority), 0.0 (does not), or
    NaN when the item has no other judgment or the others are split evenly between two
    or more top values (there is no majority to agree with).

    Raises
    ------
    ValueError
        When the arrays differ in length or a value code is outside [0, n_values).

    Examples
    --------
    >>> items = np.array([0, 0, 0, 1, 1, 2])
    >>> values = np.array([0, 0, 1, 0, 1, 1])
    >>> loo_majority_agreement(items, values, 2).tolist()
    [nan, nan, 0.0, 0.0, 0.0, nan]
    """
    items = np.asarray(item_codes, dtype=np.int64)
    vals = np.asarray(value_codes, dtype=np.int64)
    if items.shape != vals.shape:
        raise ValueError("item_codes and value_codes must have the same length")
    if vals.size == 0:
        return np.zeros(0, dtype=float)
    if vals.min() < 0 or vals.max() >= n_values:
        raise ValueError(f"value codes must be in [0, {n_values})")
    # sparse (item, value) counts: no dense item x value matrix for many-valued fields
    item_idx = _dense_rank(items)
    pair_key = item_idx * np.int64(n_values) + vals
    pairs, pair_idx, c = _unique_counts(pair_key)
    p_item = pairs // n_values
    n_it = int(item_idx.max()) + 1
    # pairs are sorted, so each item's cells are one run and every item has one:
    # per-item maxima are reductions over the runs (no scattered ufunc.at)
    starts = np.flatnonzero(np.r_[True, p_item[1:] != p_item[:-1]])
    top1 = np.maximum.reduceat(c, starts).astype(np.int64)
    at1 = c == top1[p_item]
    n_top1 = np.bincount(p_item, weights=at1, minlength=n_it).astype(np.int64)
    top2 = np.maximum.reduceat(np.where(at1, 0, c), starts).astype(np.int64)
    cv = c[pair_idx]  # how many judgments of this item chose this judgment's value
    t1, n1, t2 = top1[item_idx], n_top1[item_idx], top2[item_idx]
    out = np.full(vals.size, np.nan)
    is_top = cv == t1
    # the value is the item's only top value: after removing this judgment it either
    # still leads alone (agree), or ties with the runners-up / nothing is left (NaN)
    alone = is_top & (n1 == 1)
    out[alone & (cv - 1 > t2)] = 1.0
    # tied at the top with exactly one other value: that value is the others' majority
    out[is_top & (n1 == 2)] = 0.0
    # below the top: the others' majority is the top value(s), unique only if n1 == 1
    out[~is_top & (n1 == 1)] = 0.0
    return out


def _small_range(codes: np.ndarray) -> bool:
    """Whether codes span few enough values that counting beats sorting (no large table)."""
    return int(codes.min()) >= 0 and int(codes.max()) < 4 * codes.size + (1 << 20)


def _dense_rank(codes: np.ndarray) -> np.ndarray:
    """``np.unique(codes, return_inverse=True)[1]``, by counting when the range is small."""
    if not _small_range(codes):
        return np.unique(codes, return_inverse=True)[1].reshape(codes.shape)
    present = np.bincount(codes) > 0
    return (np.cumsum(present) - 1)[codes]


def _unique_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True, return_counts=True)``, by counting if it can."""
    if not _small_range(codes):
        u, inv, c = np.unique(codes, return_inverse=True, return_counts=True)
        return u, inv.reshape(codes.shape), c
    dense = np.bincount(codes)
    u = np.flatnonzero(dense)
    rank = np.zeros(dense.size, dtype=np.int64)
    rank[u] = np.arange(u.size)
    return u, rank[codes], dense[u]


def sessions(
    annotator_codes: np.ndarray, timestamps_s: np.ndarray, gap_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split each annotator's judgments into sessions.

    A session is a run of one annotator's judgments (in time order) where each follows
    the previous one by less than ``gap_s`` seconds.

    Returns
    -------
    (session_ids, elapsed_s)
        Aligned with the input: a session number (0, 1, ... across all annotators) and
        the seconds since that session's first judgment. Judgments without a timestamp
        (NaN) get session -1 and elapsed NaN.

    Raises
    ------
    ValueError
        When ``gap_s`` <= 0 or the arrays differ in length.

    Examples
    --------
    >>> ann = np.array([0, 0, 0, 1, 0])
    >>> t = np.array([0.0, 60.0, 4000.0, 10.0, 120.0])
    >>> ids, el = sessions(ann, t, 1800)
    >>> ids.tolist(), el.tolist()
    ([0, 0, 1, 2, 0], [0.0, 60.0, 0.0, 0.0, 120.0])
    """
    if gap_s <= 0:
        raise ValueError("gap_s must be > 0")
    ann = np.asarray(annotator_codes, dtype=np.int64)
    t = np.asarray(timestamps_s, dtype=float)
    if ann.shape != t.shape:
        raise ValueError("annotator_codes and timestamps_s must have the same length")
    ids = np.full(t.shape, -1, dtype=np.int64)
    elapsed = np.full(t.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(t))
    if ok.size == 0:
        return ids, elapsed
    order = ok[np.lexsort((t[ok], ann[ok]))]
    a_sorted, t_sorted = ann[order], t[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (a_sorted[1:] != a_sorted[:-1]) | (np.diff(t_sorted) >= gap_s)
    sid = np.cumsum(new) - 1
    starts = t_sorted[new][sid]
    ids[order] = sid
    elapsed[order] = t_sorted - starts
    return ids, elapsed


def session_durations(session_ids: np.ndarray, elapsed_s: np.ndarray) -> np.ndarray:
    """Duration in seconds of each session (last judgment minus first), by session id.

    Examples
    --------
    >>> session_durations(np.array([0, 0, 1, 2, 0]), np.array([0.0, 60.0, 0.0, 0.0, 120.0])).tolist()
    [120.0, 0.0, 0.0]
    """
    ids = np.asarray(session_ids, dtype=np.int64)
    el = np.asarray(elapsed_s, dtype=float)
    keep = ids >= 0
    if not keep.any():
        return np.zeros(0, dtype=float)
    out = np.zeros(int(ids[keep].max()) + 1, dtype=float)
    np.maximum.at(out, ids[keep], el[keep])
    return out
