"""Render an audit result as a short Markdown summary (``summary.md``).

The same summary goes to a GitHub job summary (``$GITHUB_STEP_SUMMARY``), a GitLab
merge-request note or a pull-request comment: the verdict, counts by severity, the
findings that fail the gate, and the rest folded away. Every value taken from the data
(messages quote guideline lines and group names) is escaped, so it renders as text.

Reads only the :class:`~labelaudit.result.AuditResult`, like every renderer.
"""

from __future__ import annotations

import html
import re

from labelaudit.checks.finding import Finding
from labelaudit.render.locations import subject_label
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITIES, SEVERITY_RANK

#: rows shown per table; the rest are counted (a job summary holds at most 1 MiB)
MAX_ROWS = 200
# inside a table cell only these start markup (line-leading marks can't occur there;
# "(" after "]" and "!" before "[" are defused by escaping the brackets)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def render_markdown(result: AuditResult, report: str | None = None) -> str:
    """The summary as Markdown; ``report`` is the report's path to point readers to."""
    verdict = result.verdict()
    limit = SEVERITY_RANK[verdict.fail_on]
    ctx = result.context
    failing = [f for f in result.findings if SEVERITY_RANK[f.severity] <= limit]
    rest = [f for f in result.findings if SEVERITY_RANK[f.severity] > limit]
    mark = "\u2705" if verdict.passed else "\u274c"
    lines = [
        f"## {mark} labelaudit: {cell(verdict.text())}",
        "",
        f"Bundle {cell(str(ctx.get('bundle_name') or 'audit'))} · "
        f"labelaudit {cell(str(result.tool.get('version', '')))} · "
        f"run {cell(str(result.run.get('created_at', '')))} · seed {result.run.get('seed')}"
        + (" · vendor edition" if result.audience == "vendor" else ""),
        "",
        "| severity | findings |",
        "|---|---:|",
    ]
    counts = result.counts_by_severity()
    lines += [f"| {s} | {counts.get(s, 0)} |" for s in SEVERITIES]
    lines.append("")
    if failing:
        lines += [f"### Findings at or above {verdict.fail_on}", "", *_table(failing), ""]
    if rest:
        lines += [
            "<details>",
            f"<summary>{len(rest)} finding(s) below the gate ({verdict.fail_on})</summary>",
            "",
            *_table(rest),
            "",
            "</details>",
            "",
        ]
    if report:
        lines.append(
            f"The full report, with the figures, methods and reviewer questions behind each "
            f"finding, is {cell(report)} (findings.json beside it is its machine-readable twin)."
        )
        lines.append("")
    return "\n".join(lines)


def _table(findings: list[Finding]) -> list[str]:
    rows = ["| severity | rule | about | finding |", "|---|---|---|---|"]
    for f in findings[:MAX_ROWS]:
        rows.append(
            f"| {f.severity} | {f.rule} | {cell(subject_label(f))} | "
            f"**{cell(f.title)}**: {cell(f.message)} |"
        )
    if len(findings) > MAX_ROWS:
        rows.append(f"| | | | … and {len(findings) - MAX_ROWS} more (all are in findings.json) |")
    return rows


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell: one line, markup escaped.

    >>> print(cell("a|b <script> *x* [link](u)\\nnext"))
    a\\|b &lt;script&gt; \\*x\\* \\[link\\](u) next
    """
    one_line = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))
