"""checks.disagreement: messages, severities and behaviour after the privacy step.

The pass/fail cases in tests/fixtures/rules/LA11x.yaml run in test_rule_fixtures.py.
"""

from __future__ import annotations

import functools

import pandas as pd

from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.privacy import release_tables
from labelaudit.rulebook import load_rules

CODES = ("LA110", "LA111", "LA112")


@functools.cache
def rules() -> dict:
    return load_rules()


def run(code: str, metrics: dict[str, pd.DataFrame], facts: dict | None = None, **params):
    rule = rules()[code]
    ctx = CheckContext(metrics=metrics, facts=facts or {}, rule=rule,
                       params={**rule.defaults(), **params})  # fmt: skip
    return list(registered_checks()[code](ctx))


def test_rules_have_sources_for_every_parameter():
    for code in CODES:
        rule = rules()[code]
        assert rule.category == "disagreement"
        assert rule.questions and rule.references
        assert all(p.source for p in rule.parameters.values()), code


def test_no_tables_no_findings():
    for code in CODES:
        assert run(code, {}) == []


def test_la110_message_names_figures_thresholds_and_largest_difference():
    shift = pd.DataFrame([{
        "field": "toxicity", "attribute": "region", "test": "chi-square, raters relabelled",
        "cramers_v": 0.32, "p_value": 0.001, "p_adjusted": 0.004, "n_permutations": 2000,
        "family_size": 4, "p_value_judgments": 1e-9, "n_judgments": 5000, "n_groups_tested": 3,
        "n_groups_excluded": 1,
    }])  # fmt: skip
    shares = pd.DataFrame([
        {"field": "toxicity", "attribute": "region", "group": "Asia", "value": "toxic",
         "share": 0.42, "pooled_share": 0.30, "suppressed": False, "group_judgments": 900},
        {"field": "toxicity", "attribute": "region", "group": "Oceania", "value": "toxic",
         "share": None, "pooled_share": None, "suppressed": True, "group_judgments": None},
    ])  # fmt: skip
    [hit] = run("LA110", {"label_shift": shift, "label_shares": shares})
    assert hit.subject == {"field": "toxicity", "attribute": "region"}
    assert hit.severity == "high"  # V 0.32 >= 0.3 (Cohen's medium effect)
    for text in ("0.32", "Cohen", "one-sided permutation p = 0.001 (2,000 "
                 "relabellings of the raters)", "adjusted p = 0.004 over the 4 tests of family LA110",
                 "5000 judgments", "1 group(s)", "region=Asia chose 'toxic' in 42%",
                 "30% overall"):  # fmt: skip
        assert text in hit.message, text
    assert "Oceania" not in hit.message
    assert hit.evidence["p_value"] == 0.001 and hit.evidence["family_size"] == 4


def test_la111_message_states_count_and_baseline():
    table = pd.DataFrame([{
        "field": "toxicity", "attribute": "region", "group": "Asia", "n_items_compared": 400,
        "n_contested": 100, "share_contested": 0.25, "n_annotators": 30, "suppressed": False,
        "expected_share": 0.12, "p_value": 0.001, "p_adjusted": 0.003, "n_permutations": 1000,
        "family_size": 9,
    }])  # fmt: skip
    [hit] = run("LA111", {"contested_items": table})
    assert "100 of 400 items" in hit.message and "12%" in hit.message
    assert "13.0 points" in hit.message
    assert hit.evidence["n_contested"] == 100
    assert hit.severity == "medium"


def test_la112_medium_below_high_ratio():
    table = pd.DataFrame([{
        "field": "toxicity", "attribute": "region", "group": "Africa", "n_annotators": 40,
        "n_flagged": 9, "pool_share": 0.2, "share_of_flagged": 0.3, "ratio": 1.5,
        "p_value": 0.002, "p_adjusted": 0.01, "n_permutations": 1000, "family_size": 6,
        "suppressed": False,
    }])  # fmt: skip
    [hit] = run("LA112", {"qc_by_group": table})
    assert hit.severity == "medium"
    assert "1.50 times" in hit.message and "four-fifths" in hit.message
    assert "the low-agreement QC cut" in hit.message  # no facts: generic wording


def test_after_privacy_step_small_groups_give_no_findings_and_no_examples():
    contested = pd.DataFrame([
        {"field": "t", "attribute": "region", "group": "Big", "n_items_compared": 100,
         "n_contested": 40, "share_contested": 0.4, "n_annotators": 12, "suppressed": False,
         "expected_share": 0.1, "p_value": 0.001, "p_adjusted": 0.002, "n_permutations": 1000,
         "family_size": 2},
        {"field": "t", "attribute": "region", "group": "Tiny", "n_items_compared": 100,
         "n_contested": 60, "share_contested": 0.6, "n_annotators": 2, "suppressed": False,
         "expected_share": 0.1, "p_value": 0.001, "p_adjusted": 0.002, "n_permutations": 1000,
         "family_size": 2},
    ])  # fmt: skip
    examples = pd.DataFrame([
        {"field": "t", "attribute": "region", "group": g, "item_id": "i1", "text": "x",
         "n_annotators": n, "suppressed": False} for g, n in (("Big", 12), ("Tiny", 2))
    ])  # fmt: skip
    # two small groups protect each other, so Big stays shown (one alone would hide Big too)
    safe = release_tables({"contested_items": contested, "contested_examples": examples},
                          k=5, audience="vendor")  # fmt: skip
    hits = run("LA111", safe)
    assert [h.subject["group"] for h in hits] == ["Big"]
    assert safe["contested_examples"]["group"].tolist() == ["Big"]
    groups = safe["contested_items"]["group"].tolist()
    assert "Tiny" not in groups and "Wee" not in groups  # held by fewer than k: never named
