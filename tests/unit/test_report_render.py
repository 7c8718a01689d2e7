"""The HTML report: sections, suppression, audiences, escaping, determinism."""

from __future__ import annotations

import copy
import re

import pandas as pd
import pytest
from markupsafe import escape
from report_fixture import PSEUDONYMS, RAW_IDS, make_result

from labelaudit.render import svg
from labelaudit.render.charts import fold_suppressed
from labelaudit.render.findings import finding_views, top_block
from labelaudit.render.formatting import format_value
from labelaudit.render.html import CSP, render_html
from labelaudit.render.overview import split_folders
from labelaudit.render.tables import table_view
from labelaudit.result import AuditResult

SECTION_IDS = [
    "summary", "checks", "data", "representativeness", "disagreement", "coverage",
    "guidelines", "rlhf", "process", "frameworks", "methods", "checklist", "appendix",
]  # fmt: skip


@pytest.fixture(scope="module")
def internal() -> str:
    return render_html(make_result("internal"))


@pytest.fixture(scope="module")
def vendor() -> str:
    return render_html(make_result("vendor"))


def test_same_result_gives_byte_identical_html(internal):
    assert render_html(make_result("internal")) == internal
    assert render_html(copy.deepcopy(make_result("internal"))) == internal
    assert make_result("internal").to_html() == internal


def test_every_section_is_present_in_order(internal):
    ids = re.findall(r'<section id="([a-z]+)"', internal)
    assert ids == SECTION_IDS


def test_self_contained_no_script_no_remote_loads(internal, vendor):
    for html in (internal, vendor):
        assert f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">' in html
        assert "script-src 'none'" in CSP and "default-src 'none'" in CSP
        assert "<script" not in html.lower()
        links = re.findall(r'\b(?:src|href|action|xlink:href)="([^"]*)"', html)
        assert links[: len(SECTION_IDS)] == [f"#{s}" for s in SECTION_IDS]  # contents
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        assert all(link.startswith("#") and link[1:] in ids for link in links)  # all in-page
        # the only URL is the SVG namespace, which is an identifier and is never fetched
        assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_suppressed_rows_show_no_figures(internal):
    agreement = re.search(r'<table id="table-agreement">.*?</table>', internal, re.S).group(0)
    row = next(r for r in agreement.split("<tr>") if "<td>Oceania</td>" in r)
    assert 'class="suppressed" colspan="6">suppressed: fewer than 5 raters</td>' in row
    assert re.search(r"\d\.\d", row) is None
    assert "Oceania" in internal and internal.count("suppressed: fewer than 5 raters") >= 8


def test_raw_annotator_ids_never_appear_and_vendor_drops_pseudonyms(internal, vendor):
    for raw in RAW_IDS:
        assert raw not in internal and raw not in vendor
    assert all(p in internal for p in PSEUDONYMS)  # internal: pseudonymised table kept
    assert not any(p in vendor for p in PSEUDONYMS)
    assert "annotator id" not in vendor and 'id="table-annotator_agreement"' not in vendor


def test_vendor_edition_leaves_out_internal_rules(internal, vendor):
    assert "Vendor edition." in vendor and "Vendor edition." not in internal
    assert "(vendor edition)</title>" in vendor
    assert "LA602" in internal and "Question one for LA602?" in internal
    assert "Question one for LA602?" not in vendor and "2 raters agree" not in vendor
    # the checks table says the rule was left out, and why
    row = re.search(
        r'<tr class="status-skipped"><td><span class="mono">LA602</span>.*?</tr>', vendor
    )
    assert row and "internal-only rule, not run for the vendor edition" in row.group(0)
    # counts are of the findings this audience sees: 2 high, 1 medium, 2 low, 1 info
    counts = re.findall(r'<li class="sev-(\w+)"><b>(\d+)</b>', vendor)
    assert counts == [("high", "2"), ("medium", "1"), ("low", "2"), ("info", "1")]


def test_summary_puts_most_important_findings_first(internal):
    summary = internal.split('<section id="summary">')[1].split("</section>")[0]
    rules = re.findall(r'<span class="note">\((LA\d{3})\)</span>', summary)
    assert rules == ["LA401", "LA301", "LA201", "LA602"]
    assert "12,003 judgments of 2,000 items by 310 annotators" in summary
    assert "Deployment users, 2026 Q3 (source: product analytics)" in summary


