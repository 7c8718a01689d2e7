"""Lexicons of culture-specific references, and scanning guideline lines against them.

A lexicon is a YAML file (format: ``rules/lexicons/README.md``) listing regular-expression
patterns for references that only some readers share: units, currencies, holidays,
institutions, identifiers, school grades, date formats, idioms, sports, census categories.
Patterns are matched case-insensitively (unless ``case_sensitive: true``) and only as whole
words: the match may not start or end inside a word. An entry may carry ``context``, a
second pattern that must also occur on the same line (used for ambiguous terms such as
"football"). User lexicons are validated lazily: every problem of every file is
collected and raised as one :class:`~labelaudit.errors.InputError`.

The shipped lexicons, reviewed and tested with this project, run on Python's ``re`` (their
look-arounds tell "prom night" from "promise"). User lexicons run on RE2
(:mod:`labelaudit.text.patterns`): linear time, so no user pattern can hang an audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from labelaudit.errors import InputError, Problem
from labelaudit.shipped import lexicons_dir
from labelaudit.text.patterns import PatternError, UserPattern, compile_user_pattern
from labelaudit.yamlio import YamlError, describe, load_yaml_file

REQUIRED_KEYS = ("id", "pattern", "category", "explanation", "alternative")
OPTIONAL_KEYS = ("region", "severity", "context", "case_sensitive")
ENTRY_SEVERITIES = ("medium", "low", "info")
EXCERPT_CHARS = 160


#: a compiled pattern: Python's ``re`` for the shipped lexicons, RE2 for the users'
Pattern = re.Pattern[str] | UserPattern


@dataclass(frozen=True)
class LexiconEntry:
    id: str
    regex: Pattern
    category: str
    region: str
    explanation: str
    alternative: str
    severity: str | None = None  # None = the rule's default severity
    context: Pattern | None = None


@dataclass(frozen=True)
class Lexicon:
    name: str
    language: str | None
    region: str
    entries: tuple[LexiconEntry, ...]
    path: str


@dataclass(frozen=True)
class LexiconMatch:
    """One culture-specific reference found on a guideline line (1-based)."""

    guideline: str
    line: int
    term: str
    entry_id: str
    category: str
    region: str
    explanation: str
    alternative: str
    excerpt: str
    lexicon: str
    severity: str | None


def builtin_lexicon_paths() -> list[Path]:
    folder = lexicons_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _compile(pattern: object, case_sensitive: bool, trusted: bool) -> Pattern:
    if not trusted:
        return compile_user_pattern(pattern, case_sensitive=case_sensitive, whole_word=True)
    flags = 0 if case_sensitive else re.IGNORECASE
    # whole words only, also for patterns that start or end with punctuation ("$5", "401(k)")
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", flags)


def _matches_empty(rx: Pattern) -> bool:
    return rx.matches_empty() if isinstance(rx, UserPattern) else rx.search("") is not None


def parse_lexicon(path: Path, problems: list[Problem], *, trusted: bool = False) -> Lexicon | None:
    """Parse one lexicon file, appending every problem found to ``problems``.

    ``trusted`` (the shipped lexicons only) compiles with Python's ``re``; any other
    file's patterns run on RE2.
    """
    where = str(path)
    try:
        raw = load_yaml_file(Path(path))
    except YamlError as exc:
        problems.append(Problem(where, f"cannot read the lexicon: {describe(exc)}", fix=exc.fix))
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        problems.append(
            Problem(
                where,
                "a lexicon must be a mapping with an 'entries' list",
                fix="see rules/lexicons/README.md",
            )
        )
        return None
    region = str(raw.get("region") or "")
    name = str(raw.get("lexicon") or Path(path).stem)
    entries: list[LexiconEntry] = []
    seen: set[str] = set()
    n_before = len(problems)
    for i, e in enumerate(raw["entries"], start=1):
        at = f"entry {i}"
        if not isinstance(e, dict):
            problems.append(
                Problem(
                    where,
                    f"{at} is not a mapping",
                    fix="write each entry as 'id: ..., pattern: ...'",
                )
            )
            continue
        at = f"entry {i} ({e.get('id', 'no id')})"
        missing = [k for k in REQUIRED_KEYS if not e.get(k)]
        if missing:
            problems.append(
                Problem(where, f"{at} lacks {', '.join(missing)}", fix=f"add {', '.join(missing)}")
            )
            continue
        unknown = sorted(set(e) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
        if unknown:
            problems.append(
                Problem(where, f"{at} has unknown key(s) {', '.join(unknown)}",
                        fix=f"use only {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
            )  # fmt: skip
        eid = str(e["id"])
        if eid in seen:
            problems.append(
                Problem(where, f"{at}: id {eid!r} is used twice", fix="give each entry its own id")
            )
        seen.add(eid)
        sev = e.get("severity")
        if sev is not None and sev not in ENTRY_SEVERITIES:
            problems.append(
                Problem(where, f"{at}: severity {sev!r} is not one of {', '.join(ENTRY_SEVERITIES)}",
                        fix="use low, or info for ambiguous terms")
            )  # fmt: skip
        case = e.get("case_sensitive", False)
        if not isinstance(case, bool):
            problems.append(
                Problem(where, f"{at}: case_sensitive must be true or false, got {case!r}",
                        fix="write case_sensitive: true (or leave it out)")
            )  # fmt: skip
            continue
        compiled: dict[str, Pattern | None] = {"pattern": None, "context": None}
        for key in ("pattern", "context") if e.get("context") else ("pattern",):
            try:
                compiled[key] = _compile(e[key], case, trusted)
            except PatternError as exc:
                problems.append(Problem(where, f"{at}: the {key} {exc}", fix=exc.fix))
            except re.error as exc:  # a shipped lexicon: the project's own bug, said plainly
                problems.append(
                    Problem(where, f"{at}: the {key} is not a valid regular expression ({exc})",
                            fix="fix the regular expression")
                )  # fmt: skip
        regex, context = compiled["pattern"], compiled["context"]
        if regex is None or (e.get("context") and context is None):
            continue
        if _matches_empty(regex):
            problems.append(
                Problem(
                    where, f"{at}: pattern matches empty text", fix="make the pattern match a word"
                )
            )
            continue
        entries.append(
            LexiconEntry(
                id=eid,
                regex=regex,
                category=str(e["category"]),
                region=str(e.get("region") or region),
                explanation=str(e["explanation"]).strip(),
                alternative=str(e["alternative"]).strip(),
                severity=sev,
                context=context,
            )
        )
    if len(problems) > n_before:
        return None
    return Lexicon(
        name=name, language=raw.get("language"), region=region, entries=tuple(entries), path=where
    )


def load_lexicons(extra: Iterable[Path] = (), *, builtin: bool = True) -> list[Lexicon]:
    """Built-in lexicons plus user files; raise one ``InputError`` listing every problem."""
    problems: list[Problem] = []
    shipped = builtin_lexicon_paths() if builtin else []
    out = [lex for p in shipped if (lex := parse_lexicon(p, problems, trusted=True)) is not None]
    out += [lex for p in map(Path, extra) if (lex := parse_lexicon(p, problems)) is not None]
    if problems:
        raise InputError(problems)
    return out


def excerpt(line: str, start: int, end: int, width: int = EXCERPT_CHARS) -> str:
    """The line around ``[start, end)``, cut to about ``width`` characters with ellipses.

    Examples
    --------
    >>> excerpt("a" * 100 + "TERM" + "b" * 100, 100, 104, width=20)
    '…aaaaaaaaTERMbbbbbbbb…'
    """
    line = line.strip() if len(line) <= width else line
    if len(line) <= width:
        return line
    pad = max((width - (end - start)) // 2, 0)
    lo, hi = max(start - pad, 0), min(end + pad, len(line))
    return ("…" if lo > 0 else "") + line[lo:hi] + ("…" if hi < len(line) else "")


class Document(Protocol):
    """A guideline as the scanner reads it: a name and its numbered lines."""

    name: str
    lines: list[str]


def scan_guideline(guideline: Document, lexicons: Iterable[Lexicon]) -> list[LexiconMatch]:
    """Every lexicon match in a guideline, one per (line, entry, position), in line order."""
    found: list[LexiconMatch] = []
    lexicons = list(lexicons)
    for lineno, line in enumerate(guideline.lines, start=1):
        if not line.strip():
            continue
        taken: list[tuple[int, int]] = []
        for lex in lexicons:
            for entry in lex.entries:
                if entry.context is not None and not entry.context.search(line):
                    continue
                for m in entry.regex.finditer(line):
                    # one reference = one flag: a more general entry covering the same span
                    # (e.g. "football" inside "football game") is not reported again
                    if any(m.start() < e and s < m.end() for s, e in taken):
                        continue
                    taken.append((m.start(), m.end()))
                    found.append(
                        LexiconMatch(
                            guideline=guideline.name,
                            line=lineno,
                            term=m.group(0),
                            entry_id=entry.id,
                            category=entry.category,
                            region=entry.region,
                            explanation=entry.explanation,
                            alternative=entry.alternative,
                            excerpt=excerpt(line, m.start(), m.end()),
                            lexicon=lex.name,
                            severity=entry.severity,
                        )
                    )
    found.sort(key=lambda f: (f.line, f.term.lower()))
    return found
