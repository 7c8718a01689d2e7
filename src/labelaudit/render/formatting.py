"""Cell and figure text for the HTML report: every number is formatted here, once.

Shares and rates read as percentages, p-values are bounded ("< 0.001"), counts get
thousands separators, and a missing figure (what the privacy step leaves in a
suppressed cell) reads "–", never "nan".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

TEXT_LIMIT = 280  # characters of item text / excerpts shown
PERCENT_HINTS = ("share", "rate")

#: columns that name a row rather than measure it (kept when a row is suppressed)
IDENTITY = (
    "field", "scope", "attribute", "group", "value", "level", "language", "region",
    "country", "item_id", "test", "guideline", "line", "term", "category", "option",
    "annotator_id", "session", "metric",
)  # fmt: skip


def is_missing(v: Any) -> bool:
    """None, NA, NaT or NaN (what the privacy step leaves in suppressed cells).

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(0)
    (True, True, True, False)
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and math.isnan(float(v))


def format_value(column: str, v: Any) -> str:
    """Human-readable cell text; shares and rates as percentages, p-values bounded."""
    if isinstance(v, list | tuple | np.ndarray):
        return ", ".join(format_value(column, x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {format_value(column, x)}" for k, x in sorted(v.items()))
    if is_missing(v):
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        return _float_text(column, float(v))
    s = str(v)
    return s if len(s) <= TEXT_LIMIT else s[: TEXT_LIMIT - 1] + "…"


def _float_text(column: str, f: float) -> str:
    if math.isinf(f):
        return "∞" if f > 0 else "−∞"
    if column.startswith("p_") or column.endswith("p_value"):
        return "< 0.001" if f < 0.001 else f"{f:.3f}"
    if any(h in column for h in PERCENT_HINTS) and "ratio" not in column:
        text = f"{f:.1%}"
        return "0.0%" if text == "-0.0%" else text
    if f.is_integer() and (column.startswith("n_") or column in ("line", "rows")):
        return f"{int(f):,}"
    text = f"{f:.2f}"
    return "0.00" if text == "-0.00" else text  # a rounded tiny negative is not "−0"


def label(column: str) -> str:
    """A column name as a heading: ``n_annotators`` -> ``n annotators``."""
    return column.replace("_", " ")


def suppressed_reason(k: int | None) -> str:
    """Why a small group's figures are withheld, naming the minimum group size when known."""
    return f"fewer than {k} raters" if k else "group too small"


def suppressed_text(k: int | None, reason: object = "small") -> str:
    """What a hidden cell says: too few raters, or hidden to protect a smaller group.

    >>> suppressed_text(5), suppressed_text(5, "complementary")
    ('suppressed: fewer than 5 raters', "hidden so that a smaller group can't be derived")
    """
    if reason == "complementary":
        return "hidden so that a smaller group can't be derived"
    return f"suppressed: {suppressed_reason(k)}"


def numeric_column(col: pd.Series) -> bool:
    """Numbers once missing values are set aside (right-aligned, tabular figures)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    values = [v for v in col if not is_missing(v)]
    return bool(values) and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
        for v in values
    )


def subject_text(subject: dict) -> str:
    """``attribute=region, group=Asia``: a finding's subject, keys in order."""
    return ", ".join(f"{k}={v}" for k, v in sorted(subject.items()) if v is not None)
