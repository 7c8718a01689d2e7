"""The sections of the data card (``datacard.md``) that describe the audit's figures.

Each function returns the Markdown lines of one section's body (the heading, the
framework items it answers and its findings are added by :mod:`labelaudit.render.datacard`).
They read only the :class:`~labelaudit.result.AuditResult`: released metric tables,
the run's context and each rule's outcome; where the data cannot answer a question the
section says so and asks for the answer.
"""

from __future__ import annotations

from labelaudit.checks.status import status_text
from labelaudit.render.datacard_figures import (
    figure_table,
    md_table,
    pool_tables,
    records,
    table_link,
    value,
)
from labelaudit.render.markdown import cell
from labelaudit.result import AuditResult

#: culture-bound guideline references listed before the rest are counted
MAX_FLAGS = 20


def workforce_section(result: AuditResult) -> list[str]:
    s = result.summary
    n_items = s.get("items") or 0
    per_item = (s.get("judgments") or 0) / n_items if n_items else None
    rows = [
        ["Raters (unique annotators)", value("n_annotators", s.get("annotators"))],
        ["Items", value("n_items", s.get("items"))],
        ["Judgments (rows read)", value("n_judgments", s.get("judgments"))],
        ["Judgments per item (mean)", value("mean", per_item)],
        ["Label fields", cell(", ".join(map(str, s.get("fields") or [])) or "none")],
    ]
    return [
        "Human annotations. Whether the raters are experts, crowdworkers, employees or a "
        "vendor's team is not in the data: state it here.",
        "",
        *md_table(["Annotation characteristic", "Number"], rows),
    ]


def internal_qc_lines(result: AuditResult) -> list[str]:
    """Raters an agreement-based QC cut would flag: internal edition only (per-rater data)."""
    rows = records(result.metrics.get("annotator_agreement"))
    if not rows or result.audience == "vendor":
        return []
    flagged = {str(r.get("annotator_id")) for r in rows if r.get("flagged") is True}
    return ["", f"Internal edition only: {len(flagged)} of {len({str(r.get('annotator_id')) for r in rows})} "
            "raters fall below the agreement cut a common quality-control step applies "
            "(per-rater figures are in the report's internal edition)."]  # fmt: skip


def tasks_section(result: AuditResult, report: str) -> list[str]:
    ctx = result.context
    schema = ctx.get("schema") or {}
    out = md_table(
        ["field", "level", "kind", "labels", '"none of these fit" option'],
        [
            [
                cell(f),
                cell(str(spec.get("level"))),
                cell(str(spec.get("kind"))),
                cell(", ".join(spec.get("values") or []) or "open"),
                cell(", ".join(spec.get("escape_values") or []) or "none"),
            ]  # fmt: skip
            for f, spec in sorted(schema.items())
        ],
    )
    if ctx.get("schema_inferred"):
        out += ["", "The label schema was inferred from the labels (no schema.yaml): state the "
                "fields' levels and labels as the raters saw them."]  # fmt: skip
    guidelines = ctx.get("guidelines") or []
    if not guidelines:
        return out + ["", "No guideline file was given to the audit. D1 asks for the full text "
                      "of the instructions: attach it, with screenshots of the task."]  # fmt: skip
    out += ["", "Guidelines given to the raters, as read by the audit:", ""]
    stats = {str(r.get("guideline")): r for r in records(result.metrics.get("guideline_stats"))}
    out += md_table(
        [
            "file",
            "lines",
            "language",
            "words",
            "Flesch reading ease",
            "grade level",
            "worked examples",
            "raters not declaring its language",
        ],  # fmt: skip
        [
            [cell(str(g.get("name"))), value("n_lines", g.get("n_lines"))]
            + [
                value(c, stats.get(str(g.get("name")), {}).get(c))
                for c in (
                    "language",
                    "n_words",
                    "flesch_reading_ease",
                    "fk_grade",
                    "n_examples",
                    "share_not_reading",
                )
            ]  # fmt: skip
            for g in guidelines
        ],
    )
    out += ["", f"Source: {table_link(report, 'guideline_stats')}."]
    flags = records(result.metrics.get("guideline_flags"))
    if not flags:
        return out + ["", "No culture-bound reference (units, holidays, institutions, idioms) "
                      "was found by the lexicons in the guidelines."]  # fmt: skip
    out += ["", f"Culture-bound references found ({len(flags)}): a reader outside the "
            "culture they assume may read these lines differently.", ""]  # fmt: skip
    out += md_table(
        ["where", "term", "category", "assumes", "suggested alternative"],
        [
            [
                cell(f"{r.get('guideline')}:{r.get('line')}"),
                value("term", r.get("term")),
                value("category", r.get("category")),
                value("region", r.get("region")),
                value("alternative", r.get("alternative")),
            ]  # fmt: skip
            for r in flags[:MAX_FLAGS]
        ],
    )
    if len(flags) > MAX_FLAGS:
        out.append(f"\n… and {len(flags) - MAX_FLAGS} more in the report.")
    return out + ["", f"Source: {table_link(report, 'guideline_flags')}."]


