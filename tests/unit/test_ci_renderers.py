"""CI renderers on hand-made results: escaping of hostile text, gate levels, edge cases.

The texts come from the data (guideline lines, group names), so a renderer must keep
them from starting a workflow command, breaking the XML or turning into Markdown.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from labelaudit.checks.finding import Finding
from labelaudit.render.github import escape_data, escape_property, render_github
from labelaudit.render.junit import render_junit
from labelaudit.render.markdown import render_markdown
from labelaudit.render.sarif import sarif_log
from labelaudit.result import AuditResult, Verdict

HOSTILE = "50% agree\r\n::set-output name=x::pwned, a: b <b>x</b> | *y* \x01 end"


def _finding(rule, severity, subject, message="m", evidence=None, category="guidelines"):
    return Finding(rule, category, severity, f"Title {rule}", message, subject, evidence or {})


def _result(findings, fail_on="high", files=None) -> AuditResult:
    return AuditResult(
        summary={"judgments": 10},
        metrics={},
        findings=findings,
        run={"created_at": "2026-01-01T00:00:00+00:00", "seed": 0, "config": {"fail_on": fail_on}},
        tool={"name": "labelaudit", "version": "9.9.9"},
        context={
            "bundle_name": "b",
            "files": files if files is not None else {"judgments": "d/j.csv", "guideline:g, 1.md": "d/g, 1.md"},
            "active_rules": ["LA101", "LA301", "LA501"],
            "rules": {
                "LA301": {"name": "culture-specific-reference", "title": "T", "category": "guidelines", "severity": "low",
                          "parameters": {"cap": {"default": 20, "value": 20, "source": "convention"}}},
            },
        },
    )  # fmt: skip


def test_workflow_command_escaping_matches_the_actions_toolkit():
    # @actions/core: escapeData = % CR LF; escapeProperty adds : and ,
    assert escape_data("100%\r\n:,") == "100%25%0D%0A:,"
    assert escape_property("100%\r\n:,") == "100%25%0D%0A%3A%2C"


def test_a_hostile_message_stays_one_annotation():
    f = _finding("LA301", "low", {"guideline": "g, 1.md", "line": 3}, HOSTILE, {"term": "x"})
    out = render_github(_result([f], fail_on="low"))
    # one line: the runner reads a command only at the start of a line, so the quoted
    # "::set-output" stays part of this annotation's message
    assert out.count("\n") == 1 and out.endswith("end\n")
    assert out.startswith(
        "::error file=d/g%2C 1.md,line=3,title=LA301 Title LA301 (low)::50%25 agree%0D%0A"
    )


@pytest.mark.parametrize(
    ("severity", "fail_on", "command"),
    [("high", "high", "error"), ("medium", "high", "warning"), ("low", "high", "notice"),
     ("info", "low", "notice"), ("low", "low", "error"), ("medium", "medium", "error")],
)  # fmt: skip
def test_gate_decides_error_then_severity_decides(severity, fail_on, command):
    out = render_github(_result([_finding("LA101", severity, {"field": "f"})], fail_on=fail_on))
    assert out.startswith(f"::{command} title=")


def test_junit_survives_control_characters_and_markup():
    f = _finding("LA301", "high", {"guideline": "g, 1.md", "line": 3}, HOSTILE)
    root = ET.fromstring(render_junit(_result([f])))  # parses: no raw \x01 left
    case = root.find(".//testcase[@classname='labelaudit.LA301']")
    assert "<b>x</b>" in case.find("failure").get("message")  # text, not markup
    assert "\ufffd" in case.find("failure").text
    # rules that ran without a finding are passing cases; LA301 has a finding instead
    passing = {c.get("classname") for c in root.iter("testcase") if c.get("name") == "no findings"}
    assert passing == {"labelaudit.LA101", "labelaudit.LA501"}
    assert root.get("failures") == "1" and root.get("tests") == "3"


def test_markdown_cells_render_as_text():
    f = _finding("LA301", "high", {"group": "a|b"}, HOSTILE)
    md = render_markdown(_result([f]))
    row = next(line for line in md.splitlines() if line.startswith("| high | LA301"))
    assert row.count(" | ") == 3  # four cells: no stray pipe from the data
    assert "&lt;b&gt;" in row and "\\*y\\*" in row and "\r" not in row


def test_sarif_for_a_run_without_known_files_still_names_the_subject():
    f = _finding("LA101", "high", {"field": "tox"}, category="disagreement")
    res = sarif_log(_result([f], files={}))["runs"][0]["results"][0]
    assert "physicalLocation" not in res["locations"][0]
    assert res["locations"][0]["logicalLocations"][0]["name"] == "field=tox"
    assert "partialFingerprints" not in res  # a finding never fingerprinted claims none


def test_sarif_uri_of_a_path_with_spaces_and_commas_is_percent_encoded():
    f = _finding("LA301", "low", {"guideline": "g, 1.md", "line": 2})
    loc = sarif_log(_result([f]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "d/g%2C%201.md"}, "region": {"startLine": 2}}


def test_verdict_counts_at_or_above_the_gate():
    fs = [_finding("LA1", s, {}) for s in ("high", "medium", "medium", "low", "info")]
    r = _result(fs, fail_on="medium")
    assert r.verdict() == Verdict("medium", 3, 5)
    assert r.verdict("high").text() == "FAILED, 1 finding at or above high (5 in all)"
    assert _result([]).verdict().text() == "passed, no finding at or above high (0 in all)"
    assert json.loads(json.dumps(sarif_log(r)))["runs"][0]["properties"]["failOn"] == "medium"
