"""metrics.disagreement on small bundles whose answers are known by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from labelaudit.analyses.disagreement import TABLE_NAMES, disagreement
from labelaudit.analyses.tables import TABLES
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.rulebook import load_rules

TOX = {"toxicity": FieldSpec("toxicity", "nominal", ["toxic", "ok"])}


def make_bundle(votes: dict[str, dict[str, str]], groups: dict[str, str], **extra) -> Bundle:
    """votes: item -> {annotator: label}; groups: annotator -> region."""
    rows = [
        {"item_id": i, "annotator_id": a, "field": "toxicity", "label": v, "skipped": False}
        for i, by in votes.items()
        for a, v in by.items()
    ]
    annotators = pd.DataFrame({"annotator_id": list(groups), "region": list(groups.values())})
    return Bundle(judgments=pd.DataFrame(rows), schema=extra.pop("schema", TOX),
                  annotators=annotators, **extra)  # fmt: skip


# Six items, group A = a1, a2 and group B = b1..b4 (see the expected values below).
T, OK = "toxic", "ok"
SIX = {
    "i1": {"a1": T, "a2": T, "b1": OK, "b2": OK, "b3": OK, "b4": OK},  # pooled ok; A flips
    "i2": {"a1": T, "a2": T, "b1": T, "b2": OK, "b3": OK, "b4": OK},  # pooled tie: not compared
    "i3": {"a1": OK, "a2": OK, "b1": OK, "b2": OK, "b3": T, "b4": T},  # B tied; A agrees
    "i4": {"a1": T, "a2": OK, "b1": T, "b2": T, "b3": T, "b4": OK},  # A tied; B agrees
    "i5": {"a1": T, "a2": T, "b1": OK},  # B has one judgment only; A agrees
    "i6": {"a1": OK, "a2": OK, "b1": T, "b2": T, "b3": T, "b4": T},  # pooled toxic; A flips
}
SIX_GROUPS = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B", "b4": "B"}
#: these hand-sized cases are far below the rules' minimum support: lift it
TINY = {"LA110": {"min_annotators": 1, "min_judgments": 1}, "LA111": {"min_annotators": 1}}


@pytest.fixture(scope="module")
def six():
    items = pd.DataFrame({"item_id": list(SIX), "text": [f"post {i} " + "x" * 300 for i in SIX]})
    cfg = AuditConfig(min_group_size=2, n_permutations=50, seed=0, rules=TINY)
    return disagreement(make_bundle(SIX, SIX_GROUPS, items=items), cfg)


def test_every_table_has_its_columns(six):
    for name in TABLE_NAMES:
        assert list(six.tables[name].columns) == list(TABLES[name])


def test_contested_items_exact(six):
    t = six.tables["contested_items"].set_index("group")
    assert t.loc["A", ["n_items_compared", "n_contested", "n_annotators"]].tolist() == [4, 2, 2]
    assert t.loc["A", "share_contested"] == 0.5
    assert t.loc["B", ["n_items_compared", "n_contested", "n_annotators"]].tolist() == [3, 0, 4]
    assert not t["suppressed"].any()


def test_contested_examples_exact(six):
    ex = six.tables["contested_examples"]
    assert ex["item_id"].tolist() == ["i1", "i6"]  # equal gaps (1.0): ordered by item id
    first = ex.iloc[0]
    assert (first["group"], first["pooled_majority"], first["group_majority"]) == ("A", OK, T)
    assert first["group_judgments"] == {"toxic": 2, "ok": 0}
    assert first["other_judgments"] == {"toxic": 0, "ok": 4}
    assert first["gap"] == 1.0
    assert first["text"] == ("post i1 " + "x" * 300)[:280]
    assert first["n_annotators"] == 2


def test_label_shares_exact(six):
    t = six.tables["label_shares"].set_index(["group", "value"])
    # A chose toxic on i1, i2, i4 (a1 only), i5: 7 of its 12 judgments
    assert t.loc[("A", T), "n_judgments"] == 7
    assert t.loc[("A", T), "share"] == pytest.approx(7 / 12)
    assert t.loc[("A", T), "group_judgments"] == 12
    # B: toxic on i2, i3 (2), i4 (3), i6 (4) = 10 of 21
    assert t.loc[("B", T), "share"] == pytest.approx(10 / 21)
    assert t.loc[("B", OK), "n_annotators"] == 4
    assert t.loc[("A", T), "pooled_share"] == pytest.approx(17 / 33)


def test_annotator_agreement_by_hand(six):
    t = six.tables["annotator_agreement"].set_index("annotator_id")
    # a1 agrees with the others' majority on i3 and i4, disagrees on i1, i2, i6;
    # on i5 the others (a2 toxic, b1 ok) are tied
    assert t.loc["a1", "n_items"] == 5
    assert t.loc["a1", "agreement"] == pytest.approx(0.4)
    assert t.loc["a1", "field"] == "toxicity"


def test_label_shift_statistic_matches_scipy(six):
    row = six.tables["label_shift"].iloc[0]
    table = [[7, 5], [10, 11]]
    ref = stats.chi2_contingency(table, correction=False)
    assert row["statistic"] == pytest.approx(ref.statistic)
    assert row["dof"] == 1
    assert (row["n_groups_tested"], row["n_groups_excluded"], row["n_judgments"]) == (2, 0, 33)
    assert row["test"] == "chi-square, raters relabelled"
    assert row["p_value_judgments"] == pytest.approx(ref.pvalue)
    assert 0 < row["n_permutations"] <= 50 and row["family_size"] == 1
    assert 0 < row["p_value"] <= 1


def test_methods_notes(six):
    assert len(six.methods) == 3
    for note in six.methods:
        assert set(note) == {"title", "text", "reference", "limits"}
        assert all(note[k] for k in note)


def test_small_groups_are_excluded_from_the_test_and_the_examples():
    votes = {k: dict(v) for k, v in SIX.items()}
    groups = dict(SIX_GROUPS)
    for i in votes:  # a third region with two annotators who always say toxic
        votes[i].update(c1=T, c2=T)
    groups.update(c1="C", c2="C")
    cfg = AuditConfig(min_group_size=3, n_permutations=20, seed=0, rules=TINY)
    out = disagreement(make_bundle(votes, groups), cfg)
    shift = out.tables["label_shift"].iloc[0]
    assert (shift["n_groups_tested"], shift["n_groups_excluded"]) == (1, 2)
    assert shift["test"] is None  # one group left: nothing to compare
    shares = out.tables["label_shares"]
    assert set(shares["group"]) == {"A", "B", "C"}
    assert shares.loc[shares["group"] == "C", "n_annotators"].eq(2).all()
    # the privacy step decides suppression; the analysis reports honest counts
    assert not shares["suppressed"].any()
    assert set(out.tables["contested_examples"]["group"]) <= {"B"}
    contested = out.tables["contested_items"].set_index("group")
    assert pd.isna(contested.loc["C", "p_value"])


def test_a_few_raters_give_a_coarse_p_whatever_their_judgments():
    # 4 raters, two per group: of the C(4, 2) = 6 relabellings the observed split and its
    # mirror give the largest chi-square, so the p with raters relabelled is 2/6 = 1/3, while the
    # judgment-level test, blind to who judged, calls 40 judgments "significant"
    votes = {f"i{k}": {"a1": T, "a2": T, "b1": OK, "b2": OK} for k in range(10)}
    out = disagreement(make_bundle(votes, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}),
                       AuditConfig(min_group_size=2, n_permutations=4000, seed=1,
                                   early_stop=False, rules=TINY))  # fmt: skip
    row = out.tables["label_shift"].iloc[0]
    assert row["p_value_judgments"] < 1e-8
    assert row["p_value"] == pytest.approx(1 / 3, abs=5 * (2 / 9 / 4000) ** 0.5 + 1 / 4001)
    assert row["cramers_v"] == pytest.approx(1.0)


def _qc_bundle(minority_dissent: bool) -> Bundle:
    """20 items, 25 annotators (20 in M, 5 in N). The 'dissenters' pick the other label
    on the even items; they are all of N, or one per group of 5 when spread evenly."""
    groups = {f"m{k}": "M" for k in range(20)} | {f"n{k}": "N" for k in range(5)}
    spread = {"m0", "m5", "m10", "m15", "n0"}
    dissent = {f"n{k}" for k in range(5)} if minority_dissent else spread
    votes = {}
    for i in range(20):
        truth = T if i % 3 else OK
        other = OK if truth == T else T
        votes[f"i{i:02d}"] = {
            a: (other if (a in dissent and i % 2 == 0) else truth) for a in groups
        }
    return make_bundle(votes, groups)


#: the QC cases' groups hold 5 raters: LA112's support set to match
QC_RULES = {"LA112": {"min_annotators": 5}}


def test_qc_cut_falling_on_one_group():
    out = disagreement(_qc_bundle(True), AuditConfig(n_permutations=1000, seed=0, rules=QC_RULES))
    qc = out.tables["qc_by_group"].set_index("group")
    # all 5 N annotators agree on 10 of 20 items, every M annotator on all 20
    assert qc.loc["N", ["n_annotators", "n_flagged"]].tolist() == [5, 5]
    assert qc.loc["N", "pool_share"] == pytest.approx(0.2)
    assert qc.loc["N", "share_of_flagged"] == 1.0
    assert qc.loc["N", "ratio"] == pytest.approx(5.0)
    # exact p 1 / C(25, 5) = 1 / 53130: no relabelling reaches it, so p sits at its floor
    # 1 / (l + 1) until that is half the BH threshold of the family of 2, at l = 80
    assert qc.loc["N", "p_value"] == pytest.approx(1 / 81)
    assert qc.loc["N", "n_permutations"] == 80 and qc.loc["N", "family_size"] == 2
    assert qc.loc["M", "p_value"] == pytest.approx(1.0)
    assert qc.loc["N", "p_adjusted"] == pytest.approx(2 / 81)
    agree = out.tables["annotator_agreement"].set_index("annotator_id")
    assert agree.loc["n0", "agreement"] == 0.5 and agree.loc["m0", "agreement"] == 1.0
    hits = _run_check("LA112", out)
    assert len(hits) == 1 and hits[0].subject == {"field": "toxicity", "attribute": "region",
                                                  "group": "N"}  # fmt: skip
    assert "perspective" in hits[0].message and "5 of their 5" in hits[0].message
    assert hits[0].severity == "high"  # ratio 5 >= 2


def test_even_qc_cut_is_not_flagged():
    out = disagreement(_qc_bundle(False), AuditConfig(n_permutations=200, seed=0, rules=QC_RULES))
    qc = out.tables["qc_by_group"].set_index("group")
    assert qc.loc["N", "n_flagged"] == 1 and qc.loc["M", "n_flagged"] == 4
    assert qc.loc["N", "ratio"] == pytest.approx(1.0)
    assert _run_check("LA112", out) == []


def test_absolute_qc_cut_from_rule_settings():
    cfg = AuditConfig(n_permutations=0, seed=0, rules={"LA112": {"qc_min_agreement": 0.4}})
    out = disagreement(_qc_bundle(True), cfg)
    assert out.tables["qc_by_group"]["n_flagged"].sum() == 0  # 0.5 is not below 0.4
    assert "below 0.4" in out.facts["disagreement"]["qc"]["description"]


def test_same_seed_same_output():
    cfg = AuditConfig(min_group_size=2, n_permutations=30, seed=4)
    a = disagreement(make_bundle(SIX, SIX_GROUPS), cfg)
    b = disagreement(make_bundle(SIX, SIX_GROUPS), cfg)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


def test_multi_choice_options_and_continuous_scales():
    schema = {
        "tags": FieldSpec("tags", "nominal", ["slur", "threat"], kind="multi"),
        "score": FieldSpec("score", "interval", []),
    }
    rows = []
    for i in range(3):
        for k, a in enumerate(["a1", "a2", "b1"]):
            rows.append(
                {
                    "item_id": f"i{i}",
                    "annotator_id": a,
                    "field": "tags",
                    "label": ["slur"] if k < 2 else ["threat"],
                    "skipped": False,
                }
            )
            rows.append({"item_id": f"i{i}", "annotator_id": a, "field": "score",
                         "label": float(10 * i + k), "skipped": False})  # fmt: skip
    for extra in range(30):
        rows.append({"item_id": "i0", "annotator_id": f"z{extra}", "field": "score",
                     "label": float(100 + extra), "skipped": False})  # fmt: skip
    annotators = pd.DataFrame({"annotator_id": ["a1", "a2", "b1"], "region": ["A", "A", "B"]})
    bundle = Bundle(judgments=pd.DataFrame(rows), schema=schema, annotators=annotators)
    out = disagreement(bundle, AuditConfig(min_group_size=1, n_permutations=0))
    assert set(out.tables["label_shares"]["field"]) == {"tags:slur", "tags:threat"}
    skipped = out.facts["disagreement"]["skipped_fields"]
    assert [s["field"] for s in skipped] == ["score"]


def test_examples_are_bounded():
    votes = {f"i{k:02d}": dict(SIX["i1"]) for k in range(30)}
    out = disagreement(make_bundle(votes, SIX_GROUPS),
                       AuditConfig(min_group_size=2, n_permutations=0, max_examples=7))  # fmt: skip
    assert len(out.tables["contested_examples"]) == 7
    assert out.tables["contested_items"].set_index("group").loc["A", "n_contested"] == 30


def test_qc_cut_follows_the_configured_la112_parameters():
    """The QC cut simulated by the analysis is LA112's, as configured: one setting."""
    default = disagreement(_qc_bundle(True), AuditConfig(n_permutations=0, seed=0))
    cfg = AuditConfig(n_permutations=0, seed=0, rules={"LA112": {"qc_min_agreement": 0.99}})
    strict = disagreement(_qc_bundle(True), cfg)
    assert default.facts["disagreement"]["qc"]["qc_min_agreement"] is None
    assert strict.facts["disagreement"]["qc"]["qc_min_agreement"] == 0.99
    assert "below 0.99" in strict.facts["disagreement"]["qc"]["description"]


def _run_check(code: str, out) -> list:
    from labelaudit.checks.disagreement import qc_bias  # noqa: F401  (registers the check)
    from labelaudit.checks.registry import CheckContext, registered_checks

    rule = load_rules()[code]
    ctx = CheckContext(metrics=out.tables, facts=out.facts, rule=rule, params=rule.defaults())
    return list(registered_checks()[code](ctx))


def test_example_text_falls_back_to_the_prompt():
    items = pd.DataFrame({"item_id": ["i1", "i6"], "text": [None, "post six"],
                          "prompt": ["prompt one", "prompt six"]})  # fmt: skip
    out = disagreement(make_bundle(SIX, SIX_GROUPS, items=items),
                       AuditConfig(min_group_size=2, n_permutations=0))  # fmt: skip
    assert out.tables["contested_examples"]["text"].tolist() == ["prompt one", "post six"]
