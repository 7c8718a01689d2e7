"""CREHate (Lee et al. 2024): agreement by annotator nationality on real hate-speech labels."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from labelaudit.analyses.agreement import agreement_analysis
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def crehate(shared_data) -> tuple[pd.DataFrame, Bundle]:
    raw = pd.read_csv(shared_data / "crehate" / "CREHate_raw_annotations.csv")
    # the release has a few repeated (ID, annotator_id) rows: keep the first
    raw = raw.drop_duplicates(["ID", "annotator_id"], keep="first")
    raw["annotator_id"] = raw["annotator_id"].astype(str)
    judgments = pd.DataFrame(
        {
            "item_id": raw["ID"].astype(str),
            "annotator_id": raw["annotator_id"],
            "field": "hate",
            "label": raw["annotation"].astype(int),  # 0 non-hate, 1 hate, 2 unsure
            "skipped": False,
        }
    )
    annotators = raw.groupby("annotator_id", as_index=False)["nationality"].first()
    schema = {"hate": FieldSpec("hate", "nominal", [0, 1, 2])}
    return raw, Bundle(judgments=judgments, schema=schema, annotators=annotators)


def test_crehate_nationality_agreement(crehate):
    raw, bundle = crehate
    out = agreement_analysis(
        bundle, AuditConfig(group_by=["nationality"], n_boot=100, n_permutations=200)
    )
    agreement = out.tables["agreement"]
    overall = agreement[agreement["scope"] == "overall"].iloc[0]
    wide = raw.pivot(index="annotator_id", columns="ID", values="annotation").to_numpy(float)
    expected = krippendorff.alpha(reliability_data=wide, level_of_measurement="nominal")
    assert overall["alpha"] == pytest.approx(expected, abs=1e-9)
    assert overall["n_judgments"] == len(raw)
    assoc = out.tables["group_association"].set_index("group")
    assert set(assoc.index) == {
        "Australia", "Singapore", "South Africa", "United Kingdom", "United States",
    }  # fmt: skip
    # US annotators agree among themselves clearly more than with the other four countries
    assert assoc.loc["United States", "gai"] > 1.2
    assert assoc.loc["United States", "p_adjusted"] < 0.05
    assert np.isfinite(assoc["p_value"]).all()
