"""The vendor edition is written for vendors: its "what to do" is the vendor's, everywhere."""

from __future__ import annotations

import json

import pytest

from labelaudit.cli import main
from labelaudit.config import AuditConfig
from labelaudit.rulebook import build_rulebook, load_rules


def test_every_rule_a_vendor_sees_says_what_a_vendor_can_do():
    missing = [
        code
        for code, rule in load_rules().items()
        if rule.audience != "internal" and not rule.vendor_remediation
    ]
    assert missing == []


def test_the_vendor_rulebook_carries_the_vendor_text():
    internal = build_rulebook(AuditConfig())
    vendor = build_rulebook(AuditConfig(audience="vendor"))
    for code in vendor:
        assert vendor.rules[code].remediation == internal.rules[code].vendor_remediation
    assert "LA504" in vendor.active  # pay findings reach vendors (by region)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("vendor-demo")
    assert main(["demo", "--out", str(out), "--audience", "vendor", "--quiet"]) == 0
    return out


@pytest.mark.slow
def test_the_demo_vendor_report_is_addressed_to_a_vendor(demo):
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    rules = load_rules()
    for f in doc["findings"]:
        assert f["recommendation"] == rules[f["rule"]].vendor_remediation, f["rule"]
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert "This edition is for the team that recruits, trains, pays and routes the raters" in html
    assert "Withheld from this edition: 1 finding (LA504) and 1 table (annotator_agreement)" in html
    assert "or through a vendor that can reach it" not in html  # the data team's wording
    pay = [f for f in doc["findings"] if f["rule"] == "LA504"]
    assert pay and all(f["subject"]["attribute"] == "region" for f in pay)
    assert {r["attribute"] for r in doc["metrics"]["pay_by_group"]} <= {None, "region"}
    assert doc["privacy"]["withheld"]["pay_attributes"] == ["age_band", "country", "gender"]
