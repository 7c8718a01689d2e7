"""The annotator section of a data card, written from the audit (``datacard.md``).

``--format datacard`` writes Markdown a dataset's authors can paste into a Data Card's
"Annotations & Labeling" section, a paper's answers to section D of the ACL Responsible
NLP Research checklist, or a datasheet: who the raters are (the pool by attribute
against the target, with intervals), how they were paid, what they were told, how much
they agreed, what is unknown, and the questions a reviewer still has to answer. Each
section is named after the Data Cards heading and the ACL item it answers; each figure
links to where the report computes and explains it.

Reads only the :class:`~labelaudit.result.AuditResult`, after the privacy step: a group
the report suppresses is suppressed here with the same words, and the vendor edition
is the same card without what the vendor result leaves out (per-annotator figures,
internal-only rules). The card states evidence; whether it meets a framework item is
the reviewer's call, and the card says so.
"""

from __future__ import annotations

from labelaudit.checks.finding import Finding
from labelaudit.render.datacard_figures import agreement_tables, report_link
from labelaudit.render.datacard_sections import (
    annotators_section,
    consent_section,
    internal_qc_lines,
    pay_section,
    tasks_section,
    unknowns_section,
    workforce_section,
)
from labelaudit.render.frameworks import standard_anchor
from labelaudit.render.markdown import cell
from labelaudit.render.sections import STANDING_QUESTIONS
from labelaudit.result import AuditResult

#: (key, heading, the framework items the section is evidence for); the headings are
#: the Data Cards template's and the ACL checklist's own
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("workforce", "Annotation Workforce Type", ("DC-ANNOTATOR-DESCRIPTIONS",)),
    ("characteristics", "Annotation Characteristic(s): how much the raters agreed",
     ("DC-ANNOTATION-CHARACTERISTICS", "CWS-ANALYSIS-EVALUATION", "EU-AIA-10.2.f",
      "NIST-RMF-MEASURE-2.11")),
    ("tasks", "Annotation Task(s) · ACL D1: instructions given to annotators",
     ("ACL-D1", "DC-ANNOTATION-TASKS", "CWS-TASK-FORMULATION", "EU-AIA-10.2.d")),
    ("annotators", "Human Annotators › Annotator Description(s) · ACL D5: demographic and "
     "geographic characteristics",
     ("ACL-D5", "DC-ANNOTATOR-DISTRIBUTIONS", "CWS-SELECTING-ANNOTATORS",
      "NIST-RMF-MEASURE-2.2", "EU-AIA-10.3")),
    ("pay", "ACL D2: recruitment and pay", ("ACL-D2", "CWS-PLATFORM-INFRASTRUCTURE",
                                            "DS-COLLECTION")),
    ("consent", "ACL D3 and D4: consent and ethics review", ("ACL-D3", "ACL-D4")),
    ("unknowns", "What the audit could not establish", ("NIST-RMF-MEASURE-1.1",
                                                         "EU-AIA-10.2.h")),
    ("questions", "Open questions for the reviewer", ()),
)  # fmt: skip
HEADINGS = {key: heading for key, heading, _ in SECTIONS}
#: which findings each section quotes: a finding goes to the first section in this order
#: whose items its rule names (the narrowest question first), so it is quoted once; the
#: labelling section also takes the data-preparation findings
QUOTE_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("consent", ("ACL-D3", "ACL-D4")),
    ("pay", ("ACL-D2", "CWS-PLATFORM-INFRASTRUCTURE", "DS-COLLECTION")),
    ("tasks", ("ACL-D1", "DC-ANNOTATION-TASKS", "CWS-TASK-FORMULATION", "EU-AIA-10.2.d")),
    ("annotators", ("ACL-D5", "DC-ANNOTATOR-DISTRIBUTIONS", "CWS-SELECTING-ANNOTATORS",
                    "NIST-RMF-MEASURE-2.2")),
    ("unknowns", ("NIST-RMF-MEASURE-1.1", "EU-AIA-10.2.h")),
    ("workforce", ("DC-ANNOTATOR-DESCRIPTIONS",)),
    ("characteristics", ("DC-ANNOTATION-CHARACTERISTICS", "CWS-ANALYSIS-EVALUATION",
                         "EU-AIA-10.2.f", "NIST-RMF-MEASURE-2.11", "EU-AIA-10.2.c",
                         "DS-PREPROCESSING")),
)  # fmt: skip
#: findings quoted per section before the rest are counted (all are in the report)
MAX_FINDINGS = 12


