"""Declarative user rules, written in YAML only (no Python): how they find things.

The rule loader (:mod:`labelaudit.rulebook.declarative`) checks and compiles a rule's
``spec`` when it reads the file: ``kind: threshold`` compares one column of a metric
table with a value, ``kind: lexicon`` scans the guideline lines with RE2 patterns.
:func:`declarative_problems` adds what only the table declarations know: that the
metric table, its filter and value columns and every field of the message exist.
Suppressed rows never match.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Iterable, Iterator

import pandas as pd

from labelaudit.analyses.tables import TABLES
from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, CheckFn
from labelaudit.errors import Problem
from labelaudit.rulebook import Rule
from labelaudit.rulebook.declarative import OPERATORS, SUBJECT_KEYS, LexiconSpec, ThresholdSpec

__all__ = ["SUBJECT_KEYS", "declarative_check", "declarative_problems"]
OPS = dict(zip(OPERATORS, (operator.lt, operator.le, operator.gt, operator.ge), strict=True))
_FIX = "see the spec format in src/labelaudit/rulebook/declarative.py"


class DeclarativeRuleError(ValueError):
    """A rule whose kind has no check (a bug: the loader refuses such files)."""


def declarative_check(rule: Rule) -> CheckFn:
    """The check function of a declarative rule (its spec was compiled when loaded)."""
    if isinstance(rule.compiled, ThresholdSpec):
        return _threshold
    if isinstance(rule.compiled, LexiconSpec):
        return _lexicon
    raise DeclarativeRuleError(f"{rule.path}: rule {rule.code} has no compiled declarative spec")


def declarative_problems(rules: Iterable[Rule]) -> list[Problem]:
    """Threshold rules naming a metric table, column or message field that doesn't exist."""
    problems = []
    for rule in rules:
        spec = rule.compiled
        if not isinstance(spec, ThresholdSpec):
            continue
        where = str(rule.path)
        if spec.metric not in TABLES:
            problems.append(Problem(where, f"spec.metric {spec.metric!r} is not a metric table"
                                    + _hint(spec.metric, TABLES), fix=_FIX))  # fmt: skip
            continue
        columns = TABLES[spec.metric]
        named = [("spec.column", spec.column), *(("spec.where", k) for k, _ in spec.where)]
        named += [("spec.message", f) for f in sorted(spec.message.fields - {"value"})]
        for key, col in named:
            if col not in columns:
                problems.append(
                    Problem(where, f"{key} names {col!r}, which is not a column of "
                            f"{spec.metric}" + _hint(col, columns),
                            fix=f"{spec.metric} has: {', '.join(columns)}")
                )  # fmt: skip
    return problems


def _hint(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _threshold(ctx: CheckContext) -> Iterator[Finding]:
    assert ctx.rule is not None and isinstance(ctx.rule.compiled, ThresholdSpec)
    spec = ctx.rule.compiled
    table = ctx.metric(spec.metric)
    if table.empty or spec.column not in table.columns:
        return
    value = float(ctx.param(spec.value)) if isinstance(spec.value, str) else spec.value
    for key, want in spec.where:
        if key in table.columns:
            table = table[table[key] == want]
    if "suppressed" in table.columns:
        table = table[~table["suppressed"].fillna(False).astype(bool)]
    col = pd.to_numeric(table[spec.column], errors="coerce")
    hits = table[OPS[spec.op](col, value) & col.notna()]
    for row in hits.to_dict(orient="records"):
        fields = {k: ("" if row.get(k) is None else row[k]) for k in spec.message.fields}
        message = spec.message.render({**fields, "value": value})
        subject = {k: str(row[k]) for k in spec.subject if row.get(k) is not None}
        yield ctx.hit(
            message,
            subject=subject,
            evidence={spec.column: row[spec.column], "threshold": value, "op": spec.op},
        )


def _lexicon(ctx: CheckContext) -> Iterator[Finding]:
    assert ctx.rule is not None and isinstance(ctx.rule.compiled, LexiconSpec)
    entries = ctx.rule.compiled.entries
    for g in ctx.facts.get("guidelines", []):
        for lineno, line in enumerate(g.lines, 1):
            for e in entries:
                m = e.pattern.search(line)
                if m:
                    yield ctx.hit(
                        f"{g.name}:{lineno} mentions {m.group(0)!r}. {e.explanation}".strip(),
                        subject={"guideline": g.name, "line": lineno},
                        evidence={
                            "term": m.group(0),
                            "excerpt": line.strip()[:200],
                            "alternative": e.alternative,
                        },
                    )
