"""Plain JSON values from pandas and numpy ones (findings.json never holds NaN)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def jsonable(obj: Any) -> Any:
    """Recursively convert to JSON-safe Python values; NaN/inf become None.

    >>> jsonable({"a": np.float64("nan"), "b": [np.int64(2), (True,)]})
    {'a': None, 'b': [2, [True]]}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return obj


def records(table: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python).

    >>> records(pd.DataFrame({"x": [1.0, float("nan")]}))
    [{'x': 1.0}, {'x': None}]
    """
    if columns is not None:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(f"metric table lacks contract columns {missing}")
        table = table[columns]
    return [jsonable(row) for row in table.to_dict(orient="records")]
