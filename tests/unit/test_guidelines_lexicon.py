"""Lexicon scan of guidelines (LA301) and lexicon file validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from guideline_files import read_guideline

from labelaudit.analyses.guidelines import guideline_flags_table
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import Guideline
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.rulebook import load_rules
from labelaudit.text.lexicon import builtin_lexicon_paths, load_lexicons, scan_guideline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "guidelines"


@pytest.fixture(scope="module")
def lexicons():
    return load_lexicons()


def test_builtin_lexicons_are_valid_and_en_us_is_substantial(lexicons):
    names = {lx.name: lx for lx in lexicons}
    assert {p.stem for p in builtin_lexicon_paths()} == {"en-US", "en-GB"}
    assert len(names["en-US"].entries) >= 80
    assert len(names["en-GB"].entries) >= 10
    assert {e.region for e in names["en-US"].entries} == {"US", "high-income homes"}


def test_us_centric_guideline_lines_are_found_exactly(lexicons):
    g = read_guideline(FIXTURES / "us_centric.md")
    found = [(m.line, m.term, m.category) for m in scan_guideline(g, lexicons)]
    assert found == [
        (8, "Thanksgiving", "holidays"),
        (9, "$49.99", "currency"),
        (13, "12 pounds", "units"),
        (14, "ZIP code", "identifiers"),
        (18, "03/04/2024", "dates"),
        (19, "home run", "idioms"),
    ]
    # the neutral lines (headings, definitions, the kindness note) are never flagged
    flagged = {line for line, _, _ in found}
    assert flagged.isdisjoint({1, 3, 4, 6, 7, 12, 17, 21, 22, 23})


def test_ambiguous_pounds_is_info_and_excerpt_is_the_line(lexicons):
    g = read_guideline(FIXTURES / "us_centric.md")
    by_term = {m.term: m for m in scan_guideline(g, lexicons)}
    assert by_term["12 pounds"].severity == "info"
    assert by_term["Thanksgiving"].severity is None
    assert by_term["ZIP code"].excerpt == g.lines[13]
    assert by_term["ZIP code"].alternative == '"postal code"'


@pytest.mark.parametrize(
    "line,expected",
    [
        ("The price is $ only when stated.", []),  # a bare sign is not a price
        ("Saturday shifts are optional.", []),  # SAT is case-sensitive and whole-word
        ("Football fans argue about the offside rule.", []),  # no American-football context
        ("The NFL football season starts in September.", ["NFL", "football"]),
        ("Call 911 if someone is in danger.", ["Call 911"]),
        ("It was 5 feet tall.", ["5 feet"]),
        ("Dial 112 in an emergency.", []),
    ],
)
def test_false_positive_guards(lexicons, line, expected):
    g = Guideline(name="g.txt", lines=[line])
    assert sorted(m.term for m in scan_guideline(g, lexicons)) == sorted(expected)


def test_la301_findings_name_guideline_line_and_alternative():
    g = read_guideline(FIXTURES / "us_centric.md")
    bundle = Bundle(
        judgments=pd.DataFrame(columns=["item_id", "annotator_id", "field", "label", "skipped"]),
        schema={},
        guidelines=[g],
    )
    flags, names = guideline_flags_table(bundle, AuditConfig())
    assert names == ["en-GB", "en-US"]
    rule = load_rules()["LA301"]
    ctx = CheckContext(
        metrics={"guideline_flags": flags}, facts={}, rule=rule, params=rule.defaults()
    )
    hits = list(registered_checks()["LA301"](ctx))
    assert [(h.subject["guideline"], h.subject["line"]) for h in hits] == [
        ("us_centric.md", 8),
        ("us_centric.md", 9),
        ("us_centric.md", 13),
        ("us_centric.md", 14),
        ("us_centric.md", 18),
        ("us_centric.md", 19),
    ]
    assert [h.severity for h in hits] == ["low", "low", "info", "low", "low", "low"]
    assert hits[0].evidence["term"] == "Thanksgiving"
    assert "Thanksgiving" in hits[0].message and "line 8" in hits[0].message


# ------------------------------------------------------------- user lexicons
def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_user_lexicon_is_loaded_and_used(tmp_path):
    p = _write(
        tmp_path,
        "in.yaml",
        """
lexicon: en-IN
region: IN
entries:
  - id: in-lakh
    pattern: '\\d+\\s*lakhs?'
    category: currency
    explanation: South Asian number word.
    alternative: give the figure in digits
""",
    )
    lexicons = load_lexicons([p], builtin=False)
    g = Guideline(name="g.md", lines=["Salaries above 5 lakh are rare.", "Nothing here."])
    [m] = scan_guideline(g, lexicons)
    assert (m.line, m.term, m.region, m.lexicon) == (1, "5 lakh", "IN", "en-IN")


@pytest.mark.parametrize(
    "text,message",
    [
        ("entries: [\n  - id: x\n", "not valid YAML"),
        ("- just a list\n", "must be a mapping with an 'entries' list"),
        ("entries:\n  - id: a\n    pattern: x\n", "lacks category, explanation, alternative"),
        (
            "entries:\n  - {id: a, pattern: '(unclosed', category: c, explanation: e, alternative: n}\n",
            "not a valid regular expression",
        ),
        (
            "entries:\n  - {id: a, pattern: x, category: c, explanation: e, alternative: n}\n"
            "  - {id: a, pattern: y, category: c, explanation: e, alternative: n}\n",
            "used twice",
        ),
        (
            "entries:\n  - {id: a, pattern: x, category: c, explanation: e, alternative: n, severity: high}\n",
            "severity 'high' is not one of",
        ),
        (
            "entries:\n  - {id: a, pattern: 'x?', category: c, explanation: e, alternative: n}\n",
            "matches empty text",
        ),
        (
            "entries:\n  - {id: a, pattern: x, category: c, explanation: e, alternative: n, colour: red}\n",
            "unknown key(s) colour",
        ),
    ],
)
def test_malformed_lexicon_raises_input_error_naming_the_file(tmp_path, text, message):
    p = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(InputError) as err:
        load_lexicons([p], builtin=False)
    [problem] = err.value.problems
    assert problem.where == str(p)
    assert message in problem.message
    assert problem.fix


def test_every_problem_of_every_file_is_collected(tmp_path):
    a = _write(tmp_path, "a.yaml", "entries:\n  - id: a\n  - id: b\n")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(InputError) as err:
        load_lexicons([a, missing], builtin=False)
    assert [p.where for p in err.value.problems] == [str(a), str(a), str(missing)]
    assert "cannot read the lexicon" in err.value.problems[2].message
