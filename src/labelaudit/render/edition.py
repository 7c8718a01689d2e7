"""The vendor edition's own words: whom it is for, what it leaves out, its questions.

The vendor edition shows the same released figures as the internal one minus what the
privacy release withholds for vendors (per-annotator tables, pay by anything but region);
these lines say so, and the standing questions are the ones a vendor can act on. The
layout is the report's; only the wording differs.
"""

from __future__ import annotations

from labelaudit.result import AuditResult

#: the vendor edition's standing questions: what the vendor controls
VENDOR_STANDING_QUESTIONS = [
    "Which recruitment channels and sites does the pool come from, and which groups do they "
    "leave out?",
    "Is pay set per region from the local floor, and does it cover training, qualification "
    "tests and rework?",
    "Do raters have the guidelines in a language they read, with examples from their own context?",
    "Are items routed to raters who read their language and know the context?",
    "Are raters supported (breaks, opting out, someone to talk to) when content is distressing?",
]


def folded_split_text(n: int, k: int | None) -> str:
    """Split values with too few raters for a report of their own, counted, never named.

    >>> folded_split_text(2, 5)
    '2 other values (each fewer than 5 raters)'
    """
    if n == 1:
        return f"1 other value (fewer than {k} raters)"
    return f"{n} other values (each fewer than {k} raters)"


def edition_lines(result: AuditResult) -> list[str]:
    """The vendor edition's opening lines: whom it is for, and what it leaves out."""
    if result.audience != "vendor":
        return []
    ctx = result.context
    privacy = ctx.get("privacy") or {}
    withheld = privacy.get("withheld") or {}
    k = ctx.get("min_group_size")
    lines = [
        "This edition is for the team that recruits, trains, pays and routes the raters. Each "
        "finding says what a vendor can change: recruitment channels, pay by region, "
        "training and calibration, guideline translation, how items are routed."
    ]
    parts = []
    n_find = int(withheld.get("findings") or 0)
    if n_find:
        rules = ", ".join(withheld.get("rules") or [])
        parts.append(f"{n_find} finding{'' if n_find == 1 else 's'} ({rules})")
    tables = list(withheld.get("tables") or [])
    if tables:
        parts.append(f"{len(tables)} table{'' if len(tables) == 1 else 's'} ({', '.join(tables)})")
    why = ["figures about single raters"]
    pay = withheld.get("pay_attributes") or []
    if pay:
        why.append(f"pay by {', '.join(pay)} (pay is shown by region)")
    if parts:
        lines.append(
            f"Withheld from this edition: {' and '.join(parts)}, because they concern "
            f"{' or '.join(why)}; the internal edition has them."
        )
    else:
        lines.append(
            "Nothing was withheld from this edition beyond what privacy hides in every edition."
        )
    counts = privacy.get("hidden_groups") or {}
    if counts.get("small") or counts.get("complementary"):
        lines.append(
            f"In every edition, {counts.get('small', 0)} group(s) with fewer than {k} raters "
            f"are suppressed and {counts.get('complementary', 0)} more are hidden so that a "
            "smaller one can't be derived; no figure in this report describes an individual."
        )
    return lines
