"""Rater metadata as real exports carry it, settled once when the bundle is built.

Two passes over the annotators table, around the type normalisation in
:mod:`~labelaudit.bundle.tables`:

* :func:`screen_raters` (on the values as read): raters who revoked consent are found
  and taken out (:mod:`~labelaudit.bundle.consent`), then every "no answer" code becomes
  None and is counted (:func:`~labelaudit.bundle.attributes.clear_undisclosed`), so
  numbers beside codes can become numbers;
* :func:`settle_values` (on typed values): ages in years become bands
  (:mod:`~labelaudit.bundle.ages`), and values the audit can't read (a ``country`` that is
  no ISO code or English name, a language that is no ISO 639-1 code, tag or name, an age
  outside 0-119) are listed by value in LA017, where the values held by fewer raters than
  ``min_group_size`` are counted, never named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from labelaudit.bundle.ages import PLAUSIBLE, bin_ages
from labelaudit.bundle.attributes import clear_undisclosed
from labelaudit.bundle.consent import control_columns, revoked_raters
from labelaudit.bundle.types import DataIssue
from labelaudit.config import AuditConfig
from labelaudit.errors import Problem
from labelaudit.populations.m49 import lookup
from labelaudit.text.languages import language_code
from labelaudit.wording import counted, verb

#: at most this many unrecognised values are named per attribute
MAX_NAMED = 10


@dataclass
class RaterNotes:
    """What screening found: raters taken out for consent, and "no answer" codes seen."""

    revoked: set[str] = field(default_factory=set)
    revoked_why: dict[str, dict[str, int]] = field(default_factory=dict)
    undisclosed: dict[str, dict[str, int]] = field(default_factory=dict)


def screen_raters(
    table: pd.DataFrame, cfg: AuditConfig, where: str, problems: list[Problem]
) -> tuple[pd.DataFrame, RaterNotes]:
    """Consent first (its codes must be seen before they are cleared), then "no answer"."""
    notes = RaterNotes()
    setting = cfg.undisclosed_values
    if isinstance(setting, dict):
        for attr in sorted(set(setting) - set(table.columns)):
            cols = ", ".join(str(c) for c in table.columns if c != "annotator_id")
            problems.append(
                Problem(
                    where,
                    f"undisclosed_values names {attr!r}, which is not an annotator attribute "
                    f"column (columns: {cols or 'none'})",
                    setting=f"undisclosed_values.{attr}",
                    fix="name a column of the annotators table, or use a list for every column",
                )
            )
    hit, notes.revoked_why = revoked_raters(table)
    if hit.any():
        notes.revoked = {str(a) for a in table.loc[hit, "annotator_id"].dropna()}
        table = table[~hit]
    controls = list(control_columns(table))
    if controls:
        # consent flags are not demographics: once read, they must not become groups
        table = table.drop(columns=controls)
    table, notes.undisclosed = clear_undisclosed(table.reset_index(drop=True), setting)
    return table, notes


def settle_values(
    table: pd.DataFrame, cfg: AuditConfig, where: str, issues: list[DataIssue]
) -> pd.DataFrame:
    """Ages binned; unreadable country, language and age values reported in LA017."""
    table, odd_ages = bin_ages(table, cfg.age_bands)
    unread: dict[str, dict[str, int]] = dict(odd_ages)
    if "country" in table.columns:
        values = table["country"].dropna().map(str)
        bad = values[values.map(lambda v: lookup(v) is None)]
        if len(bad):
            unread["country"] = {str(k): int(n) for k, n in bad.value_counts().items()}
    if "languages" in table.columns:
        tokens = [t for v in table["languages"].dropna() for t in v if language_code(t) is None]
        if tokens:
            unread["languages"] = {
                str(k): int(n) for k, n in pd.Series(tokens).value_counts().items()
            }
    for attr, values in unread.items():
        issues.append(unread_issue(attr, values, cfg.min_group_size, where))
    return table


def unread_issue(attribute: str, values: dict[str, int], k: int, where: str) -> DataIssue:
    """LA017 for one attribute: values held by at least ``k`` raters are named (most raters
    first, at most :data:`MAX_NAMED`), the others only counted.

    >>> unread_issue("country", {"Narnia": 7, "Atlantis": 1, "Oz": 2}, 5, "a.csv").message
    "country: 3 values held by 10 raters are not recognised as an ISO 3166-1 alpha-2 code or an English country name: 'Narnia' (7 raters); 2 more values held by fewer than 5 raters each (not named, for privacy). These raters are in no country group."
    """
    expected, consequence = _UNREAD.get(attribute, _UNREAD["age"])
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    named = [(v, n) for v, n in ordered if n >= k][:MAX_NAMED]
    rest = len(values) - len(named)
    parts = [", ".join(f"{v!r} ({counted(n, 'rater')})" for v, n in named)] if named else []
    if rest:
        tail = f"{rest} more value{'s' if rest != 1 else ''}" if named else counted(rest, "value")
        if all(n < k for v, n in ordered[len(named) :]):
            tail += f" held by fewer than {k} raters each (not named, for privacy)"
        parts.append(tail)
    n_raters = sum(values.values())
    return DataIssue(
        "LA017",
        f"{attribute}: {counted(len(values), 'value')} held by {counted(n_raters, 'rater')} "
        f"{verb(len(values), 'is', 'are')} not recognised as {expected}: {'; '.join(parts)}. "
        + consequence.format(attribute=attribute),
        count=n_raters,
        file=where,
        column=attribute,
        subject={"attribute": attribute},
        evidence={
            "values": dict(named),
            "n_values": len(values),
            "n_values_not_named": rest,
            "min_group_size": k,
        },
    )


_UNREAD = {
    "country": (
        "an ISO 3166-1 alpha-2 code or an English country name",
        "These raters are in no country group.",
    ),
    "languages": (
        "an ISO 639-1 code, a BCP 47 tag or an English language name",
        "These declarations match no item language.",
    ),
    "age": (
        f"an age from {PLAUSIBLE[0]} to {PLAUSIBLE[1] - 1} years",
        "These raters are in no {attribute} group.",
    ),
}
