"""Rule fixtures of the process rules (LA501-LA505), run through their checks."""

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
CODES = ("LA501", "LA502", "LA503", "LA504", "LA505")


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
def test_process_rule_fixture(code: str, case: dict) -> None:
    hits = run_case(code, case)
    assert len(hits) == case["expect_hits"]
    for f in hits:
        assert f.rule == code and f.category == "process"
        assert set(f.subject) <= {"field", "attribute", "group", "value"}


def test_pay_finding_names_group_figures_and_is_high_when_median_below_floor() -> None:
    case = {
        "metrics": {
            "pay_by_group": [
                {"attribute": "country", "group": "KE", "currency": "USD", "n_annotators": 10,
                 "median_hourly_pay": 1.5, "floor": 2.0, "n_compared": 10,
                 "n_not_comparable": 0, "share_below_floor": 0.6, "suppressed": False}
            ]
        }
    }  # fmt: skip
    (hit,) = run_case("LA504", case)
    assert hit.severity == "high"
    assert hit.subject == {"attribute": "country", "group": "KE", "value": "USD"}
    assert "60% of the 10 raters with country=KE" in hit.message
    assert "floor of 2 USD" in hit.message


def test_fatigue_pools_buckets_into_first_hour_and_later() -> None:
    rows = [
        {"field": "t", "position_bucket": "0-30 min", "bucket_start_min": 0, "n_judgments": 60,
         "agreement": 0.9},
        {"field": "t", "position_bucket": "30-60 min", "bucket_start_min": 30,
         "n_judgments": 40, "agreement": 0.65},
        {"field": "t", "position_bucket": "60-120 min", "bucket_start_min": 60,
         "n_judgments": 50, "agreement": 0.7},
    ]  # fmt: skip
    (hit,) = run_case("LA503", {"metrics": {"session_fatigue": rows}})
    # first hour: (60*0.9 + 40*0.65) / 100 = 0.80; later 0.70; drop 0.10 >= min_drop 0.10
    assert hit.evidence["agreement_first_hour"] == pytest.approx(0.80)
    assert hit.evidence["agreement_later"] == pytest.approx(0.70)
    assert hit.evidence["n_first_hour"] == 100 and hit.evidence["n_later"] == 50
