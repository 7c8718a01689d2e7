"""Regular expressions written by users, run on RE2 so that none can hang an audit.

User lexicons (the ``lexicons`` setting) and ``kind: lexicon`` rules bring their own
patterns. Python's ``re`` backtracks: ``(a+)+$`` on a line of 40 ``a`` and a ``!``
takes longer than the audit itself. RE2 (Google's engine, the ``google-re2`` package)
runs every pattern in time linear in the line, by giving up what needs backtracking:
look-around (``(?=...)``, ``(?!...)``, ``(?<=...)``, ``(?<!...)``) and back-references
(``\\1``). A pattern RE2 can't compile (those, a syntax error, a pattern whose automaton
would need more than :data:`MAX_MEMORY` bytes) is a :class:`PatternError` when the file
is read. In RE2, ``\\d``, ``\\w`` and ``\\s`` are ASCII; ``\\pL`` (letters) and ``\\pN``
(digits) are their Unicode forms. The shipped lexicons, which the project reviews and
tests, use Python's ``re`` and its look-arounds.

:func:`compile_user_pattern` gives an object with ``search`` and ``finditer`` like a
compiled ``re`` pattern (matches have ``start()``, ``end()``, ``group(0)``), optionally
matching whole words only: the match may not start or end inside a word, also for
patterns that start or end with punctuation (``$5``, ``401(k)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: the memory RE2 may use for one compiled pattern (RE2's default: 8 MiB)
MAX_MEMORY = 8 << 20
#: longest pattern accepted (the longest shipped one is ~300 characters)
MAX_LENGTH = 2000
#: matches of one pattern reported per line: more are the same flag again
MAX_MATCHES_PER_LINE = 100
_WORD = r"\pL\pN_"


class PatternError(ValueError):
    """A user pattern RE2 can't run: the message says why, ``fix`` how to rewrite it."""

    def __init__(self, message: str, fix: str):
        self.fix = fix
        super().__init__(message)


@dataclass(frozen=True)
class Match:
    """One match: ``start()``, ``end()`` and ``group(0)``, as ``re`` matches have."""

    begin: int
    stop: int
    text: str

    def start(self) -> int:
        """Index of the first matched character."""
        return self.begin

    def end(self) -> int:
        """Index just after the last matched character."""
        return self.stop

    def span(self) -> tuple[int, int]:
        """``(start(), end())``."""
        return self.begin, self.stop

    def group(self, index: int = 0) -> str:
        """The matched text (group 0 only)."""
        if index != 0:
            raise IndexError("user patterns report the whole match only")
        return self.text


class UserPattern:
    """A user's pattern compiled by RE2 (linear-time), with ``search`` and ``finditer``.

    For whole words the pattern is wrapped as ``(?:^|[^\\pL\\pN_])(PATTERN)(?:[^\\pL\\pN_]|$)``
    (RE2 has no look-around): the boundary characters are consumed, so after a match the
    search goes on from its last character when that is not part of a word (it may be
    the next match's left boundary, as a look-behind would see it), with a second form
    of the pattern that can't match at the start of the text.
    """

    def __init__(self, source: str, first: Any, after: Any):
        self.pattern = source
        self._first = first
        self._after = after

    def finditer(self, text: str) -> Iterator[Match]:
        """Non-overlapping, non-empty matches left to right (at most
        :data:`MAX_MATCHES_PER_LINE`)."""
        regexp, pos, found = self._first, 0, 0
        while pos <= len(text) and found < MAX_MATCHES_PER_LINE:
            m = regexp.search(text, pos)
            if m is None:
                return
            begin, stop = m.span(1)
            if stop == begin:  # an empty match flags nothing; step past it
                pos = max(m.end(), pos + 1)
                continue
            found += 1
            yield Match(begin, stop, text[begin:stop])
            regexp = self._after
            pos = stop - 1 if _boundary(text[stop - 1]) else stop

    def search(self, text: str) -> Match | None:
        """The first non-empty match in ``text``, or None."""
        return next(self.finditer(text), None)

    def matches_empty(self) -> bool:
        """Whether the pattern matches the empty text (it would flag every line)."""
        return self._first.search("") is not None


def _boundary(char: str) -> bool:
    """Whether ``char`` may stand next to a whole word (Python's ``\\W``)."""
    return not (char.isalnum() or char == "_")


def compile_user_pattern(
    pattern: object, *, case_sensitive: bool = False, whole_word: bool = False
) -> UserPattern:
    """Compile a user's pattern with RE2; raise :class:`PatternError` with a fix.

    Examples
    --------
    >>> rx = compile_user_pattern(r"\\$\\d+|zip code", whole_word=True)
    >>> [m.group(0) for m in rx.finditer("Pay $5, not $50x; a ZIP code or zipcodes")]
    ['$5', 'ZIP code']
    >>> compile_user_pattern("(a+)+$").search("a" * 40 + "!") is None
    True
    >>> try:
    ...     compile_user_pattern("prom(?= night)")
    ... except PatternError as exc:
    ...     print(str(exc).split(":")[0])
    uses look-around ((?=, (?!, (?<=, (?<!), which RE2 can't run
    """
    if not isinstance(pattern, str) or not pattern:
        raise PatternError(
            f"must be non-empty text, got {pattern!r}", "write the pattern in single quotes"
        )
    if len(pattern) > MAX_LENGTH:
        raise PatternError(
            f"is {len(pattern)} characters long, more than {MAX_LENGTH}",
            "split it into several entries",
        )
    try:
        import re2  # google-re2: a dependency; imported here so shipped lexicons never need it
    except ImportError:
        raise PatternError(
            "can't be run: user patterns need the google-re2 package, which is not installed",
            "pip install google-re2 (it comes with labelaudit; reinstall labelaudit)",
        ) from None
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of the error on stderr
    options.case_sensitive = case_sensitive
    options.max_mem = MAX_MEMORY
    if whole_word:
        first = f"(?:^|[^{_WORD}])({pattern})(?:[^{_WORD}]|$)"
        after = f"[^{_WORD}]({pattern})(?:[^{_WORD}]|$)"
    else:
        first = after = f"({pattern})"
    try:
        re2.compile(pattern, options)  # errors name the user's pattern, not the wrapping
        compiled = re2.compile(first, options)
        return UserPattern(
            pattern, compiled, re2.compile(after, options) if whole_word else compiled
        )
    except re2.error as exc:
        raise PatternError(*_explain(pattern, exc)) from None


def _explain(pattern: str, exc: Exception) -> tuple[str, str]:
    detail = exc.args[0] if exc.args else exc
    detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    if any(op in pattern for op in ("(?=", "(?!", "(?<=", "(?<!")):
        return (
            "uses look-around ((?=, (?!, (?<=, (?<!), which RE2 can't run: user patterns "
            "run on RE2, which never backtracks, so that no pattern can hang the audit",
            "rewrite it without look-around (whole words are matched already; a lexicon "
            "entry's 'context' pattern must also occur on the line)",
        )
    if "invalid escape sequence: \\" in detail and detail.rstrip()[-1:].isdigit():
        return (
            f"uses a back-reference ({detail}), which RE2 can't run: user patterns run "
            "on RE2, which never backtracks",
            "rewrite the pattern without \\1, \\2, ...",
        )
    if "too large" in detail or "out of memory" in detail or "repetition size" in detail:
        return (
            f"is too large for RE2 ({detail})",
            "repetition counts go up to 1000 and nested ones multiply: shorten them or "
            "split the pattern",
        )
    return f"is not a valid regular expression for RE2 ({detail})", "fix the pattern's syntax"
