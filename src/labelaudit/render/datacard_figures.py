"""Figures of the data card (``datacard.md``): Markdown tables built from released metric tables.

Every figure comes from :attr:`AuditResult.metrics` as the privacy step left it, and a
row it suppressed keeps its name and shows the report's own words ("suppressed (fewer
than 5 annotators)") in every figure cell, so the card can't print what the report
hides. Values taken from the data (group names, file names) are escaped for Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from labelaudit.render.formatting import format_value, is_missing, suppressed_text
from labelaudit.render.markdown import cell


def report_link(report: str, anchor: str, label: str) -> str:
    """A link to one place of the report: ``[label](report.html#anchor)``."""
    return f"[{cell(label)}]({report}#{anchor})"


def table_link(report: str, name: str) -> str:
    """Where a metric table's figures are in the report (its table id, appendix included)."""
    return report_link(report, f"table-{name}", f"report: {name.replace('_', ' ')}")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells must already be escaped (see :func:`cell`)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def is_suppressed(row: dict[str, Any]) -> bool:
    """Whether the privacy step hid this row's figures."""
    flag = row.get("suppressed")
    return bool(flag) and not is_missing(flag)


def value(column: str, v: Any) -> str:
    """A figure as the report formats it (shares as percentages), escaped."""
    return cell(format_value(column, v))


def with_interval(column: str, row: dict[str, Any], low: str, high: str) -> str:
    """``33.3% (22.7%–45.9%)``, or the figure alone when the interval is missing."""
    main = value(column, row.get(column))
    lo, hi = row.get(low), row.get(high)
    if is_missing(lo) or is_missing(hi):
        return main
    return f"{main} ({value(column, lo)}–{value(column, hi)})"


def figure_table(
    headers: Sequence[str],
    rows: Iterable[dict[str, Any]],
    identity: Sequence[str],
    figures: Sequence,
    k: int | None,
) -> list[str]:
    """A table of released figures: the identity cells, then each figure (a column name
    or a function of the row).

    Rows the privacy step suppressed show no figure at all: they are folded into one
    line under the table naming them with the report's words ("suppressed (fewer than 5
    annotators)"), as the report's charts fold them.
    """
    shown: list = []
    folded: dict[str, dict[str, list[str]]] = {}  # reason -> context -> names
    for row in rows:
        names = [cell(str(row.get(c))) if not is_missing(row.get(c)) else "–" for c in identity]
        if is_suppressed(row):
            reason = str(row.get("suppressed_reason") or "small")
            by_where = folded.setdefault(reason, {})
            by_where.setdefault(" / ".join(names[:-1]), []).append(names[-1])
            continue
        shown.append(names + [f(row) if callable(f) else value(f, row.get(f)) for f in figures])
    out = md_table(headers, shown) if shown else []
    for reason in sorted(folded):  # one line per reason, each saying its own
        # names may hold commas ("bisexual, transgender"): "; " between names, " · " between
        # the rows' contexts (field / attribute)
        parts = " · ".join(f"{where}: {'; '.join(n)}" if where else "; ".join(n)
                           for where, n in folded[reason].items())  # fmt: skip
        why = cell(suppressed_text(k, reason))
        out += ["", f"{why[0].upper() + why[1:]}, not shown: {parts}."]
    return out


def records(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A metric table's rows as dicts (none for a missing table)."""
    if table is None or table.empty:
        return []
    return table.to_dict(orient="records")


#: Data Cards' "Human Annotators" headings, by the attribute they describe
_HEADINGS = {
    "region": "Location(s)",
    "subregion": "Location(s)",
    "country": "Location(s)",
    "nationality": "Location(s)",
    "country_of_residence": "Location(s)",
    "country_of_birth": "Location(s)",
    "gender": "Gender(s)",
    "sex": "Gender(s)",
    "languages": "Language(s)",
}


def attribute_heading(attribute: str) -> str:
    """The Data Cards heading an attribute's distribution belongs under.

    >>> attribute_heading("region"), attribute_heading("age_band")
    ('Location(s): region', 'Age band')
    """
    heading = _HEADINGS.get(attribute.lower())
    name = cell(attribute)
    return f"{heading}: {name}" if heading else cell(attribute.replace("_", " ").capitalize())


def pool_tables(result_metrics: dict[str, pd.DataFrame], k: int | None, report: str) -> list[str]:
    """The pool by attribute against the target: raters, pool share with its interval,
    target share and ratio; one table per attribute, under its Data Cards heading."""
    rows = records(result_metrics.get("representation"))
    if not rows:
        return ["No annotator attribute could be tabulated (no annotators table, or no "
                "categorical attribute in it)."]  # fmt: skip
    out: list[str] = []
    for attribute in dict.fromkeys(str(r["attribute"]) for r in rows):
        part = [r for r in rows if str(r["attribute"]) == attribute]
        headers = ["group", "raters", "share of the pool (95% interval)"]
        figures: list = [
            "n_annotators",
            lambda r: with_interval("pool_share", r, "pool_ci_low", "pool_ci_high"),
        ]
        if any(not is_missing(r.get("target_share")) for r in part):
            headers += ["target share", "pool / target"]
            figures += ["target_share", "ratio"]
        out += ["", f"#### {attribute_heading(attribute)}", ""]
        out += figure_table(headers, part, ["group"], figures, k)
    out += ["", f"Source: {table_link(report, 'representation')}."]
    return out


def agreement_tables(metrics: dict[str, pd.DataFrame], k: int | None, report: str) -> list[str]:
    """Agreement overall per field, then within and across groups with GRASP's result."""
    agreement = records(metrics.get("agreement"))
    overall = [r for r in agreement if r.get("scope") == "overall"]
    if not overall:
        return ["No agreement figure could be computed (no item has two scored judgments)."]
    out = figure_table(
        ["field", "level", "Krippendorff's alpha (95% interval)", "items", "judgments", "raters"],
        overall,
        ["field", "level"],
        [
            lambda r: with_interval("alpha", r, "ci_low", "ci_high"),
            "n_items",
            "n_judgments",
            "n_annotators",
        ],  # fmt: skip
        k,
    )
    out += ["", f"Source: {table_link(report, 'agreement')}."]
    grasp = {
        (r.get("field"), r.get("attribute"), r.get("group")): r
        for r in records(metrics.get("group_association"))
    }
    within = [r for r in agreement if r.get("scope") == "within"]
    if not within:
        return out
    out += ["", "By group: agreement within the group (IRR) and with everyone else (XRR, "
            "cross-replication reliability), their ratio (GAI) and its permutation test "
            "(GRASP, Prabhakaran et al. 2024; p adjusted with Benjamini-Hochberg).", ""]  # fmt: skip

    def from_grasp(column: str):
        def get(r: dict[str, Any]) -> str:
            g = grasp.get((r.get("field"), r.get("attribute"), r.get("group")))
            return "–" if g is None or is_suppressed(g) else value(column, g.get(column))

        return get

    out += figure_table(
        [
            "field",
            "attribute",
            "group",
            "raters",
            "IRR (95% interval)",
            "XRR",
            "GAI",
            "p adjusted",
        ],  # fmt: skip
        within,
        ["field", "attribute", "group"],
        [
            "n_annotators",
            lambda r: with_interval("alpha", r, "ci_low", "ci_high"),
            from_grasp("xrr"),
            from_grasp("gai"),
            from_grasp("p_adjusted"),
        ],  # fmt: skip
        k,
    )
    out += ["", f"Source: {table_link(report, 'agreement')}, "
            f"{table_link(report, 'group_association')}."]  # fmt: skip
    return out
