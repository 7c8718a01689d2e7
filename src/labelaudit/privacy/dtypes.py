"""Released tables keep numeric columns numeric (the Python API's DataFrames).

Analyses build rows from dicts, where an unknown figure is None, and the release nulls
the figures it hides; pandas then keeps such columns as ``object``. Every released
table leaves the release typed: floats with NaN, whole numbers as the nullable
``Int64``, flags as ``boolean``, so a notebook's ``df["n_annotators"].sum()`` works.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with object columns that hold only numbers or only flags (and gaps) typed.

    >>> rows = {"n": [3, None], "share": [0.5, None], "g": ["a", None]}
    >>> t = typed(pd.DataFrame(rows, dtype=object))
    >>> [str(d) for d in t.dtypes]
    ['Int64', 'float64', 'object']
    """
    out = table
    for col in table.columns:
        if table[col].dtype != object:
            continue
        values = [v for v in table[col] if not _missing(v)]
        if not values:
            continue
        if all(isinstance(v, bool | np.bool_) for v in values):
            kind = "boolean"
        elif all(
            isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in values
        ):
            kind = "Int64"
        elif all(
            isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool | np.bool_)
            for v in values
        ):
            kind = "float64"
        else:
            continue
        if out is table:
            out = table.copy()
        gap = np.nan if kind == "float64" else pd.NA  # float64 has no pd.NA
        out[col] = table[col].map(lambda v, gap=gap: gap if _missing(v) else v).astype(kind)
    return out


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
