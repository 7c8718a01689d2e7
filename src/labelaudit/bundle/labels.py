"""Label keys: how a judgment's label is matched against the schema's values.

``7``, ``7.0`` and ``"7"`` are the same label; booleans are kept apart from 0 and 1.
Labels (and ids, and attribute values) repeat millions of times, so lookups and
mappings run once per distinct value (:func:`map_distinct`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def label_key(v: object) -> object:
    """Normalise a label for lookup: numbers compare by value, everything else by str.

    >>> label_key(7), label_key("7"), label_key("toxic"), label_key(True)
    (7.0, 7.0, 'toxic', 'true')
    """
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return str(v)


def lookup_codes(labels: pd.Series, lookup: dict) -> np.ndarray:
    """Code each label by ``lookup`` (keyed by :func:`label_key`; -1 when absent).

    >>> lookup_codes(pd.Series(["a", "b", "x", "a"]), {"a": 0, "b": 1}).tolist()
    [0, 1, -1, 0]
    """
    try:
        idx, uniques = pd.factorize(labels, use_na_sentinel=True)
    except TypeError:  # lists on a single-choice field: not codable
        return labels.map(lambda v: lookup.get(label_key(v), -1)).to_numpy(dtype=np.int64)
    table = np.array([lookup.get(label_key(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return table[idx]


def map_distinct(s: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (ids and labels repeat millions of times).

    >>> map_distinct(pd.Series(["a", "b", "a", None]), lambda v: v and v.upper()).tolist()
    ['A', 'B', 'A', None]
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): row by row
        return s.map(fn).astype(object)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = fn(None)
    return pd.Series(mapped[codes], index=s.index, dtype=object)
