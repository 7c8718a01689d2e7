"""Process rule checks (LA501-LA505): messages and grading beyond the shared fixtures.

The pass/fail fixtures in tests/fixtures/rules/ run in test_rule_fixtures.py.
"""

from __future__ import annotations

import pytest
from rule_cases import run_case


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
