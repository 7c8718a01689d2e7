"""Every rule's pass/fail fixtures (tests/fixtures/rules/LAxxx.yaml), in one parametrised test.

A fixture feeds plain metric tables and facts to the rule's check, with the rule's
default parameters (optionally overridden), and states how many findings it must yield
(``expect_hits``). A failing case also states the finding its name promises:
``expect_severity`` and ``expect_subject``, which a finding matches when its severity is
equal and its subject is *equal* (not a superset); ``expect_count`` findings must match,
by default all of them. The format is described in tests/fixtures/rules/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rule_cases import RULES, run_case, run_case_context

from labelaudit.analyses.tables import TABLES
from labelaudit.checks.data import DATA_CODES
from labelaudit.checks.declarative import SUBJECT_KEYS
from labelaudit.checks.registry import registered_checks
from labelaudit.vocabulary import CATEGORIES, SEVERITIES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
EXPECTATIONS = ("expect_severity", "expect_subject", "expect_count")
CASE_KEYS = {"name", "params", "metrics", "facts", "expect_hits", *EXPECTATIONS}


def _fixture_cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(FIXTURES.glob("LA*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(doc["rule"], case) for case in doc["cases"]]
    return out


CASES = _fixture_cases()


def _matches(finding, case: dict) -> bool:
    """Whether a finding is the one a case promises (only the expectations it states)."""
    if "expect_severity" in case and finding.severity != case["expect_severity"]:
        return False
    return "expect_subject" not in case or finding.subject == case["expect_subject"]


@pytest.mark.parametrize(
    "code,case", [pytest.param(code, case, id=f"{code}: {case['name']}") for code, case in CASES]
)
def test_rule_fixture(code, case):
    rule = RULES[code]
    hits = run_case(code, case)
    assert len(hits) == case["expect_hits"], [h.message for h in hits]
    for h in hits:
        assert h.rule == code and h.category == rule.category and h.severity in SEVERITIES
        assert h.message and h.recommendation
        assert set(h.subject) <= set(SUBJECT_KEYS)
    if any(k in case for k in EXPECTATIONS):
        want = case.get("expect_count", case["expect_hits"])
        matching = [h for h in hits if _matches(h, case)]
        assert len(matching) == want, [(h.severity, h.subject) for h in hits]


@pytest.mark.parametrize(
    "code,case", [pytest.param(code, case, id=f"{code}: {case['name']}") for code, case in CASES]
)
def test_fixture_case_states_what_it_expects(code, case):
    """Every failing case names its finding's severity and subject; passing cases nothing more."""
    assert set(case) <= CASE_KEYS, f"unknown keys {sorted(set(case) - CASE_KEYS)}"
    hits = case["expect_hits"]
    assert isinstance(hits, int) and hits >= 0
    if hits == 0:
        assert not set(case) & set(EXPECTATIONS), "a passing case has no finding to describe"
        return
    assert "expect_severity" in case and "expect_subject" in case, (
        "a failing case must state expect_severity and expect_subject"
    )
    assert case["expect_severity"] in SEVERITIES
    subject = case["expect_subject"]
    assert isinstance(subject, dict) and set(subject) <= set(SUBJECT_KEYS)
    assert all(v is not None for v in subject.values()), "empty subject keys are never kept"
    count = case.get("expect_count", hits)
    assert isinstance(count, int) and 1 <= count <= hits


def test_fixture_tables_use_declared_columns():
    """A column a check reads but the analyses never write would pass here and fail for real."""
    wrong = [
        (code, case["name"], name, sorted({k for r in rows for k in r} - set(TABLES.get(name, ()))))
        for code, case in CASES
        for name, rows in (case.get("metrics") or {}).items()
        if name not in TABLES or {k for r in rows for k in r} - set(TABLES[name])
    ]
    assert wrong == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented_and_has_fixtures(code):
    rule = RULES[code]
    assert rule.category in CATEGORIES and rule.severity in SEVERITIES
    assert rule.rationale and rule.remediation and rule.questions
    for p in rule.parameters.values():
        assert p.description, f"{code}.{p.name} has no description"
    path = FIXTURES / f"{code}.yaml"
    assert path.is_file(), f"no fixture file {path}"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["rule"] == code, f"{path.name} says it is about {doc['rule']}"
    cases = doc["cases"]
    assert any(c["expect_hits"] > 0 for c in cases), f"{code}: no failing (hit) case"
    assert any(c["expect_hits"] == 0 for c in cases), f"{code}: no passing (no-hit) case"


def test_every_rule_has_a_check():
    checks = registered_checks()
    python_rules = {c for c, r in RULES.items() if r.kind == "python"}
    assert python_rules - set(checks) == set()
    assert set(checks) - set(RULES) == set(), "checks without rule YAML"


@pytest.mark.parametrize(
    "code,case", [pytest.param(code, case, id=f"{code}: {case['name']}") for code, case in CASES]
)
def test_a_rule_that_finds_something_judged_it_and_names_its_breach(code, case):
    """The checks table's subject count: a finding is about a subject the rule judged.

    Data rules count the rows the bundle loader read, which a fixture doesn't carry.
    """
    hits, ctx = run_case_context(code, case)
    if hits and code not in DATA_CODES:
        assert sum(ctx.subjects.values()) >= 1, f"{code} found {len(hits)} without judging"
    for h in hits:
        if "measure" in h.evidence:  # a measured finding can be ranked by its breach
            assert h.evidence["measure"] in h.evidence and h.breach() is not None
