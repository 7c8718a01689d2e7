"""Render an audit result as a SARIF 2.1.0 log (``findings.sarif``).

SARIF is what code-scanning dashboards read (GitHub code scanning, GitLab, Azure
DevOps, SonarQube...). One run, one ``result`` per finding:

- ``ruleId`` is the rule code; ``tool.driver.rules`` describes every rule that ran, with
  its title, summary, help (rationale, remediation, reviewer questions) and its
  thresholds as used in this run (value, default and where the default comes from);
- ``level`` follows the severity: high is ``error``, medium ``warning``, low and info
  ``note`` (the severity itself is kept in the result's properties);
- the location is the guideline file and line for guideline findings, else the input
  file the finding was computed from (a file-level location: SARIF 3.29.4 says to
  leave ``region`` out when a result is about the artifact as a whole); the subject
  (attribute, group, field...) is the result's logical location;
- ``partialFingerprints`` carries the finding's fingerprint, so dashboards keep one
  alert per finding across runs and guideline edits.

Reads only the :class:`~labelaudit.result.AuditResult`, like every renderer.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from labelaudit.checks.finding import Finding
from labelaudit.jsonable import jsonable
from labelaudit.render.locations import Location, files_of, location, subject_label
from labelaudit.result import AuditResult

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
#: the partialFingerprints key; bump the version if the fingerprint recipe changes
FINGERPRINT_KEY = "labelaudit/v1"


def render_sarif(result: AuditResult) -> str:
    """The SARIF log as JSON text (deterministic for a given result)."""
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def sarif_log(result: AuditResult) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``result`` as plain data."""
    ctx = result.context
    meta = ctx.get("rules") or {}
    codes = sorted(set(ctx.get("active_rules") or meta) | {f.rule for f in result.findings})
    index = {code: i for i, code in enumerate(codes)}
    files = files_of(result)
    version = str(result.tool.get("version", ""))
    verdict = result.verdict()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "labelaudit",
                "version": version,
                "semanticVersion": version,
                "rules": [_descriptor(code, meta.get(code) or {}) for code in codes],
            }
        },
        # GitHub keys uploads by this category: one per audited bundle
        "automationDetails": {"id": f"labelaudit/{ctx.get('bundle_name') or 'audit'}/"},
        "invocations": [_invocation(result)],
        "artifacts": _artifacts(result, files),
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, files) for f in result.findings],
        "properties": {
            "verdict": verdict.text(),
            "failOn": verdict.fail_on,
            "audience": result.audience,
            "summary": jsonable(result.summary),
        },
    }
    if ctx.get("split"):
        run["properties"]["split"] = jsonable(ctx["split"])
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _descriptor(code: str, rule: dict) -> dict[str, Any]:
    params = rule.get("parameters") or {}
    thresholds = {
        name: {k: p.get(k) for k in ("value", "default", "source") if p.get(k) is not None}
        for name, p in sorted(params.items())
    }
    out: dict[str, Any] = {
        "id": code,
        "name": _pascal(str(rule.get("name") or code)),
        "shortDescription": {"text": str(rule.get("title") or code)},
        "fullDescription": {"text": _one_line(rule.get("summary") or rule.get("title") or code)},
        "help": {
            "text": _help_text(rule, thresholds),
            "markdown": _help_markdown(rule, thresholds),
        },
        "properties": {
            "category": rule.get("category"),
            # framework items, so code scanning can filter by them (evidence, not verdicts)
            "tags": ["labelaudit", str(rule.get("category") or ""), *(rule.get("standards") or [])],
            "thresholds": jsonable(thresholds),
        },
    }
    if rule.get("severity") in LEVELS:
        out["defaultConfiguration"] = {"level": LEVELS[rule["severity"]]}
        out["properties"]["severity"] = rule["severity"]
    if rule.get("references"):
        out["properties"]["references"] = [str(r) for r in rule["references"]]
    return out