def annotators_section(result: AuditResult, report: str) -> list[str]:
    ctx = result.context
    k = ctx.get("min_group_size")
    target = ctx.get("target")
    if target:
        out = [f"Compared with the target population \u201c{cell(str(target.get('name')))}\u201d "
               f"(source: {cell(str(target.get('source') or 'not given'))}). Whether that is "
               "the right population for this data is the reviewer's judgment."]  # fmt: skip
    else:
        out = ["No target population was given, so the pool is described but not compared: "
               "say whom the raters should represent (target.yaml or a preset)."]  # fmt: skip
    out += pool_tables(result.metrics, k, report)
    langs = records(result.metrics.get("languages"))
    if langs:
        out += ["", "#### Language(s): the items' languages and the raters who declare them", ""]
        out += md_table(
            ["item language", "items", "share of items", "raters declaring it"],
            [
                [
                    cell(str(r.get("language"))),
                    value("n_items", r.get("n_items")),
                    value("item_share", r.get("item_share")),
                    value("n_annotators_speaking", r.get("n_annotators_speaking")),
                ]  # fmt: skip
                for r in langs
            ],
        )
        out += ["", f"Source: {table_link(report, 'languages')}."]
    return out


def pay_section(result: AuditResult, report: str) -> list[str]:
    ctx = result.context
    out = ["How the raters were recruited (platform, vendor, students, volunteers) is not in "
           "the data: state it here."]  # fmt: skip
    rows = records(result.metrics.get("pay_by_group"))
    status = (ctx.get("rule_status") or {}).get("LA504")
    if not rows:
        return out + ["", "The annotators table has no hourly pay (hourly_pay, currency), so "
                      "the audit cannot say what raters earned or whether it was adequate "
                      "given where they live: report it."]  # fmt: skip
    # by region as D2 asks (pay adequacy depends on where raters live); else by country,
    # else by every attribute
    attrs = {r.get("attribute") for r in rows}
    place = next((a for a in ("region", "country") if a in attrs), None)
    shown = [r for r in rows if r.get("attribute") in (None, place)] if place else rows
    out += ["", "Hourly pay as the annotators table records it (never converted between "
            "currencies), overall and by region, against the floors the auditing team "
            "configured for LA504:", ""]  # fmt: skip
    overall = {"attribute": "all raters", "group": ""}
    out += figure_table(
        [
            "attribute",
            "currency",
            "group",
            "raters",
            "median hourly pay",
            "floor",
            "share below the floor",
            "others' median",
        ],  # fmt: skip
        [{**r, **overall} if r.get("attribute") is None else r for r in shown],
        ["attribute", "currency", "group"],
        [
            "n_annotators",
            "median_hourly_pay",
            "floor",
            "share_below_floor",
            "rest_median_hourly_pay",
        ],  # fmt: skip
        ctx.get("min_group_size"),
    )
    if all(r.get("floor") is None for r in rows):
        out += ["", "No pay floor was configured ([rules.LA504] floors), so pay is compared "
                "between groups only, not with a legal or living wage."]  # fmt: skip
    if status:
        out += ["", f"LA504 (pay below the floor or far below the others'): {status_text(status)}."]
    return out + ["", f"Source: {table_link(report, 'pay_by_group')}."]


def consent_section(result: AuditResult) -> list[str]:
    statuses = result.context.get("rule_status") or {}
    out = [
        "Whether and how consent was obtained, and whether an ethics review board approved "
        "(or exempted) the protocol, is not in the data: answer both from the protocol.",
        "",
        "What the data show:",
        "",
    ]
    for code, what in (("LA016", "raters who revoked consent"),
                       ("LA409", "raters under the age of majority")):  # fmt: skip
        if code in statuses:
            out.append(f"- {what} ({code}): {status_text(statuses[code])}")
    return out


def unknowns_section(result: AuditResult, report: str) -> list[str]:
    ctx = result.context
    rows = records(result.metrics.get("metadata_completeness"))
    out: list[str] = []
    if rows:
        out += ['Rater attributes left undisclosed (blank, "prefer not to say", expired):', ""]
        out += figure_table(
            ["attribute", "raters", "undisclosed", "share undisclosed"],
            rows,
            ["attribute"],
            ["n_annotators", "n_missing", "missing_share"],
            ctx.get("min_group_size"),
        )
        out += ["", f"Source: {table_link(report, 'metadata_completeness')}.", ""]
    statuses = ctx.get("rule_status") or {}
    rules = ctx.get("rules") or {}
    skipped = [(c, e) for c, e in sorted(statuses.items()) if e.get("status") == "not_checked"]
    if skipped:
        out += ["Rules the audit could not check in this run, and why:", ""]
        out += [f"- {c} {cell(str(rules.get(c, {}).get('title', '')))}: {cell(status_text(e))}"
                for c, e in skipped]  # fmt: skip
    else:
        out.append("Every rule of the rulebook was checked in this run.")
    return out
