"""Guideline documents to numbered lines (md/txt/html) and readability figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from guideline_files import read_guideline

from labelaudit.bundle.build import guideline_from_raw
from labelaudit.errors import InputError
from labelaudit.text.guideline_text import html_to_lines
from labelaudit.text.readability import (
    count_syllables,
    flesch_kincaid_grade,
    flesch_reading_ease,
    text_stats,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "guidelines"


def test_html_guideline_becomes_plain_lines_without_scripts():
    g = read_guideline(FIXTURES / "labels.html")
    assert g.source_format == "html" and g.name == "labels.html"
    assert g.lines == [
        "Toxicity & harassment",
        "Choose toxic when a post insults someone.",
        "Choose not_toxic otherwise.",
        "- Threats",
        "- Slurs <any language>",
        "Use unsure when you cannot tell.",
    ]
    text = g.text
    for gone in ("alert", "steal cookies", "injected", "evil", "color: red", "javascript"):
        assert gone not in text


def test_label_studio_expert_instruction_fragment():
    raw = "<p>Label the <strong>sentiment</strong>.</p><table><tr><td>good</td><td>positive</td></tr></table>"
    assert html_to_lines(raw) == ["Label the sentiment.", "good | positive"]


def test_markdown_keeps_file_line_numbers():
    g = guideline_from_raw("g.md", "\ufeff# T\n\nBody line  \n", "md")
    assert g.lines == ["# T", "", "Body line"]


def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="md, txt or html"):
        guideline_from_raw("g.pdf", "x", "pdf")


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("guide.pdf", b"%PDF-1.4", "must be .md, .txt or .html"),
        ("guide.txt", b"line one\nline two \xff\xfe broken", "not UTF-8 text (bad byte at line 2)"),
    ],
)
def test_read_guideline_errors_name_the_file(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_guideline(p)
    [problem] = err.value.problems
    assert problem.where == str(p) and message in problem.message and problem.fix


def test_missing_guideline_file(tmp_path):
    with pytest.raises(InputError, match="guideline file not found"):
        read_guideline(tmp_path / "nope.md")


# ---------------------------------------------------------------- readability
def test_syllable_heuristic_on_common_words():
    words = [
        "the",
        "label",
        "annotator",
        "guidelines",
        "example",
        "toxic",
        "whole",
        "named",
        "every",
    ]
    assert [count_syllables(w) for w in words] == [1, 2, 4, 3, 3, 2, 1, 1, 3]


def test_text_stats_by_hand():
    # 9 words, 10 syllables (happy = 2), 2 sentences: wps 4.5, spw 10/9
    s = text_stats(["The cat sat on the mat.", "It was happy."])
    assert (s.n_lines, s.n_words, s.n_sentences, s.n_syllables) == (2, 9, 2, 10)
    assert s.flesch_reading_ease == pytest.approx(206.835 - 1.015 * 4.5 - 84.6 * 10 / 9)
    assert s.fk_grade == pytest.approx(0.39 * 4.5 + 11.8 * 10 / 9 - 15.59)


def test_bullets_without_stops_are_sentences_and_markup_is_ignored():
    s = text_stats(["# Labels", "", "- toxic posts", "- slurs", "1. Example: insults"])
    # heading and bullets each end a sentence; "#", "-" and "1." are not words
    assert (s.n_lines, s.n_words, s.n_sentences, s.n_examples) == (4, 6, 4, 1)


def test_published_formula_constants():
    # Flesch (1948) and Kincaid et al. (1975) at 20 words/sentence, 1.5 syllables/word
    assert flesch_reading_ease(20, 1.5) == pytest.approx(59.635)
    assert flesch_kincaid_grade(20, 1.5) == pytest.approx(9.91)
    with pytest.raises(ValueError):
        flesch_reading_ease(0, 1.5)


def test_empty_text_has_no_scores():
    s = text_stats(["", "   "])
    assert (s.n_words, s.flesch_reading_ease, s.fk_grade) == (0, None, None)
