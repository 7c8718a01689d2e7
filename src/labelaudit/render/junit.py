"""Render an audit result as a JUnit XML report (``junit.xml``).

Every CI system shows JUnit test reports (GitLab merge-request widgets, Jenkins, Azure
Pipelines, CircleCI, GitHub test-report actions). The mapping:

- one ``testsuite`` per finding category, one ``testcase`` per finding (rule × subject);
- a finding at or above the run's ``--fail-on`` is a failed test case (``failure`` with
  the message, what to do, the evidence and the fingerprint); a finding below it is a
  passing test case whose ``system-out`` carries the message, so it stays visible;
- a rule that ran and found nothing is one passing test case, so the report also shows
  what was checked.

Reads only the :class:`~labelaudit.result.AuditResult`, like every renderer.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from labelaudit.checks.finding import Finding
from labelaudit.jsonable import jsonable
from labelaudit.render.locations import subject_label
from labelaudit.result import AuditResult
from labelaudit.vocabulary import CATEGORIES, SEVERITY_RANK

#: characters XML 1.0 cannot carry at all (guideline text may hold them)
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
NO_FINDINGS = "no findings"


def render_junit(result: AuditResult) -> str:
    """The JUnit XML document as text (deterministic for a given result)."""
    fail_on = result.fail_on
    limit = SEVERITY_RANK[fail_on]
    meta = result.context.get("rules") or {}
    stamp = str(result.run.get("created_at") or "")[:19]  # JUnit's timestamp has no zone
    by_category: dict[str, list[ET.Element]] = defaultdict(list)
    names: dict[tuple[str, str], int] = defaultdict(int)
    for f in result.findings:
        by_category[f.category].append(_case(f, limit, fail_on, names))
    found = {f.rule for f in result.findings}
    for code in sorted(set(result.context.get("active_rules") or []) - found):
        category = str((meta.get(code) or {}).get("category") or "data")
        case = ET.Element("testcase", classname=f"labelaudit.{code}", name=NO_FINDINGS, time="0")
        by_category[category].append(case)

    root = ET.Element("testsuites", name="labelaudit")
    tests = failures = 0
    order = [c for c in CATEGORIES if c in by_category] + sorted(set(by_category) - set(CATEGORIES))
    for category in order:
        cases = by_category[category]
        n_failed = sum(1 for c in cases if c.find("failure") is not None)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"labelaudit.{category}",
            tests=str(len(cases)),
            failures=str(n_failed),
            errors="0",
            skipped="0",
            time="0",
        )
        if stamp:
            suite.set("timestamp", stamp)
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("fail_on", fail_on),
            ("bundle", str(result.context.get("bundle_name") or "")),
            ("tool_version", str(result.tool.get("version", ""))),
            ("seed", str(result.run.get("seed"))),
        ):
            ET.SubElement(props, "property", name=key, value=_clean(value))
        suite.extend(cases)
        tests += len(cases)
        failures += n_failed
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(f: Finding, limit: int, fail_on: str, names: dict[tuple[str, str], int]) -> ET.Element:
    name = subject_label(f)
    names[(f.rule, name)] += 1
    if names[(f.rule, name)] > 1:  # two findings of one rule on one subject stay two cases
        name = f"{name} #{names[(f.rule, name)]}"
    case = ET.Element("testcase", classname=f"labelaudit.{f.rule}", name=_clean(name), time="0")
    if SEVERITY_RANK[f.severity] <= limit:
        failure = ET.SubElement(
            case,
            "failure",
            type=f.severity,
            message=_clean(f"[{f.severity}] {f.title}: {f.message}"),
        )
        failure.text = _clean(_details(f))
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _clean(f"[{f.severity}, below --fail-on {fail_on}] {_details(f)}")
    return case


def _details(f: Finding) -> str:
    lines = [f"{f.rule} {f.title}", f.message]
    if f.recommendation:
        lines.append("What to do: " + " ".join(f.recommendation.split()))
    if f.evidence:
        lines.append("Evidence: " + json.dumps(jsonable(f.evidence), ensure_ascii=False))
    if f.fingerprint:
        lines.append(f"Fingerprint: {f.fingerprint}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