def render_datacard(result: AuditResult, report: str = "report.html") -> str:
    """The data card section as Markdown; ``report`` is the report's path, for the links."""
    ctx = result.context
    k = ctx.get("min_group_size")
    quoted = quoted_findings(result)
    body = {
        "workforce": workforce_section(result),
        "characteristics": agreement_tables(result.metrics, k, report) + internal_qc_lines(result),
        "tasks": tasks_section(result, report),
        "annotators": annotators_section(result, report),
        "pay": pay_section(result, report),
        "consent": consent_section(result),
        "unknowns": unknowns_section(result, report),
        "questions": _questions(result),
    }
    lines = _header(result, report)
    for key, heading, items in SECTIONS:
        lines += ["", f"## {heading}", ""]
        if items:
            lines.append(
                "Evidence for: " + ", ".join(_item_link(ctx, sid, report) for sid in items)
            )
            lines.append("")
        lines += body[key]
        lines += _findings(quoted.get(key, []), report)
    lines += ["", *_footer(report)]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------ framing
def _header(result: AuditResult, report: str) -> list[str]:
    ctx = result.context
    name = cell(str(ctx.get("bundle_name") or "audit"))
    lines = [
        f"# Annotations & Labeling: {name}",
        "",
        f"Written by labelaudit {cell(str(result.tool.get('version', '')))} from the audit "
        f"of {name} (run {cell(str(result.run.get('created_at', '')))}, seed "
        f"{result.run.get('seed')}). Every figure links to the {report_link(report, 'summary', 'report')} "
        "that computes it and states its method and limits. Headings follow the Data Cards "
        'template\'s "Annotations & Labeling" section and section D of the ACL Responsible '
        'NLP Research checklist; "Evidence for" names the framework items a section speaks '
        "to. It is evidence for a reviewer, not a compliance verdict: edit it, and answer "
        "what the data cannot.",
    ]
    k = ctx.get("min_group_size")
    if k and k > 1:
        lines += ["", f"Groups with fewer than {k} raters are suppressed, as in the report: "
                  "an absent figure is not a zero."]  # fmt: skip
    if result.audience == "vendor":
        lines += ["", "**Vendor edition.** Per-annotator figures and internal-only rules "
                  "are left out, and where exactly one group of an attribute is small the "
                  "next-smallest is hidden too, so no rater can be singled out."]  # fmt: skip
    return lines


def _footer(report: str) -> list[str]:
    return [
        "---",
        f"The {report_link(report, 'frameworks', 'Frameworks table of the report')} lists "
        "every framework item with the rules that speak to it and what they found in this "
        "run; findings.json carries the same findings, each with its `standards`.",
    ]


def _item_link(ctx: dict, sid: str, report: str) -> str:
    title = ((ctx.get("standards") or {}).get(sid) or {}).get("title", "")
    return report_link(report, standard_anchor(sid), f"{sid} ({title})" if title else sid)


def quoted_findings(result: AuditResult) -> dict[str, list[Finding]]:
    """Section key -> the findings it quotes (see :data:`QUOTE_ORDER`), each finding once."""
    rules = result.context.get("rules") or {}
    out: dict[str, list[Finding]] = {}
    for f in result.findings:
        names = set((rules.get(f.rule) or {}).get("standards") or f.standards)
        key = next((key for key, items in QUOTE_ORDER if names & set(items)), None)
        if key is not None:
            out.setdefault(key, []).append(f)
    return out


def _findings(findings: list[Finding], report: str) -> list[str]:
    if not findings:
        return []
    out = ["", "Findings:", ""]
    out += [f"- {_finding_line(f, report)}" for f in findings[:MAX_FINDINGS]]
    if len(findings) > MAX_FINDINGS:
        out.append(f"- … and {len(findings) - MAX_FINDINGS} more in the report.")
    return out


def _finding_line(f: Finding, report: str) -> str:
    where = report_link(report, f.category, f"{f.rule}, {f.severity}")
    return f"{cell(f.message)} ({where})"


def _questions(result: AuditResult) -> list[str]:
    """The reviewer checklist: questions of the rules that found something, then the
    standing ones, then what only the project's records can answer."""
    rules = result.context.get("rules") or {}
    seen: set[str] = set()
    out = []
    for code in sorted({f.rule for f in result.findings}):
        for q in rules.get(code, {}).get("questions") or []:
            if q not in seen:
                seen.add(q)
                out.append(f"- [ ] {cell(q)} ({code})")
    out += [f"- [ ] {cell(q)}" for q in STANDING_QUESTIONS]
    out += [
        "- [ ] D3: How was consent obtained, and did the instructions say how the data would "
        "be used?",
        "- [ ] D4: Was the protocol approved, or determined exempt, by an ethics review board?",
        "- [ ] D2: How were raters recruited, and is their pay adequate where they live?",
    ]
    return out
