"""The stages of one audit once its inputs are read: plan, analyse, release, check.

:func:`audit_bundle` runs them over a validated bundle; :func:`labelaudit.pipeline.run_audit`
reads the inputs first and adds the split reports. The privacy plan (which groups no
output shows) is made from the group sizes before any analysis runs; every report of a
run (the whole pool's and each split's) is released together, and the checks read only
the released tables and facts.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from labelaudit import privacy
from labelaudit.analyses.base import AnalysisOutput, registered_analyses
from labelaudit.bundle.inputs import available_inputs, comparable_attributes
from labelaudit.bundle.model import Bundle
from labelaudit.checks.finding import Finding
from labelaudit.checks.runs import RuleRun, run_rules
from labelaudit.checks.status import rule_status
from labelaudit.config import AuditConfig
from labelaudit.progress import step
from labelaudit.reproducible import run_timestamp
from labelaudit.result import AuditResult
from labelaudit.rulebook import Rulebook, build_rulebook
from labelaudit.rulebook.standards import load_standards
from labelaudit.version import __version__
from labelaudit.vocabulary import severity_counts


def split_analyses(
    bundle: Bundle, cfg: AuditConfig, plan: privacy.Plan, rulebook: Rulebook
) -> dict[str, Any]:
    """The analyses of one split report per shown value of ``cfg.split_by``.

    A split is audited on its own raters and the items they judged, with the split
    attribute left out of the target and of the group comparisons (every rater of a
    split shares its value: comparing groups by it says nothing; see
    :meth:`Bundle.subset`). A value the privacy plan hides (fewer than k raters, or
    hidden so a smaller group can't be derived) gets no report; its cells were audited
    with the whole report's, and all reports are released together.
    """
    attr = plan.split_by
    if attr is None or bundle.annotators is None:
        return {}
    labels = bundle.attribute_values(attr)
    sub_cfg = cfg.with_overrides()
    sub_cfg.split_by = None
    sub_cfg.group_by = [a for a in (cfg.group_by or bundle.group_attributes()) if a != attr]
    ids_of = pd.Series(bundle.annotator_ids)
    out: dict[str, Any] = {}
    for value in plan.split_values:
        if not plan.split_shown(value):
            step(f"split {attr}={value} skipped: its group is not shown")
            continue
        ids = set(ids_of[labels.eq(value).to_numpy()])
        step(f"split {attr}={value}")
        sub = bundle.subset(ids, name=f"{bundle.name} [{attr}={value}]", split_by=attr)
        extra = {"split": {"attribute": attr, "value": value}}
        out[value] = analyse(sub, sub_cfg, plan.for_split(value), rulebook, extra)
    return out


@dataclass
class _Analysed:
    """One report between its analyses and its release."""

    bundle: Bundle
    cfg: AuditConfig
    rulebook: Rulebook
    plan: privacy.Plan
    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]
    methods: list[dict[str, str]]
    timings: dict[str, float]
    peaks: dict[str, float | None]
    context_extra: dict


def audit_bundle(
    bundle: Bundle,
    cfg: AuditConfig,
    *,
    context_extra: dict | None = None,
    plan: privacy.Plan | None = None,
    rulebook: Rulebook | None = None,
) -> AuditResult:
    """Run every analysis and check over an already validated bundle (one report).

    The privacy plan (which groups no output shows) is made from the group sizes before
    any analysis runs; the release applies it to every table and fact before any check.
    """
    plan = plan if plan is not None else privacy.make_plan(bundle, cfg)
    rulebook = rulebook or build_rulebook(cfg)
    analysed = analyse(bundle, cfg, plan, rulebook, context_extra)
    return release_and_check({None: analysed}, cfg)[None]


def analyse(
    bundle: Bundle,
    cfg: AuditConfig,
    plan: privacy.Plan,
    rulebook: Rulebook,
    context_extra: dict | None = None,
) -> _Analysed:
    # analyses that pool figures across groups leave the hidden ones out
    bundle.disclosure = plan.hidden_groups()
    timings: dict[str, float] = {}
    tables: dict[str, pd.DataFrame] = {}
    facts: dict[str, Any] = {}
    methods: list[dict[str, str]] = []
    peaks: dict[str, float | None] = {}  # process peak RSS after each stage (MiB)
    for a in registered_analyses():
        step(f"analysis: {a.name}")
        t0 = time.perf_counter()
        out: AnalysisOutput = a.fn(bundle, cfg, rulebook)
        timings[f"analysis:{a.name}"] = time.perf_counter() - t0
        peaks[f"analysis:{a.name}"] = peak_rss_mib()
        for name in out.tables:
            if name in tables:
                raise RuntimeError(f"metric table {name!r} produced twice (analysis {a.name})")
        tables.update(out.tables)
        facts.update(out.facts)
        methods.extend(out.methods)
    facts.update(
        schema=bundle.schema,
        guidelines=bundle.guidelines,
        target=bundle.target,
        data_issues=bundle.issues,
        min_group_size=cfg.min_group_size,
        n_annotators=len(bundle.annotator_ids),
        n_items=len(bundle.item_ids),
        n_fields=len(bundle.schema),
        n_inputs=len(bundle.inputs),
        n_annotator_columns=0 if bundle.annotators is None else bundle.annotators.shape[1] - 1,
        n_judgment_rows=int(
            bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
        ),
    )
    return _Analysed(
        bundle, cfg, rulebook, plan, tables, facts, methods, timings, peaks, context_extra or {}
    )


def release_and_check(analysed: dict[Any, _Analysed], cfg: AuditConfig) -> dict[Any, AuditResult]:
    """Release every report together (one gate), then run each report's checks on it."""
    t0 = time.perf_counter()
    reports = {rid: privacy.Report(a.tables, a.facts, a.plan) for rid, a in analysed.items()}
    released = privacy.release_reports(
        reports, audience=cfg.audience, key=lambda: privacy.pseudonym_key(cfg.pseudonym_key)
    )
    internal = None
    if cfg.audience == "vendor":  # only counted: what the internal edition would add
        internal = privacy.release_reports(reports, audience="internal", key=lambda: b"count")
    spent = (time.perf_counter() - t0) / max(len(analysed), 1)
    results = {}
    for rid, a in analysed.items():
        if rid not in released:
            continue  # a split report whose group the joint audit had to hide
        rel = released[rid]
        a.methods.extend(rel.methods)
        a.timings["privacy"] = spent
        step("checks")
        t0 = time.perf_counter()
        findings, runs = run_rules(a.rulebook, rel.tables, rel.facts, _inputs(a.bundle, rel))
        if internal is not None:
            rel.summary["withheld"].update(_withheld_findings(internal[rid], a, findings))
        a.timings["checks"] = time.perf_counter() - t0
        results[rid] = _result(a, rel, findings, runs)
    return results


def _inputs(bundle: Bundle, rel: privacy.Release) -> dict[str, bool]:
    """Which optional inputs the bundle carries, with groups counted as the release shows."""
    shown = rel.facts.get("privacy") or {}
    comparable = comparable_attributes(shown.get("sizes") or {}, shown.get("hidden") or {})
    return available_inputs(bundle, comparable)


def _result(
    a: _Analysed, rel: privacy.Release, findings: list[Finding], runs: list[RuleRun]
) -> AuditResult:
    bundle, cfg = a.bundle, a.cfg
    summary = {
        "judgments": int(
            bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
        ),
        "items": int(len(bundle.item_ids)),
        "annotators": int(len(bundle.annotator_ids)),
        "fields": list(bundle.schema),
        "findings": severity_counts(f.severity for f in findings),
    }
    context = _context(bundle, cfg, a.rulebook, findings, a.methods)
    context["privacy"] = rel.summary
    context["rule_runs"] = [r.to_dict() for r in runs]
    # the same outcomes in the frameworks' words (found / clear / not checked and why)
    context["rule_status"] = rule_status(context["rule_runs"])
    # each shown group's raters in the pool: the one n every chart and table names
    shown = (rel.facts.get("privacy") or {}).get("sizes") or {}
    context["group_sizes"] = {
        attr: {g: n for g, n in c.items() if n >= cfg.min_group_size} for attr, c in shown.items()
    }
    context.update(a.context_extra)
    context["timings"] = a.timings
    context["peak_rss_mib"] = a.peaks
    return AuditResult(
        summary=summary,
        metrics=rel.tables,
        findings=findings,
        run={
            "created_at": run_timestamp(),
            "seed": cfg.seed,
            "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in bundle.inputs],
            "config": cfg.to_record(),
        },
        tool={"name": "labelaudit", "version": __version__},
        audience=cfg.audience,
        context=context,
    )


def _withheld_findings(
    internal: privacy.Release, a: _Analysed, shown: list[Finding]
) -> dict[str, Any]:
    """How many findings the internal edition of the same report has that this one leaves out.

    Only counted, by rule: the internal edition is released (with a throwaway pseudonym
    key) and checked, never written.
    """
    book = build_rulebook(a.cfg.with_overrides(audience="internal"))
    found, _ = run_rules(book, internal.tables, internal.facts, _inputs(a.bundle, internal))
    key = lambda f: (f.rule, json.dumps(f.subject, sort_keys=True, default=str))  # noqa: E731
    seen = {key(f) for f in shown}
    left = [f for f in found if key(f) not in seen]
    return {"findings": len(left), "rules": sorted({f.rule for f in left})}


def peak_rss_mib() -> float | None:
    """This process's peak resident memory so far (MiB); None where unavailable."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


#: data issues whose rows are read but left out of the statistics
ROWS_LEFT_OUT = ("LA001", "LA004", "LA005", "LA006", "LA011", "LA012", "LA016")


def _rows_left_out(bundle: Bundle) -> dict[str, int]:
    out: dict[str, int] = {}
    for issue in bundle.issues:
        if issue.code in ROWS_LEFT_OUT and issue.count:
            out[issue.code] = out.get(issue.code, 0) + int(issue.count)
    return out


def _context(
    bundle: Bundle,
    cfg: AuditConfig,
    rulebook: Rulebook,
    findings: list[Finding],
    methods: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "bundle_name": bundle.name,
        "methods": methods,
        "rules": {
            code: {
                "name": r.name,
                "title": r.title,
                "category": r.category,
                "severity": r.severity,
                "summary": r.summary,
                "rationale": r.rationale,
                "remediation": r.remediation,
                "questions": r.questions,
                "references": r.references,
                "audience": r.audience,
                "standards": list(r.standards),
                "standards_note": r.standards_note,
                "needs": list(r.needs),
                "parameters": {
                    k: {"default": p.default, "source": p.source, "value": rulebook.params[code][k]}
                    for k, p in r.parameters.items()
                },
            }
            for code, r in rulebook.rules.items()
        },
        "active_rules": list(rulebook.active),
        "files": dict(bundle.files),
        "triggered_rules": sorted({f.rule for f in findings}),
        "standards": {sid: s.to_dict() for sid, s in load_standards().items()},
        "schema": {
            k: {
                "level": v.level,
                "kind": v.kind,
                "values": [str(x) for x in v.values],
                "escape_values": v.escape_values,
                "labels": dict(v.labels),
                "inferred": v.inferred,
            }
            for k, v in bundle.schema.items()
        },
        "schema_inferred": bundle.schema_inferred,
        "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in bundle.inputs],
        "guidelines": [{"name": g.name, "n_lines": len(g.lines)} for g in bundle.guidelines],
        "skipped": _rows_left_out(bundle),
        "target": None
        if bundle.target is None
        else {"name": bundle.target.name, "source": bundle.target.source},
        "min_group_size": cfg.min_group_size,
        "group_by": cfg.group_by or bundle.group_attributes(),
        "source": {k: v for k, v in bundle.source.items() if k != "api_key"},
        "max_examples": cfg.max_examples,
    }
