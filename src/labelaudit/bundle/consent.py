"""Raters who revoked or withdrew consent: found in the annotators table, taken out.

Prolific writes ``CONSENT_REVOKED`` into every demographic field of a participant who
withdrew; other exports carry a ``consent`` column that is false, or a ``withdrawn``
flag. Such a rater's judgments must not be analysed at all (GDPR Art. 7(3): withdrawal
ends the lawful basis; Art. 17: erasure), so the bundle build removes the rater and every
judgment before any statistic, and LA016 counts what was removed and asks for it to be
deleted from the export. The control columns themselves are dropped afterwards: they are
not demographics and must not become groups.

Which values count:

* anywhere in the annotators table: the phrases in :data:`REVOKED` ("consent revoked",
  "CONSENT_WITHDRAWN", "withdrew consent"...), case-, space- and "_"-insensitive;
* in a column whose name contains "consent" (``consent``, ``consent_given``,
  ``consent_status``): a negative value (:data:`NEGATIVE`: false, no, 0, revoked,
  withdrawn, declined...); a blank is unknown, not a refusal;
* in a column whose name says withdrawal (``withdrawn``, ``consent_revoked``,
  ``withdrew``): a true value (:data:`AFFIRMATIVE`).

A bare "withdrawn" in any other column (``student_status: withdrawn``) is left alone.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from labelaudit.bundle.attributes import undisclosed_key
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.types import DataIssue
from labelaudit.wording import counted, verb

#: values meaning consent was revoked, in any column (compared by ``undisclosed_key``)
REVOKED = frozenset(
    {
        "consent revoked",
        "consent withdrawn",
        "consent rescinded",
        "revoked consent",
        "withdrawn consent",
        "withdrew consent",
        "consent was revoked",
        "consent was withdrawn",
    }
)
#: a consent column with one of these says the rater did not (or no longer) consent
NEGATIVE = frozenset(
    {"false", "f", "no", "n", "0", "0.0", "revoked", "withdrawn", "withdrew", "rescinded",
     "declined", "refused", "not given", "no consent", "not consented", "denied"}
)  # fmt: skip
#: a withdrawal column with one of these says the rater withdrew
AFFIRMATIVE = frozenset({"true", "t", "yes", "y", "1", "1.0", "withdrawn", "revoked", "withdrew"})

_CONSENT_COLUMN = re.compile(r"consent", re.IGNORECASE)
_WITHDRAWAL_COLUMN = re.compile(r"withdr|revok|rescind", re.IGNORECASE)


def control_columns(table: pd.DataFrame) -> dict[str, str]:
    """Consent control columns -> ``"consent"`` or ``"withdrawal"`` (how to read them).

    >>> control_columns(pd.DataFrame(columns=["annotator_id", "consent_given", "withdrawn",
    ...                                       "consent_revoked", "gender"]))
    {'consent_given': 'consent', 'withdrawn': 'withdrawal', 'consent_revoked': 'withdrawal'}
    """
    out = {}
    for col in table.columns:
        name = str(col)
        if col == "annotator_id":
            continue
        if _WITHDRAWAL_COLUMN.search(name):
            out[col] = "withdrawal"
        elif _CONSENT_COLUMN.search(name):
            out[col] = "consent"
    return out


def _key(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return undisclosed_key(v)


def revoked_raters(table: pd.DataFrame) -> tuple[np.ndarray, dict[str, dict[str, int]]]:
    """Rows of raters who revoked or withdrew consent, and why (column -> value -> raters).

    >>> t = pd.DataFrame({"annotator_id": ["a", "b", "c", "d"],
    ...                   "gender": ["f", "CONSENT_REVOKED", "m", "m"],
    ...                   "consent": [True, True, False, None]})
    >>> rows, why = revoked_raters(t)
    >>> rows.tolist(), why
    ([False, True, True, False], {'gender': {'CONSENT_REVOKED': 1}, 'consent': {'False': 1}})
    """
    controls = control_columns(table)
    hit = np.zeros(len(table), dtype=bool)
    why: dict[str, dict[str, int]] = {}
    for col in table.columns:
        if col == "annotator_id":
            continue
        how = controls.get(col)
        if how == "consent":
            words = REVOKED | NEGATIVE
        elif how == "withdrawal":
            words = REVOKED | AFFIRMATIVE
        else:
            words = REVOKED
        flag = map_distinct(table[col], lambda v: _key(v) in words).to_numpy(dtype=bool)  # noqa: B023
        if flag.any():
            values = table.loc[flag, col].map(lambda v: str(v).strip())
            why[str(col)] = {str(k): int(n) for k, n in sorted(values.value_counts().items())}
            hit |= flag
    return hit, why


def consent_issue(
    n_raters: int,
    removed: dict[str, int],
    n_rows: int,
    why: dict[str, dict[str, int]],
    where: str,
) -> DataIssue:
    """LA016: raters (and their judgments, by field) taken out for revoked consent.

    ``removed`` is field -> judgment rows removed; ``n_rows`` the judgment rows read.
    """
    n_judg = sum(removed.values())
    reasons = "; ".join(
        f"{', '.join(repr(v) for v in values)} in {col!r}" for col, values in why.items()
    )
    share = f" ({n_judg / n_rows:.1%} of the judgment rows)" if n_rows and n_judg else ""
    return DataIssue(
        "LA016",
        f"{counted(n_raters, 'rater')} revoked or withdrew consent ({reasons}): "
        f"{verb(n_raters, 'this rater', 'these raters')} and their "
        f"{counted(n_judg, 'judgment')}{share} were taken out of every statistic. Delete "
        "them from the export and from every copy made of it.",
        count=n_judg,
        file=where,
        column=next(iter(why), None),
        evidence={
            "n_annotators": n_raters,
            "n_judgments": n_judg,
            "judgments_by_field": dict(sorted(removed.items())),
            "values": why,
        },
    )
