"""Checks: data problems the audit survived (counted during bundle validation).

The bundle loader records each survivable problem as a :class:`DataIssue` with the
rule code it belongs to; these checks turn them into findings, so rows that were left
out of the statistics are always reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check

#: rule code -> what its validation step looked at (the subject count of the checks
#: table), as (noun, fact holding the count)
DATA_CODES: dict[str, tuple[str, str]] = {
    "LA001": ("judgment rows", "n_judgment_rows"),
    "LA002": ("judgment rows", "n_judgment_rows"),
    "LA003": ("items", "n_items"),
    "LA004": ("judgment rows", "n_judgment_rows"),
    "LA005": ("judgment rows", "n_judgment_rows"),
    "LA006": ("judgment rows", "n_judgment_rows"),
    "LA007": ("judgment rows", "n_judgment_rows"),
    "LA008": ("fields", "n_fields"),
    "LA011": ("judgment rows", "n_judgment_rows"),
    "LA012": ("judgment rows", "n_judgment_rows"),
    "LA013": ("annotators", "n_annotators"),
    "LA014": ("items", "n_items"),
    "LA016": ("annotators", "n_annotators"),
    "LA017": ("annotators", "n_annotators"),
    "LA019": ("input files", "n_inputs"),
}


def _issues(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.rule is not None:
        noun, fact = DATA_CODES[ctx.rule.code]
        ctx.judged(noun, int(ctx.facts.get(fact) or 0))
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
    ctx.judged("attributes", len(privacy.get("sizes") or {}))
    for attr in privacy.get("all_hidden") or []:
        sizes = (privacy.get("sizes") or {}).get(attr, {})
        n_groups = sum(1 for n in sizes.values() if n > 0)
        yield ctx.hit(
            f"Every group of {attr} ({n_groups} groups) has fewer than {k} annotators, so all "
            f"its figures are suppressed and no group comparison is possible for {attr}.",
            subject={"attribute": attr},
            evidence={"groups": n_groups, "min_group_size": k},
        )
