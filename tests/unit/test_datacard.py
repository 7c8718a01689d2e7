"""``--format datacard`` on the sample bundle: every section, released figures only, links
that land in the report, and the vendor edition without the internal-only parts."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from datacard_checks import check_card, hidden_names, pool_sizes

from labelaudit.pipeline import run_audit
from labelaudit.render.datacard import HEADINGS, render_datacard
from labelaudit.render.frameworks import frameworks_view
from labelaudit.report import AuditReport
from labelaudit.rulebook.standards import load_standards
from labelaudit.sample.generate import write_sample_bundle

pytestmark = pytest.mark.slow
K = 5


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_sample_bundle(
        tmp_path_factory.mktemp("bundle"), seed=3, n_items=200, n_annotators=40
    )


@pytest.fixture(scope="module", params=["internal", "vendor"])
def written(request, bundle, tmp_path_factory):
    result = run_audit(
        bundle, audience=request.param, n_boot=20, n_permutations=20, quiet=True, seed=3
    )
    out = tmp_path_factory.mktemp(f"out-{request.param}")
    paths = AuditReport.of(result).write(out, ["datacard"])
    assert out / "datacard.md" in paths
    return request.param, result, out


def test_datacard_has_every_section_and_no_figure_for_a_small_group(bundle, written):
    audience, result, out = written
    card = (out / "datacard.md").read_text(encoding="utf-8")
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    hidden = hidden_names(pool_sizes(bundle), K, doc)
    check_card(
        card,
        (out / "report.html").read_text(encoding="utf-8"),
        [f["message"] for f in doc["findings"]],
        hidden,
    )
    # the same bytes from the same result (no clock, no random order)
    assert render_datacard(result) == card


def test_the_pool_is_shown_against_the_target_with_intervals(written):
    _, result, out = written
    card = (out / "datacard.md").read_text(encoding="utf-8")
    rep = result.metrics["representation"]
    row = rep[(rep["attribute"] == "region") & ~rep["suppressed"].astype(bool)].iloc[0]
    # e.g. | Northern America | 20 | 33.3% (22.7%–45.9%) | 4.6% | 7.25 |
    want = (
        f"| {row['group']} | {row['n_annotators']} | {row['pool_share']:.1%} "
        f"({row['pool_ci_low']:.1%}–{row['pool_ci_high']:.1%}) | {row['target_share']:.1%} |"
    )
    assert want in card
    assert "#### Location(s): region" in card and "#### Gender(s): gender" in card
    overall = result.metrics["agreement"]
    first = overall[overall["scope"] == "overall"].iloc[0]
    assert f"| {first['field']} | {first['level']} | {first['alpha']:.2f} (" in card
    assert "GRASP" in card and "Culture-bound references found" in card


def test_vendor_edition_leaves_out_the_internal_only_parts(written):
    audience, result, out = written
    card = (out / "datacard.md").read_text(encoding="utf-8")
    if audience == "vendor":
        assert "**Vendor edition.**" in card
        assert "rater-" not in card and "Internal edition only" not in card
        # vendors set pay: the vendor edition has the pay findings, by region only
        pay = [f for f in result.findings if f.rule == "LA504"]
        assert pay and all(f.subject.get("attribute") in (None, "region") for f in pay)
        assert re.search(
            r"LA504 \(pay below the floor or far below the others'\): found \(\d+\)", card
        )
    else:
        assert "Vendor edition" not in card
        assert re.search(r"Internal edition only: \d+ of \d+ raters", card)
        assert re.search(
            r"LA504 \(pay below the floor or far below the others'\): found \(\d+\)", card
        )


def test_frameworks_table_lists_every_item_with_its_rules_outcomes(written):
    audience, result, out = written
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="frameworks">' in html and 'href="#frameworks"' in html
    views = {i.id: i for fw in frameworks_view(result) for i in fw.items}
    assert set(views) == set(load_standards())
    la401 = next(r for r in views["ACL-D5"].rules if r.code == "LA401")
    assert la401.status == "found" and la401.href == "#representativeness"
    la007 = views["EU-AIA-10.2.b"].rules[0]
    assert la007.text.startswith("not checked: needs who submitted each judgment")
    assert "LA007" in html and "not checked: needs who submitted each judgment" in html
    for fw in frameworks_view(result):
        for item in fw.items:
            assert f'id="{item.anchor}"' in html
    la504 = next(r for r in views["ACL-D2"].rules if r.code == "LA504")
    assert la504.status == "found"  # both editions: vendors set pay, so they see it by region


def test_every_finding_in_findings_json_carries_standards(written):
    _, result, out = written
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    rules = result.context["rules"]
    assert doc["findings"]
    for f in doc["findings"]:
        assert f["standards"] == rules[f["rule"]]["standards"]
    # SARIF viewers can filter by framework item: rule tags and result properties
    run = json.loads(AuditReport.of(result).to_sarif())["runs"][0]
    tags = {r["id"]: r["properties"]["tags"] for r in run["tool"]["driver"]["rules"]}
    assert set(rules["LA401"]["standards"]) <= set(tags["LA401"])
    assert all(r["properties"]["standards"] == rules[r["ruleId"]]["standards"]
               for r in run["results"])  # fmt: skip
    status = result.context["rule_status"]
    # a rule that found something had every input it declares it needs
    assert [c for c, e in status.items() if e["status"] == "found" and e["missing"]] == []


def test_without_a_target_the_card_says_what_was_not_checked(bundle, tmp_path):
    plain = tmp_path / "bundle"
    plain.mkdir()
    for p in bundle.iterdir():
        if p.name != "target.yaml" and p.is_file():
            (plain / p.name).write_bytes(p.read_bytes())
    result = run_audit(plain, n_boot=10, n_permutations=10, quiet=True, seed=3)
    card = render_datacard(result)
    assert "No target population was given" in card
    assert "- LA401 Group under-represented in the rater pool: not checked: needs a target" in card
    assert not [f for f in result.findings if f.rule in ("LA401", "LA402", "LA403")]
    rep = pd.DataFrame(result.metrics["representation"])
    assert rep["target_share"].isna().all()
    assert "target share" not in card.split(HEADINGS["annotators"])[1].split("## ")[0]
