"""Regional coverage of items against the target (item_regions, LA204)."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from labelaudit.analyses.coverage import coverage
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.populations.targets import Target
from labelaudit.rulebook import load_rules

RULES = load_rules()
TARGET = Target(
    name="t", source="test",
    attributes={"region": {"Africa": 0.2, "Asia": 0.5, "Europe": 0.2, "Northern America": 0.1}},
)  # fmt: skip


def run_rule(code: str, tables: dict, **params) -> list:
    rule = RULES[code]
    ctx = CheckContext(metrics=tables, facts={}, rule=rule, params={**rule.defaults(), **params})
    return list(registered_checks()[code](ctx))


def bundle_with(items: pd.DataFrame, target: Target | None = TARGET) -> Bundle:
    j = pd.DataFrame(
        {
            "item_id": items["item_id"],
            "annotator_id": "a",
            "field": "f",
            "label": "x",
            "skipped": False,
        }
    )
    return Bundle(
        judgments=j, schema={"f": FieldSpec("f", "nominal", ["x", "y"])}, items=items, target=target
    )


def test_regions_from_countries_compared_with_target():
    countries = ["US"] * 5 + ["DE"] * 3 + ["IN"] * 2 + ["JP"] * 2 + [None, "Atlantis"]
    items = pd.DataFrame(
        {"item_id": [f"i{k}" for k in range(len(countries))], "country": countries}
    )
    out = coverage(bundle_with(items), AuditConfig())
    t = out.tables["item_regions"].set_index("region")
    assert (
        t.loc["Northern America", "n_items"] == 5
        and t.loc["Northern America", "item_share"] == 5 / 12
    )
    assert t.loc["Asia", "n_items"] == 4 and t.loc["Asia", "ratio"] == pytest.approx((4 / 12) / 0.5)
    assert t.loc["Africa", "n_items"] == 0 and t.loc["Africa", "ratio"] == 0
    assert out.facts["coverage"]["n_items_without_region"] == 2  # missing and unknown country
    hits = {h.subject["group"]: h for h in run_rule("LA204", out.tables)}
    assert set(hits) == {"Africa", "Asia"}  # Asia 0.67 < 0.8; Europe 1.25 and N. America 4.2 pass
    assert hits["Africa"].severity == "high" and hits["Asia"].severity == "medium"
    assert hits["Asia"].subject == {"attribute": "item_region", "group": "Asia"}


def test_region_column_wins_over_country():
    items = pd.DataFrame(
        {"item_id": ["1", "2"], "region": ["Europe", None], "country": ["US", "KE"]}
    )
    t = coverage(bundle_with(items), AuditConfig()).tables["item_regions"].set_index("region")
    assert t.loc["Europe", "n_items"] == 1 and t.loc["Africa", "n_items"] == 1
    assert t.loc["Northern America", "n_items"] == 0


def test_without_target_there_is_nothing_to_flag():
    items = pd.DataFrame({"item_id": ["1", "2"], "country": ["US", "US"]})
    out = coverage(bundle_with(items, target=None), AuditConfig())
    assert out.tables["item_regions"].to_dict(orient="records") == [
        {
            "region": "Northern America",
            "n_items": 2,
            "item_share": 1.0,
            "target_share": None,
            "ratio": None,
        }
    ]
    assert run_rule("LA204", out.tables) == []


def test_degrades_clearly_without_the_m49_table(monkeypatch):
    monkeypatch.setitem(sys.modules, "labelaudit.populations.m49", None)  # import fails
    items = pd.DataFrame({"item_id": ["1"], "country": ["US"]})
    out = coverage(bundle_with(items), AuditConfig())
    assert "countries were not mapped" in out.facts["coverage"]["region_note"]
    assert out.facts["coverage"]["n_items_without_region"] == 1


def test_no_place_columns_no_table():
    items = pd.DataFrame({"item_id": ["1"], "text": ["hello there"]})
    assert "item_regions" not in coverage(bundle_with(items), AuditConfig()).tables
