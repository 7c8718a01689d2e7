"""Section builders: turn an :class:`~labelaudit.result.AuditResult` into view-models.

The template only lays out what is built here. Every figure is formatted here, next to
its ``n``; suppressed rows (small groups, already nulled by the privacy step) become a
single "suppressed" cell, so the template cannot print a figure for them by accident.
Charts are built in :mod:`labelaudit.render.charts` and drawn by
:mod:`labelaudit.render.svg`, which escapes everything it draws; every other string
stays plain text and is escaped by Jinja2.

The vendor edition drops tables carrying ``annotator_id`` and rules marked
``audience: internal``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITY_RANK

SECTION_ROWS = 15  # rows previewed inside a section; the appendix shows them all
QUOTE_ROWS = 50  # flagged guideline lines quoted
APPENDIX_ROWS = 1000  # beyond this, findings.json carries the full table
TEXT_LIMIT = 280  # characters of item text / excerpts shown

#: columns that name a row rather than measure it (kept when a row is suppressed)
IDENTITY = (
    "field", "scope", "attribute", "group", "value", "level", "language", "region",
    "country", "item_id", "test", "guideline", "line", "term", "category", "option",
    "annotator_id", "session", "metric",
)  # fmt: skip
PERCENT_HINTS = ("share", "rate")

#: (table, section, columns shown in the section; None = all)
PLACEMENT: dict[str, tuple[str, list[str] | None]] = {
    "representation": ("representativeness", None),
    "representation_distance": ("representativeness", None),
    "representation_by_field": ("representativeness", None),
    "concentration": ("representativeness", None),
    "perspective_diversity": ("representativeness", None),
    "metadata_completeness": ("representativeness", None),
    "agreement": ("disagreement", None),
    "group_association": ("disagreement", None),
    "agreement_difference": ("disagreement", None),
    "label_shares": ("disagreement", None),
    "label_shift": ("disagreement", None),
    "contested_items": ("disagreement", None),
    "contested_examples": ("disagreement", None),
    "annotator_agreement": ("disagreement", None),
    "qc_by_group": ("disagreement", None),
    "languages": ("coverage", None),
    "item_regions": ("coverage", None),
    "escape_usage": ("coverage", None),
    "guideline_stats": ("guidelines", None),
    "guideline_flags": ("guidelines", None),
    "guideline_values": ("guidelines", None),
    "guideline_examples": ("guidelines", None),
    "guideline_unknown_labels": ("guidelines", None),
    "escape_options": ("coverage", None),
    "position_bias": ("rlhf", None),
    "preference_divergence": ("rlhf", None),
    "tie_skip_usage": ("rlhf", None),
    "timing_by_group": ("process", None),
    "fast_judgments": ("process", None),
    "session_fatigue": ("process", None),
    "session_lengths": ("process", None),
    "pay_by_group": ("process", None),
}
#: tables drawn as a chart or quoted in their section instead of a plain table
CHARTED = {"representation", "agreement", "group_association", "label_shares"}
QUOTED = {"contested_examples", "guideline_flags"}

SECTIONS: list[tuple[str, str, str, tuple[str, ...]]] = [
    # id, title, intro, finding categories shown there
    ("data", "Data overview", "What was read, how it was interpreted, and what was skipped.",
     ("data",)),
    ("representativeness", "Representativeness",
     "Who the raters are, compared with the population the labels are meant to serve.",
     ("representativeness",)),
    ("disagreement", "Disagreement",
     "How far raters agree, and whether disagreement follows group lines rather than noise.",
     ("disagreement",)),
    ("coverage", "Coverage",
     "Whether the items' languages and regions are matched by raters who can judge them.",
     ("coverage",)),
    ("guidelines", "Guidelines",
     "Lines of the labeling instructions that assume one culture's defaults.", ("guidelines",)),
    ("rlhf", "RLHF preferences",
     "Pairwise preference judgments: position bias, ties and group divergence.", ()),
    ("process", "Labeling process",
     "How the work was done: time spent, session length, pay.", ("process",)),
]  # fmt: skip

STANDING_LIMITS = [
    "Agreement is not correctness: raters can agree on a reading that harms the people "
    "the data is about, and disagreement can be the signal rather than the noise.",
    "Groups are only the attributes the annotator table records, as self-reported or "
    "assigned by the vendor; they are coarse proxies for lived experience.",
    "Small groups are suppressed to protect raters, and some larger ones are hidden so that "
    "a small one can't be worked out from the totals; an absent figure is not a zero.",
    "Representativeness is measured against the chosen target population; a different "
    "target gives different gaps. The choice of target is a judgment, not a fact.",
    "Lexicon matches on guidelines flag wording for a human to review; they cannot judge "
    "intent, and they miss assumptions phrased in other words.",
    "p-values are adjusted for the number of groups tested (Benjamini-Hochberg), but with "
    "many fields and attributes some flags will still be chance.",
]
STANDING_QUESTIONS = [
    "Who is affected by the model trained on these labels, and are they among the raters?",
    "How was the target population chosen, by whom, and what does it leave out?",
    "Were raters fairly paid for the time the task actually takes, and supported when "
    "content was distressing?",
    "Were the communities the content is about consulted on the guidelines and label set?",
    "Where groups disagree, should the labels keep the disagreement (soft labels, "
    "per-group models) instead of collapsing it to a majority vote?",
]


@dataclass
class TableView:
    id: str
    title: str
    columns: list[str]
    numeric: list[bool]
    rows: list[dict[str, Any]]  # {"cells": [...], "span": (colspan, text) | None}
    note: str = ""
    n_rows: int = 0


@dataclass
class FindingView:
    rule: str
    severity: str
    category: str
    title: str
    message: str
    subject: str
    recommendation: str


@dataclass
class FindingGroup:
    """Findings of one rule in one section: the shared advice is said once."""

    rule: str
    title: str
    severity: str  # the most severe of its findings
    recommendation: str
    items: list[FindingView] = field(default_factory=list)
    mixed: bool = False  # findings of different severities (each then shows its own)


def group_findings(views: list[FindingView]) -> list[FindingGroup]:
    """Group by rule in order of first appearance (findings arrive most severe first)."""
    groups: dict[str, FindingGroup] = {}
    for v in views:
        g = groups.get(v.rule)
        if g is None:
            groups[v.rule] = FindingGroup(v.rule, v.title, v.severity, v.recommendation, [v])
            continue
        g.items.append(v)
        g.mixed = g.mixed or v.severity != g.severity
    return list(groups.values())


@dataclass
class Block:
    kind: str  # chart | table | quotes | text
    title: str = ""
    collapsed: bool = False  # shown folded on screen (always unfolded in print)
    svg: str = ""
    table: TableView | None = None
    items: list[dict[str, str]] = field(default_factory=list)
    text: str = ""


@dataclass
class SectionView:
    id: str
    title: str
    intro: str
    findings: list[FindingView] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def finding_groups(self) -> list[FindingGroup]:
        return group_findings(self.findings)


# ------------------------------------------------------------------ formatting
def is_missing(v: Any) -> bool:
    """None, NA, NaT or NaN (what the privacy step leaves in suppressed cells)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(float(v))


