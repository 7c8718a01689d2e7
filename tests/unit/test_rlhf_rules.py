"""Preference rule checks (LA601-LA603): messages beyond the shared fixtures.

The pass/fail fixtures in tests/fixtures/rules/ run in test_rule_fixtures.py.
"""

from __future__ import annotations

from rule_cases import run_case


def test_position_bias_message_states_rate_n_interval_and_threshold() -> None:
    row = {"field": "pref", "attribute": None, "group": None, "n_judgments": 200,
           "first_wins": 140, "rate": 0.7, "ci_low": 0.633, "ci_high": 0.759,
           "tie_rate": 0.1, "n_annotators": 30, "suppressed": False}  # fmt: skip
    (hit,) = run_case("LA601", {"metrics": {"position_bias": [row]}})
    assert hit.subject == {"field": "pref"}
    assert "won 70% of the 200 decided comparisons by all raters" in hit.message
    assert "63%-76%" in hit.message and "min_effect" in hit.message


def test_flip_finding_beyond_chance_names_the_null_and_p_value() -> None:
    row = {"field": "pref", "attribute": "region", "group": "Asia", "n_items_compared": 200,
           "n_flipped": 24, "flip_share": 0.12, "decisive_share": 0.1,
           "null_flip_share": 0.04, "p_value": 0.001, "p_adjusted": 0.006,
           "n_permutations": 2000, "family_size": 12, "suppressed": False}  # fmt: skip
    (hit,) = run_case("LA602", {"metrics": {"preference_divergence": [row]}})
    assert hit.subject == {"field": "pref", "attribute": "region", "group": "Asia"}
    assert "on 12% of the 200 comparisons" in hit.message
    assert "against 4% for random groups of as many raters" in hit.message
    assert "one-sided permutation p = 0.001 (2,000 relabellings of the raters)" in hit.message
    assert "adjusted p = 0.006 over the 12 tests of family LA602" in hit.message
    assert hit.evidence["n_flipped"] == 24 and hit.evidence["family_size"] == 12


def test_tie_and_skip_findings_name_which_rate() -> None:
    row = {"field": "pref", "attribute": "region", "group": "Asia", "n_judgments": 400,
           "tie_rate": 0.3, "skip_rate": 0.0, "rest_tie_rate": 0.15, "rest_skip_rate": 0.12,
           "suppressed": False}  # fmt: skip
    hits = run_case("LA603", {"metrics": {"tie_skip_usage": [row]}})
    assert [h.subject["value"] for h in hits] == ["tie", "skip"]
    assert "tie more often than the other raters: 30% vs 15% of 400" in hits[0].message
    assert "skip less often" in hits[1].message
