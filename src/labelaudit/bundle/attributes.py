"""Annotator attributes as groups: which columns group raters, and how groups are named.

Undisclosed values ("prefer not to say", ``DATA_EXPIRED``, blanks...) never form a
group; attributes that split the raters exactly as an earlier one does are not audited
twice; ``"a×b"`` names the intersection of two attributes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from labelaudit.bundle.labels import map_distinct

#: attribute columns never used as default group-by attributes (CONTRACT section 2)
NON_GROUP_ATTRIBUTES = frozenset({"annotator_id", "languages", "hourly_pay", "currency"})
#: numeric columns with more distinct values than this are continuous, not groups
MAX_NUMERIC_GROUPS = 12

#: spellings of "no answer" in survey and platform exports, compared as
#: :func:`undisclosed_key` writes them (case, spaces, "_" and "-" between words ignored).
#: "none" and "na" are deliberately absent: "None" is a religion answer (CREHate: 544 raters)
#: and "NA" is Namibia's country code; add them with ``undisclosed_values`` if yours mean
#: "no answer". Consent codes (``CONSENT_REVOKED``) are not here: they take the rater out
#: of the audit (see :mod:`labelaudit.bundle.consent`).
UNDISCLOSED = frozenset(
    {
        "",  # also "-" and "--": dashes between words are read as spaces
        "?",
        ".",
        "n/a",
        "n.a.",
        "nan",
        "null",
        "unknown",
        "not known",
        "undisclosed",
        "not disclosed",
        "prefer not to say",
        "prefer not to answer",
        "prefer not to disclose",
        "prefer not to respond",
        "prefer not to state",
        "i prefer not to say",
        "i'd prefer not to say",
        "i would prefer not to say",
        "rather not say",
        "i'd rather not say",
        "i would rather not say",
        "would rather not say",
        "rather not answer",
        "decline to state",
        "decline to answer",
        "declined",
        "declined to answer",
        "declined to state",
        "no answer",
        "not answer",
        "not answered",
        "no response",
        "not given",
        "not provided",
        "not specified",
        "unspecified",
        "not stated",
        "not reported",
        "missing",
        "withheld",
        "not applicable",
        "data expired",
        "expired",
    }
)


def undisclosed_key(value: object) -> str:
    """How a value is compared with the "no answer" codes.

    >>> undisclosed_key("  Prefer_Not  to-say "), undisclosed_key("I\u2019d rather not say")
    ('prefer not to say', "i'd rather not say")
    """
    text = str(value).strip().casefold().replace("\u2019", "'")
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def undisclosed_codes(setting: list | dict | None, attribute: str) -> frozenset[str]:
    """The codes meaning "no answer" for one attribute: the built-in list plus the setting's.

    >>> sorted(undisclosed_codes({"gender": ["Other / skip"]}, "gender") - UNDISCLOSED)
    ['other / skip']
    >>> undisclosed_codes({"gender": ["skip"]}, "country") == UNDISCLOSED
    True
    """
    extra = setting.get(attribute, []) if isinstance(setting, dict) else setting or []
    return UNDISCLOSED | {undisclosed_key(v) for v in extra}


def is_undisclosed(value: object, codes: frozenset[str] = UNDISCLOSED) -> bool:
    """True for null, NaN, an empty list and the "no answer" codes (see UNDISCLOSED).

    >>> [is_undisclosed(v) for v in [None, "DATA_EXPIRED", "Prefer not to say", "N/A",
    ...                               "nan", "not_answer", "Kenya", "None"]]
    [True, True, True, True, True, True, False, False]
    """
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, (list, tuple, np.ndarray)):
        return len(value) == 0
    return undisclosed_key(value) in codes


BLANK = "(blank)"  #: how a null or empty value is named among the undisclosed codes


def clear_undisclosed(
    table: pd.DataFrame, setting: list | dict | None = None
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Every "no answer" value of the attribute columns set to None, and the codes counted.

    Done once when the bundle is built, so no later step can turn a code into a group and
    numbers stored beside codes (``age``: 31, ``DATA_EXPIRED``) can become numbers. The
    counts (attribute -> code as written -> raters) say which codes LA407 counted.

    >>> t = pd.DataFrame({"annotator_id": ["a", "b", "c"],
    ...                   "gender": ["f", "Prefer not to say", None]})
    >>> out, codes = clear_undisclosed(t)
    >>> out["gender"].tolist(), codes
    (['f', None, None], {'gender': {'(blank)': 1, 'Prefer not to say': 1}})
    """
    out = table.copy()
    counts: dict[str, dict[str, int]] = {}
    for col in table.columns:
        if col == "annotator_id":
            continue
        codes = undisclosed_codes(setting, col)
        flag = map_distinct(table[col], lambda v: is_undisclosed(v, codes)).astype(bool)  # noqa: B023
        if not flag.any():
            continue
        written = table.loc[flag, col].map(_written)
        counts[col] = {str(k): int(n) for k, n in sorted(written.value_counts().items())}
        column = out[col] if pd.api.types.is_numeric_dtype(out[col]) else out[col].astype(object)
        out[col] = column.where(~flag, None)
    return out, counts