def format_value(column: str, v: Any) -> str:
    """Human-readable cell text; shares and rates as percentages, p-values bounded."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(format_value(column, x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {format_value(column, x)}" for k, x in sorted(v.items()))
    if is_missing(v):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isinf(f):
            return "∞" if f > 0 else "−∞"
        if column.startswith("p_") or column.endswith("p_value"):
            return "< 0.001" if f < 0.001 else f"{f:.3f}"
        if any(h in column for h in PERCENT_HINTS) and "ratio" not in column:
            text = f"{f:.1%}"
            return "0.0%" if text == "-0.0%" else text
        if f.is_integer() and (column.startswith("n_") or column in ("line", "rows")):
            return f"{int(f):,}"
        text = f"{f:.2f}"
        return "0.00" if text == "-0.00" else text  # a rounded tiny negative is not "−0"
    s = str(v)
    return s if len(s) <= TEXT_LIMIT else s[: TEXT_LIMIT - 1] + "…"


def _label(column: str) -> str:
    return column.replace("_", " ")


def suppressed_text(k: int | None, reason: Any = "small") -> str:
    """Why a row shows no figure: too few raters, or hidden to protect a smaller group.

    >>> suppressed_text(5), suppressed_text(5, "complementary")
    ('suppressed: fewer than 5 raters', "hidden so that a smaller group can't be derived")
    """
    if reason == "complementary":
        return "hidden so that a smaller group can't be derived"
    return f"suppressed: fewer than {k} raters" if k else "suppressed: group too small"


def _numeric_column(col: pd.Series) -> bool:
    """Numbers once missing values are set aside (suppression leaves object columns)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    values = [v for v in col if not is_missing(v)]
    return bool(values) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in values
    )