def test_top_block_lists_every_high_finding_by_breach_then_each_rules_worst_medium():
    result = make_result()
    worse = copy.deepcopy(next(f for f in result.findings if f.rule == "LA401"))
    worse.subject, worse.fingerprint = {"attribute": "region", "group": "Asia"}, "asia"
    worse.evidence = {**worse.evidence, "ratio": 0.25 / 3}  # further past 0.8 than Africa
    many = []
    for i in range(12):  # more high findings than the block lists
        f = copy.deepcopy(worse)
        f.subject, f.fingerprint = {"attribute": "country", "group": f"C{i}"}, f"c{i}"
        f.evidence = {**f.evidence, "ratio": 0.7}
        many.append(f)
    medium = copy.deepcopy(next(f for f in result.findings if f.rule == "LA201"))
    medium.subject, medium.fingerprint = {"field": "toxicity", "group": "Asia"}, "m2"
    top = top_block(finding_views([*result.findings, worse, *many, medium]))
    subjects = [v.subject for v in top.high]
    assert subjects[:2] == ["attribute=region, group=Asia", "attribute=region, group=Africa"]
    assert len(top.high) == 10 and top.more_high == 5  # 15 high: 10 listed, "5 more high"
    assert [v.rule for v in top.medium] == ["LA201", "LA602", "LA201"]  # each rule once first
    only_low = [f for f in result.findings if f.severity in ("low", "info")]
    assert [v.rule for v in top_block(finding_views(only_low)).others] == [
        "LA002",
        "LA501",
        "LA601",
    ]


def test_checklist_has_triggered_rule_and_standing_questions(internal):
    checklist = internal.split('<section id="checklist">')[1].split("</section>")[0]
    for code in ("LA002", "LA201", "LA301", "LA401", "LA501", "LA601", "LA602"):
        assert f"Question one for {code}?" in checklist
    assert "How was the target population chosen" in checklist
    assert "fairly paid" in checklist and "consulted" in checklist


def test_methods_show_reference_and_limits(internal):
    methods = internal.split('<section id="methods">')[1].split("</section>")[0]
    assert "Reference: Prabhakaran et al. (NAACL 2024)" in methods
    assert "Limits: Sensitive to prevalence." in methods
    assert "Agreement is not correctness" in methods


def test_charts_have_text_alternatives(internal):
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", internal, re.S)
    # representation by region (1); per field: alpha (1), GAI (1); label shares by region
    # (1); each drawn wide and for a phone
    assert len(svgs) == 8
    assert sum('class="chart chart-narrow"' in s for s in svgs) == 4
    for s in svgs:
        assert 'role="img"' in s and 'aria-label="' in s
        assert re.search(r"<title>[^<]+</title><desc>[^<]+</desc>", s)
    assert "Africa: ratio 0.22, n=12 raters" in internal  # the chart's desc states ratio and n
    assert "region: Africa: α 0.72, n=12 raters, 400 items" in internal
    assert "gender: female: α 0.60, n=150 raters, 1,800 items" in internal


def test_item_text_is_truncated_and_examples_quoted(internal):
    assert "x" * 300 not in internal
    assert "That joke about the bride price is " + "x" * 100 in internal
    assert "guidelines.md:14" in internal


def test_user_strings_are_escaped():
    payload = "<script>window.__pwned=1</script><img src=x onerror=alert(1)></td></table><b>"
    html = render_html(make_result(payload=payload))
    clean = render_html(make_result())
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    for tag in ("<table", "</table>", "<td", "</td>", "<b>", "<section", "<svg", "<text"):
        assert html.count(tag) == clean.count(tag), tag


def test_format_value():
    assert format_value("pool_share", 0.039) == "3.9%"
    assert format_value("ratio", 0.2249) == "0.22"
    assert format_value("p_adjusted", 0.0004) == "< 0.001"
    assert format_value("p_value", 0.0412) == "0.041"
    assert format_value("n_items", 12003) == "12,003"
    assert format_value("n_annotators", 12.0) == "12"
    assert format_value("alpha", float("nan")) == "–"
    assert format_value("alpha", None) == "–"
    assert format_value("values", ["a", "b"]) == "a, b"
    assert format_value("suppressed", True) == "yes"


def test_table_view_keeps_identity_of_suppressed_rows():
    df = pd.DataFrame(
        {"attribute": ["r", "r"], "group": ["A", "B"], "ratio": [0.5, None],
         "n_annotators": [12, None], "suppressed": [False, True]}
    )  # fmt: skip
    t = table_view("representation", df, k=5, limit=10)
    assert t.columns == ["attribute", "group", "ratio", "n annotators"]
    assert t.rows[0] == {"cells": ["r", "A", "0.50", "12"], "span": None, "finding": None}
    assert t.rows[1] == {
        "cells": ["r", "B"],
        "span": (2, "suppressed: fewer than 5 raters"),
        "finding": None,
    }


def test_minimal_result_renders():
    result = AuditResult(
        summary={"judgments": 0, "items": 0, "annotators": 0, "fields": [], "findings": {}},
        metrics={"agreement": pd.DataFrame({"field": ["f"], "alpha": [0.5]})},
        findings=[],
        run={"created_at": "2026-01-01T00:00:00", "seed": 0, "inputs": []},
        tool={"name": "labelaudit", "version": "0"},
    )
    html = render_html(result)
    assert "No rule was triggered" in html
    assert "No target population was given" in html
    assert '<section id="rlhf">' not in html  # optional sections only when present
    assert "<td>f</td>" in html and "0.50" in html


