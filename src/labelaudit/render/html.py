"""Render an :class:`~labelaudit.result.AuditResult` as one self-contained HTML file.

The file needs nothing but itself: CSS is inline, charts are inline SVG drawn on the
server, and there is no script at all, so the Content-Security-Policy forbids every
script and every remote load (``default-src 'none'``). Jinja2 autoescaping is on for
every value; the only markup inserted unescaped is SVG built by
:mod:`labelaudit.render.svg`, which escapes its own text. The output depends only on
the result (no clock, no random ids), so the same result gives byte-identical HTML.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from labelaudit.render import charts as C
from labelaudit.render import edition as E
from labelaudit.render import sections as S
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITIES

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def _environment() -> jinja2.Environment:
    folder = resources.files("labelaudit.render").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _section_blocks(
    sid: str, tables: dict[str, Any], result: AuditResult, k: int | None
) -> list[S.Block]:
    schema = result.context.get("schema", {}) or {}
    max_examples = int(
        result.context.get("max_examples")
        or (result.run.get("config") or {}).get("max_examples")
        or 20
    )
    blocks: list[S.Block] = []
    charts: dict[str, list[S.Block]] = {}
    if sid == "representativeness" and "representation" in tables:
        charts["representation"] = C.representation_charts(tables["representation"], k)
    if sid == "disagreement":
        if "agreement" in tables:
            charts["agreement"] = C.agreement_charts(tables["agreement"], k)
        if "group_association" in tables:
            charts["group_association"] = C.gai_charts(
                tables["group_association"], tables.get("agreement"), k
            )
        if "label_shares" in tables:
            charts["label_shares"] = C.label_share_charts(tables["label_shares"], schema, k)
    for chart_blocks in charts.values():
        blocks += chart_blocks
    for name, (where, cols) in S.PLACEMENT.items():
        if where != sid or name not in tables:
            continue
        df = tables[name]
        if name == "contested_examples":
            items = S.contested_quotes(df, max_examples)
            title = f"Contested items (sample of at most {max_examples}; texts truncated)"
            blocks.append(S.Block("quotes", title=title, items=items))
        elif name == "guideline_flags":
            items = S.guideline_quotes(df, S.QUOTE_ROWS)
            blocks.append(S.Block("quotes", title="Flagged guideline lines", items=items))
        elif not charts.get(name):  # a table the charts could not draw is shown as is
            view = S.table_view(name, df, k=k, limit=S.SECTION_ROWS, columns=cols, preview=True)
            blocks.append(S.Block("table", table=view))
    return blocks


def _data_overview(result: AuditResult) -> list[S.Block]:
    ctx, summary = result.context, result.summary
    blocks = [
        S.Block(
            "text",
            text=f"{summary.get('judgments', 0):,} judgment rows read, on "
            f"{summary.get('items', 0):,} items, by {summary.get('annotators', 0):,} annotators; "
            f"{len(summary.get('fields', []))} label field(s).",
        )
    ]
    schema = ctx.get("schema") or {}
    if schema:
        rows = [
            {"field": f, **{k: v for k, v in (spec or {}).items()}}
            for f, spec in sorted(schema.items())
        ]
        df = pd.DataFrame(rows)
        blocks.append(S.Block("table", table=S.table_view("fields", df, k=None, limit=200)))
    inferred = ctx.get("schema_inferred")
    if inferred is not None:
        text = (
            "The label schema was inferred from the data (no schema.yaml): check the levels "
            "of measurement and escape options above, since they change the statistics."
            if inferred
            else "The label schema was read from schema.yaml."
        )
        blocks.append(S.Block("text", text=text))
    inputs = ctx.get("inputs") or result.run.get("inputs") or []
    if inputs:
        blocks.append(
            S.Block("table", table=S.table_view("inputs", pd.DataFrame(inputs), k=None, limit=200))
        )
    skipped = ctx.get("skipped") or {}
    if skipped:
        parts = ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in sorted(skipped.items()))
        blocks.append(
            S.Block("text", text=f"Rows counted but left out of the statistics, by issue: {parts}.")
        )
    guidelines = ctx.get("guidelines") or []
    if guidelines:
        parts = ", ".join(f"{g.get('name')} ({g.get('n_lines', '?')} lines)" for g in guidelines)
        blocks.append(S.Block("text", text=f"Guidelines read: {parts}."))
    return blocks


def _lede(result: AuditResult, covered_attrs: list[str]) -> str:
    """One sentence a first-time reader can take in: what was audited, against what."""
    s, ctx = result.summary, result.context
    fields = ", ".join(map(str, s.get("fields", []))) or "no fields"
    text = (
        f"Audited {s.get('judgments', 0):,} judgments of {s.get('items', 0):,} items by "
        f"{s.get('annotators', 0):,} annotators ({fields})"
    )
    if covered_attrs:
        text += f", comparing rater groups by {', '.join(covered_attrs)}"
    target = ctx.get("target")
    if target:
        text += f", against the target population \u201c{target.get('name')}\u201d"
    return text + "."


def _group_attrs(result: AuditResult, tables: dict[str, Any]) -> list[str]:
    attrs: list[str] = [str(a) for a in result.context.get("group_by") or []]
    for name in ("representation", "agreement", "group_association"):
        df = tables.get(name)
        if df is not None and "attribute" in df.columns:
            attrs += [str(a) for a in df["attribute"].dropna().unique()]
    return list(dict.fromkeys(attrs))


def _covered(result: AuditResult, tables: dict[str, Any]) -> list[str]:
    s, ctx = result.summary, result.context
    lines = [
        f"{s.get('judgments', 0):,} judgments of {s.get('items', 0):,} items by "
        f"{s.get('annotators', 0):,} annotators, on field(s): "
        f"{', '.join(map(str, s.get('fields', []))) or 'none'}."
    ]
    attrs = _group_attrs(result, tables)
    if attrs:
        lines.append(f"Rater groups compared by: {', '.join(attrs)}.")
    target = ctx.get("target")
    if target:
        lines.append(
            f"Target population: {target.get('name')} (source: {target.get('source') or 'not given'})."
        )
    else:
        lines.append("No target population was given, so representativeness was not measured.")
    k = ctx.get("min_group_size")
    privacy = ctx.get("privacy") or {}
    if k and k > 1:
        lines.append(
            f"Groups with fewer than {k} raters are suppressed: no figure of theirs is shown, "
            "and no name unless the target population gives it (the others are counted as "
            f"\u201cother values\u201d)."
        )
        n_comp = (privacy.get("hidden_groups") or {}).get("complementary", 0)
        if n_comp:
            lines.append(
                f"{n_comp} larger group{'' if n_comp == 1 else 's'} "
                f"{'is' if n_comp == 1 else 'are'} hidden too, so that a smaller group can't be "
                "worked out by adding and subtracting the figures shown."
            )
    elif k:
        lines.append("min_group_size is 1: no group is suppressed, even a single rater's figures.")
    return lines


def _parameters(rule: dict, override: dict) -> list[str]:
    """Each threshold with the value used and where its default comes from."""
    out = []
    for name, p in sorted((rule.get("parameters") or {}).items()):
        p = p if isinstance(p, dict) else {"default": p}
        if name in override:
            used = f"{override[name]} (set in this run's config; default {p.get('default')})"
        else:
            used = str(p.get("default"))
        source = f"; source: {p['source']}" if p.get("source") else ""
        out.append(f"{name} = {used}{source}")
    return out


def _split_lines(result: AuditResult) -> list[str]:
    """What a split report covers, or which split reports a whole-run report has."""
    ctx = result.context
    lines = []
    split = ctx.get("split")
    if split:
        lines.append(
            f"This report covers only the annotators with {split.get('attribute')} = "
            f"{split.get('value')}; compare it with the whole-pool report."
        )
        whole = ctx.get("whole") or {}
        for row in whole.get("overall_agreement") or []:
            alpha = row.get("alpha")
            if isinstance(alpha, int | float):
                lines.append(
                    f"Whole pool, {row.get('field')}: alpha {alpha:.2f} "
                    f"(n={row.get('n_annotators')} annotators, {row.get('n_items')} items)."
                )
    splits = ctx.get("splits") or {}
    if splits:
        lines.append(f"Separate reports were written for: {', '.join(sorted(map(str, splits)))}.")
    gone = (ctx.get("privacy") or {}).get("splits_not_written") or {}
    named = [g.get("value") for g in gone.get("named") or []]
    n_unnamed = int(gone.get("unnamed") or 0)
    if named or n_unnamed:
        parts = []
        if named:
            parts.append(
                f"{', '.join(sorted(map(str, named)))} (hidden so that a smaller group can't "
                "be derived)"
            )
        if n_unnamed:
            parts.append(E.folded_split_text(n_unnamed, ctx.get("min_group_size")))
        lines.append(f"No separate report for {' and '.join(parts)}.")
    return lines


def build_view(result: AuditResult) -> dict[str, Any]:
    """The whole report as plain view-model data (what the template lays out)."""
    ctx = result.context
    k = ctx.get("min_group_size")
    rules = ctx.get("rules", {}) or {}
    findings = S.visible_findings(result)
    tables = S.visible_tables(result)
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1

    section_views = []
    for sid, title, intro, cats in S.SECTIONS:
        sv = S.SectionView(sid, title, intro)
        sv.findings = [S.finding_view(f) for f in findings if f.category in cats]
        sv.blocks = _data_overview(result) if sid == "data" else []
        sv.blocks += _section_blocks(sid, tables, result, k)
        if sid in ("rlhf", "process") and not sv.blocks and not sv.findings:
            continue  # only shown when the bundle has such data
        if not sv.blocks and not sv.findings:
            sv.blocks.append(S.Block("text", text="No data for this section in this bundle."))
        section_views.append(sv)

    checklist = []
    for code in sorted({f.rule for f in findings}):
        meta = rules.get(code, {})
        qs = [str(q) for q in meta.get("questions", [])]
        if qs:
            checklist.append({"rule": code, "title": meta.get("title", code), "questions": qs})

    appendix = [S.table_view(name, df, k=k, limit=S.APPENDIX_ROWS) for name, df in tables.items()]
    overrides = (result.run.get("config") or {}).get("rules") or {}
    triggered_rules = [
        {
            "code": code,
            **{k2: rules[code].get(k2) for k2 in ("title", "summary", "remediation")},
            "parameters": _parameters(rules[code], overrides.get(code) or {}),
        }
        for code in sorted({f.rule for f in findings})
        if code in rules
    ]
    return {
        "csp": CSP,
        "title": f"labelaudit report: {ctx.get('bundle_name') or 'audit'}",
        "bundle_name": ctx.get("bundle_name") or "",
        "created_at": str(result.run.get("created_at", "")),
        "seed": result.run.get("seed"),
        "engine": (result.run.get("config") or {}).get("engine"),
        "kernel": (result.run.get("config") or {}).get("kernel"),
        "tool_version": str(result.tool.get("version", "")),
        "vendor": result.audience == "vendor",
        "split": ctx.get("split"),
        "split_lines": _split_lines(result),
        "counts": counts,
        "n_findings": len(findings),
        "top": [S.finding_view(f) for f in S.top_findings(findings)],
        "covered": _covered(result, tables),
        "lede": _lede(result, _group_attrs(result, tables)),
        "sections": section_views,
        "methods": list(ctx.get("methods") or []),
        "standing_limits": S.STANDING_LIMITS,
        "checklist": checklist,
        "standing_questions": (
            E.VENDOR_STANDING_QUESTIONS if result.audience == "vendor" else S.STANDING_QUESTIONS
        ),
        "edition": E.edition_lines(result),
        "appendix": appendix,
        "rules": triggered_rules,
        "min_group_size": k,
    }


def render_html(result: AuditResult) -> str:
    """The report as one HTML string (deterministic for a given result)."""
    view = build_view(result)
    for sv in view["sections"]:
        for b in sv.blocks:
            if b.kind == "chart":
                b.svg = Markup(b.svg)  # built by render.svg, which escapes its text
    template = _environment().get_template("report.html.j2")
    return template.render(**view)