def preview_order(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows to preview first: smallest adjusted p-value, suppressed rows last."""
    for col in ("p_adjusted", "p_value"):
        if col in df.columns and pd.api.types.is_numeric_dtype(df[col]):
            ranked = df.assign(_sup=df.get("suppressed", False)).sort_values(
                ["_sup", col], kind="stable", na_position="last"
            )
            return ranked.drop(columns="_sup"), f"smallest {col.replace('_', ' ')}"
    return df, ""


def table_view(
    name: str,
    df: pd.DataFrame,
    *,
    k: int | None,
    limit: int,
    columns: list[str] | None = None,
    preview: bool = False,
) -> TableView:
    """Format a metric table; suppressed rows keep their identity and hide every figure.

    With ``preview`` the table is cut to ``limit`` rows (the most notable first) and the
    note points to the full table in the appendix.
    """
    order = ""
    if preview and len(df) > limit:
        df, order = preview_order(df)
    cols = [
        c
        for c in (columns or list(df.columns))
        if c in df.columns and c not in ("suppressed", "suppressed_reason")
    ]
    ident = [c for c in cols if c in IDENTITY]
    figures = [c for c in cols if c not in IDENTITY]
    ordered = ident + figures
    numeric = [c not in IDENTITY and _numeric_column(df[c]) for c in ordered]
    rows = []
    sup = df["suppressed"] if "suppressed" in df.columns else pd.Series(False, index=df.index)
    for (_, row), is_sup in zip(df.head(limit).iterrows(), sup.head(limit), strict=True):
        if bool(is_sup) and figures:
            cells = [format_value(c, row[c]) for c in ident]
            why = suppressed_text(k, row.get("suppressed_reason"))
            rows.append({"cells": cells, "span": (len(figures), why)})
        else:
            rows.append({"cells": [format_value(c, row[c]) for c in ordered], "span": None})
    note = ""
    if len(df) > limit and preview:
        which = f"the {limit} rows with the {order}" if order else f"the first {limit} rows"
        note = f"Showing {which} of {len(df):,}; the appendix has the full table."
    elif len(df) > limit:
        note = f"First {limit:,} of {len(df):,} rows shown; findings.json has them all."
    return TableView(
        name, _label(name), [_label(c) for c in ordered], numeric, rows, note, n_rows=len(df)
    )


def subject_text(subject: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(subject.items()) if v is not None)


def finding_view(f: Finding) -> FindingView:
    return FindingView(
        rule=f.rule,
        severity=f.severity,
        category=f.category,
        title=f.title,
        message=f.message,
        subject=subject_text(f.subject),
        recommendation=f.recommendation or "",
    )


# ------------------------------------------------------------------ audience
# What an audience may see was decided before the result existed (the rulebook runs no
# internal-only rule for vendors; the privacy step drops per-annotator tables): the
# renderer shows the result as it is.
def visible_findings(result: AuditResult) -> list[Finding]:
    return sorted(result.findings, key=Finding.sort_key)


def visible_tables(result: AuditResult) -> dict[str, pd.DataFrame]:
    return {
        name: df
        for name in sorted(result.metrics)
        if isinstance(df := result.metrics[name], pd.DataFrame)
    }


#: within a severity, the audit's own questions come before data hygiene and process
TOP_CATEGORY_ORDER = (
    "representativeness", "disagreement", "coverage", "guidelines", "data", "process",
)  # fmt: skip


def _importance(f: Finding) -> tuple:
    cat = TOP_CATEGORY_ORDER.index(f.category) if f.category in TOP_CATEGORY_ORDER else 9
    return (SEVERITY_RANK.get(f.severity, 9), cat, *f.sort_key()[1:])


def top_findings(findings: list[Finding], most: int = 5, least: int = 3) -> list[Finding]:
    """The most important few: high and medium first, one per rule before repeats.

    At least ``least`` findings are shown when there are that many, even if only low or
    info; at most ``most``.
    """
    ranked = sorted(findings, key=_importance)
    chosen: list[Finding] = []
    seen: set[str] = set()
    for f in ranked:
        if f.severity in ("high", "medium") and f.rule not in seen and len(chosen) < most:
            chosen.append(f)
            seen.add(f.rule)
    for f in ranked:
        target = most if f.severity in ("high", "medium") else least
        if f not in chosen and len(chosen) < target:
            chosen.append(f)
    return sorted(chosen, key=_importance)


# ------------------------------------------------------------------ quotes
def split_rows(df: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, pd.DataFrame]]:
    """Split ``df`` by ``keys`` in order of first appearance; absent columns read as None."""
    present = [k for k in keys if k in df.columns]
    if not present:
        return [((None,) * len(keys), df)] if len(df) else []
    filled = df[present].astype(object).where(df[present].notna(), None)
    tuples = [tuple(r) for r in filled.to_numpy().tolist()]
    out = []
    for key in dict.fromkeys(tuples):
        mask = [t == key for t in tuples]
        full = tuple(key[present.index(k)] if k in present else None for k in keys)
        out.append((full, df[mask]))
    return out


def contested_quotes(df: pd.DataFrame, limit: int) -> list[dict[str, str]]:
    """At most ``limit`` examples, taken in turn from each (field, attribute, group)."""
    if "suppressed" in df.columns:
        df = df[~df["suppressed"].fillna(False).astype(bool)]
    queues = [list(part.iterrows()) for _, part in split_rows(df, ["field", "attribute", "group"])]
    picked: list[pd.Series] = []
    while len(picked) < limit and any(queues):
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop(0)[1])
    items = []
    for r in picked:
        meta = [
            f"{c.replace('_', ' ')}: {format_value(c, r[c])}"
            for c in ("field", "attribute", "group", "pooled_majority", "group_majority")
            if c in r.index and not is_missing(r[c])
        ]
        items.append(
            {
                "where": f"item {format_value('item_id', r.get('item_id'))}",
                "text": format_value("text", r.get("text")),
                "meta": "; ".join(meta),
            }
        )
    return items


def guideline_quotes(df: pd.DataFrame, limit: int) -> list[dict[str, str]]:
    items = []
    for _, r in df.head(limit).iterrows():
        where = (
            f"{format_value('guideline', r.get('guideline'))}:{format_value('line', r.get('line'))}"
        )
        meta = [
            f"{c}: {format_value(c, r[c])}"
            for c in ("term", "category", "alternative")
            if c in r.index and not is_missing(r[c])
        ]
        items.append(
            {
                "where": where,
                "text": format_value("excerpt", r.get("excerpt")),
                "meta": "; ".join(meta),
            }
        )
    return items
