"""Privacy, enforced once, before any check or renderer sees a metric table.

* Small groups: a group with ``0 < size < k`` annotators in the pool is suppressed in
  every table that names it (``attribute`` + ``group`` columns): ``suppressed = True``
  and every figure nulled, whatever the row's own count says (a row counting 0
  *pairable* annotators still describes the group's members). Rows whose own
  ``n_annotators`` is below ``k`` (a group with few raters on one field) are suppressed
  too. Example rows (tables with an ``item_id`` column) of suppressed groups are removed
  outright, since their text and labels would describe a handful of people. Groups of
  size 0 (in the target, absent from the pool) describe nobody and are kept.
* Complementary suppression (vendor audience): when exactly one group of an attribute
  is small, its size and figures could be recovered by subtracting the others from the
  totals, so the next-smallest group is hidden too, in every table. Internal reports
  keep primary suppression only; differencing across marginal and intersection tables
  is a documented residual risk.
* Annotators: any ``annotator_id`` column is replaced by a salted pseudonym
  (``rater-`` + 10 hex digits). The salt is derived from the run's seed and the input
  hashes, so the same inputs give the same report while pseudonyms differ between
  datasets. Vendor reports drop per-annotator tables entirely.

Because checks and renderers only ever see the output of :func:`enforce`, the HTML
report and findings.json can't disagree about what is suppressed.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

#: columns that identify a row rather than measure it; kept on suppressed rows
IDENTITY_COLUMNS = frozenset(
    {
        "field",
        "scope",
        "attribute",
        "group",
        "level",
        "value",
        "language",
        "test",
        "suppressed",
        "target_share",
        "in_target",
        "target_basis",
        "currency",
        "position_bucket",
        "method",
    }
)


def pseudonymise(ids: pd.Series, salt: bytes) -> pd.Series:
    """Replace annotator ids with stable salted pseudonyms.

    >>> pseudonymise(pd.Series(["a", "b", "a"]), b"salt").nunique()
    2
    """

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        digest = hmac.new(salt, str(v).encode("utf-8"), hashlib.sha256).hexdigest()
        return "rater-" + digest[:10]

    return ids.map(one).astype(object)


def run_salt(seed: int, input_hashes: list[str]) -> bytes:
    return hashlib.sha256(
        (f"labelaudit:{seed}:" + ":".join(sorted(input_hashes))).encode()
    ).digest()


def suppress_small_groups(
    table: pd.DataFrame, k: int, hidden: dict[str, dict[str, str]] | None = None
) -> pd.DataFrame:
    """Null the figures of rows about small (or complementarily hidden) groups."""
    if "group" not in table.columns or table.empty:
        return table
    if "n_annotators" not in table.columns and not (hidden and "attribute" in table.columns):
        return table
    t = table.copy()
    small = pd.Series(False, index=t.index)
    if "n_annotators" in t.columns:
        n = pd.to_numeric(t["n_annotators"], errors="coerce")
        small |= (n > 0) & (n < k) & t["group"].notna()
    if hidden and "attribute" in t.columns:
        keys = {(a, g) for a, groups in hidden.items() for g in groups}
        small |= pd.Series(
            [(a, g) in keys for a, g in zip(t["attribute"], t["group"], strict=True)], index=t.index
        )
    if "suppressed" not in t.columns:
        t["suppressed"] = False
    t["suppressed"] = t["suppressed"].fillna(False).astype(bool) | small
    if "item_id" in t.columns:
        return t[~t["suppressed"]].reset_index(drop=True)
    figures = [c for c in t.columns if c not in IDENTITY_COLUMNS]
    for col in figures:
        t[col] = _nulled(t[col], t["suppressed"])
    return t


def _nulled(col: pd.Series, hide: pd.Series) -> pd.Series:
    """``col`` with the hidden rows missing, keeping a numeric column numeric.

    Floats get NaN, integers become the nullable ``Int64`` and booleans ``boolean`` (so
    a notebook's ``df["n_annotators"].sum()`` still works); other columns get None.
    """
    if not hide.any():
        return col
    if pd.api.types.is_bool_dtype(col):
        out = col.astype("boolean")
    elif pd.api.types.is_integer_dtype(col):
        out = col.astype("Int64")
    elif pd.api.types.is_float_dtype(col):
        out = col.copy()
    else:
        out = col.astype(object)
    out[hide.to_numpy()] = pd.NA if out.dtype != object else None
    return out


def enforce(
    tables: dict[str, pd.DataFrame],
    *,
    k: int,
    salt: bytes,
    audience: str,
    hidden: dict[str, dict[str, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Apply suppression and pseudonymisation to every metric table (returns new tables).

    ``hidden`` maps attribute -> {group: reason} from :func:`hidden_groups`, computed
    once from the pool's group sizes.
    """
    out: dict[str, pd.DataFrame] = {}
    for name, table in tables.items():
        if "annotator_id" in table.columns:
            if audience == "vendor":
                continue
            table = table.copy()
            table["annotator_id"] = pseudonymise(table["annotator_id"], salt)
        out[name] = _typed(suppress_small_groups(table, k, hidden))
    return out


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding only numbers or only flags (and gaps) get a numeric dtype.

    Analyses build rows from dicts, where an unknown figure is None; pandas then keeps
    the column as ``object``. Every metric table leaves here typed, so the Python API's
    DataFrames sum, compare and plot like any other.
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
        out[col] = table[col].map(lambda v: pd.NA if _missing(v) else v).astype(kind)
    return out


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
