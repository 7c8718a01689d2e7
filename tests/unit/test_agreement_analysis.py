"""End to end: a planted group effect is found; an independent attribute is not flagged."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from labelaudit.analyses.agreement import agreement_analysis
from labelaudit.analyses.tables import CONTRACT_TABLES
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.rulebook import load_rules

N_ITEMS, N_ANN, PER_ITEM = 240, 40, 8


def _bundle(seed: int = 0, balanced_coin: bool = True) -> Bundle:
    """South annotators read the first quarter of the items the other way.

    'coin' is independent of everything: with ``balanced_coin`` exactly so (half of each
    region), otherwise only in expectation (a random draw, here 13/7 heads by region).
    """
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, N_ITEMS)
    region = np.array(["north"] * (N_ANN // 2) + ["south"] * (N_ANN // 2))
    coin = rng.permutation(np.array(["heads", "tails"] * (N_ANN // 2)))
    if balanced_coin:
        half = np.array(["heads", "tails"] * (N_ANN // 4))
        coin = np.concatenate([rng.permutation(half), rng.permutation(half)])
    rows = []
    for i in range(N_ITEMS):
        for a in rng.choice(N_ANN, PER_ITEM, replace=False):
            v = truth[i] if rng.random() > 0.1 else 1 - truth[i]
            if region[a] == "south" and i < N_ITEMS // 4 and rng.random() < 0.9:
                v = 1 - v
            rows.append((f"i{i}", f"a{a}", "toxicity", ["no", "yes"][v], False))
            topics = [t for t, p in (("sports", 0.3), ("politics", 0.5)) if rng.random() < p]
            rows.append((f"i{i}", f"a{a}", "topics", topics, False))
    # one item judged once only, one skipped judgment, one duplicate judgment
    rows.append(("lonely", "a0", "toxicity", "yes", False))
    rows.append(("lonely", "a1", "toxicity", None, True))
    rows.append(rows[0][:3] + ("yes" if rows[0][3] == "no" else "no", False))
    judgments = pd.DataFrame(rows, columns=["item_id", "annotator_id", "field", "label", "skipped"])
    annotators = pd.DataFrame(
        {"annotator_id": [f"a{a}" for a in range(N_ANN)], "region": region, "coin": coin}
    )
    schema = {
        "toxicity": FieldSpec("toxicity", "nominal", ["no", "yes"]),
        "topics": FieldSpec("topics", "nominal", ["sports", "politics"], kind="multi"),
    }
    return Bundle(judgments=judgments, schema=schema, annotators=annotators)


@pytest.fixture(scope="module")
def output():
    cfg = AuditConfig(n_boot=200, n_permutations=400, seed=3)
    return agreement_analysis(_bundle(), cfg)


def _findings(output, code: str) -> list:
    rule = load_rules()[code]
    ctx = CheckContext(metrics=output.tables, facts=output.facts, rule=rule, params=rule.defaults())
    return list(registered_checks()[code](ctx))


def test_contract_columns_and_units(output):
    for name in ("agreement", "group_association"):
        assert set(CONTRACT_TABLES[name]) <= set(output.tables[name].columns)
    agreement = output.tables["agreement"]
    assert set(agreement["field"]) == {"toxicity", "topics:sports", "topics:politics"}
    assert set(agreement["scope"]) == {"overall", "within", "cross"}
    assert not agreement["suppressed"].any()
    assert "n_annotators" in output.tables["group_association"].columns


def test_overall_and_within_alpha_match_krippendorff_package(output):
    b = _bundle()
    j = b.judgments[(b.judgments["field"] == "toxicity") & ~b.judgments["skipped"]]
    j = j.drop_duplicates(["item_id", "annotator_id"], keep="first")
    j = j[j.groupby("item_id")["item_id"].transform("size") >= 2]
    table = output.tables["agreement"].set_index(["field", "scope", "attribute", "group"])

    def kripp(sub: pd.DataFrame) -> float:
        wide = sub.assign(v=(sub["label"] == "yes").astype(float)).pivot(
            index="annotator_id", columns="item_id", values="v"
        )
        return krippendorff.alpha(reliability_data=wide.to_numpy(), level_of_measurement="nominal")

    overall = table.loc[("toxicity", "overall", None, None)]
    assert overall["alpha"] == pytest.approx(kripp(j), abs=1e-9)
    assert overall["n_items"] == N_ITEMS and overall["n_judgments"] == N_ITEMS * PER_ITEM
    assert overall["ci_low"] < overall["alpha"] < overall["ci_high"]
    south = j[j["annotator_id"].isin([f"a{a}" for a in range(N_ANN // 2, N_ANN)])]
    within = table.loc[("toxicity", "within", "region", "south")]
    assert within["alpha"] == pytest.approx(kripp(south), abs=1e-9)
    assert within["n_annotators"] == N_ANN // 2


def test_planted_group_found_and_independent_attribute_not_flagged(output):
    assoc = output.tables["group_association"]
    tox = assoc[assoc["field"] == "toxicity"].set_index(["attribute", "group"])
    assert tox.loc[("region", "south"), "gai"] > 1
    assert tox.loc[("region", "south"), "p_adjusted"] < 0.05
    assert (tox.loc["coin", "p_adjusted"] > 0.05).all()
    hits = _findings(output, "LA103")
    flagged = {(h.subject["field"], h.subject["attribute"], h.subject["group"]) for h in hits}
    assert ("toxicity", "region", "south") in flagged
    assert not any(attr == "coin" for _, attr, _ in flagged)
    assert not any(field.startswith("topics") for field, _, _ in flagged)


def test_stratified_permutation_removes_association_carried_by_composition():
    # a coin drawn at random is 13/7 heads north/south here: it "associates" only
    # through region; shuffling within region levels takes that out of the null
    b = _bundle(balanced_coin=False)
    heads = b.annotators.loc[b.annotators["coin"] == "heads", "region"]
    assert heads.value_counts().to_dict() == {"north": 13, "south": 7}

    def coin_p(stratify_by):
        cfg = AuditConfig(n_boot=10, n_permutations=400, seed=3, stratify_by=stratify_by)
        t = agreement_analysis(b, cfg).tables["group_association"]
        return t[(t["field"] == "toxicity") & (t["attribute"] == "coin")]["p_value"]

    assert coin_p(None).min() < 0.05
    assert coin_p("region").min() > 0.05


def test_difference_table_and_la102(output):
    diff = output.tables["agreement_difference"]
    tox = diff[diff["field"] == "toxicity"].set_index(["attribute", "group"])
    row = tox.loc[("region", "north")]
    assert row["difference"] == pytest.approx(row["alpha_group"] - row["alpha_rest"])
    # two groups: north's rest is south
    assert row["alpha_rest"] == pytest.approx(tox.loc[("region", "south"), "alpha_group"])
    # tested by relabelling raters: the two regions are mirror images, the coin is null
    assert row["p_value"] == pytest.approx(tox.loc[("region", "south"), "p_value"])
    assert (tox.loc["coin", "p_adjusted"] > 0.05).all()
    assert row["family_size"] == diff["p_value"].notna().sum() > 0
    hits = _findings(output, "LA102")
    assert all(h.subject["attribute"] != "coin" for h in hits if h.subject["field"] == "toxicity")
    for h in hits:
        assert {"p_value", "p_adjusted", "n_permutations", "family_size"} <= set(h.evidence)


def test_excluded_items_counted_in_facts_and_la010(output):
    facts = output.facts["agreement"]
    assert facts["excluded_items"]["toxicity"] == 1  # the item judged once (+1 skipped)
    assert facts["scored_items"]["toxicity"] == N_ITEMS
    hits = _findings(output, "LA010")
    assert [h.subject["field"] for h in hits] == ["toxicity"]


def test_deterministic_given_seed():
    cfg = AuditConfig(n_boot=50, n_permutations=60, seed=9)
    a = agreement_analysis(_bundle(), cfg).tables
    b = agreement_analysis(_bundle(), cfg).tables
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_random_labels_leave_gai_undefined_with_la009():
    rng = np.random.default_rng(4)
    rows = [
        (f"i{i}", f"a{a}", "toxicity", ["no", "yes"][rng.integers(0, 2)], False)
        for i in range(150)
        for a in rng.choice(30, 6, replace=False)
    ]
    b = Bundle(
        judgments=pd.DataFrame(
            rows, columns=["item_id", "annotator_id", "field", "label", "skipped"]
        ),
        schema={"toxicity": FieldSpec("toxicity", "nominal", ["no", "yes"])},
        annotators=pd.DataFrame(
            {"annotator_id": [f"a{a}" for a in range(30)], "coin": ["h", "t", "x"] * 10}
        ),
    )
    out = agreement_analysis(b, AuditConfig(n_boot=20, n_permutations=50))
    assoc = out.tables["group_association"]
    undefined = assoc[assoc["xrr"].abs() < 0.05]
    assert len(undefined) > 0 and undefined["gai"].isna().all()
    assert len(_findings(out, "LA009")) == len(undefined)
    assert len(_findings(out, "LA101")) == 1  # alpha near 0: high severity


def test_intersections_are_audited_as_their_own_attribute():
    cfg = AuditConfig(
        n_boot=10, n_permutations=20, group_by=["region"], intersections=[["region", "coin"]]
    )
    t = agreement_analysis(_bundle(), cfg).tables["agreement"]
    tox = t[(t["field"] == "toxicity") & (t["scope"] == "within")]
    assert set(tox["attribute"]) == {"region", "region×coin"}
    inter = tox[tox["attribute"] == "region×coin"]
    assert set(inter["group"]) == {"north×heads", "north×tails", "south×heads", "south×tails"}
    assert (inter["n_annotators"] == N_ANN // 4).all()


def test_rest_of_a_near_total_group_is_not_described():
    b = _bundle()
    b.annotators["team"] = ["small"] * 2 + ["big"] * (N_ANN - 2)
    cfg = AuditConfig(n_boot=10, n_permutations=20, group_by=["team"])
    out = agreement_analysis(b, cfg)
    diff = out.tables["agreement_difference"]
    big = diff[(diff["field"] == "toxicity") & (diff["group"] == "big")].iloc[0]
    assert big["n_annotators_rest"] == 2
    assert np.isnan(big["alpha_rest"]) and np.isnan(big["p_value"])
    small = diff[(diff["field"] == "toxicity") & (diff["group"] == "small")].iloc[0]
    assert small["n_annotators"] == 2  # the privacy step will suppress this row
    assoc = out.tables["group_association"]
    assert assoc.loc[assoc["group"] == "small", "p_value"].isna().all()  # too small to test
