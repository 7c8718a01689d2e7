"""Run one rule's check on a fixture case: plain metric tables and facts in, findings out.

Shared by the parametrised fixture test and the message/grading tests of each rule family.
"""

from __future__ import annotations

import pandas as pd

from labelaudit.bundle.types import DataIssue, FieldSpec, Guideline
from labelaudit.checks.declarative import declarative_check
from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.populations.targets import Target
from labelaudit.rulebook import Rule, load_rules

RULES: dict[str, Rule] = load_rules()


def case_facts(raw: dict | None) -> dict:
    """Plain YAML facts turned into the objects checks see (schema, guidelines...)."""
    facts = dict(raw or {})
    if "schema" in facts:
        facts["schema"] = {k: FieldSpec(name=k, **v) for k, v in facts["schema"].items()}
    if "guidelines" in facts:
        facts["guidelines"] = [Guideline(**g) for g in facts["guidelines"]]
    if facts.get("target") is not None:
        facts["target"] = Target(**facts["target"])
    if "data_issues" in facts:
        facts["data_issues"] = [DataIssue(**d) for d in facts["data_issues"]]
    return facts


def run_case(code: str, case: dict) -> list[Finding]:
    """Findings of rule ``code`` on a case with optional ``metrics``, ``facts`` and ``params``."""
    return run_case_context(code, case)[0]


def run_case_context(code: str, case: dict) -> tuple[list[Finding], CheckContext]:
    """The findings and the check's context after the run (what it judged, and why not)."""
    rule = RULES[code]
    fn = registered_checks().get(code) if rule.kind == "python" else declarative_check(rule)
    assert fn is not None, f"{code} has no check"
    metrics = {name: pd.DataFrame(rows) for name, rows in (case.get("metrics") or {}).items()}
    ctx = CheckContext(
        metrics=metrics,
        facts=case_facts(case.get("facts")),
        rule=rule,
        params={**rule.defaults(), **(case.get("params") or {})},
    )
    return list(fn(ctx)), ctx
