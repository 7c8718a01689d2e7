"""Judgment rows normalised: ids, fields and labels, and their integer codes.

Each row is normalised on its own (:func:`normalise_judgment_columns`), which is what
lets the Dask engine run it per partition. Alongside, the distinct ids, fields and
labels get integer codes (:data:`Codes`) so that validation
(:mod:`~labelaudit.bundle.validate`, :mod:`~labelaudit.bundle.tables`) and the bundle's
caches work on integers instead of hashing millions of strings again. The table-level
row checks that come with normalising (missing ids, timestamps, lead times, skipped
labels) are here too.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from labelaudit.bundle.ids import id_problems
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.types import DataIssue
from labelaudit.errors import Problem
from labelaudit.wording import counted, verb

#: columns validation codes as integers (see _map_coded)
CODED = ("item_id", "annotator_id", "field", "label")
Codes = dict[str, tuple[np.ndarray, np.ndarray]]


def _norm_id(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    text = str(v).strip()
    return text or None


def _ids(s: pd.Series) -> pd.Series:
    """Ids as strings: 7, 7.0 and "7" are the same id; missing stays None."""
    return _map_coded(s, _norm_id)[0]


def _map_coded(s: pd.Series, fn) -> tuple[pd.Series, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`map_distinct`, plus the integer code of every row over the mapped values.

    The codes (-1 = missing; first-appearance order) let validation and the bundle's
    caches work on integers instead of hashing millions of strings again. None when a
    value is unhashable (list labels).
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): row by row
        return s.map(fn).astype(object), None
    mapped = np.empty(len(uniques) + 1, dtype=object)
    # (iterating an Arrow-backed index is ~10x slower than converting it)
    as_str = np.asarray(uniques, dtype=object) if fn is _norm_id else None
    if as_str is not None and all(type(u) is str for u in as_str):
        mapped[:-1] = [u.strip() or None for u in as_str]  # _norm_id of a str, inlined
    else:
        mapped[:-1] = [fn(u) for u in uniques]  # the values map_distinct's fn sees
    mapped[-1] = fn(None)
    out = pd.Series(mapped[codes], index=s.index, dtype=object)
    # fn(None) joins only if some row is missing: the uniques must all occur in rows
    missing_value = pd.api.types.is_scalar(mapped[-1]) and bool(pd.isna(mapped[-1]))
    present = mapped[:-1] if missing_value or not (codes < 0).any() else mapped
    try:
        m_codes, m_uniques = pd.factorize(present, use_na_sentinel=True)
    except TypeError:
        return out, None
    m_uniques = np.asarray(m_uniques, dtype=object)
    if len(present) < len(mapped):
        # int32: four full-length code arrays are alive during validation
        return out, (np.append(m_codes, -1).astype(np.int32)[codes], m_uniques)
    # missing rows mapped to a value (field -> "label") may come first: renumber by rows
    if (m_codes < 0).any():
        return out, None  # fn maps some values, but not missing ones, to missing: uncoded
    row_codes, first = pd.factorize(m_codes[codes])
    return out, (row_codes.astype(np.int32), m_uniques[first])


def _label(v: object) -> object:
    """Normalise one label: list-likes → list[str], JSON list strings → list, blanks → None."""
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, str):
        t = v.strip()
        if not t:
            return None
        if t.startswith("[") and t.endswith("]"):
            try:
                parsed = json.loads(t)
            except json.JSONDecodeError:
                return t
            if isinstance(parsed, list):
                return [str(x) for x in parsed]
        return t
    return v


def normalise_judgment_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Row-wise normalisation of ids, field and label (a copy).

    Each row is normalised on its own, so this runs unchanged on any slice of the
    judgments (a Parquet partition on a Dask worker gives the same rows as the whole).
    """
    return _normalise_coded(df)[0]


