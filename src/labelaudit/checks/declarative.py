"""Declarative user rules, written in YAML only (no Python).

``kind: threshold`` compares one column of a metric table with a value::

    kind: threshold
    spec:
      metric: agreement            # metric table name
      where: {scope: within}       # optional equality filters
      column: alpha
      op: "<"                      # <, <=, >, >=
      value: threshold             # a number, or the name of one of the rule's parameters
      subject: [field, attribute, group]
      message: "{field} {attribute}={group}: alpha {alpha:.2f} is below {value}"

``kind: lexicon`` scans the guideline lines for regular expressions::

    kind: lexicon
    spec:
      entries:
        - {pattern: '\\bcheckbook\\b', explanation: "...", alternative: "..."}

Suppressed rows never match.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, CheckFn
from labelaudit.rulebook import Rule

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
SUBJECT_KEYS = ("field", "attribute", "group", "language", "value", "item_id", "guideline", "line")


class DeclarativeRuleError(ValueError):
    pass


def declarative_check(rule: Rule) -> CheckFn:
    if rule.kind == "threshold":
        _validate_threshold(rule)
        return _threshold
    if rule.kind == "lexicon":
        entries = rule.spec.get("entries")
        if not isinstance(entries, list) or not entries:
            raise DeclarativeRuleError(f"{rule.path}: lexicon rule needs spec.entries")
        for e in entries:
            try:
                re.compile(e["pattern"])
            except (KeyError, TypeError, re.error) as exc:
                raise DeclarativeRuleError(f"{rule.path}: bad lexicon entry {e!r}: {exc}") from None
        return _lexicon
    raise DeclarativeRuleError(
        f"{rule.path}: kind must be python, threshold or lexicon, got {rule.kind!r}"
    )


def _validate_threshold(rule: Rule) -> None:
    spec = rule.spec
    for key in ("metric", "column", "op", "value", "message"):
        if key not in spec:
            raise DeclarativeRuleError(f"{rule.path}: threshold rule needs spec.{key}")
    if spec["op"] not in OPS:
        raise DeclarativeRuleError(f"{rule.path}: spec.op must be one of {', '.join(OPS)}")


def _threshold(ctx: CheckContext) -> Iterator[Finding]:
    assert ctx.rule is not None
    spec = ctx.rule.spec
    table = ctx.metric(spec["metric"])
    if table.empty or spec["column"] not in table.columns:
        return
    value = spec["value"]
    if isinstance(value, str):
        value = ctx.param(value)
    for key, want in (spec.get("where") or {}).items():
        if key in table.columns:
            table = table[table[key] == want]
    if "suppressed" in table.columns:
        table = table[~table["suppressed"].fillna(False).astype(bool)]
    col = pd.to_numeric(table[spec["column"]], errors="coerce")
    hits = table[OPS[spec["op"]](col, float(value)) & col.notna()]
    for row in hits.to_dict(orient="records"):
        fmt = {k: ("" if v is None else v) for k, v in row.items()}
        message = spec["message"].format(value=value, **fmt)
        subject = {
            k: str(row[k])
            for k in spec.get("subject", [])
            if k in SUBJECT_KEYS and row.get(k) is not None
        }
        yield ctx.hit(
            message,
            subject=subject,
            evidence={spec["column"]: row[spec["column"]], "threshold": value, "op": spec["op"]},
        )


def _lexicon(ctx: CheckContext) -> Iterator[Finding]:
    assert ctx.rule is not None
    entries = [(re.compile(e["pattern"], re.IGNORECASE), e) for e in ctx.rule.spec["entries"]]
    for g in ctx.facts.get("guidelines", []):
        for lineno, line in enumerate(g.lines, 1):
            for rx, e in entries:
                m = rx.search(line)
                if m:
                    yield ctx.hit(
                        f"{g.name}:{lineno} mentions {m.group(0)!r}. {e.get('explanation', '')}".strip(),
                        subject={"guideline": g.name, "line": lineno},
                        evidence={
                            "term": m.group(0),
                            "excerpt": line.strip()[:200],
                            "alternative": e.get("alternative", ""),
                        },
                    )
