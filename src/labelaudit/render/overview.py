"""The report's prose about the run: what was audited, against what, and the splits.

The lede sentence, the "what this audit covered" list, the data overview section and
what a split report (``--split-by``) covers, or which split reports a run has.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import pandas as pd

from labelaudit.render.edition import folded_split_text
from labelaudit.render.formatting import format_value
from labelaudit.render.sections import Block
from labelaudit.render.tables import table_view
from labelaudit.result import AuditResult


#: the folder of each split report inside the main report's folder (AuditReport.write)
def split_folders(attribute: str, values: list[str]) -> dict[str, str]:
    """A folder name per split value, never two the same (also on case-blind disks).

    Names keep letters, digits and ``-_.=``; any other character becomes ``_`` and the
    name is cut to 80 characters. A value whose name had to change that way, or whose
    name would equal another's ignoring case, gets the first 8 hex digits of its SHA-256
    appended, so ``A/B`` and ``A_B`` (or ``us`` and ``US``) write to different folders.

    >>> split_folders("country", ["A/B", "A_B", "KE"])
    {'A/B': 'country=A_B-998d3ed8', 'A_B': 'country=A_B', 'KE': 'country=KE'}
    """
    plain = {v: _safe_name(f"{attribute}={v}") for v in values}
    kept = Counter(name.lower() for v, name in plain.items() if name == f"{attribute}={v}")
    out = {}
    for v, name in plain.items():
        if name != f"{attribute}={v}" or kept[name.lower()] > 1:
            name = f"{name[:71]}-{hashlib.sha256(v.encode('utf-8')).hexdigest()[:8]}"
        out[v] = name
    return out


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() or c in "-_.=" else "_" for c in name)[:80]


def _schema_cell(key: str, value: object) -> object:
    """Named scale points read "1 = Not offensive at all; 5 = Very offensive"."""
    if key == "labels" and isinstance(value, dict):
        return "; ".join(f"{point} = {name}" for point, name in value.items())
    return value


def data_overview(result: AuditResult) -> list[Block]:
    """What was read, how it was interpreted (the schema), and what was left out."""
    ctx, summary = result.context, result.summary
    blocks = [
        Block(
            "text",
            text=f"{summary.get('judgments', 0):,} judgment rows read, on "
            f"{summary.get('items', 0):,} items, by {summary.get('annotators', 0):,} annotators; "
            f"{len(summary.get('fields', []))} label field(s).",
        )
    ]
    schema = ctx.get("schema") or {}
    if schema:
        rows = [
            {"field": f, **{k: _schema_cell(k, v) for k, v in (spec or {}).items()}}
            for f, spec in sorted(schema.items())
        ]
        blocks.append(
            Block("table", table=table_view("fields", pd.DataFrame(rows), k=None, limit=200))
        )
    inferred = ctx.get("schema_inferred")
    if inferred is not None:
        text = (
            "The label schema was inferred from the data (no schema.yaml): check the levels "
            "of measurement and escape options above, since they change the statistics."
            if inferred
            else "The label schema was read from schema.yaml."
        )
        blocks.append(Block("text", text=text))
    inputs = ctx.get("inputs") or result.run.get("inputs") or []
    if inputs:
        view = table_view("inputs", pd.DataFrame(inputs), k=None, limit=200)
        view.folded = True  # file hashes: for provenance, not for reading
        blocks.append(Block("table", table=view))
    skipped = ctx.get("skipped") or {}
    if skipped:
        parts = ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in sorted(skipped.items()))
        blocks.append(
            Block("text", text=f"Rows counted but left out of the statistics, by issue: {parts}.")
        )
    guidelines = ctx.get("guidelines") or []
    if guidelines:
        parts = ", ".join(f"{g.get('name')} ({g.get('n_lines', '?')} lines)" for g in guidelines)
        blocks.append(Block("text", text=f"Guidelines read: {parts}."))
    return blocks


def lede(result: AuditResult, covered_attrs: list[str]) -> str:
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


def group_attrs(result: AuditResult, tables: dict[str, Any]) -> list[str]:
    """The attributes rater groups were compared by, in order of first mention."""
    attrs: list[str] = [str(a) for a in result.context.get("group_by") or []]
    for name in ("representation", "agreement", "group_association"):
        df = tables.get(name)
        if df is not None and "attribute" in df.columns:
            attrs += [str(a) for a in df["attribute"].dropna().unique()]
    return list(dict.fromkeys(attrs))


def covered(result: AuditResult, tables: dict[str, Any]) -> list[str]:
    """What the audit covered, and how to read its figures."""
    s, ctx = result.summary, result.context
    lines = [
        f"{s.get('judgments', 0):,} judgments of {s.get('items', 0):,} items by "
        f"{s.get('annotators', 0):,} annotators, on field(s): "
        f"{', '.join(map(str, s.get('fields', []))) or 'none'}."
    ]
    attrs = group_attrs(result, tables)
    if attrs:
        lines.append(f"Rater groups compared by: {', '.join(attrs)}.")
    target = ctx.get("target")
    if target:
        lines.append(
            f"Target population: {target.get('name')} (source: {target.get('source') or 'not given'})."
        )
    elif not ctx.get("split"):
        lines.append("No target population was given, so representativeness was not measured.")
    k = ctx.get("min_group_size")
    privacy = ctx.get("privacy") or {}
    if k and k > 1:
        lines.append(
            f"Groups with fewer than {k} raters are suppressed: no figure of theirs is shown, "
            "and no name unless the target population gives it (the others are counted as "
            "\u201cother values\u201d)."
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


def split_view(result: AuditResult) -> dict[str, Any]:
    """What a split report covers, compared with the whole run; or the run's splits.

    A split report (``context["split"]``) gets lines saying whom it covers, a table of
    its figures beside the whole run's, and a link back. A whole-run report lists each
    split report with its verdict and a link, and names the splits skipped as too small
    (never with their size: that would single out a handful of raters).
    """
    ctx = result.context
    out: dict[str, Any] = {"lines": [], "table": None, "links": [], "skipped": [], "back": ""}
    split = ctx.get("split")
    if split:
        out["lines"].append(
            f"This report covers only the annotators with {split.get('attribute')} = "
            f"{split.get('value')} and the items they judged; the figures beside it are the "
            "whole run's."
        )
        out["table"] = _comparison(result, ctx.get("whole") or {})
        out["back"] = "../report.html"
    attribute = str(ctx.get("split_by") or "split")
    folders = split_folders(attribute, [str(v) for v in (ctx.get("splits") or {})])
    for value, sub in sorted((ctx.get("splits") or {}).items(), key=lambda kv: str(kv[0])):
        verdict = sub.verdict() if hasattr(sub, "verdict") else None
        out["links"].append(
            {
                "name": f"{attribute} = {value}",
                "href": f"{folders[str(value)]}/report.html",
                "verdict": verdict.text() if verdict is not None else "",
                "passed": verdict.passed if verdict is not None else True,
            }
        )
    # splits with no report: complements named, small ones only counted (never named)
    gone = (ctx.get("privacy") or {}).get("splits_not_written") or {}
    for value in sorted(str(g.get("value")) for g in gone.get("named") or []):
        out["skipped"].append(
            f"{attribute} = {value} (hidden so that a smaller group can't be derived)"
        )
    if int(gone.get("unnamed") or 0):
        out["skipped"].append(folded_split_text(int(gone["unnamed"]), ctx.get("min_group_size")))
    return out


def _comparison(result: AuditResult, whole: dict) -> Any:
    """The split's headline figures beside the whole run's (already formatted)."""
    s, w = result.summary, whole.get("summary") or {}

    def count(v: Any) -> str:
        return "–" if v is None else f"{int(v):,}"

    rows = [
        {"figure": what, "this split": count(s.get(key)), "whole run": count(w.get(key))}
        for what, key in (
            ("annotators", "annotators"),
            ("items judged", "items"),
            ("judgment rows", "judgments"),
        )  # fmt: skip
    ]
    mine = result.metrics.get("agreement")
    own: dict[str, Any] = {}
    if mine is not None and {"scope", "field", "alpha"} <= set(mine.columns):
        for _, r in mine[mine["scope"] == "overall"].iterrows():
            own[str(r["field"])] = r["alpha"]
    for r in whole.get("overall_agreement") or []:
        f = str(r.get("field"))
        rows.append(
            {
                "figure": f"Krippendorff's alpha, {f}",
                "this split": format_value("alpha", own.get(f)),
                "whole run": format_value("alpha", r.get("alpha")),
            }  # fmt: skip
        )
    for sev in ("high", "medium"):
        rows.append(
            {
                "figure": f"{sev} findings",
                "this split": count((s.get("findings") or {}).get(sev)),
                "whole run": count((w.get("findings") or {}).get(sev)),
            }  # fmt: skip
        )
    view = table_view("split_vs_whole", pd.DataFrame(rows), k=None, limit=50)
    view.title = "This split beside the whole run"
    view.numeric = [False, True, True]
    return view
