"""Checks: data problems the audit survived (counted during bundle validation).

The bundle loader records each survivable problem as a :class:`DataIssue` with the
rule code it belongs to; these checks turn them into findings, so rows that were left
out of the statistics are always reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check

DATA_CODES = (
    "LA001",
    "LA002",
    "LA003",
    "LA004",
    "LA005",
    "LA006",
    "LA007",
    "LA008",
    "LA011",
    "LA012",
    "LA013",
    "LA014",
    "LA019",
)


def _issues(ctx: CheckContext) -> Iterator[Finding]:
    for issue in ctx.facts.get("data_issues", []):
        if ctx.rule is None or issue.code != ctx.rule.code:
            continue
        evidence = {"count": issue.count, **issue.evidence}
        if issue.file:
            evidence["file"] = issue.file.rsplit("/", 1)[-1]
        if issue.column:
            evidence["column"] = issue.column
        if issue.rows:
            evidence["first_rows"] = issue.rows[:10]
        yield ctx.hit(issue.message, subject=dict(issue.subject), evidence=evidence)


for _code in DATA_CODES:
    check(_code)(_issues)


@check("LA015")
def no_group_comparison(ctx: CheckContext) -> Iterator[Finding]:
    """Every group of an attribute is below min_group_size: say so, rather than show nothing."""
    privacy = ctx.facts.get("privacy") or {}
    k = ctx.facts.get("min_group_size")
    for attr in privacy.get("all_hidden") or []:
        sizes = (privacy.get("sizes") or {}).get(attr, {})
        n_groups = sum(1 for n in sizes.values() if n > 0)
        yield ctx.hit(
            f"Every group of {attr} ({n_groups} groups) has fewer than {k} annotators, so all "
            f"its figures are suppressed and no group comparison is possible for {attr}.",
            subject={"attribute": attr},
            evidence={"groups": n_groups, "min_group_size": k},
        )