def _normalise_coded(df: pd.DataFrame) -> tuple[pd.DataFrame, Codes | None]:
    """:func:`normalise_judgment_columns` and the integer codes of :data:`CODED`."""
    df = df.copy()
    codes: dict = {}
    df["item_id"], codes["item_id"] = _map_coded(df["item_id"], _norm_id)
    df["annotator_id"], codes["annotator_id"] = _map_coded(df["annotator_id"], _norm_id)
    if "field" not in df.columns:
        df["field"] = "label"
    df["field"], codes["field"] = _map_coded(
        df["field"],
        lambda v: "label" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v),
    )
    df["label"], codes["label"] = _map_coded(df["label"], _label)
    return df, (codes if all(c is not None for c in codes.values()) else None)


def _factorized(df: pd.DataFrame) -> Codes | None:
    """Codes of already normalised judgments (the Dask engine's); None with list labels."""
    out = {}
    for col in CODED:
        try:
            c, u = pd.factorize(df[col], use_na_sentinel=True)
        except TypeError:
            return None
        out[col] = (c.astype(np.int32), np.asarray(u, dtype=object))
    return out


def _take(codes: Codes | None, keep: np.ndarray) -> Codes | None:
    if codes is None:
        return None
    return {k: (c[keep], u) for k, (c, u) in codes.items()}


def _normalise_judgments(
    df: pd.DataFrame,
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
    skipped_rows: dict[str, int],
    normalised: bool = False,
    drop_annotators: set[str] | None = None,
    dropped: dict[str, int] | None = None,
) -> tuple[pd.DataFrame | None, Codes | None]:
    """Normalise and code the judgments; rows without ids are counted (LA012) and left out.

    ``drop_annotators`` (raters who revoked consent) are left out too, before anything is
    counted; ``dropped`` receives how many of their rows each field lost.
    """
    if normalised:
        codes = _factorized(df)
    else:
        found = [p for col in ("item_id", "annotator_id") for p in id_problems(df[col], col, where)]
        found += _label_problems(df["label"], where)
        if found:  # ids or labels that can't be compared: nothing after this can run
            problems += found
            return None, None
        df, codes = _normalise_coded(df)
    if codes is not None:
        no_id = pd.Series(
            (codes["item_id"][0] < 0) | (codes["annotator_id"][0] < 0), index=df.index
        )
    else:
        no_id = df["item_id"].isna() | df["annotator_id"].isna()
    if no_id.any():
        rows = [int(i) + 1 for i in np.flatnonzero(no_id.to_numpy())]
        issues.append(
            DataIssue(
                "LA012",
                f"{counted(len(rows), 'judgment row')} {verb(len(rows), 'has', 'have')} no item_id or annotator_id and {verb(len(rows), 'was', 'were')} left out.",
                count=len(rows),
                file=where,
                rows=rows[:10],
            )
        )
        df = df[~no_id]
        codes = _take(codes, ~no_id.to_numpy())
        codes = None if codes is None else _compact(codes)
    if drop_annotators:
        df, codes = _without_annotators(df, codes, drop_annotators, dropped)
    df["skipped"] = codes["label"][0] < 0 if codes is not None else df["label"].isna()
    if "created_at" in df.columns:
        parsed = pd.to_datetime(df["created_at"], errors="coerce", utc=True, format="mixed")
        bad = parsed.isna() & df["created_at"].notna()
        if bad.any():
            problems.append(
                Problem(
                    where,
                    "created_at values are not timestamps",
                    column="created_at",
                    rows=[int(i) + 1 for i in df.index[bad][:5]],
                    fix="use ISO 8601 timestamps, e.g. 2026-10-01T14:03:00Z",
                )
            )
        df["created_at"] = parsed
    if "lead_time_s" in df.columns:
        lt = pd.to_numeric(df["lead_time_s"], errors="coerce").astype(float)
        bad = lt.isna() & df["lead_time_s"].notna() | (lt < 0) | np.isinf(lt)
        if bad.any():
            problems.append(
                Problem(
                    where,
                    "lead_time_s must be a finite, non-negative number of seconds",
                    column="lead_time_s",
                    rows=[int(i) + 1 for i in df.index[bad][:5]],
                    fix="write seconds as numbers, e.g. 12.5",
                )
            )
        df["lead_time_s"] = lt.astype(float)
    if "on_behalf" in df.columns:
        df["on_behalf"] = map_distinct(
            df["on_behalf"], lambda v: str(v).lower() in ("true", "1", "yes")
        ).astype(bool)
        n = int(df["on_behalf"].sum())
        if n:
            issues.append(
                DataIssue(
                    "LA007",
                    f"{counted(n, 'judgment')} {verb(n, 'was', 'were')} posted by another account on the annotator's behalf.",
                    count=n,
                    file=where,
                )
            )
    n_skipped = int(df["skipped"].sum())
    if n_skipped and codes is not None:
        f_codes, f_names = codes["field"]
        per = np.bincount(f_codes[df["skipped"].to_numpy()], minlength=len(f_names))
        by_field = {
            f_names[k]: int(per[k]) for k in sorted(np.flatnonzero(per), key=lambda k: f_names[k])
        }
    elif n_skipped:
        by_field = df[df["skipped"]].groupby("field").size().to_dict()
    if n_skipped:
        issues.append(
            DataIssue(
                "LA005",
                f"{counted(n_skipped, 'judgment')} {verb(n_skipped, 'is', 'are')} skipped (null label): counted, not scored.",
                count=n_skipped,
                file=where,
                evidence={"by_field": {str(k): int(v) for k, v in by_field.items()}},
            )
        )
    for reason, n in sorted(skipped_rows.items()):
        if n:
            issues.append(
                DataIssue(
                    "LA012",
                    f"{counted(n, 'source record')} {verb(n, 'was', 'were')} not turned into judgments "
                    f"({reason.replace('_', ' ')}).",
                    count=int(n),
                    file=where,
                    evidence={"reason": reason},
                )
            )
    return df.reset_index(drop=True), codes


