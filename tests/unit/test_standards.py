"""The framework mapping: the vocabulary, every rule's standards and needs, run status."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from rule_cases import run_case

from labelaudit.bundle.inputs import INPUTS
from labelaudit.checks.finding import Finding
from labelaudit.checks.runs import run_rules
from labelaudit.checks.status import rule_status, status_text
from labelaudit.cli.info import explain_rule
from labelaudit.config import AuditConfig
from labelaudit.rulebook import RuleFileError, load_rules, parse_rule
from labelaudit.rulebook.book import build_rulebook
from labelaudit.rulebook.standards import load_standards
from labelaudit.shipped import rules_dir, standards_file

SHIPPED = sorted(rules_dir().glob("LA*.yaml"))


def test_the_vocabulary_names_its_sources():
    standards = load_standards()
    assert {"EU-AIA-10.2.f", "EU-AIA-10.3", "EU-AIA-10.4", "NIST-RMF-MEASURE-2.2",
            "NIST-RMF-MEASURE-2.11", "ACL-D1", "ACL-D2", "ACL-D3", "ACL-D4",
            "ACL-D5"} <= set(standards)  # fmt: skip
    frameworks = {s.framework for s in standards.values()}
    assert frameworks == {"EU-AIA", "NIST-RMF", "ACL", "DC", "CWS", "DS"}
    for sid, s in standards.items():
        assert s.title and s.section and s.document and s.url.startswith("https://"), sid
        assert 1990 < s.year < 2100, sid
        # a short phrase of the wording, never a passage
        assert 0 < len(s.quote.split()) <= 15, sid
    assert standards["EU-AIA-10.3"].source() == "EU AI Act, Article 10(3) (2024)"
    assert standards["ACL-D5"].section == "D5"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_rule_names_its_standards_or_says_why_not(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "standards" in raw, f"{path.name}: declare standards: [...] (or [] with standards_note)"
    assert isinstance(raw["standards"], list)
    known = load_standards()
    assert [s for s in raw["standards"] if s not in known] == []
    if not raw["standards"]:
        assert len(str(raw.get("standards_note", "")).split()) >= 5, "say why none applies"
    assert [n for n in raw.get("needs") or [] if n not in INPUTS] == []


def test_every_framework_item_is_spoken_to_by_some_rule():
    used = {sid for r in load_rules().values() for sid in r.standards}
    assert set(load_standards()) - used == set()


def _user_rule(tmp_path: Path, **extra) -> Path:
    body = {
        "code": "LA901",
        "title": "A user rule",
        "category": "data",
        "severity": "low",
        "rationale": "why",
        "remediation": "what",
        "questions": ["who?"],
        **extra,
    }
    path = tmp_path / "LA901.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def test_an_unknown_identifier_is_refused_with_the_nearest_one(tmp_path):
    with pytest.raises(RuleFileError, match=r"'ACL-D9'.*vocabulary.yaml.*did you mean 'ACL-D"):
        parse_rule(_user_rule(tmp_path, standards=["ACL-D9"]))
    with pytest.raises(RuleFileError, match="did you mean 'EU-AIA-10.3'"):
        parse_rule(_user_rule(tmp_path, standards=["EU-AIA-10-3"]))


def test_empty_standards_need_a_reason_and_needs_known_inputs(tmp_path):
    with pytest.raises(RuleFileError, match="standards_note"):
        parse_rule(_user_rule(tmp_path, standards=[]))
    ok = parse_rule(_user_rule(tmp_path, standards=[], standards_note="only a note on method"))
    assert ok.standards == [] and ok.standards_note == "only a note on method"
    with pytest.raises(RuleFileError, match="needs names 'targets'.*did you mean 'target'"):
        parse_rule(_user_rule(tmp_path, needs=["targets"]))
    with pytest.raises(RuleFileError, match="standards must be a list"):
        parse_rule(_user_rule(tmp_path, standards="ACL-D5"))
    # a user rule without the key maps to nothing (it is optional outside the shipped rules)
    assert parse_rule(_user_rule(tmp_path)).standards == []


def test_rules_code_prints_the_mapping_and_what_the_rule_needs():
    rules = load_rules()
    text = explain_rule(rules["LA401"])
    assert "not a compliance verdict" in text
    assert "EU-AIA-10.3: Relevant, representative, free of errors and complete" in text
    assert "ACL Responsible NLP Research checklist, D5 (2022)" in text
    assert "a target population (target.yaml or --target)" in text
    assert rules["LA013"].standards_note in " ".join(explain_rule(rules["LA013"]).split())


def _finding(code: str) -> Finding:
    return Finding(code, "representativeness", "high", "t", "m")


def test_run_status_separates_found_clear_and_not_checked():
    """The frameworks' statuses come from the real run records (the checks table's)."""
    rules = load_rules()
    cfg = AuditConfig(ignore=["LA406"])
    book = build_rulebook(cfg)
    inputs = dict.fromkeys(INPUTS, True) | {"target": False}
    tables = {
        "metadata_completeness": pd.DataFrame(
            [{"attribute": "gender", "n_annotators": 50, "n_missing": 20, "missing_share": 0.4}]
        ),
        "concentration": pd.DataFrame(
            [{"field": "tox", "n_annotators": 50, "top10_share": 0.12, "gini": 0.1, "n_top": 5}]
        ),
    }
    _, runs = run_rules(book, tables, {"min_group_size": 5}, inputs)
    status = rule_status(r.to_dict() for r in runs)
    assert status_text(status["LA407"]).startswith("found (")
    assert status_text(status["LA405"]) == "checked, nothing found"
    assert status_text(status["LA401"]) == (
        "not checked: needs a target population (target.yaml or --target)"
    )
    assert status["LA406"]["status"] == "not_checked" and status["LA406"]["reason"]
    assert rules["LA401"].needs == ["target"] or "target" in rules["LA401"].needs


def test_findings_carry_their_rules_standards():
    case = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "LA401.yaml").read_text()
    )["cases"]
    failing = next(c for c in case if c["expect_hits"])
    hits = run_case("LA401", failing)
    assert hits and all(h.standards == load_rules()["LA401"].standards for h in hits)
    assert hits[0].to_dict()["standards"] == hits[0].standards
    assert standards_file().is_file()
