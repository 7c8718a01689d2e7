"""Checks: data problems the audit survived (counted during bundle validation).

The bundle loader records each survivable problem as a :class:`DataIssue` with the
rule code it belongs to; these checks turn them into findings, so rows that were left
out of the statistics are always reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.wording import counted, verb

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
        reasons = list(((privacy.get("hidden") or {}).get(attr) or {}).values())
        small = reasons.count("small") + int((privacy.get("unnamed") or {}).get(attr, 0))
        other = len(reasons) - reasons.count("small")
        n_groups = small + other
        if other:
            why = (
                f"{counted(small, 'group')} of {attr} {verb(small, 'has', 'have')} fewer than "
                f"{k} annotators and the other {other} {verb(other, 'is', 'are')} hidden so that "
                "those can't be derived from the totals"
            )
        else:
            why = f"every group of {attr} ({n_groups} groups) has fewer than {k} annotators"
        yield ctx.hit(
            f"{why[0].upper() + why[1:]}, so all its figures are suppressed and no group "
            f"comparison is possible for {attr}.",
            subject={"attribute": attr},
            evidence={"groups": n_groups, "min_group_size": k},
        )


@check("LA020")
def identifier_columns(ctx: CheckContext) -> Iterator[Finding]:
    """A column that identifies raters (e-mails, ids) is never a group attribute: say so."""
    columns = (ctx.facts.get("privacy") or {}).get("identifier_columns") or {}
    ctx.judged("annotator columns", int(ctx.facts.get("n_annotator_columns") or len(columns)))
    for column, why in sorted(columns.items()):
        yield ctx.hit(
            f"Column {column!r} of the annotators table identifies raters ({why}), so it was "
            "left out of the group attributes: no figure is broken down by it, and none of "
            "its values is printed.",
            subject={"attribute": column},
            evidence={"column": column, "reason": why},
        )
