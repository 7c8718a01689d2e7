"""Guideline review: culture-specific references, schema consistency, usability.

Tables:

- ``guideline_stats``: guideline, language, n_lines, n_words, mean_sentence_words,
  flesch_reading_ease, fk_grade, n_examples (+ n_sentences, n_annotators_known,
  n_annotators_not_reading, share_not_reading).
- ``guideline_flags``: guideline, line, term, category, region, excerpt, alternative,
  lexicon (+ entry, explanation, severity), one row per lexicon match.
- ``guideline_values``: field, value, is_escape, mentioned, guideline, line (first mention).
- ``guideline_unknown_labels``: guideline, line, term, excerpt.
- ``guideline_examples``: field, n_examples, first_line.

Facts: ``facts["guideline_review"]`` (lexicons used, counts).
"""

from __future__ import annotations

import re

import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis
from labelaudit.analyses.coverage import annotator_languages, field_escape_values
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import Guideline
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.text.escape import normalise_value_name
from labelaudit.text.langid import detect_languages
from labelaudit.text.lexicon import excerpt, load_lexicons, scan_guideline
from labelaudit.text.readability import text_stats

_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|[A-Z][A-Za-z /&-]{2,60}:\s*$)")
_EXAMPLE_LINE = re.compile(
    r"\b(?:examples?|e\.\s?g\.|for instance|for example|such as)(?!\w)|^\s*>\s*\S|^\s*[-*]?\s*[\"“].{8,}[\"”]",
    re.IGNORECASE,
)
_LABEL_CONTEXT = re.compile(
    r"\b(?:labels?|labell?ed|select|choose|mark(?:ed)? (?:it )?as|options?|categor(?:y|ies)|"
    r"tag(?:ged)? as|answer|classes|class)\b",
    re.IGNORECASE,
)
_MARKED = re.compile(r"`([^`\n]{1,40})`|\*\*([^*\n]{1,40})\*\*|__([^_\n]{1,40})__")
_QUOTED = re.compile(r"[\"“']([^\"”'\n]{1,30})[\"”']")
_LABEL_LIKE = re.compile(r"[A-Za-z][\w/ '-]*")


