"""The report's reading order: anchors, the checks table, previews, folds, phone charts."""

from __future__ import annotations

import copy
import re

import pandas as pd
import pytest
from report_fixture import make_result

from labelaudit.render import svg
from labelaudit.render.findings import finding_views
from labelaudit.render.html import render_html
from labelaudit.render.sections import content_note
from labelaudit.render.tables import table_view


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(make_result())


def _section(html: str, sid: str) -> str:
    return html.split(f'<section id="{sid}">')[1].split("</section>")[0]


def test_every_finding_has_one_anchor_and_every_link_to_it_resolves(html):
    result = make_result()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # no id twice
    for f in result.findings:
        assert ids.count(f"finding-{f.fingerprint}") == 1
    top = _section(html, "summary")
    linked = re.findall(r'href="#(finding-[^"]+)"', top)
    highs = [f"finding-{f.fingerprint}" for f in result.findings if f.severity == "high"]
    assert set(highs) <= set(linked)  # each high finding links from the top block


def test_findings_without_fingerprint_get_a_rule_numbered_anchor():
    result = make_result()
    for f in result.findings:
        f.fingerprint = None
    twin = copy.deepcopy(next(f for f in result.findings if f.rule == "LA401"))
    twin.subject = {"attribute": "region", "group": "Asia"}
    result.findings.append(twin)
    anchors = [v.anchor for v in finding_views(result.findings) if v.rule == "LA401"]
    assert anchors == ["finding-LA401-1", "finding-LA401-2"]
    assert 'id="finding-LA401-2"' in render_html(result)


def test_checks_table_lists_failed_passed_not_applicable_and_skipped(html):
    checks = _section(html, "checks")
    assert "10 rules, 7 failed, 1 passed, 1 not applicable, 1 skipped." in checks
    failed, noted, rest = checks.split("<details", 2)
    # failed rules first, the worst first, each linking to its first finding; a rule
    # whose findings are all info is one click away
    row = r'<tr class="status-failed"><td><span class="mono">(LA\d+)'
    codes = re.findall(row, failed)
    assert codes[:2] == ["LA301", "LA401"] and len(codes) == 6
    assert '<a href="#finding-00' in failed
    assert "1 rule with notes only (info)" in noted
    (info_rule,) = re.findall(row, noted)
    assert info_rule not in codes
    assert re.search(r"status-passed.*?LA101.*?1 field</td>", rest, re.S)
    assert "not applicable</span>: no target population was given" in rest
    assert "skipped</span>: ignored (LA603 in ignore)" in rest


def test_checks_table_without_rule_runs_says_so():
    result = make_result()
    del result.context["rule_runs"]
    checks = _section(render_html(result), "checks")
    assert "This result does not record the rules that found nothing." in checks


def test_preview_puts_rows_behind_findings_first_marked_and_collapses_suppressed():
    df = pd.DataFrame(
        {"attribute": ["region"] * 5, "group": ["A", "B", "C", "D", "E"],
         "ratio": [0.9, None, 0.3, 1.1, None], "p_adjusted": [0.5, None, 0.2, 0.01, None],
         "n_annotators": [12, None, 9, 40, None],
         "suppressed": [False, True, False, False, True]}
    )  # fmt: skip
    result = make_result()
    finding = copy.deepcopy(next(f for f in result.findings if f.rule == "LA401"))
    finding.subject = {"attribute": "region", "group": "C"}
    other_table = copy.deepcopy(finding)
    other_table.subject = {"field": "toxicity", "attribute": "region", "group": "A"}
    other_table.fingerprint = "other"
    views = finding_views([finding, other_table])
    t = table_view("representation", df, k=5, limit=10, preview=True, views=views)
    groups = [r["cells"][1] for r in t.rows if r["cells"]]
    assert groups == ["C", "D", "A"]  # behind a finding, then the smallest p-value
    behind_c = next(v for v in views if v.keys["group"] == "C")
    assert t.rows[0]["finding"] is behind_c and t.n_marked == 1
    # a subject with a key the table lacks (field) marks no row
    assert all(r["finding"] is None for r in t.rows[1:])
    assert t.rows[-1] == {
        "cells": [], "span": (5, "2 rows suppressed: fewer than 5 raters: region B; region E"),
        "finding": None,
    }  # fmt: skip
    html = render_html(make_result())
    assert 'class="behind"><td class="flag"><a href="#finding-' in html


def test_contested_examples_of_a_harm_field_sit_behind_a_content_note(html):
    section = _section(html, "disagreement")
    fold = re.search(r'<details class="quotes content-note">.*?</details>', section, re.S)
    assert fold and "That joke about the bride price" in fold.group(0)
    assert "Content note: these items were labelled for toxicity" in fold.group(0)
    assert content_note(["sentiment"], {"sentiment": {"kind": "single"}}) == ""
    assert content_note(["q1"], {"q1": {"kind": "hate_speech"}}).startswith("Content note")


def test_long_parts_are_folded_and_printing_unfolds_them(html):
    methods = _section(html, "methods")
    assert (
        '<details class="methods"><summary>How each figure was computed: 2 method notes' in methods
    )
    assert "Agreement is not correctness" in methods.split("<details")[0]  # limits stay open
    checklist = _section(html, "checklist")
    assert (
        '<details class="checklist"><summary>Questions for the 7 rules with findings' in checklist
    )
    appendix = _section(html, "appendix")
    assert appendix.count('<details class="table">') == len(make_result().metrics)
    css = html.split("<style>")[1].split("</style>")[0]
    assert "@media print" in css and "details::details-content { content-visibility: visible" in css


def test_every_chart_has_a_phone_layout_with_labels_above_the_bars():
    bars = [svg.Bar("region: Latin America and the Caribbean", 0.6, 0.5, 0.7, note="α 0.60, n=10 raters, 67 items"),
            svg.Bar("region: Asia", 0.4, note="α 0.40, n=9 raters")]  # fmt: skip
    wide = svg.dot_whisker("t", bars, reference=0.5, reference_label="all", suppressed_text="s")
    narrow = svg.dot_whisker(
        "t", bars, reference=0.5, reference_label="all", suppressed_text="s", layout=svg.NARROW
    )
    assert 'viewBox="0 0 840 ' in wide and 'viewBox="0 0 360 ' in narrow
    # wide: the label right-aligned left of the plot; narrow: left-aligned above it
    assert re.search(
        r'<text x="224\.0" y="[\d.]+" font-size="12" text-anchor="end">region: Asia<', wide
    )
    label = re.search(r'<text x="10\.0" y="([\d.]+)"[^>]*>region: Asia<', narrow)
    dot = re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', narrow)[1]
    assert label and float(label.group(1)) < float(dot)  # above its dot
    # a long label and its figures don't fit one line: the figures go on a second
    assert ">α 0.60, n=10 raters, 67 items</text>" in narrow
    assert narrow.count('font-size="12"') >= 4  # no shrunken text: 12 units on 360


def test_rules_with_only_info_findings_are_folded_as_notes_in_their_section(html):
    result = make_result()
    by_rule: dict[str, set[str]] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule, set()).add(f.severity)
    info_only = {r for r, sev in by_rule.items() if sev == {"info"}}
    assert info_only  # the fixture has one, or this test would prove nothing
    notes = re.findall(r'<details class="notes">(.*?)</details>', html, re.S)
    assert notes
    for f in result.findings:
        anchor = f'id="finding-{f.fingerprint}"'
        folded = any(anchor in n for n in notes)
        assert folded == (f.rule in info_only), f.rule
