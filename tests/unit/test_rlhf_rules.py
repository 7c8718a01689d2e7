"""Rule fixtures of the preference rules (LA601-LA603), run through their checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from labelaudit.checks.registry import (
    CheckContext,
    builtin_rules_dir,
    parse_rule,
    registered_checks,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CODES = ("LA601", "LA602", "LA603")


def cases(codes: tuple[str, ...]) -> list:
    out = []
    for code in codes:
        spec = yaml.safe_load((FIXTURES / f"{code}.yaml").read_text(encoding="utf-8"))
        assert spec["rule"] == code
        out += [pytest.param(code, c, id=f"{code}: {c['name']}") for c in spec["cases"]]
    return out


def run_case(code: str, case: dict) -> list:
    rule = parse_rule(builtin_rules_dir() / f"{code}.yaml")
    params = {**rule.defaults(), **(case.get("params") or {})}
    metrics = {k: pd.DataFrame(v) for k, v in (case.get("metrics") or {}).items()}
    ctx = CheckContext(metrics=metrics, facts=case.get("facts") or {}, rule=rule, params=params)
    return list(registered_checks()[code](ctx))


@pytest.mark.parametrize(("code", "case"), cases(CODES))
def test_rlhf_rule_fixture(code: str, case: dict) -> None:
    hits = run_case(code, case)
    assert len(hits) == case["expect_hits"]
    for f in hits:
        assert f.rule == code
        assert set(f.subject) <= {"field", "attribute", "group", "value"}


def test_position_bias_message_states_rate_n_interval_and_threshold() -> None:
    row = {"field": "pref", "attribute": None, "group": None, "n_judgments": 200,
           "first_wins": 140, "rate": 0.7, "ci_low": 0.633, "ci_high": 0.759,
           "tie_rate": 0.1, "n_annotators": 30, "suppressed": False}  # fmt: skip
    (hit,) = run_case("LA601", {"metrics": {"position_bias": [row]}})
    assert hit.subject == {"field": "pref"}
    assert "won 70% of the 200 decided comparisons by all raters" in hit.message
    assert "63%-76%" in hit.message and "min_effect" in hit.message