def value_pattern(value: object) -> re.Pattern[str]:
    """Whole-word pattern for a label value; ``_``, ``-`` and spaces are interchangeable.

    Examples
    --------
    >>> bool(value_pattern("not_toxic").search("Use Not toxic when..."))
    True
    >>> bool(value_pattern("toxic").search("non-toxicity"))
    False
    """
    parts = [re.escape(p) for p in re.split(r"[\s_\-]+", str(value).strip()) if p]
    return re.compile(r"(?<!\w)" + r"[\s_\-]+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _is_numeric(v: object) -> bool:
    try:
        float(str(v))
    except ValueError:
        return False
    return True


def guideline_values_table(bundle: Bundle) -> pd.DataFrame:
    """Is each (non-numeric) schema value mentioned in any guideline, and where first?"""
    escapes = field_escape_values(bundle)
    rows = []
    for name, spec in bundle.schema.items():
        esc = {normalise_value_name(v) for v in escapes.get(name, [])}
        for value in spec.values:
            if _is_numeric(value) or isinstance(value, bool):
                continue  # "3" is on every page; numeric scales are checked by examples instead
            pat = value_pattern(value)
            where = next(
                (
                    (g.name, i)
                    for g in bundle.guidelines
                    for i, ln in enumerate(g.lines, 1)
                    if pat.search(ln)
                ),
                (None, None),
            )
            rows.append(
                {
                    "field": name, "value": str(value), "is_escape": normalise_value_name(value) in esc,
                    "mentioned": where[0] is not None, "guideline": where[0], "line": where[1],
                }
            )  # fmt: skip
    return metric_table("guideline_values", rows).astype({"line": "Int64"})


def unknown_labels_table(bundle: Bundle) -> pd.DataFrame:
    """Label-like tokens in guidelines that match no field name or value (conservative).

    A candidate is text in backticks or bold anywhere, or in quotes outside example lines,
    on a line that talks about labels ("label", "select", "choose", "mark as", "option",
    "category", "tag as", "answer", "class"), one to four words long.
    """
    known = {normalise_value_name(v) for spec in bundle.schema.values() for v in spec.values}
    known |= {normalise_value_name(n) for n in bundle.schema}
    # a named scale point ("Not offensive at all" for 1) is a label the schema has
    known |= {
        normalise_value_name(t) for spec in bundle.schema.values() for t in spec.labels.values()
    }
    rows = []
    for g in bundle.guidelines:
        for lineno, line in enumerate(g.lines, 1):
            if not _LABEL_CONTEXT.search(line):
                continue
            cands = [(m.start(), next(x for x in m.groups() if x)) for m in _MARKED.finditer(line)]
            if not _EXAMPLE_LINE.search(line):
                cands += [(m.start(), m.group(1)) for m in _QUOTED.finditer(line)]
            for start, raw in cands:
                term = raw.strip()
                if not _LABEL_LIKE.fullmatch(term) or len(term.split()) > 4:
                    continue
                norm = normalise_value_name(term)
                if norm in known or _LABEL_CONTEXT.fullmatch(term):
                    continue
                rows.append(
                    {"guideline": g.name, "line": lineno, "term": term,
                     "excerpt": excerpt(line, start, start + len(raw))}
                )  # fmt: skip
    out = metric_table("guideline_unknown_labels", rows)
    return out.drop_duplicates(["guideline", "term"], ignore_index=True)


def _sections(g: Guideline) -> list[tuple[str, list[tuple[int, str]]]]:
    sections: list[tuple[str, list[tuple[int, str]]]] = [("", [])]
    for i, ln in enumerate(g.lines, 1):
        if _HEADING.match(ln):
            sections.append((ln, []))
        sections[-1][1].append((i, ln))
    return sections


def guideline_examples_table(bundle: Bundle) -> pd.DataFrame:
    """Example lines per field.

    An example line ("example", "e.g.", "for instance", a quoted sentence, a ``>`` quote)
    counts for a field when it sits in a section whose heading names the field or one of
    its values, or when the line itself names one of them; with a single field every
    example line counts for it.
    """
    fields = list(bundle.schema)
    rows = []
    for name in fields:
        spec = bundle.schema[name]
        pats = [value_pattern(name)] + [value_pattern(v) for v in spec.values if not _is_numeric(v)]
        pats += [value_pattern(t) for t in spec.labels.values()]
        hits: list[int] = []
        for g in bundle.guidelines:
            for heading, lines in _sections(g):
                owned = len(fields) == 1 or any(p.search(heading) for p in pats)
                for i, ln in lines:
                    if _EXAMPLE_LINE.search(ln) and (owned or any(p.search(ln) for p in pats)):
                        hits.append(i)
        rows.append(
            {"field": name, "n_examples": len(hits), "first_line": min(hits) if hits else None}
        )
    out = metric_table("guideline_examples", rows)
    return out.astype({"first_line": "Int64"})


def guideline_stats_table(bundle: Bundle, cfg: AuditConfig) -> pd.DataFrame:
    declared = annotator_languages(bundle)
    langs = detect_languages(
        [g.text for g in bundle.guidelines],
        getattr(cfg, "language_detector", "langdetect"),
        seed=cfg.seed,
    )
    rows = []
    for g, lang in zip(bundle.guidelines, langs, strict=True):
        s = text_stats(g.lines)
        english = lang == "en"
        row = {
            "guideline": g.name, "language": lang, "n_lines": s.n_lines, "n_words": s.n_words,
            "mean_sentence_words": s.mean_sentence_words,
            # Flesch formulas are calibrated on English only
            "flesch_reading_ease": s.flesch_reading_ease if english else None,
            "fk_grade": s.fk_grade if english else None,
            "n_examples": s.n_examples, "n_sentences": s.n_sentences,
            "n_annotators_known": None, "n_annotators_not_reading": None, "share_not_reading": None,
        }  # fmt: skip
        if declared is not None and lang != "und":
            known = [v for v in declared if v]
            n_not = sum(1 for v in known if lang not in v)
            row.update(
                n_annotators_known=len(known),
                n_annotators_not_reading=n_not,
                share_not_reading=n_not / len(known) if known else None,
            )
        rows.append(row)
    return metric_table("guideline_stats", rows)


def guideline_flags_table(bundle: Bundle, cfg: AuditConfig) -> tuple[pd.DataFrame, list[str]]:
    lexicons = load_lexicons(getattr(cfg, "lexicons", []) or [])
    rows = [
        {
            "guideline": m.guideline,
            "line": m.line,
            "term": m.term,
            "category": m.category,
            "region": m.region,
            "excerpt": m.excerpt,
            "alternative": m.alternative,
            "lexicon": m.lexicon,
            "entry": m.entry_id,
            "explanation": m.explanation,
            "severity": m.severity,
        }
        for g in bundle.guidelines
        for m in scan_guideline(g, lexicons)
    ]
    return metric_table("guideline_flags", rows), [lx.name for lx in lexicons]


@analysis("guidelines", order=45)
def guidelines(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Lexicon scan, schema consistency and usability of the guidelines."""
    if not bundle.guidelines:
        if getattr(cfg, "lexicons", None):
            load_lexicons(
                cfg.lexicons
            )  # a broken user lexicon is an error with or without guidelines
        return AnalysisOutput(facts={"guideline_review": {"n_guidelines": 0}})
    flags, lexicon_names = guideline_flags_table(bundle, cfg)
    tables = {
        "guideline_stats": guideline_stats_table(bundle, cfg),
        "guideline_flags": flags,
        "guideline_values": guideline_values_table(bundle),
        "guideline_unknown_labels": unknown_labels_table(bundle),
        "guideline_examples": guideline_examples_table(bundle),
    }
    facts = {
        "guideline_review": {
            "n_guidelines": len(bundle.guidelines),
            "lexicons": lexicon_names,
            "n_flags": len(flags),
        }
    }
    return AnalysisOutput(tables=tables, facts=facts, methods=render_methods("guidelines", {}))