def test_suppressed_groups_fold_into_one_chart_row_per_attribute():
    bars = [
        svg.Bar("country: CA", 0.5, note="n=12"),
        svg.Bar("country: BR", None, suppressed=True),
        svg.Bar("country: DE", None, suppressed=True),
        svg.Bar("region: Oceania", None, note="n=?", suppressed=True),
        svg.Bar("country: FR", None, suppressed=True),
    ]
    folded = fold_suppressed(bars, ["country", "country", "country", "region", "country"])
    assert [(b.label, b.note, b.suppressed) for b in folded] == [
        ("country: CA", "n=12", False),
        ("country: 3 small groups", "BR, DE, FR", True),
        ("region: Oceania", "", True),
    ]
    chart = svg.dot_whisker(
        "t", folded, reference=None, reference_label="", suppressed_text="hidden"
    )
    assert "country: 3 small groups: hidden (BR, DE, FR)" in chart


def test_gai_chart_highlights_only_adjusted_significant_groups(internal):
    for gai in [s for s in re.findall(r"<svg[^>]*>.*?</svg>", internal, re.S) if "GAI" in s]:
        # legend swatch + Africa (p adj 0.004); legend swatch + Asia, Europe (p adj 0.83, 0.66)
        assert len(re.findall(r'<rect[^>]*fill="#D55E00"', gai)) == 2
        assert len(re.findall(r'<rect[^>]*fill="#56B4E9"', gai)) == 3
        assert "region: Africa: GAI 1.47, p adj 0.004, n=12 raters" in gai


def test_thresholds_are_listed_with_their_source(internal):
    checks = internal.split('<section id="checks">')[1].split("</section>")[0]
    assert (
        '<span class="param">min_ratio = 0.8 <span class="src" title="four-fifths rule">' in checks
    )
    result = make_result()
    result.run["config"]["rules"] = {"LA401": {"min_ratio": 0.7}}
    html = render_html(result)
    assert "min_ratio = 0.7 (set in this run&#39;s config; default 0.8)" in html


def test_split_report_says_what_it_covers():
    result = make_result()
    result.context["split"] = {"attribute": "region", "value": "Asia"}
    result.context["whole"] = {
        "overall_agreement": [
            {"field": "toxicity", "alpha": 0.61, "n_annotators": 310, "n_items": 2000}
        ]
    }
    result.context["whole"]["summary"] = {"annotators": 310, "items": 2000, "judgments": 12003}
    html = render_html(result)
    assert "split report for region = Asia" in html
    assert "only the annotators with region = Asia and the items they judged" in html
    assert '<a href="../report.html">Whole-run report</a>' in html
    compared = re.search(r'<table id="table-split_vs_whole">.*?</table>', html, re.S).group(0)
    assert (
        '<td>Krippendorff&#39;s alpha, toxicity</td><td class="num">0.61</td><td class="num">0.61</td>'
        in compared
    )
    assert '<td>annotators</td><td class="num">310</td><td class="num">310</td>' in compared
    whole = make_result()
    whole.context["split_by"] = "region"
    whole.context["splits"] = {"Europe": make_result(), "Latin America & co": make_result()}
    whole.context["privacy"] = {
        "splits_not_written": {"named": [{"value": "Africa", "reason": "complementary"}],
                               "unnamed": 1}
    }  # fmt: skip
    html = render_html(whole)
    assert '<a href="region=Europe/report.html">region = Europe</a>' in html
    assert (
        f'<a href="{split_folders("region", ["Latin America & co"])["Latin America & co"]}'
        '/report.html">region = Latin America &amp; co</a>' in html
    )
    assert "FAILED, 2 findings at or above high (7 in all)" in html  # each split's verdict
    # a complement is named as such; a split too small for a report is counted, never named
    assert "region = Africa (hidden so that a smaller group can&#39;t be derived)" in html
    assert "1 other value (fewer than 5 raters)" in html


def test_findings_of_one_rule_share_their_advice():
    result = make_result()
    extra = copy.deepcopy(next(f for f in result.findings if f.rule == "LA401"))
    extra.subject = {"attribute": "region", "group": "Asia"}
    extra.severity = "medium"
    extra.message = "region=Asia is under-represented (ratio 0.70 < 0.8, n=180)."
    result.findings.append(extra)
    html = render_html(result)
    section = html.split('<section id="representativeness">')[1].split("</section>")[0]
    assert "(LA401, 2 findings)" in section
    assert section.count("What to do: Recruit raters from this group.") == 1
    assert '<span class="badge medium">medium</span>region=Asia is under-represented' in section


def test_groups_without_judgments_fold_into_one_row():
    empty = "no judgments from this group"
    bars = [
        svg.Bar("country: AU", None, note=empty),
        svg.Bar("country: CA", 0.5, note="n=12"),
        svg.Bar("country: FR", None, note=empty),
        svg.Bar("region: Oceania", None, note=empty),
    ]
    folded = fold_suppressed(bars, ["country", "country", "country", "region"])
    assert [(b.label, b.note, b.suppressed) for b in folded] == [
        ("country: 2 groups without judgments", "AU, FR", False),
        ("country: CA", "n=12", False),
        ("region: Oceania", empty, False),
    ]
