"""The ``spec`` of a declarative user rule, checked and compiled when the rule is read.

``kind: threshold`` compares one column of a metric table with a value::

    spec:
      metric: agreement            # a metric table (see analyses/tables.py)
      where: {scope: within}       # optional: equality filters on its columns
      column: alpha
      op: "<"                      # <, <=, >, >=
      value: floor                 # a number, or the name of one of the rule's parameters
      subject: [field, attribute, group]
      message: "{field} {attribute}={group}: alpha {alpha:.2f} is below {value}"

``kind: lexicon`` scans the guideline lines for regular expressions (RE2, case-blind)::

    spec:
      entries:
        - {pattern: '\\bcheckbook\\b', explanation: "...", alternative: "..."}

Every problem of a spec is collected (as text, ``"spec.op: ..."``); the rule loader
names the file. Messages are :class:`~labelaudit.rulebook.templates.Template`\\ s:
named fields with short numeric format specs, nothing else. That the metric table and
its columns exist is checked where the tables are declared
(:func:`labelaudit.checks.declarative.declarative_problems`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labelaudit.rulebook.templates import Template, TemplateError, parse_template
from labelaudit.text.patterns import PatternError, UserPattern, compile_user_pattern

KINDS = ("threshold", "lexicon")
OPERATORS = ("<", "<=", ">", ">=")
SUBJECT_KEYS = ("field", "attribute", "group", "language", "value", "item_id", "guideline", "line")
_THRESHOLD_KEYS = ("metric", "where", "column", "op", "value", "subject", "message")
_THRESHOLD_REQUIRED = ("metric", "column", "op", "value", "message")
_ENTRY_KEYS = ("pattern", "explanation", "alternative")


@dataclass(frozen=True)
class ThresholdSpec:
    """A checked ``kind: threshold`` spec; ``value`` is a number or a parameter name."""

    metric: str
    column: str
    op: str
    value: float | str
    where: tuple[tuple[str, Any], ...]
    subject: tuple[str, ...]
    message: Template


@dataclass(frozen=True)
class LexiconEntry:
    """One entry of a ``kind: lexicon`` spec, its pattern compiled by RE2."""

    pattern: UserPattern
    explanation: str
    alternative: str


@dataclass(frozen=True)
class LexiconSpec:
    """A checked ``kind: lexicon`` spec."""

    entries: tuple[LexiconEntry, ...]


Spec = ThresholdSpec | LexiconSpec


def _unknown(raw: Mapping, allowed: tuple[str, ...], where: str) -> list[str]:
    out = []
    for key in raw:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            out.append(
                f"{where}: unknown key {key!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else f"; use {', '.join(allowed)}")
            )
    return out


def compile_spec(
    kind: str, raw: object, parameters: Mapping[str, Any]
) -> tuple[Spec | None, list[str]]:
    """Check and compile the ``spec`` of a rule of ``kind``; the spec or every problem.

    ``parameters`` maps the rule's parameter names to their defaults (a threshold
    ``value`` may name one).
    """
    if not isinstance(raw, Mapping):
        return None, [f"spec must be a mapping, got {type(raw).__name__}"]
    if kind == "threshold":
        return _threshold(raw, parameters)
    return _lexicon(raw)


def _threshold(raw: Mapping, parameters: Mapping[str, Any]) -> tuple[Spec | None, list[str]]:
    problems = _unknown(raw, _THRESHOLD_KEYS, "spec")
    problems += [f"spec.{k} is required" for k in _THRESHOLD_REQUIRED if k not in raw]
    for key in ("metric", "column"):
        if key in raw and not (isinstance(raw[key], str) and raw[key]):
            problems.append(f"spec.{key} must be a name (text), got {raw[key]!r}")
    op = raw.get("op")
    if "op" in raw and op not in OPERATORS:
        problems.append(f"spec.op must be one of {', '.join(OPERATORS)}, got {op!r}")
    value = raw.get("value")
    if "value" in raw:
        problems += _value_problems(value, parameters)
    where = raw.get("where") or {}
    if not isinstance(where, Mapping) or not all(
        isinstance(v, str | int | float | bool) for v in where.values()
    ):
        problems.append("spec.where must map column names to values, e.g. {scope: within}")
        where = {}
    subject = raw.get("subject") or []
    if not isinstance(subject, list) or any(s not in SUBJECT_KEYS for s in subject):
        bad = [s for s in subject if s not in SUBJECT_KEYS] if isinstance(subject, list) else []
        problems.append(
            f"spec.subject must list some of {', '.join(SUBJECT_KEYS)}"
            + (f"; {', '.join(map(repr, bad))} is not one" if bad else "")
        )
    message = None
    if "message" in raw:
        try:
            message = parse_template(raw["message"], "spec.message", specs=True)
        except TemplateError as exc:
            problems.append(str(exc))
    if problems or message is None:
        return None, problems
    return ThresholdSpec(
        metric=raw["metric"],
        column=raw["column"],
        op=op,
        value=value if isinstance(value, str) else float(value),
        where=tuple(where.items()),
        subject=tuple(subject),
        message=message,
    ), []


def _value_problems(value: object, parameters: Mapping[str, Any]) -> list[str]:
    if isinstance(value, str):
        if value not in parameters:
            hint = difflib.get_close_matches(value, list(parameters), n=1)
            names = ", ".join(parameters) or "none"
            return [
                f"spec.value {value!r} names no parameter of the rule"
                + (f" (did you mean {hint[0]!r}?)" if hint else f" (its parameters: {names})")
            ]
        default = parameters[value]
        if not _is_number(default):
            return [
                f"spec.value names parameter {value!r}, whose default {default!r} is not a number"
            ]
        return []
    if not _is_number(value):
        return [f"spec.value must be a number or a parameter name, got {value!r}"]
    return []


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _lexicon(raw: Mapping) -> tuple[Spec | None, list[str]]:
    problems = _unknown(raw, ("entries",), "spec")
    entries = raw.get("entries")
    if not isinstance(entries, list) or not entries:
        return None, [*problems, "spec.entries must be a non-empty list of {pattern, explanation}"]
    out = []
    for i, e in enumerate(entries):
        at = f"spec.entries[{i}]"
        if not isinstance(e, Mapping):
            problems.append(f"{at} must be a mapping with a pattern")
            continue
        problems += _unknown(e, _ENTRY_KEYS, at)
        if "pattern" not in e:
            problems.append(f"{at} needs a pattern")
            continue
        try:
            pattern = compile_user_pattern(e["pattern"])
        except PatternError as exc:
            problems.append(f"{at}: the pattern {exc}; {exc.fix}")
            continue
        if pattern.matches_empty():
            problems.append(f"{at}: the pattern matches empty text, so it would flag every line")
            continue
        texts = {k: e.get(k, "") for k in ("explanation", "alternative")}
        if not all(isinstance(v, str) for v in texts.values()):
            problems.append(f"{at}: explanation and alternative must be text")
            continue
        out.append(LexiconEntry(pattern, texts["explanation"], texts["alternative"]))
    return (None, problems) if problems else (LexiconSpec(tuple(out)), [])
