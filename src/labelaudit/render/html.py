"""Render an :class:`~labelaudit.result.AuditResult` as one self-contained HTML file.

The file needs nothing but itself: CSS is inline, charts are inline SVG drawn on the
server, and there is no script at all, so the Content-Security-Policy forbids every
script and every remote load (``default-src 'none'``). Jinja2 autoescaping is on for
every value; the only markup inserted unescaped is SVG built by
:mod:`labelaudit.render.svg`, which escapes its own text. The output depends only on
the result (no clock, no random ids), so the same result gives byte-identical HTML.

The page, top to bottom: the verdict and every high finding (ranked by the size of the
breach), the checks table, the topical sections (:data:`~labelaudit.render.sections.SECTIONS`,
then :data:`EXTRA_SECTIONS`), methods, the reviewer checklist and the appendix. Long
parts are folded (``<details>``); printing unfolds everything.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from labelaudit.render import charts as C
from labelaudit.render import edition as E
from labelaudit.render import sections as S
from labelaudit.render.checks_table import checks_table
from labelaudit.render.findings import FindingView, finding_views, top_block
from labelaudit.render.frameworks import frameworks_context
from labelaudit.render.overview import covered, data_overview, group_attrs, lede, split_view
from labelaudit.render.tables import table_view
from labelaudit.result import AuditResult
from labelaudit.visible import reveal
from labelaudit.vocabulary import SEVERITIES

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)

#: sections after the topical ones and before methods: each builder returns a section
#: (or None when it has nothing to show); it gets its contents link and the standard
#: layout (findings, then blocks). A new kind of section (e.g. frameworks) goes here.
EXTRA_SECTIONS: list[Callable[[AuditResult, list[FindingView]], S.SectionView | None]] = []


#: shorter names in the contents bar, so it stays one line on a desktop
NAV_TITLES = {"data": "Data", "representativeness": "Representation", "rlhf": "RLHF",
              "process": "Process"}  # fmt: skip


def _environment() -> jinja2.Environment:
    folder = resources.files("labelaudit.render").joinpath("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_shown,
    )


def _charts(
    sid: str, tables: dict[str, Any], result: AuditResult, views: list[FindingView]
) -> dict:
    """The charts of one section, by the table they draw.

    Of each kind, only the chart about the section's most important finding stays open
    (the alpha chart of the worst field, the pool chart of the attribute with the worst
    gap); the others are one click away.
    """
    ctx = result.context
    k = ctx.get("min_group_size")
    sizes = ctx.get("group_sizes") or {}
    mine = [v for v in views if v.category == sid]
    out: dict[str, list[S.Block]] = {}
    if sid == "representativeness" and "representation" in tables:
        drawn = C.representation_charts(tables["representation"], k, sizes)
        out["representation"] = C.open_one(drawn, "attribute", mine)
    if sid == "disagreement":
        if "agreement" in tables:
            drawn = C.agreement_charts(tables["agreement"], k, sizes)
            out["agreement"] = C.open_one(drawn, "field", mine)
        if "group_association" in tables:
            drawn = C.gai_charts(tables["group_association"], k, sizes)
            out["group_association"] = C.open_one(drawn, "field", mine)
        if "label_shares" in tables:
            schema = ctx.get("schema", {}) or {}
            out["label_shares"] = C.label_share_charts(tables["label_shares"], schema, k, sizes)
    return out


def _shown(value: Any) -> Any:
    """Every value printed: control and bidi-override characters as ``[U+XXXX]``."""
    if isinstance(value, Markup):  # SVG from render.svg: the codes hold no markup
        return Markup(reveal(str(value)))
    return reveal(value) if isinstance(value, str) else value


def _section_blocks(
    sid: str, tables: dict[str, Any], result: AuditResult, views: list[FindingView]
) -> list[S.Block]:
    ctx = result.context
    k = ctx.get("min_group_size")
    schema = ctx.get("schema", {}) or {}
    max_examples = int(
        ctx.get("max_examples") or (result.run.get("config") or {}).get("max_examples") or 20
    )
    charts = _charts(sid, tables, result, views)
    # the tables each rule read: a row is behind a finding only in a table its rule read
    rule_tables = {r["code"]: r.get("tables") or () for r in ctx.get("rule_runs") or []}
    blocks = [b for chart_blocks in charts.values() for b in chart_blocks]
    for name, (where, cols) in S.PLACEMENT.items():
        if where != sid or name not in tables:
            continue
        df = tables[name]
        if name == "contested_examples":
            items = S.contested_quotes(df, max_examples)
            title = f"Contested items (sample of at most {max_examples}; texts truncated)"
            fields = [str(f) for f in df["field"].dropna().unique()] if "field" in df else []
            blocks.append(
                S.Block(
                    "quotes", title=title, items=items, content_note=S.content_note(fields, schema)
                )
            )
        elif name == "guideline_flags":
            items = S.guideline_quotes(df, S.QUOTE_ROWS)
            blocks.append(
                S.Block("quotes", title="Flagged guideline lines", items=items, collapsed=True)
            )
        elif df.empty:
            continue  # nothing to show here; the appendix lists it
        elif not charts.get(name):  # a table the charts could not draw is shown as is
            readers = [v for v in views if name in rule_tables.get(v.rule, (name,))]
            view = table_view(
                name, df, k=k, limit=S.SECTION_ROWS, columns=cols, preview=True, views=readers
            )
            # open only when short and behind a finding: the rest is one click away
            view.folded = view.n_rows > S.OPEN_ROWS or not view.n_marked
            blocks.append(S.Block("table", table=view))
    return blocks


def _home(result: AuditResult) -> dict[str, str]:
    """Rule -> the section of the tables it read, when they all sit in one section.

    A finding is shown beside the figures behind it: LA601 (position bias, category
    process) reads the RLHF tables, so it goes to the RLHF section. Rules that read no
    table, or tables of several sections, go by their category.
    """
    out = {}
    for run in result.context.get("rule_runs") or []:
        where = {S.PLACEMENT[t][0] for t in run.get("tables") or () if t in S.PLACEMENT}
        if len(where) == 1:
            out[run["code"]] = where.pop()
    return out


def _sections(result: AuditResult, tables: dict, views: list[FindingView]) -> list[S.SectionView]:
    out = []
    home = _home(result)
    for sid, title, intro, cats in S.SECTIONS:
        sv = S.SectionView(sid, title, intro)
        sv.findings = [
            v
            for v in views
            if home.get(v.rule, "") == sid or (v.rule not in home and v.category in cats)
        ]
        sv.blocks = data_overview(result) if sid == "data" else []
        sv.blocks += _section_blocks(sid, tables, result, views)
        if sid in ("rlhf", "process") and not sv.blocks and not sv.findings:
            continue  # only shown when the bundle has such data
        if not sv.blocks and not sv.findings:
            sv.blocks.append(S.Block("text", text="No data for this section in this bundle."))
        out.append(sv)
    return out


def build_view(result: AuditResult) -> dict[str, Any]:
    """The whole report as plain view-model data (what the template lays out)."""
    ctx = result.context
    k = ctx.get("min_group_size")
    rules = ctx.get("rules", {}) or {}
    views = finding_views(result.findings)
    tables = S.visible_tables(result)
    counts = dict.fromkeys(SEVERITIES, 0)
    for v in views:
        counts[v.severity] += 1
    sections = _sections(result, tables, views)
    extra = [sv for build in EXTRA_SECTIONS if (sv := build(result, views)) is not None]
    checklist = []
    for code in sorted({v.rule for v in views}):
        qs = [str(q) for q in rules.get(code, {}).get("questions", [])]
        if qs:
            checklist.append(
                {"rule": code, "title": rules[code].get("title", code), "questions": qs}
            )
    appendix = [table_view(name, df, k=k, limit=S.APPENDIX_ROWS) for name, df in tables.items()]
    verdict = result.verdict()
    nav = [("summary", "Summary"), ("checks", "Checks")]
    nav += [(s.id, NAV_TITLES.get(s.id, s.title)) for s in sections + extra]
    nav += [("frameworks", "Frameworks")]
    nav += [("methods", "Methods"), ("checklist", "Checklist"), ("appendix", "Appendix")]
    return {
        "csp": CSP,
        "verdict": {"passed": verdict.passed, "text": verdict.text()},
        "title": f"labelaudit report: {ctx.get('bundle_name') or 'audit'}",
        "bundle_name": ctx.get("bundle_name") or "",
        "created_at": str(result.run.get("created_at", "")),
        "seed": result.run.get("seed"),
        "engine": (result.run.get("config") or {}).get("engine"),
        "kernel": (result.run.get("config") or {}).get("kernel"),
        "tool_version": str(result.tool.get("version", "")),
        "vendor": result.audience == "vendor",
        "split": ctx.get("split"),
        "splits": split_view(result),
        "counts": counts,
        "n_findings": len(views),
        "top": top_block(views),
        "checks": checks_table(result, views),
        "covered": covered(result, tables),
        "lede": lede(result, group_attrs(result, tables)),
        "nav": nav,
        "sections": sections + extra,
        "methods": list(ctx.get("methods") or []),
        "standing_limits": S.STANDING_LIMITS,
        "checklist": checklist,
        "standing_questions": (
            E.VENDOR_STANDING_QUESTIONS if result.audience == "vendor" else S.STANDING_QUESTIONS
        ),
        "edition": E.edition_lines(result),
        "appendix": appendix,
        "min_group_size": k,
        "frameworks": frameworks_context(result),
    }


def render_html(result: AuditResult) -> str:
    """The report as one HTML string (deterministic for a given result)."""
    view = build_view(result)
    for sv in view["sections"]:
        for b in [x for blk in sv.blocks for x in (blk, *blk.children)]:
            if b.kind == "chart":
                # built by render.svg, which escapes its text
                b.svg, b.svg_narrow = Markup(b.svg), Markup(b.svg_narrow)
    template = _environment().get_template("report.html.j2")
    return template.render(**view)