def _written(v: object) -> str:
    if isinstance(v, (list, tuple, np.ndarray)) or is_undisclosed(v, frozenset({""})):
        return BLANK
    return str(v).strip()


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

    Columns that identify raters (:func:`identifier_columns`) are never candidates.

    >>> t = pd.DataFrame({"annotator_id": ["a"], "region": ["Asia"], "languages": ["en"]})
    >>> candidate_attributes(t)
    ['region']
    """
    if annotators is None:
        return []
    identifying = identifier_columns(annotators)
    out = []
    for col in annotators.columns:
        if col in NON_GROUP_ATTRIBUTES or col in identifying:
            continue
        s = annotators[col]
        if pd.api.types.is_numeric_dtype(s) and s.nunique(dropna=True) > MAX_NUMERIC_GROUPS:
            continue  # continuous (age in years, pay): not a grouping attribute
        out.append(col)
    return out


#: a column named like this names raters, whatever its values
_ID_NAMES = re.compile(
    r"(^|[_\W])(e[-_]?mail|mail|uuid|guid|user[-_]?name|login|handle|phone|ip[-_]?address)"
    r"($|[_\W])",
    re.IGNORECASE,
)
#: ... and like this, when (nearly) every rater has their own value
_ID_HINTS = re.compile(r"(^|[_\W])(id|ids|name|user|account|worker)($|[_\W])", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: codes like "w0042", "user-1838", hex digests, UUIDs
_CODE = re.compile(r"^([A-Za-z]{0,12}[-_]?\d{3,}|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{32,36})$")
#: one distinct value per rater over at least this many raters identifies them
MIN_RATERS_DISTINCT = 10


def identifier_columns(annotators: pd.DataFrame | None) -> dict[str, str]:
    """Columns that identify raters rather than group them -> why (for the data finding).

    A column is identifying when its values look like e-mail addresses, when its name says
    it holds e-mails, user names, logins, phone numbers or IP addresses, when every one of
    at least 10 raters has their own value, or when nearly every rater has their own value
    and the values look like codes (``w0042``, hex digests) or the name like an id.

    >>> t = pd.DataFrame({"annotator_id": list("abcdef"),
    ...                   "email": [f"{c}@x.org" for c in "abcdef"],
    ...                   "worker": [f"w{i:04d}" for i in range(6)],
    ...                   "gender": ["f", "m", "f", "m", "f", "m"]})
    >>> identifier_columns(t)
    {'email': 'its values are e-mail addresses', 'worker': 'nearly every rater has their own value'}
    """
    if annotators is None:
        return {}
    out: dict[str, str] = {}
    for col in annotators.columns:
        if col in NON_GROUP_ATTRIBUTES:
            continue
        s = annotators[col]
        text = s.dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty:
            continue
        distinct = text.nunique() / len(text)
        if text.map(lambda v: bool(_EMAIL.match(v))).mean() >= 0.5:
            out[col] = "its values are e-mail addresses"
        elif _ID_NAMES.search(str(col)):
            out[col] = "its name says it identifies raters"
        elif len(text) >= MIN_RATERS_DISTINCT and distinct == 1.0:
            out[col] = "every rater has their own value"
        elif (
            len(text) >= 5
            and distinct >= 0.8
            and (
                _ID_HINTS.search(str(col)) or text.map(lambda v: bool(_CODE.match(v))).mean() >= 0.8
            )
        ):
            out[col] = "nearly every rater has their own value"
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
