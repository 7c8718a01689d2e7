"""The report's topical sections: what goes where, and the blocks they are made of.

The template only lays out what is built here and in its sibling modules: findings
(:mod:`~labelaudit.render.findings`), tables (:mod:`~labelaudit.render.tables`), figures
(:mod:`~labelaudit.render.formatting`) and charts (:mod:`~labelaudit.render.charts`,
drawn and escaped by :mod:`~labelaudit.render.svg`). Every figure is formatted next to
its ``n``; suppressed rows (small groups, already nulled by the privacy step) become a
single "suppressed" cell, so the template cannot print a figure for them by accident.
Every other string stays plain text and is escaped by Jinja2.

The vendor edition drops tables carrying ``annotator_id`` and rules marked
``audience: internal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from labelaudit.render.findings import FindingGroup, FindingView, group_findings
from labelaudit.render.formatting import format_value, is_missing
from labelaudit.render.tables import TableView
from labelaudit.result import AuditResult

SECTION_ROWS = 10  # rows previewed inside a section; the appendix shows them all
OPEN_ROWS = 8  # a section's table with more rows than this is folded
QUOTE_ROWS = 50  # flagged guideline lines quoted
APPENDIX_ROWS = 1000  # beyond this, findings.json carries the full table

#: (table, section, columns shown in the section; None = all)
PLACEMENT: dict[str, tuple[str, list[str] | None]] = {
    "representation": ("representativeness", None),
    "representation_distance": ("representativeness", None),
    "representation_by_field": ("representativeness", None),
    "concentration": ("representativeness", None),
    "perspective_diversity": ("representativeness", None),
    "metadata_completeness": ("representativeness", None),
    "list_defaults": ("representativeness", None),
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
class Block:
    kind: str  # chart | fold (of charts) | table | quotes | text
    title: str = ""
    collapsed: bool = False  # shown folded on screen (always unfolded in print)
    svg: str = ""
    svg_narrow: str = ""  # the same chart laid out for a phone (labels above the bars)
    table: TableView | None = None
    items: list[dict[str, str]] = field(default_factory=list)
    text: str = ""
    #: a content note folding example items that may be offensive (harm, hate...)
    content_note: str = ""
    about: str = ""  # the field or attribute a chart is about (which chart stays open)
    children: list[Block] = field(default_factory=list)  # a "fold": charts behind one click


@dataclass
class SectionView:
    id: str
    title: str
    intro: str
    findings: list[FindingView] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def finding_groups(self) -> list[FindingGroup]:
        """The section's findings by rule, most important rule first (info-only rules
        are :attr:`note_groups`)."""
        return [g for g in group_findings(self.findings) if g.severity != "info"]

    @property
    def note_groups(self) -> list[FindingGroup]:
        """Rules whose findings here are all info (a test that could not run, a setting
        inferred): folded under one line, so the findings that need action come first."""
        return [g for g in group_findings(self.findings) if g.severity == "info"]


# ------------------------------------------------------------------ audience
# What an audience may see was decided before the result existed (the rulebook runs no
# internal-only rule for vendors; the privacy step drops per-annotator tables): the
# renderer shows the result as it is.
def visible_tables(result: AuditResult) -> dict[str, pd.DataFrame]:
    """Every metric table of the result, by name."""
    return {
        name: df
        for name in sorted(result.metrics)
        if isinstance(df := result.metrics[name], pd.DataFrame)
    }


#: words in a field's name (or its schema kind) that mark content about harm: example
#: items of such a field are folded behind a content note
HARM_WORDS = re.compile(
    r"tox|offens|hate|harm|abus|insult|slur|profan|obscen|threat|violen|harass|sexis|"
    r"racis|extrem|nsfw|unsafe|safety",
    re.IGNORECASE,
)


def content_note(fields: list[str], schema: dict) -> str:
    """The note for example items of ``fields`` when one of them is about harm, else "".

    >>> content_note(["toxicity"], {}), content_note(["sentiment"], {})
    ('Content note: these items were labelled for toxicity and may contain offensive or hateful text.', '')
    """
    harmful = [
        f for f in fields
        if HARM_WORDS.search(str(f)) or HARM_WORDS.search(str((schema.get(f) or {}).get("kind") or ""))
    ]  # fmt: skip
    if not harmful:
        return ""
    return (
        f"Content note: these items were labelled for {', '.join(map(str, harmful))} and may "
        "contain offensive or hateful text."
    )


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
