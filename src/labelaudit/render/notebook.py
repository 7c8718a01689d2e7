"""The result as a notebook shows it (``_repr_html_``): verdict, counts, top findings.

A short HTML fragment, escaped like the report and ranked the same way (every high
finding, largest breach first, then the worst medium finding of each rule), with a
pointer to the full report. Notebook front ends sanitise such fragments, so it uses
inline styles only.
"""

from __future__ import annotations

from html import escape

from labelaudit.render.findings import finding_views, top_block
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITIES

_COLOURS = {"high": "#D55E00", "medium": "#8a5a00", "low": "#0072B2", "info": "#767676"}


def render_notebook(result: AuditResult) -> str:
    """The fragment: what a notebook cell shows for an audit result."""
    verdict = result.verdict()
    counts = result.counts_by_severity()
    s = result.summary
    name = result.context.get("bundle_name") or "audit"
    top = top_block(finding_views(result.findings))
    listed = top.high + top.medium + top.others
    colour = "#2e7d32" if verdict.passed else "#D55E00"
    parts = [
        '<div class="labelaudit-result" style="font-family: system-ui, sans-serif; line-height: 1.4">',
        f"<p><strong>labelaudit: {escape(str(name))}</strong> · "
        f'<span style="border-left: 4px solid {colour}; padding-left: .4em">'
        f"CI gate: {escape(verdict.text())}</span></p>",
        f"<p>{s.get('judgments', 0):,} judgments of {s.get('items', 0):,} items by "
        f"{s.get('annotators', 0):,} annotators · findings: "
        + ", ".join(f"{counts[sev]} {sev}" for sev in SEVERITIES)
        + "</p>",
    ]
    if listed:
        parts.append('<ol style="margin: .2em 0 .4em 1.2em; padding: 0">')
        for v in listed:
            parts.append(
                f'<li><span style="color: {_COLOURS.get(v.severity, "#000")}; font-weight: 700">'
                f"{escape(v.severity.upper())}</span> {escape(v.rule)} {escape(v.title)}: "
                f"{escape(v.message)}</li>"
            )
        parts.append("</ol>")
    more = len(result.findings) - len(listed)
    parts.append(
        f'<p style="color: #595959">{more} more finding{"" if more == 1 else "s"} in '
        "<code>.findings</code>; metric tables in <code>.metrics</code> "
        f"({len(result.metrics)}); the full report: <code>.to_html()</code> or "
        "<code>.write(folder)</code>.</p>"
        if listed
        else '<p style="color: #595959">No finding. Metric tables in <code>.metrics</code>; '
        "the full report: <code>.to_html()</code>.</p>"
    )
    parts.append("</div>")
    return "\n".join(parts)
