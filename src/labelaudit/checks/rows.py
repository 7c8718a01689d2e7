"""Reading metric-table rows in checks: finite figures and rows the privacy step left visible."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd


def finite(v: Any) -> float | None:
    """A finite float, or None for missing, null, NaN, infinite, boolean or non-numeric values.

    >>> finite(0.5), finite(None), finite(float("nan")), finite("x"), finite(True)
    (0.5, None, None, None, None)
    """
    if v is None or v is pd.NA or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def figure(row: dict, col: str) -> float | None:
    """A finite number from a table row, or None (missing column, null, NaN).

    >>> figure({"ratio": 0.4}, "ratio"), figure({}, "ratio")
    (0.4, None)
    """
    return finite(row.get(col))


def visible_rows(table: pd.DataFrame | None, required: Iterable[str] = ()) -> Iterator[dict]:
    """Rows not suppressed by the privacy step; nothing when a required column is absent.

    >>> t = pd.DataFrame({"group": ["a", "b"], "suppressed": [False, True]})
    >>> [r["group"] for r in visible_rows(t, ["group"])]
    ['a']
    """
    if table is None or table.empty or any(c not in table.columns for c in required):
        return
    for row in table.to_dict(orient="records"):
        flag = row.get("suppressed")
        if flag is not None and not _nan(flag) and bool(flag):
            continue
        yield row


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)
