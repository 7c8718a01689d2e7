"""The disagreement analysis on CREHate (Lee et al. 2024): 5 nationalities rate 1,580 posts."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from labelaudit.analyses.disagreement import disagreement
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

NAMES = {0: "non-hate", 1: "hate", 2: "unsure"}


@pytest.fixture(scope="module")
def crehate(shared_data):
    raw = pd.read_csv(shared_data / "crehate" / "CREHate_raw_annotations.csv")
    raw = raw.drop_duplicates(["ID", "annotator_id"], keep="first")
    judgments = pd.DataFrame({
        "item_id": raw["ID"].astype(str), "annotator_id": raw["annotator_id"].astype(str),
        "field": "hate", "label": raw["annotation"].map(NAMES), "skipped": False,
    })  # fmt: skip
    annotators = raw.drop_duplicates("annotator_id")[["annotator_id", "nationality"]]
    annotators = annotators.assign(annotator_id=annotators["annotator_id"].astype(str))
    bundle = Bundle(
        judgments=judgments,
        schema={"hate": FieldSpec("hate", "nominal", list(NAMES.values()))},
        annotators=annotators,
    )
    cfg = AuditConfig(group_by=["nationality"], n_permutations=200, seed=0)
    return raw, disagreement(bundle, cfg)


def test_label_shift_by_nationality(crehate):
    raw, out = crehate
    row = out.tables["label_shift"].iloc[0]
    table = pd.crosstab(raw["nationality"], raw["annotation"]).to_numpy()
    ref = stats.chi2_contingency(table, correction=False)
    assert row["statistic"] == pytest.approx(ref.statistic)
    assert row["statistic"] == pytest.approx(345.33, abs=0.01)
    assert (row["dof"], row["n_judgments"], row["n_groups_tested"]) == (8, len(raw), 5)
    assert row["test"] == "chi-square, raters relabelled"
    assert row["p_value_judgments"] == pytest.approx(ref.pvalue)
    # clearly significant with raters as the unit (no relabelling reaches it: the test
    # stops as soon as its floor allows), but a small effect (V below Cohen's 0.1)
    assert row["cramers_v"] == pytest.approx(0.0630, abs=5e-4)
    assert row["p_value"] == pytest.approx(1 / (row["n_permutations"] + 1))
    assert row["p_value"] <= 0.025 and row["n_permutations"] < 200


def test_us_annotators_say_unsure_least(crehate):
    _, out = crehate
    shares = out.tables["label_shares"]
    unsure = shares[shares["value"] == "unsure"].set_index("group")["share"]
    assert unsure.idxmin() == "United States"
    assert unsure["United States"] == pytest.approx(293 / 8189)


def test_contested_items_by_nationality(crehate):
    _, out = crehate
    t = out.tables["contested_items"].set_index("group")
    assert t.loc["Singapore", ["n_items_compared", "n_contested"]].tolist() == [1561, 269]
    assert t.loc["United States", ["n_items_compared", "n_contested"]].tolist() == [1574, 163]
    # random groups of as many raters: the more raters, the more judgments per item and
    # the steadier their majority, so the fewer items they flip by chance
    by_size = t.sort_values("n_annotators")["expected_share"]
    assert by_size.is_monotonic_decreasing and by_size.between(0.05, 0.14).all()
    assert t.loc["Singapore", "p_adjusted"] < 0.05
    assert t.loc["United States", "p_adjusted"] > 0.5
