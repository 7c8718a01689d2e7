"""Ids that can't be read as the exporter meant them: refused, with the reason.

Ids are compared as text (``7``, ``7.0`` and ``"7"`` are one id). Some columns can't
be read that way without changing who is who:

* **floating-point ids** past 2**53 have lost digits (1234567890123456789 is stored as
  1234567890123456768): different raters share one id, and their judgments then look
  like duplicates of each other. A float with a fraction (``0.1``) may have been
  ``"0.10"``. Float columns of whole numbers below 2**53 (an integer column with a
  gap, which pandas stores as floats) are exact and read as integers;
* **lists, mappings and booleans** are not ids;
* **leading zeros:** ``"007"`` in one table and the number ``7`` in another (or mixed
  in one JSON column) are the same rater whose zeros one export dropped; matching them
  by guess would be wrong as often as not, so the audit stops and says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.errors import Problem

#: floats represent every integer up to here exactly
EXACT = 2**53
_FIX = "store ids as text (or integers) in the export, the same way in every table"


def id_problems(s: pd.Series, column: str, where: str) -> list[Problem]:
    """Ids in ``s`` that can't be read exactly (see the module docstring)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return []
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=float)
        present = ~np.isnan(v)
        with np.errstate(invalid="ignore"):
            bad = present & (~np.isfinite(v) | (np.abs(v) >= EXACT) | (v != np.round(v)))
        return [_float_problem(s, bad, column, where)] if bad.any() else []
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return []  # text ids (every CSV, most JSON): the common case, checked in C
    kinds = s.map(_kind).to_numpy(dtype=object)
    bad = (kinds != "text") & (kinds != "number") & (kinds != "missing")
    out = []
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        out.append(
            Problem(where, f"{column} holds {kinds[first]} (e.g. {_show(s.iloc[first])}), not ids",
                    column=column, rows=_rows(bad), fix=_FIX)
        )  # fmt: skip
    floats = np.array([isinstance(x, float | np.floating) for x in s], dtype=bool)
    if not bad.any() and (floats & (kinds == "number")).any():
        as_float = pd.to_numeric(s.where(floats), errors="coerce")
        f = as_float.to_numpy(dtype=float)
        inexact = floats & ((np.abs(f) >= EXACT) | (f != np.round(f)))
        if inexact.any():
            out.append(_float_problem(s, inexact, column, where))
    if (kinds == "number").any() and (kinds == "text").any():
        out += _mixed_zeros(s, kinds, column, where)
    return out


def _kind(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "missing"
    if isinstance(v, bool | np.bool_):
        return "true/false values"
    if isinstance(v, str):
        return "text"
    if isinstance(v, int | np.integer | float | np.floating):
        return "number"
    if isinstance(v, dict):
        return "mappings"
    if isinstance(v, list | tuple | np.ndarray):
        return "lists"
    return f"{type(v).__name__} values"


def _float_problem(s: pd.Series, bad: np.ndarray, column: str, where: str) -> Problem:
    example = s.iloc[int(np.flatnonzero(bad)[0])]
    return Problem(
        where,
        f"{column} is stored as floating-point numbers that can't be read exactly as ids "
        f"(e.g. {float(example)!r}): past 2**53 = 9,007,199,254,740,992 digits are lost, so "
        "different raters or items would share one id, and a fraction may have been "
        "written differently",
        column=column,
        rows=_rows(bad),
        fix=_FIX + " (a float column of whole numbers below 2**53 is read exactly)",
    )


def _mixed_zeros(s: pd.Series, kinds: np.ndarray, column: str, where: str) -> list[Problem]:
    numbers = {str(int(v)) for v, k in zip(s, kinds, strict=True) if k == "number"
               if float(v).is_integer()}  # fmt: skip
    texts = {str(v).strip() for v, k in zip(s, kinds, strict=True) if k == "text"}
    clash = sorted(t for t in texts if t != t.lstrip("0") and (t.lstrip("0") or "0") in numbers)
    if not clash:
        return []
    t = clash[0]
    return [
        Problem(where, f"{column} mixes numbers and text: {t!r} and {t.lstrip('0') or '0'!r} "
                "differ only by leading zeros, which one writer of the file dropped",
                column=column, fix=_FIX)
    ]  # fmt: skip


def leading_zero_problem(
    unknown: set[str], known: set[str], column: str, where: str, other: str
) -> Problem | None:
    """Ids of ``where`` missing from ``other`` that match one of its ids but for zeros.

    >>> leading_zero_problem({"7", "8"}, {"007", "008"}, "annotator_id", "j.parquet",
    ...                      "annotators.csv").message[:73]
    '2 annotator_id(s) of j.parquet are not in annotators.csv but match one of'
    """
    stripped: dict[str, str] = {}
    for k in known:
        stripped.setdefault(k.lstrip("0") or "0", k)
    pairs = sorted(((u, stripped[key]) for u in unknown
                    if (key := u.lstrip("0") or "0") in stripped and stripped[key] != u),
                   key=lambda p: (len(p[0]), p[0]))  # fmt: skip
    if not pairs:
        return None
    shown = ", ".join(f"{u!r} there, {k!r} here" for u, k in pairs[:3])
    return Problem(
        where,
        f"{len(pairs)} {column}(s) of {where.rsplit('/', 1)[-1]} are not in "
        f"{other.rsplit('/', 1)[-1]} but match one of its ids except for leading zeros "
        f"({shown}): the zeros were lost in one of the exports (a spreadsheet or a "
        "number column drops them)",
        column=column,
        fix=_FIX,
    )


def _show(v: object) -> str:
    return repr(v.tolist() if isinstance(v, np.ndarray) else v)[:60]


def _rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:10]]