def _result(f: Finding, index: dict[str, int], files: dict[str, str]) -> dict[str, Any]:
    loc: dict[str, Any] = {}
    where = location(f, files)
    if where is not None:
        loc["physicalLocation"] = _physical(where)
    subject = subject_label(f)
    loc["logicalLocations"] = [{"name": subject, "fullyQualifiedName": f"{f.rule}/{subject}"}]
    d = f.to_dict()
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "kind": "fail",
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [loc],
        "properties": {
            "severity": f.severity,
            "category": f.category,
            "subject": d.get("subject", {}),
            "evidence": d.get("evidence", {}),
            "standards": list(f.standards),
        },
    }
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.recommendation:
        out["properties"]["recommendation"] = f.recommendation
    return out


def _physical(where: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"artifactLocation": {"uri": _uri(where.path)}}
    if where.line is not None and where.line >= 1:
        out["region"] = {"startLine": where.line}
    return out


def _uri(path: str) -> str:
    """A URI reference for ``path``: relative paths stay relative (GitHub resolves them
    against the checkout), absolute ones become ``file://`` URIs."""
    p = PurePosixPath(path)
    if p.is_absolute():
        return "file://" + quote(str(p))
    return quote(str(p))


def _artifacts(result: AuditResult, files: dict[str, str]) -> list[dict[str, Any]]:
    by_name = {PurePosixPath(p).name: p for p in files.values() if not p.startswith("preset:")}
    out = []
    for item in result.run.get("inputs") or []:
        path = by_name.get(str(item.get("path")))
        if path is None:
            continue
        art: dict[str, Any] = {"location": {"uri": _uri(path)}, "roles": ["analysisTarget"]}
        if item.get("sha256"):
            art["hashes"] = {"sha-256": item["sha256"]}
        out.append(art)
    return out


def _invocation(result: AuditResult) -> dict[str, Any]:
    # the audit ran to the end; whether its gate passed is the run's "verdict" property
    out: dict[str, Any] = {"executionSuccessful": True}
    created = str(result.run.get("created_at") or "")
    if created:
        out["endTimeUtc"] = created.replace("+00:00", "Z")
    return out


def _help_text(rule: dict, thresholds: dict[str, dict]) -> str:
    parts = [_one_line(rule.get("rationale") or "")]
    if thresholds:
        parts.append("Thresholds: " + "; ".join(_threshold(n, t) for n, t in thresholds.items()))
    if rule.get("remediation"):
        parts.append("What to do: " + _one_line(rule["remediation"]))
    questions = [str(q) for q in rule.get("questions") or []]
    if questions:
        parts.append("Questions for the reviewer: " + " ".join(questions))
    return "\n\n".join(p for p in parts if p)


def _help_markdown(rule: dict, thresholds: dict[str, dict]) -> str:
    parts = [_one_line(rule.get("rationale") or "")]
    if thresholds:
        parts.append(
            "**Thresholds**\n\n" + "\n".join(f"- {_threshold(n, t)}" for n, t in thresholds.items())
        )
    if rule.get("remediation"):
        parts.append("**What to do**\n\n" + _one_line(rule["remediation"]))
    questions = [str(q) for q in rule.get("questions") or []]
    if questions:
        parts.append("**Questions for the reviewer**\n\n" + "\n".join(f"- {q}" for q in questions))
    return "\n\n".join(p for p in parts if p)


def _threshold(name: str, t: dict) -> str:
    text = f"{name} = {t.get('value', t.get('default'))!r}"
    if "default" in t and t.get("value") != t.get("default"):
        text += f" (default {t['default']!r})"
    if t.get("source"):
        text += f", source: {_one_line(t['source'])}"
    return text


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _pascal(name: str) -> str:
    """``under-represented-group`` -> ``UnderRepresentedGroup`` (SARIF's friendly-name style)."""
    words = [w for w in name.replace("_", "-").split("-") if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or name
