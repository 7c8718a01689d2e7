"""User patterns on RE2: the same matches as Python's look-around form, and no hang.

Whole-word matching without look-around (RE2 has none) is built by consuming the
boundary characters; the property test checks it finds exactly the spans that Python's
``(?<!\\w)(?:PATTERN)(?!\\w)`` finds, on texts made of letters, digits, punctuation,
spaces and a non-ASCII letter, for patterns that start and end with word and non-word
characters alike.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelaudit.text.patterns import MAX_MATCHES_PER_LINE, PatternError, compile_user_pattern

PATTERNS = ["ab", "a+b", "b|ab", r"\$5", "a b", "é", "-", "a-", "-a", r"\$\d+", "5-5", "_a"]


def _python_spans(pattern: str, text: str) -> list[tuple[int, int]]:
    rx = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)
    return [m.span() for m in rx.finditer(text) if m.end() > m.start()]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet="abAB5$-_ é", max_size=14))
def test_whole_words_as_python_finds_them(pattern, text):
    ours = [m.span() for m in compile_user_pattern(pattern, whole_word=True).finditer(text)]
    assert ours == _python_spans(pattern, text)


def test_matches_keep_their_text_and_offsets_in_non_ascii_lines():
    rx = compile_user_pattern("café", whole_word=True)
    line = "Un café, des cafés, CAFÉ."
    assert [(m.start(), m.end(), m.group(0)) for m in rx.finditer(line)] == [
        (3, 7, "café"),
        (20, 24, "CAFÉ"),
    ]


def test_case_sensitive_and_substring_modes():
    assert compile_user_pattern("Zip", case_sensitive=True).search("a zip") is None
    assert compile_user_pattern("zip").search("zipcode").group(0) == "zip"
    assert compile_user_pattern("zip", whole_word=True).search("zipcode") is None


def test_catastrophic_patterns_run_on_long_lines():
    """Backtracking engines take exponential time on these; RE2 answers at once."""
    assert compile_user_pattern("(a+)+$").search("a" * 10_000 + "!") is None
    assert compile_user_pattern("(x+x+)+y").search("x" * 10_000) is None
    many = compile_user_pattern("a(?:b.*c)?").finditer("ab" * 50_000)
    assert len(list(many)) == MAX_MATCHES_PER_LINE


@pytest.mark.parametrize(
    "pattern,says",
    [
        ("prom(?= night)", "look-around"),
        ("(?<!American )football", "look-around"),
        (r"(\w+) \1", "back-reference"),
        ("zip(code", "not a valid regular expression"),
        ("(a{500}){500}", "too large"),
        ("", "non-empty text"),
        (911, "non-empty text"),
        ("a" * 3000, "characters long"),
    ],
)
def test_what_re2_cannot_run_is_refused_with_a_reason_and_a_fix(pattern, says):
    with pytest.raises(PatternError) as err:
        compile_user_pattern(pattern, whole_word=True)
    assert says in str(err.value) and err.value.fix


def test_empty_matches_are_detectable_not_reported():
    rx = compile_user_pattern("x*", whole_word=True)
    assert rx.matches_empty() and rx.search("a b") is None
