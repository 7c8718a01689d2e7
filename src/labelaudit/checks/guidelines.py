"""Checks: guideline review (LA301-LA306)."""

from __future__ import annotations

from collections.abc import Iterator

from labelaudit.checks.coverage import num, table_rows
from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check

_ENTRY_SEVERITIES = {"medium", "low", "info"}


def _line(v: object) -> int | None:
    n = num(v)
    return None if n is None else int(n)


@check("LA301")
def culture_specific_reference(ctx: CheckContext) -> Iterator[Finding]:
    limit = ctx.param("max_findings_per_guideline")
    seen: dict[str, int] = {}
    flags = ctx.metric("guideline_flags")
    # every line of every guideline was scanned; at least the flagged ones, if the
    # guideline texts themselves are not at hand
    n_lines = sum(len(g.lines) for g in ctx.facts.get("guidelines") or [])
    if not flags.empty and {"guideline", "line"} <= set(flags.columns):
        n_lines = max(n_lines, len(flags[["guideline", "line"]].drop_duplicates()))
    if n_lines:
        ctx.judged("guideline lines", n_lines)
    for r in table_rows(flags, ["guideline", "line", "term", "category"]):
        g = str(r["guideline"])
        seen[g] = seen.get(g, 0) + 1
        if seen[g] > limit:
            continue  # the guideline_flags table keeps every match; findings stay readable
        region = r.get("region") or "one region"
        alt = r.get("alternative")
        explanation = r.get("explanation")
        sev = r.get("severity")
        yield ctx.hit(
            f"{g} line {_line(r['line'])}: '{r['term']}' ({r['category']}) is specific to {region}."
            + (f" {explanation}" if explanation else "")
            + (f" Consider: {alt}." if alt else ""),
            subject={"guideline": g, "line": _line(r["line"])},
            evidence={
                "excerpt": r.get("excerpt"), "term": r["term"], "category": r["category"],
                "region": r.get("region"), "alternative": alt, "lexicon": r.get("lexicon"),
            },
            severity=sev if sev in _ENTRY_SEVERITIES else None,
        )  # fmt: skip
    over = {g: n - limit for g, n in seen.items() if n > limit}
    for g, extra in over.items():
        yield ctx.hit(
            f"{g}: {extra} more culture-specific references beyond the first {limit} "
            "(all are listed in the guideline_flags table).",
            subject={"guideline": g},
            evidence={"n_more": extra, "limit": limit},
            severity="info",
        )


@check("LA302")
def value_not_in_guidelines(ctx: CheckContext) -> Iterator[Finding]:
    for r in table_rows(
        ctx.metric("guideline_values"), ["field", "value", "mentioned", "is_escape"]
    ):
        if not bool(r["is_escape"]):
            ctx.judged("label values")
        if bool(r["mentioned"]) or bool(r["is_escape"]):
            continue  # undocumented escape options are LA304's
        yield ctx.hit(
            f"Label '{r['value']}' of field {r['field']} is never mentioned in the guidelines, so "
            "annotators get no definition of when to use it.",
            subject={"field": str(r["field"]), "value": str(r["value"])},
            evidence={"value": str(r["value"])},
        )


@check("LA303")
def label_not_in_schema(ctx: CheckContext) -> Iterator[Finding]:
    table = ctx.metric("guideline_unknown_labels")
    named = set(table["guideline"].dropna()) if "guideline" in table.columns else set()
    n = max(len(ctx.facts.get("guidelines") or []), len(named))
    if n:
        ctx.judged("guidelines", n)
    for r in table_rows(table, ["guideline", "line", "term"]):
        yield ctx.hit(
            f"{r['guideline']} line {_line(r['line'])} presents '{r['term']}' as a label, but no "
            "field of the schema has that value.",
            subject={
                "guideline": str(r["guideline"]),
                "line": _line(r["line"]),
                "value": str(r["term"]),
            },
            evidence={"term": str(r["term"]), "excerpt": r.get("excerpt")},
        )


@check("LA304")
def escape_undocumented(ctx: CheckContext) -> Iterator[Finding]:
    for r in table_rows(
        ctx.metric("guideline_values"), ["field", "value", "mentioned", "is_escape"]
    ):
        if bool(r["is_escape"]):
            ctx.judged("escape values")
        if bool(r["is_escape"]) and not bool(r["mentioned"]):
            yield ctx.hit(
                f"The escape option '{r['value']}' of field {r['field']} is not described in the "
                "guidelines: annotators cannot know when it is legitimate to use it.",
                subject={"field": str(r["field"]), "value": str(r["value"])},
                evidence={"value": str(r["value"])},
            )


@check("LA305")
def no_worked_examples(ctx: CheckContext) -> Iterator[Finding]:
    need = ctx.param("min_examples")
    for r in table_rows(ctx.metric("guideline_examples"), ["field", "n_examples"]):
        n = num(r["n_examples"])
        if n is None:
            continue
        ctx.judged("fields")
        if n >= need:
            continue
        yield ctx.hit(
            f"Field {r['field']} has {int(n)} worked example line(s) in the guidelines; at least "
            f"{need} expected (one clear case and one borderline case, a labelaudit convention).",
            subject={"field": str(r["field"])},
            evidence={"n_examples": int(n), "min_examples": need},
        )


@check("LA306")
def hard_to_read(ctx: CheckContext) -> Iterator[Finding]:
    max_grade, max_words = ctx.param("max_fk_grade"), ctx.param("max_words")
    for r in table_rows(ctx.metric("guideline_stats"), ["guideline", "n_words"]):
        words, grade = num(r["n_words"]), num(r.get("fk_grade"))
        ctx.judged("guidelines")
        reasons = []
        if grade is not None and grade > max_grade:
            reasons.append(f"Flesch-Kincaid grade {grade:.1f} > {max_grade}")
        if words is not None and words > max_words:
            reasons.append(
                f"{int(words)} words > {max_words} (about {words / 238:.0f} minutes of reading)"
            )
        if not reasons:
            continue
        yield ctx.hit(
            f"Guideline {r['guideline']} is hard to use: " + "; ".join(reasons) + ".",
            subject={"guideline": str(r["guideline"])},
            evidence={"n_words": words, "fk_grade": grade,
                      "flesch_reading_ease": num(r.get("flesch_reading_ease")),
                      "max_fk_grade": max_grade, "max_words": max_words},
        )  # fmt: skip
