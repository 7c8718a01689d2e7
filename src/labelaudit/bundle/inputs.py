"""Which optional inputs a bundle carries: what a rule's ``needs:`` key can name.

Many rules can only judge what the bundle gives them (a target population, guideline
files, rater pay...). A rule names those inputs in its YAML (``needs: [target]``); after
the checks ran, a rule whose needs the bundle lacks is reported as "not checked: needs
a target population" instead of "checked, nothing found", which would claim more than
the audit looked at. The names and their wording are declared once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from labelaudit.bundle.ages import is_age_column
from labelaudit.bundle.model import Bundle

#: ``needs:`` name -> what the run was missing, as "not checked: needs ..." says it
INPUTS: dict[str, str] = {
    "annotators": "an annotators table",
    "groups": "two or more rater groups of at least min_group_size raters (annotator attributes)",
    "target": "a target population (target.yaml or --target)",
    "guidelines": "the guideline files",
    "items": "an items table",
    "item_languages": "item texts or an items.language column",
    "item_regions": "items.country or items.region",
    "rater_languages": "the raters' languages (annotators.languages)",
    "rater_country": "the raters' country (annotators.country)",
    "rater_age": "the raters' age (an age column in annotators)",
    "submitter": "who submitted each judgment (judgments.on_behalf, from Label Studio)",
    "lead_time": "time per judgment (judgments.lead_time_s)",
    "timestamps": "judgment times (judgments.created_at)",
    "pay": "the raters' pay (annotators.hourly_pay)",
    "preferences": "a pairwise preference field (kind: pairwise in schema.yaml)",
}

#: field kinds of RLHF preference data (the RLHF analysis reads the same kinds)
PREFERENCE_KINDS = ("pairwise", "ranking")


def _column(table: pd.DataFrame | None, *names: str) -> bool:
    """Whether ``table`` has one of ``names`` with at least one value."""
    return table is not None and any(n in table.columns and table[n].notna().any() for n in names)


def comparable_attributes(
    sizes: Mapping[str, Mapping[str, int]], hidden: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Attributes with two or more groups the privacy step leaves visible.

    ``sizes`` is each attribute's pool size per group, ``hidden`` the groups suppressed
    (both as the pipeline computes them before the checks run). With fewer than two
    visible groups there is nothing to compare, so group rules are not checked.

    >>> comparable_attributes({"region": {"A": 9, "B": 7}, "gender": {"f": 9, "m": 2}},
    ...                       {"gender": {"m": "small"}})
    ['region']
    """
    return [
        attr
        for attr, groups in sizes.items()
        if sum(1 for g, n in groups.items() if n > 0 and g not in hidden.get(attr, {})) >= 2
    ]


def available_inputs(bundle: Bundle, comparable: Iterable[str]) -> dict[str, bool]:
    """Every :data:`INPUTS` name -> whether ``bundle`` carries it.

    ``comparable`` are the attributes with two or more visible groups
    (:func:`comparable_attributes`).
    """
    ann, items, j = bundle.annotators, bundle.items, bundle.judgments
    checks: dict[str, Callable[[], bool]] = {
        "annotators": lambda: ann is not None,
        "groups": lambda: any(True for _ in comparable),
        "target": lambda: bundle.target is not None,
        "guidelines": lambda: bool(bundle.guidelines),
        "items": lambda: items is not None,
        "item_languages": lambda: _column(items, "text", "prompt", "language"),
        "item_regions": lambda: _column(items, "country", "region"),
        "rater_languages": lambda: _column(ann, "languages"),
        "rater_country": lambda: _column(ann, "country"),
        "rater_age": lambda: ann is not None and any(is_age_column(c) for c in ann.columns),
        "submitter": lambda: "on_behalf" in j.columns,
        "lead_time": lambda: _column(j, "lead_time_s"),
        "timestamps": lambda: _column(j, "created_at"),
        "pay": lambda: _column(ann, "hourly_pay"),
        "preferences": lambda: any(s.kind in PREFERENCE_KINDS for s in bundle.schema.values()),
    }
    return {name: bool(checks[name]()) for name in INPUTS}
