"""Rater ages: numbers binned into bands before they form groups, and bands read back.

Age in years is continuous: left as it is, every year would be its own group of a few
raters (and a quasi-identifier). The bundle build bins numeric age columns into bands,
by default the census bands of the US Census Bureau's American Community Survey tables
(18-24, 25-34, 35-44, 45-54, 55-64, 65+; the ``age_category`` of the US census aggregate
shipped with PRISM, Kirk et al. 2024), with "under 18" below the first edge. The
``age_bands`` setting gives other lower edges.

:func:`age_bounds` reads an age back from a number or from a band as exports write them
("<18", "13-17", "under 18", "65+", "25-34 years old"), so the minors rule works on raw
years and on bands alike.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from labelaudit.config import CENSUS_AGE_BANDS

#: lower edges of the default bands (US Census Bureau ACS age groups of adults)
CENSUS_BANDS: tuple[int, ...] = CENSUS_AGE_BANDS
#: ages outside this range are not ages (typos, codes such as 999)
PLAUSIBLE = (0, 120)

_AGE_COLUMN = re.compile(
    r"^age(?:[ _-]?(?:years?|in[ _]years|band|group|range|bracket|category|cat))?$",
    re.IGNORECASE,
)
_NUM = r"(\d+(?:\.\d+)?)"
_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), kind)
    for p, kind in (
        (rf"^{_NUM}$", "exact"),
        (rf"^{_NUM}\s*(?:-|–|—|to)\s*{_NUM}$", "range"),
        (rf"^(?:<|under|below|less than|younger than)\s*{_NUM}$", "under"),
        (rf"^(?:<=|≤|up to)\s*{_NUM}$", "at_most"),
        (rf"^{_NUM}\s*(?:or|and)\s*(?:younger|under|below|less)$", "at_most"),
        (rf"^(?:>=|≥)\s*{_NUM}$", "at_least"),
        (rf"^{_NUM}\s*\+$", "at_least"),
        (rf"^{_NUM}\s*(?:or|and)\s*(?:older|over|above|more)$", "at_least"),
        (rf"^(?:>|over|above|older than)\s*{_NUM}$", "over"),
    )
)
_NOISE = re.compile(r"\b(?:years?|yrs?|y\.?o\.?|old|aged?)\b", re.IGNORECASE)


def is_age_column(name: object) -> bool:
    """Does a column name say it holds ages (``age``, ``Age``, ``age_band``, ``age_group``)?

    >>> [is_age_column(n) for n in ["age", "Age", "age_band", "age_years", "agency", "page"]]
    [True, True, True, True, False, False]
    """
    return bool(_AGE_COLUMN.match(str(name).strip()))


def band_labels(edges: tuple[int, ...] | list[int] = CENSUS_BANDS) -> list[str]:
    """The band names for lower ``edges``: "under E0", "E0-(E1-1)", ..., "Ek+".

    >>> band_labels()
    ['under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+']
    """
    labels = [f"under {edges[0]}"]
    labels += [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:], strict=False)]
    return labels + [f"{edges[-1]}+"]


def age_band(years: float, edges: tuple[int, ...] | list[int] = CENSUS_BANDS) -> str | None:
    """The band of an age in years (whole years completed); None when not an age.

    >>> age_band(17.9), age_band(18), age_band(64), age_band(65.0), age_band(-3)
    ('under 18', '18-24', '55-64', '65+', None)
    """
    if years is None or not math.isfinite(years) or not PLAUSIBLE[0] <= years < PLAUSIBLE[1]:
        return None
    return band_labels(edges)[int(np.searchsorted(edges, math.floor(years), side="right"))]


def age_bounds(value: object) -> tuple[float, float] | None:
    """(youngest, oldest) whole-year age a value allows; None when it names no age.

    >>> [age_bounds(v) for v in [17, "<18", "13-17", "under 18", "65+", "18-24 years old"]]
    [(17.0, 17.0), (0.0, 17.0), (13.0, 17.0), (0.0, 17.0), (65.0, inf), (18.0, 24.0)]
    >>> age_bounds("17 or younger"), age_bounds("Prefer not to say")
    ((0.0, 17.0), None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if not math.isfinite(x) or not PLAUSIBLE[0] <= x < PLAUSIBLE[1]:
            return None
        return float(math.floor(x)), float(math.floor(x))
    text = " ".join(_NOISE.sub(" ", str(value)).split())
    for pattern, kind in _PATTERNS:
        m = pattern.match(text)
        if m is None:
            continue
        a = float(m.group(1))
        if kind == "exact":
            return age_bounds(a)
        if kind == "range":
            b = float(m.group(2))
            return (min(a, b), max(a, b))
        if kind == "under":
            return (0.0, math.ceil(a) - 1.0)
        if kind == "at_most":
            return (0.0, a)
        if kind == "over":
            return (math.floor(a) + 1.0, math.inf)
        return (a, math.inf)  # at_least
    return None


def bin_ages(
    table: pd.DataFrame, edges: tuple[int, ...] | list[int] = CENSUS_BANDS
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Numeric age columns replaced by their bands; implausible ages counted, not grouped.

    Returns the table and, per binned column, the values that are not ages (outside
    0-119 years) with how many raters gave each; they become None (no group).

    >>> t = pd.DataFrame({"annotator_id": ["a", "b", "c"], "age": [17.0, 40.0, 999.0]})
    >>> out, odd = bin_ages(t)
    >>> out["age"].tolist(), odd
    (['under 18', '35-44', None], {'age': {'999': 1}})
    """
    out = table
    implausible: dict[str, dict[str, int]] = {}
    for col in table.columns:
        if not is_age_column(col) or not pd.api.types.is_numeric_dtype(table[col]):
            continue
        if pd.api.types.is_bool_dtype(table[col]):
            continue
        years = table[col].astype(float)
        # once per distinct age: a pool has thousands of raters but under a hundred ages
        band_of = {y: age_band(y, edges) for y in pd.unique(years.dropna())}
        bands = pd.Series(
            [None if np.isnan(y) else band_of[y] for y in years], index=table.index, dtype=object
        )
        odd = years.notna() & bands.isna()
        if odd.any():
            written = years[odd].map(lambda y: f"{y:g}")
            implausible[str(col)] = {str(k): int(n) for k, n in written.value_counts().items()}
        if out is table:
            out = table.copy()
        out[col] = bands
    return out, implausible
