"""Annotator attributes as groups: which columns group raters, and how groups are named.

Undisclosed values ("prefer not to say", ``DATA_EXPIRED``, blanks...) never form a
group; attributes that split the raters exactly as an earlier one does are not audited
twice; ``"a×b"`` names the intersection of two attributes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.bundle.labels import map_distinct

#: attribute columns never used as default group-by attributes (CONTRACT section 2)
NON_GROUP_ATTRIBUTES = frozenset({"annotator_id", "languages", "hourly_pay", "currency"})
#: numeric columns with more distinct values than this are continuous, not groups
MAX_NUMERIC_GROUPS = 12

#: values meaning "not disclosed" (compared case-insensitively, "_" read as " ")
UNDISCLOSED = frozenset(
    {
        "",
        "prefer not to say",
        "prefer not to answer",
        "rather not say",
        "data expired",
        "unknown",
        "n/a",
        "undisclosed",
        "not disclosed",
        "consent revoked",
    }
)


def is_undisclosed(value: object) -> bool:
    """True for null and for the usual "not disclosed" spellings (see UNDISCLOSED).

    >>> [is_undisclosed(v) for v in [None, "DATA_EXPIRED", "Prefer not to say", "Kenya"]]
    [True, True, True, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, (list, tuple, np.ndarray)):
        return len(value) == 0
    return str(value).strip().casefold().replace("_", " ") in UNDISCLOSED


def group_label(value: object) -> str | None:
    """How a group is named in every table: None when undisclosed, 22.0 -> "22".

    >>> group_label(22.0), group_label(" Kenya "), group_label("DATA_EXPIRED")
    ('22', 'Kenya', None)
    """
    if is_undisclosed(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def candidate_attributes(annotators: pd.DataFrame | None) -> list[str]:
    """Categorical attribute columns of the annotators table, in column order.

    >>> t = pd.DataFrame({"annotator_id": ["a"], "region": ["Asia"], "languages": ["en"]})
    >>> candidate_attributes(t)
    ['region']
    """
    if annotators is None:
        return []
    out = []
    for col in annotators.columns:
        if col in NON_GROUP_ATTRIBUTES:
            continue
        s = annotators[col]
        if pd.api.types.is_numeric_dtype(s) and s.nunique(dropna=True) > MAX_NUMERIC_GROUPS:
            continue  # continuous (age in years, pay): not a grouping attribute
        out.append(col)
    return out


def equivalent_attributes(annotators: pd.DataFrame | None) -> dict[str, str]:
    """Attributes that split the raters exactly as an earlier one does -> that attribute.

    The partition, not the names, decides: ``country`` and ``nationality`` with the same
    values per rater are one attribute.

    >>> t = pd.DataFrame({"annotator_id": ["a", "b"], "country": ["KE", "DE"],
    ...                   "nationality": ["Kenyan", "German"]})
    >>> equivalent_attributes(t)
    {'nationality': 'country'}
    """
    seen: dict[tuple, str] = {}
    out: dict[str, str] = {}
    for col in candidate_attributes(annotators):
        assert annotators is not None
        codes, _ = pd.factorize(annotators[col].astype(object), use_na_sentinel=True)
        # canonical relabelling: the partition, not the names, decides equivalence
        _, canon = np.unique(codes, return_inverse=True)
        first: dict[int, int] = {}
        key = tuple(first.setdefault(c, len(first)) for c in canon.tolist())
        if key in seen:
            out[col] = seen[key]
        else:
            seen[key] = col
    return out


def attribute_values(
    annotators: pd.DataFrame | None, annotator_ids: np.ndarray, attribute: str
) -> pd.Series:
    """Per-annotator group labels, aligned with ``annotator_ids`` (None = no group).

    Undisclosed values are None, so they never form a group; whole numbers print without
    ".0". ``"a×b"`` gives the intersection of two attributes (None when either is
    undisclosed).

    >>> t = pd.DataFrame({"annotator_id": ["a", "b"], "region": ["Asia", "n/a"],
    ...                   "gender": ["f", "m"]})
    >>> attribute_values(t, np.array(["b", "a"], dtype=object), "region×gender").tolist()
    [None, 'Asia×f']
    """
    if annotators is None:
        return pd.Series([None] * len(annotator_ids), dtype=object)
    table = annotators.drop_duplicates("annotator_id").set_index("annotator_id")
    joined: pd.Series | None = None
    for part in attribute.split("×"):
        raw = table[part].reindex(annotator_ids).reset_index(drop=True)
        s = map_distinct(raw.astype(object), group_label)
        if joined is None:
            joined = s
        else:
            joined = pd.Series(
                [
                    None if a is None or b is None else f"{a}×{b}"
                    for a, b in zip(joined, s, strict=True)
                ],
                dtype=object,
            )
    assert joined is not None
    return joined


def group_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer group code per annotator (-1 = no group) and the group names, sorted.

    >>> codes, names = group_codes(pd.Series(["b", None, "a", "b"], dtype=object))
    >>> codes.tolist(), names
    ([1, -1, 0, 1], ['a', 'b'])
    """
    cat = pd.Categorical(values)
    labels = [str(c) for c in cat.categories]
    return np.asarray(cat.codes, dtype=np.int64), labels
