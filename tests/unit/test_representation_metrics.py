"""The representation analysis on small bundles whose figures are computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from labelaudit.analyses.representation import representation_analysis
from labelaudit.analyses.tables import CONTRACT_TABLES
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.populations.targets import Target
from labelaudit.privacy import release_tables

TARGET = Target(
    name="test world",
    source="hand-made",
    attributes={"region": {"Europe": 0.2, "Asia": 0.5, "Africa": 0.2, "Oceania": 0.1}},
)
# who judged what (field "label"); a10 also skipped i7, a11 did not disclose a region
ASSIGNMENTS = {
    "a1": ["i1"],
    "a2": ["i2"],
    "a3": ["i3"],
    "a4": ["i4"],
    "a5": ["i5"],
    "a6": ["i6"],
    "a7": ["i1", "i2", "i3", "i7"],
    "a8": ["i1", "i2", "i3", "i7"],
    "a9": ["i1", "i2", "i3", "i4"],
    "a10": ["i5", "i6"],
    "a11": ["i1"],
}
REGION = {
    **{f"a{i}": "Europe" for i in range(1, 7)},
    "a7": "Asia",
    "a8": "Asia",
    "a9": "Asia",
    "a10": "Africa",
    "a11": "prefer not to say",
}
SCHEMA = {
    "label": FieldSpec("label", "nominal", ["yes", "no"]),
    "pref": FieldSpec("pref", "nominal", ["a", "b"]),
}


def _bundle(extra_rows=(), annotators=None, target=TARGET) -> Bundle:
    rows = [
        {"item_id": item, "annotator_id": ann, "field": "label", "label": "yes", "skipped": False}
        for ann, items in ASSIGNMENTS.items()
        for item in items
    ]
    rows.append(
        {"item_id": "i7", "annotator_id": "a10", "field": "label", "label": None, "skipped": True}
    )
    rows.extend(extra_rows)
    if annotators is None:
        annotators = pd.DataFrame({"annotator_id": list(REGION), "region": list(REGION.values())})
    fields = {r["field"] for r in rows}
    return Bundle(
        judgments=pd.DataFrame(rows),
        schema={f: SCHEMA[f] for f in sorted(fields)},
        annotators=annotators,
        target=target,
    )


def _run(bundle, **cfg):
    return representation_analysis(bundle, AuditConfig(**cfg))


def _by_group(table, attribute="region"):
    return table[table["attribute"] == attribute].set_index("group")


def test_contract_columns_are_present():
    out = _run(_bundle())
    assert set(CONTRACT_TABLES["representation"]) <= set(out.tables["representation"].columns)
    for name in (
        "representation_by_field",
        "representation_distance",
        "concentration",
        "perspective_diversity",
        "metadata_completeness",
    ):
        assert name in out.tables


def test_headcount_and_judgment_shares_ratios_by_hand():
    rep = _by_group(_run(_bundle()).tables["representation"])
    assert list(rep.index) == ["Europe", "Asia", "Africa", "Oceania"]
    # 10 annotators disclosed a region (a11 did not); 20 scored judgments among them
    assert rep["n_annotators"].tolist() == [6, 3, 1, 0]
    assert rep["pool_share"].tolist() == pytest.approx([0.6, 0.3, 0.1, 0.0])
    # headcount and judgment weight disagree: Europe is 60% of raters, 30% of judgments
    assert rep["n_judgments"].tolist() == [6, 12, 2, 0]
    assert rep["judgment_share"].tolist() == pytest.approx([0.3, 0.6, 0.1, 0.0])
    assert rep["target_share"].tolist() == pytest.approx([0.2, 0.5, 0.2, 0.1])
    assert rep["ratio"].tolist() == pytest.approx([3.0, 0.6, 0.5, 0.0])
    assert rep["in_pool"].tolist() == [True, True, True, False]
    assert rep["in_target"].tolist() == [True] * 4
    assert set(rep["target_basis"]) == {"marginal"}
    assert not rep["suppressed"].any()
    # Wilson 95% interval for 6 of 10 (see test_representation_stats)
    assert rep.loc["Europe", "pool_ci_low"] == pytest.approx(0.3127, abs=5e-5)
    assert rep.loc["Europe", "pool_ci_high"] == pytest.approx(0.8318, abs=5e-5)
    assert rep.loc["Oceania", "pool_ci_low"] == 0.0


def test_total_variation_distance_by_hand():
    dist = _run(_bundle(), min_group_size=1).tables["representation_distance"]
    row = dist[dist["attribute"] == "region"].iloc[0]
    # 0.5 * (|.6-.2| + |.3-.5| + |.1-.2| + |0-.1|) and 0.5 * (.1 + .1 + .1 + .1)
    assert row["tvd"] == pytest.approx(0.4)
    assert row["tvd_judgments"] == pytest.approx(0.2)
    assert row["n_annotators"] == 10
    assert row["n_groups_missing"] == 1 and row["n_groups_unnamed"] == 0
    assert str(dist["n_groups_missing"].dtype) == "Int64"  # counts stay integers in JSON
    assert row["field"] is None or (isinstance(row["field"], float) and math.isnan(row["field"]))


def test_distance_pools_hidden_groups_into_one_bucket():
    from labelaudit.privacy import make_plan

    bundle = _bundle()
    cfg = AuditConfig(min_group_size=5)
    # the pipeline hands the analyses the privacy plan's hidden groups before they run
    bundle.disclosure = make_plan(bundle, cfg).hidden_groups()
    assert set(bundle.hidden_groups("region")) == {"Asia", "Africa"}
    dist = representation_analysis(bundle, cfg).tables["representation_distance"]
    row = dist[dist["attribute"] == "region"].iloc[0]
    # Asia (3) and Africa (1) are below k = 5: bucket p = .4 vs t = .7, judgments .7 vs .7
    assert row["tvd"] == pytest.approx(0.5 * (0.4 + 0.1 + 0.3))
    assert row["tvd_judgments"] == pytest.approx(0.5 * (0.1 + 0.1 + 0.0))


def test_concentration_by_hand_and_withheld_under_k():
    out = _run(_bundle(), min_group_size=5)
    row = out.tables["concentration"].iloc[0]
    counts = np.array([1, 1, 1, 1, 1, 1, 4, 4, 4, 2, 1], float)  # a1..a11, scored only
    assert row["n_annotators"] == 11
    assert row["top10_share"] == pytest.approx(8 / 21)  # top ceil(1.1) = 2 annotators
    assert row["n_top"] == 2
    pairwise = np.abs(counts[:, None] - counts[None, :]).sum() / (2 * 11**2 * counts.mean())
    assert row["gini"] == pytest.approx(pairwise)
    small = _run(_bundle(), min_group_size=12).tables["concentration"].iloc[0]
    assert small["n_annotators"] == 11
    assert pd.isna(small["top10_share"]) and pd.isna(small["gini"])


def test_perspective_diversity_by_hand():
    pd_row = _run(_bundle()).tables["perspective_diversity"]
    row = pd_row[pd_row["attribute"] == "region"].iloc[0]
    # i1-i3: Europe 1 + Asia 3; i4-i6: two groups 1 + 1; i7: Asia only (a10 skipped it)
    assert row["n_items"] == 7
    assert row["single_group_share"] == pytest.approx(1 / 7)
    h = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert row["mean_effective_groups"] == pytest.approx((3 * math.exp(h) + 3 * 2 + 1) / 7)
    p = np.array([0.3, 0.6, 0.1])
    expected = (3 * np.sum(p**4) + 4 * np.sum(p**2)) / 7
    assert row["expected_single_group_share"] == pytest.approx(expected)


def test_metadata_completeness_counts_undisclosed_tokens():
    ann = pd.DataFrame(
        {
            "annotator_id": list(REGION),
            "region": list(REGION.values()),
            "ethnicity": [
                "DATA_EXPIRED",
                "",
                None,
                "n/a",
                "Unknown",
                "White",
                "Black",
                "Asian",
                "White",
                "Mixed",
                "White",
            ],
            "religion": ["None"] * 11,  # "None" as an answer is a value, not a gap
        }
    )
    comp = _run(_bundle(annotators=ann)).tables["metadata_completeness"].set_index("attribute")
    assert comp.loc["region", "n_missing"] == 1
    assert comp.loc["region", "missing_share"] == pytest.approx(1 / 11)
    assert comp.loc["ethnicity", "n_missing"] == 5
    assert comp.loc["religion", "n_missing"] == 0


def test_unnamed_and_case_insensitive_groups():
    region = {**REGION, "a11": "europe"}
    ann = pd.DataFrame({"annotator_id": list(region), "region": list(region.values())})
    ann.loc[ann["annotator_id"] == "a10", "region"] = "Antarctica"
    out = _run(_bundle(annotators=ann), min_group_size=1)
    rep = _by_group(out.tables["representation"])
    assert rep.loc["Europe", "n_annotators"] == 7  # "europe" is counted as the target's Europe
    assert not rep.loc["Antarctica", "in_target"] and pd.isna(rep.loc["Antarctica", "target_share"])
    dist = out.tables["representation_distance"].iloc[0]
    assert dist["n_groups_unnamed"] == 1 and dist["n_groups_missing"] == 2  # Africa, Oceania


def test_without_target_only_pool_figures():
    out = _run(_bundle(target=None))
    rep = _by_group(out.tables["representation"])
    assert rep["pool_share"].tolist() == pytest.approx([0.6, 0.3, 0.1])
    assert rep["target_share"].isna().all() and rep["ratio"].isna().all()
    assert out.tables["representation_distance"]["tvd"].isna().all()
    assert out.facts["representation"]["target_name"] is None


def test_by_field_pools_differ():
    extra = [
        {"item_id": "p1", "annotator_id": "a7", "field": "pref", "label": "a", "skipped": False},
        {"item_id": "p1", "annotator_id": "a10", "field": "pref", "label": "b", "skipped": False},
        {"item_id": "p2", "annotator_id": "a10", "field": "pref", "label": "b", "skipped": False},
    ]
    out = _run(_bundle(extra_rows=extra), min_group_size=1)
    by_field = out.tables["representation_by_field"]
    pref = _by_group(by_field[by_field["field"] == "pref"])
    assert pref["n_annotators"].to_dict() == {"Asia": 1, "Africa": 1, "Europe": 0, "Oceania": 0}
    assert pref.loc["Africa", "judgment_share"] == pytest.approx(2 / 3)
    label = _by_group(by_field[by_field["field"] == "label"])
    assert label["n_annotators"].tolist() == [6, 3, 1, 0]
    # overall: 23 judgments by disclosed annotators, Africa 2 + 2
    overall = _by_group(out.tables["representation"])
    assert overall.loc["Africa", "judgment_share"] == pytest.approx(4 / 23)
    dist = out.tables["representation_distance"]
    assert set(dist["field"].dropna()) == {"label", "pref"}
    assert set(out.tables["concentration"]["field"].dropna()) == {"label", "pref"}


def test_region_is_derived_from_country_codes_and_names():
    country = {
        **{f"a{i}": "DE" for i in range(1, 5)},
        "a5": "France",
        "a6": "Spain",
        "a7": "JP",
        "a8": "India",
        "a9": "Viet Nam",
        "a10": "ZA",
        "a11": "Atlantis",
    }
    ann = pd.DataFrame({"annotator_id": list(country), "country": list(country.values())})
    out = _run(_bundle(annotators=ann), min_group_size=1)
    rep = _by_group(out.tables["representation"])
    assert rep["n_annotators"].to_dict() == {"Europe": 6, "Asia": 3, "Africa": 1, "Oceania": 0}
    assert out.facts["representation"]["unrecognised_countries"] == ["Atlantis"]
    assert "region" in out.facts["representation"]["attributes"]


def test_intersection_under_independence():
    ann = pd.DataFrame(
        {
            "annotator_id": list(REGION),
            "region": list(REGION.values()),
            "gender": ["f", "m"] * 5 + ["f"],
        }
    )
    target = Target("t", "s", {**TARGET.attributes, "gender": {"f": 0.5, "m": 0.5}})
    out = _run(
        _bundle(annotators=ann, target=target),
        min_group_size=1,
        intersections=[["region", "gender"]],
    )
    cells = _by_group(out.tables["representation"], "region×gender")
    assert set(cells["target_basis"]) == {"independence"}
    assert cells.loc["Asia×f", "target_share"] == pytest.approx(0.25)
    # a7 f, a8 m, a9 f -> Asia×f has 2 of 10 disclosed annotators
    assert cells.loc["Asia×f", "n_annotators"] == 2
    assert cells.loc["Asia×f", "ratio"] == pytest.approx(0.2 / 0.25)
    assert len(cells) == 8 and cells.loc["Oceania×m", "n_annotators"] == 0


def test_every_edition_suppresses_a_second_group():
    from labelaudit.stages import audit_bundle

    vendor = audit_bundle(
        _bundle(),
        AuditConfig(min_group_size=2, audience="vendor", n_boot=0, n_permutations=0, quiet=True),
    )
    # Africa (1) is the only small group: Asia (3), the next smallest, is hidden too,
    # in every table that names it (not only representation), so Africa can't be
    # recovered by subtracting the visible groups from the totals
    assert vendor.context is not None
    for name, table in vendor.metrics.items():
        if {"attribute", "group", "suppressed"} <= set(table.columns):
            region = table[table["attribute"] == "region"]
            for g in ("Asia", "Africa"):
                rows = region[region["group"] == g]
                assert rows["suppressed"].all(), (name, g)
    rep = _by_group(vendor.metrics["representation"])
    assert pd.isna(rep.loc["Asia", "n_annotators"]) and pd.isna(rep.loc["Africa", "pool_share"])
    assert not rep.loc["Europe", "suppressed"]
    assert rep.loc["Asia", "suppressed_reason"] == "complementary"
    assert rep.loc["Africa", "suppressed_reason"] == "small"
    # the internal edition is protected the same way: nothing below k can be derived
    internal = audit_bundle(
        _bundle(), AuditConfig(min_group_size=2, n_boot=0, n_permutations=0, quiet=True)
    )
    rep = _by_group(internal.metrics["representation"])
    assert rep.loc["Africa", "suppressed"] and rep.loc["Asia", "suppressed"]
    assert not rep.loc["Europe", "suppressed"]


@pytest.mark.realdata
def test_us_census_intersections_count_cells_and_suppress_small_ones(shared_data):
    from labelaudit.errors import Problem
    from labelaudit.populations.targets import parse_target

    csv = shared_data / "census_reference" / "us_census_aggregate.csv"
    problems: list[Problem] = []
    target = parse_target(
        {
            "name": "US adults",
            "source": "US census (PRISM aggregate)",
            "joint": {
                "file": str(csv),
                "row_attribute": "age",
                "column_attributes": ["race", "sex"],
                "drop_columns": ["All", "All_Male", "All_Female"],
                "drop_rows": ["All Ages"],
            },
        },
        "target.yaml",
        problems,
    )
    assert problems == []
    people = (
        [("25-34 years old", "White", "Male")] * 30
        + [("18-24 years old", "Black", "Female")] * 6
        + [("65+ years old", "Asian", "Female")] * 4
    )
    ann = pd.DataFrame(people, columns=["age", "race", "sex"])
    ann.insert(0, "annotator_id", [f"r{i}" for i in range(len(people))])
    judgments = pd.DataFrame(
        {
            "item_id": [f"i{i % 7}" for i in range(len(people))],
            "annotator_id": ann["annotator_id"],
            "field": "label",
            "label": "yes",
            "skipped": False,
        }
    )
    bundle = Bundle(
        judgments=judgments, schema={"label": SCHEMA["label"]}, annotators=ann, target=target
    )
    out = _run(bundle, group_by=["age×race×sex"], intersections=[["race", "sex"]])
    rep = out.tables["representation"]
    cells = _by_group(rep, "age×race×sex")
    assert len(cells) == 72 and set(cells["target_basis"]) == {"joint"}
    assert cells.loc["25-34 years old×White×Male", "n_annotators"] == 30
    assert cells.loc["18-24 years old×Black×Female", "n_annotators"] == 6
    assert cells.loc["65+ years old×Asian×Female", "n_annotators"] == 4
    assert (cells["n_annotators"] == 0).sum() == 69
    wide = pd.read_csv(csv, index_col=0)
    share = wide.loc["25-34 years old", "White_Male"]
    assert cells.loc["25-34 years old×White×Male", "target_share"] == pytest.approx(share)
    assert cells.loc["25-34 years old×White×Male", "ratio"] == pytest.approx(0.75 / share)
    pair = _by_group(rep, "race×sex")
    assert set(pair["target_basis"]) == {"joint"}
    white_male = wide.drop(index="All Ages")["White_Male"].sum()
    assert pair.loc["White×Male", "target_share"] == pytest.approx(white_male)
    assert pair.loc["Asian×Female", "n_annotators"] == 4

    final = _by_group(
        release_tables({"representation": rep}, k=5)["representation"], "age×race×sex"
    )
    small = final.loc["65+ years old×Asian×Female"]  # a target group: named, figures hidden
    assert small["suppressed"] and pd.isna(small["n_annotators"]) and pd.isna(small["pool_share"])
    assert small["suppressed_reason"] == "small"
    # 30 + 6 + 4 = the disclosed total: the 4 would follow from the others, so the 6 goes too
    other = final.loc["18-24 years old×Black×Female"]
    assert other["suppressed"] and other["suppressed_reason"] == "complementary"
    assert not final.loc["25-34 years old×White×Male", "suppressed"]
    empty = final[final["in_target"] & (final["n_annotators"] == 0)]
    assert len(empty) == 69 and not empty["suppressed"].any()


def test_country_names_and_codes_match_the_target_spelling():
    country = {
        **{f"a{i}": "USA" for i in range(1, 5)},
        "a5": "us",
        "a6": "United Kingdom",
        "a7": "GB",
        "a8": "Syria",
        "a9": "Syrian Arab Republic",
        "a10": "Narnia",
        "a11": "",
    }
    ann = pd.DataFrame({"annotator_id": list(country), "country": list(country.values())})
    target = Target("t", "s", {"country": {"United States": 0.5, "UK": 0.3, "SY": 0.2}})
    out = _run(_bundle(annotators=ann, target=target), min_group_size=1, group_by=["country"])
    rep = _by_group(out.tables["representation"], "country")
    assert rep["n_annotators"].to_dict() == {"United States": 5, "SY": 2, "UK": 2, "Narnia": 1}
    assert not rep.loc["Narnia", "in_target"]
