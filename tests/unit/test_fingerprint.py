"""Finding fingerprints: what changes them and what never does."""

from __future__ import annotations

import pytest

from labelaudit.bundle.types import Guideline
from labelaudit.checks.finding import Finding
from labelaudit.checks.fingerprint import assign_fingerprints, normalise_line


def _f(rule="LA401", subject=None, evidence=None, severity="medium", message="m") -> Finding:
    return Finding(
        rule=rule,
        category="representativeness",
        severity=severity,
        title="t",
        message=message,
        subject=dict(subject or {"attribute": "region", "group": "Africa"}),
        evidence=dict(evidence or {}),
    )


def _fp(*findings: Finding, guidelines=()) -> list[str]:
    fs = list(findings)
    assign_fingerprints(fs, guidelines)
    return [f.fingerprint for f in fs]


def test_figures_severity_and_message_never_change_a_fingerprint():
    a = _f(evidence={"ratio": 0.22, "pool_share": 0.04}, severity="high", message="ratio 0.22")
    b = _f(evidence={"ratio": 0.41, "pool_share": 0.07}, severity="medium", message="ratio 0.41")
    assert _fp(a) == _fp(b)


def test_rule_and_every_subject_key_do():
    base = _fp(_f())[0]
    assert _fp(_f(rule="LA402"))[0] != base
    assert _fp(_f(subject={"attribute": "region", "group": "Asia"}))[0] != base
    assert _fp(_f(subject={"attribute": "country", "group": "Africa"}))[0] != base
    assert _fp(_f(subject={"group": "Africa", "attribute": "region"}))[0] == base  # key order


@pytest.mark.parametrize(
    "edited",
    [
        "Use  Fahrenheit for temperatures.",
        "use fahrenheit for temperatures.",
        "- Use **Fahrenheit** for temperatures.",
        "3. Use *Fahrenheit* for temperatures.",
        "## Use `Fahrenheit` for temperatures.",
        "> * Use Fahrenheit for temperatures.   ",
        "Use Fahrenheit for temperatures.",
    ],
)
def test_guideline_findings_follow_the_line_text_not_its_number(edited):
    original = Guideline("g.md", ["# Rules", "", "Use Fahrenheit for temperatures."])
    moved = Guideline("g.md", ["# Rules v2", "New line.", "", "", edited])
    ev = {"term": "Fahrenheit", "excerpt": "..."}
    before = _fp(_f("LA301", {"guideline": "g.md", "line": 3}, ev), guidelines=[original])
    after = _fp(_f("LA301", {"guideline": "g.md", "line": 5}, ev), guidelines=[moved])
    assert before == after


def test_a_changed_line_or_another_file_is_another_finding():
    g = Guideline("g.md", ["Use Fahrenheit for temperatures."])
    other_text = Guideline("g.md", ["Use Fahrenheit for oven temperatures."])
    other_file = Guideline("h.md", ["Use Fahrenheit for temperatures."])
    ev = {"term": "Fahrenheit"}
    base = _fp(_f("LA301", {"guideline": "g.md", "line": 1}, ev), guidelines=[g])
    assert _fp(_f("LA301", {"guideline": "g.md", "line": 1}, ev), guidelines=[other_text]) != base
    assert _fp(_f("LA301", {"guideline": "h.md", "line": 1}, ev), guidelines=[other_file]) != base


def test_two_terms_on_one_line_are_two_findings():
    g = Guideline("g.md", ["Bring a $20 gift for Thanksgiving."])
    a = _f("LA301", {"guideline": "g.md", "line": 1}, {"term": "$20"})
    b = _f("LA301", {"guideline": "g.md", "line": 1}, {"term": "Thanksgiving"})
    fa, fb = _fp(a, b, guidelines=[g])
    assert fa != fb


def test_look_alike_findings_are_told_apart_by_occurrence_and_the_first_keeps_its_own():
    alone = _fp(_f(rule="LA001", subject={}))[0]
    first, second, third = _fp(*(_f(rule="LA001", subject={}) for _ in range(3)))
    assert first == alone
    assert len({first, second, third}) == 3


def test_a_line_outside_the_document_falls_back_to_its_number():
    g = Guideline("g.md", ["only line"])
    a = _fp(_f("LA301", {"guideline": "g.md", "line": 9}, {"term": "x"}), guidelines=[g])
    b = _fp(_f("LA301", {"guideline": "g.md", "line": 10}, {"term": "x"}), guidelines=[g])
    assert a != b


def test_normalise_line_keeps_the_words():
    assert normalise_line("  #### 12) Mark it **toxic**  ") == "mark it toxic"
    assert normalise_line("\u201cQuoted\u201d \u2013 dash") == '"quoted" - dash'
    assert normalise_line("2024 was the year") == "2024 was the year"  # a number is not a list mark
