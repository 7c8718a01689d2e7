"""Privacy, enforced once, before any check or renderer sees a metric table.

* Small groups: in every grouped table (one with ``group`` and ``n_annotators``
  columns), a row whose group has ``0 < n_annotators < k`` is marked
  ``suppressed = True`` and every figure in it is nulled. Example rows (tables with an
  ``item_id`` column) of suppressed groups are removed outright, since their text and
  labels would describe a handful of people. Rows with ``n_annotators == 0`` (a group
  in the target but absent from the pool) describe nobody and are kept.
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


def suppress_small_groups(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """Null the figures of rows whose group has fewer than ``k`` (but some) annotators."""
    if not {"group", "n_annotators"} <= set(table.columns) or table.empty:
        return table
    t = table.copy()
    n = pd.to_numeric(t["n_annotators"], errors="coerce")
    small = (n > 0) & (n < k) & t["group"].notna()
    if "suppressed" not in t.columns:
        t["suppressed"] = False
    t["suppressed"] = t["suppressed"].fillna(False).astype(bool) | small
    if "item_id" in t.columns:
        return t[~t["suppressed"]].reset_index(drop=True)
    figures = [c for c in t.columns if c not in IDENTITY_COLUMNS]
    for col in figures:
        t[col] = t[col].astype(object)
        t.loc[t["suppressed"], col] = None
    return t


def enforce(
    tables: dict[str, pd.DataFrame], *, k: int, salt: bytes, audience: str
) -> dict[str, pd.DataFrame]:
    """Apply suppression and pseudonymisation to every metric table (returns new tables)."""
    out: dict[str, pd.DataFrame] = {}
    for name, table in tables.items():
        if "annotator_id" in table.columns:
            if audience == "vendor":
                continue
            table = table.copy()
            table["annotator_id"] = pseudonymise(table["annotator_id"], salt)
        out[name] = suppress_small_groups(table, k)
    return out