def _without_annotators(
    df: pd.DataFrame, codes: Codes | None, ids: set[str], dropped: dict[str, int] | None
) -> tuple[pd.DataFrame, Codes | None]:
    """The judgments of every annotator but ``ids``; rows lost per field into ``dropped``."""
    gone = df["annotator_id"].isin(ids).to_numpy()
    if not gone.any():
        return df, codes
    if dropped is not None:
        for name, n in df.loc[gone, "field"].value_counts().items():
            dropped[str(name)] = dropped.get(str(name), 0) + int(n)
    codes = _take(codes, ~gone)
    return df[~gone], None if codes is None else _compact(codes)


def _label_problems(s: pd.Series, where: str) -> list[Problem]:
    """Labels that are mappings (or lists of them): a label is text, a number or a list."""
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return []
    bad = s.map(
        lambda v: (
            isinstance(v, dict)
            or (isinstance(v, list | np.ndarray) and any(isinstance(x, dict | list) for x in v))
        )
    ).to_numpy(dtype=bool)
    if not bad.any():
        return []
    return [
        Problem(
            where,
            "labels must be text, a number or a list of texts; some are JSON objects "
            "or nested lists",
            column="label",
            rows=[int(i) + 1 for i in np.flatnonzero(bad)[:5]],
            fix='export the chosen value itself (e.g. "toxic", 3 or ["a", "b"])',
        )
    ]


def _primed(codes: Codes) -> tuple:
    """Arguments of :meth:`Bundle._prime` (codes already compact, see :func:`_compact`)."""
    (ic, iu), (ac, au), (fc, fu), (lc, lu) = (codes[c] for c in CODED)
    return ic, iu, ac, au, fc, [str(v) for v in fu], lc, lu


def _compact(codes: Codes) -> Codes:
    """Renumber id, field and label codes in first-appearance order after rows were dropped.

    Codes from :func:`_map_coded` are compact and in first-appearance order (what
    ``pd.unique`` gives); dropping duplicates keeps that, dropping id-less rows may not.
    """
    out = dict(codes)
    for col in ("item_id", "annotator_id", "field"):
        c, u = codes[col]
        new, first = pd.factorize(c)
        out[col] = (new.astype(np.int32), u[first])
    # labels keep -1 for skipped rows; the others are renumbered the same way
    c, u = codes["label"]
    scored = c >= 0
    new, first = pd.factorize(c[scored])
    labels = np.full(c.size, -1, dtype=np.int32)
    labels[scored] = new
    out["label"] = (labels, u[first])
    return out
