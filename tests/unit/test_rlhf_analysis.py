"""metrics.rlhf on hand-built bundles: every figure below is computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from labelaudit.analyses.rlhf import comparisons, rlhf_analysis
from labelaudit.analyses.tables import TABLES
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.stats.proportions import wilson_interval

GRADED = ["a_much_better", "a_better", "tie", "b_better", "b_much_better"]
A, A2, T, B, B2 = "a_better", "a_much_better", "tie", "b_better", "b_much_better"

# item -> {annotator: label}; None = skipped. North: n1, n2; South: s1, s2, s3.
JUDGMENTS = {
    "i1": {"n1": A, "n2": A2, "s1": B, "s2": B, "s3": B2},  # pooled B; North says A
    "i2": {"n1": A, "n2": A, "s1": A2, "s2": B, "s3": B},  # pooled A; South says B
    "i3": {"n1": B, "n2": T, "s1": B, "s2": B, "s3": T},  # pooled B; both agree
    "i4": {"n1": A, "n2": B, "s1": A, "s2": A, "s3": A},  # pooled A; North ties
    "i5": {"s1": A, "s2": A2},  # South only
    "i6": {"n1": A, "s1": None},  # North only (s1 skipped)
}
SHOWN_FIRST = {"i1": "a", "i2": "b", "i3": "a", "i4": "a", "i5": "A", "i6": "a"}


def preference_bundle(shown_first: bool = True) -> Bundle:
    rows = [
        {"item_id": i, "annotator_id": a, "field": "pref", "label": lab, "skipped": lab is None}
        for i, labels in JUDGMENTS.items()
        for a, lab in labels.items()
    ]
    annotators = pd.DataFrame(
        {"annotator_id": ["n1", "n2", "s1", "s2", "s3"], "region": ["N", "N", "S", "S", "S"]}
    )
    items = pd.DataFrame({"item_id": list(SHOWN_FIRST)})
    if shown_first:
        items["shown_first"] = list(SHOWN_FIRST.values())
    return Bundle(
        judgments=pd.DataFrame(rows),
        schema={"pref": FieldSpec("pref", "ordinal", GRADED, kind="pairwise")},
        annotators=annotators,
        items=items,
    )


def by_group(table: pd.DataFrame, group: str | None) -> dict:
    rows = table[table["group"].isna()] if group is None else table[table["group"] == group]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def test_position_bias_known_counts() -> None:
    out = rlhf_analysis(preference_bundle(), AuditConfig())
    pb = out.tables["position_bias"]
    # first-shown wins per item: i1 2/5, i2 (B shown first) 2/5, i3 0/3 (+2 ties),
    # i4 4/5, i5 2/2, i6 1/1 -> 11 of 21 decided, 2 ties of 23 answered
    overall = by_group(pb, None)
    assert (overall["n_judgments"], overall["first_wins"]) == (21, 11)
    assert overall["rate"] == pytest.approx(11 / 21)
    assert overall["tie_rate"] == pytest.approx(2 / 23)
    assert (overall["ci_low"], overall["ci_high"]) == pytest.approx(wilson_interval(11, 21))
    assert overall["n_annotators"] == 5 and overall["suppressed"] is False
    north, south = by_group(pb, "N"), by_group(pb, "S")
    assert (north["n_judgments"], north["first_wins"], north["rate"]) == (8, 4, 0.5)
    assert north["tie_rate"] == pytest.approx(1 / 9)
    assert (south["n_judgments"], south["first_wins"]) == (13, 7)
    assert south["tie_rate"] == pytest.approx(1 / 14)
    assert north["attribute"] == "region" and north["n_annotators"] == 2


def test_without_shown_first_response_a_is_first() -> None:
    out = rlhf_analysis(preference_bundle(shown_first=False), AuditConfig())
    # i2 now counts A wins as first-shown wins: 3/5 instead of 2/5 -> 12 of 21
    assert by_group(out.tables["position_bias"], None)["first_wins"] == 12
    assert out.facts["rlhf"]["first_shown_source"] == "assumed: response A"


def test_group_preference_divergence_known_flips() -> None:
    div = rlhf_analysis(preference_bundle(), AuditConfig()).tables["preference_divergence"]
    north, south = by_group(div, "N"), by_group(div, "S")
    # North on i1-i4: flips i1; agrees i2, i3; ties i4. Without North, i2 turns B (decisive)
    assert (north["n_items_compared"], north["n_flipped"]) == (4, 1)
    assert north["flip_share"] == 0.25
    assert north["agrees_with_pooled_share"] == 0.5
    assert north["decisive_share"] == 0.25
    # South on i1-i4: flips i2; agrees i1, i3, i4. Without South, i1 (A) and i4 (tie) change
    assert (south["n_items_compared"], south["n_flipped"]) == (4, 1)
    assert south["agrees_with_pooled_share"] == 0.75
    assert south["decisive_share"] == 0.5
    assert south["n_annotators"] == 3


def test_tie_and_skip_usage_by_group() -> None:
    ts = rlhf_analysis(preference_bundle(), AuditConfig()).tables["tie_skip_usage"]
    overall, north, south = by_group(ts, None), by_group(ts, "N"), by_group(ts, "S")
    assert overall["n_judgments"] == 24
    assert overall["tie_rate"] == pytest.approx(2 / 23)
    assert overall["skip_rate"] == pytest.approx(1 / 24)
    assert north["n_judgments"] == 9
    assert (north["tie_rate"], north["skip_rate"]) == pytest.approx((1 / 9, 0.0))
    assert (north["rest_tie_rate"], north["rest_skip_rate"]) == pytest.approx((1 / 14, 1 / 15))
    assert south["n_judgments"] == 15
    assert (south["tie_rate"], south["skip_rate"]) == pytest.approx((1 / 14, 1 / 15))
    assert (south["rest_tie_rate"], south["rest_skip_rate"]) == pytest.approx((1 / 9, 0.0))


def test_tables_carry_exactly_the_declared_columns() -> None:
    t = rlhf_analysis(preference_bundle(), AuditConfig()).tables
    for name in ("position_bias", "preference_divergence", "tie_skip_usage"):
        assert list(t[name].columns) == list(TABLES[name]), name


def ranking_bundle() -> Bundle:
    rows = [
        {"item_id": "j1", "annotator_id": "n1", "label": ["r1", "r2", "r3"]},
        {"item_id": "j1", "annotator_id": "s1", "label": ["r3", "r1", "r2"]},
        {"item_id": "j1", "annotator_id": "s2", "label": ["r3", "r2", "r1"]},
    ]
    j = pd.DataFrame(rows).assign(field="rank", skipped=False)
    return Bundle(
        judgments=j,
        schema={"rank": FieldSpec("rank", "ordinal", [], kind="ranking")},
        annotators=pd.DataFrame({"annotator_id": ["n1", "s1", "s2"], "region": ["N", "S", "S"]}),
    )


def test_ranking_becomes_pairwise_comparisons_exactly() -> None:
    b = ranking_bundle()
    comp = comparisons(b, b.schema["rank"])
    got = list(zip(comp["comparison"], comp["annotator_id"], comp["direction"], strict=True))
    assert got == [
        ("j1|r1|r2", "n1", -1), ("j1|r1|r3", "n1", -1), ("j1|r2|r3", "n1", -1),
        ("j1|r1|r2", "s1", -1), ("j1|r1|r3", "s1", 1), ("j1|r2|r3", "s1", 1),
        ("j1|r1|r2", "s2", 1), ("j1|r1|r3", "s2", 1), ("j1|r2|r3", "s2", 1),
    ]  # fmt: skip


def test_ranking_divergence_and_no_position_bias() -> None:
    out = rlhf_analysis(ranking_bundle(), AuditConfig())
    # pooled: r1>r2, r3>r1, r3>r2. North (n1) flips r1-r3 and r2-r3, agrees on r1-r2;
    # without North, r1-r2 becomes a tie (decisive once). South ties r1-r2 and agrees on
    # the other two; without South, r1-r3 and r2-r3 flip (decisive twice).
    div = out.tables["preference_divergence"]
    north, south = by_group(div, "N"), by_group(div, "S")
    assert (north["n_items_compared"], north["n_flipped"]) == (3, 2)
    assert north["agrees_with_pooled_share"] == pytest.approx(1 / 3)
    assert north["decisive_share"] == pytest.approx(1 / 3)
    assert (south["n_flipped"], south["agrees_with_pooled_share"]) == (0, pytest.approx(2 / 3))
    assert south["decisive_share"] == pytest.approx(2 / 3)
    assert out.tables["position_bias"].empty
    assert by_group(out.tables["tie_skip_usage"], None)["tie_rate"] == 0.0


def test_unreadable_pairwise_values_are_reported_not_raised() -> None:
    j = pd.DataFrame(
        {"item_id": ["i1", "i1"], "annotator_id": ["x", "y"], "field": "pref",
         "label": ["good", "bad"], "skipped": False}
    )  # fmt: skip
    b = Bundle(j, schema={"pref": FieldSpec("pref", "nominal", ["good", "bad"], kind="pairwise")})
    out = rlhf_analysis(b, AuditConfig())
    assert "good" in out.facts["rlhf"]["errors"]["pref"]
    assert any(m["title"] == "Preference field 'pref' not analysed" for m in out.methods)
    assert out.tables["position_bias"].empty


def test_no_preference_fields_gives_empty_output() -> None:
    j = pd.DataFrame(
        {"item_id": ["i1"], "annotator_id": ["x"], "field": "tox", "label": ["t"],
         "skipped": False}
    )  # fmt: skip
    out = rlhf_analysis(
        Bundle(j, schema={"tox": FieldSpec("tox", "nominal", ["t"])}), AuditConfig()
    )
    assert out.tables == {} and out.facts == {} and out.methods == []
