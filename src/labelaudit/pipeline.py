"""The audit, end to end, one stage after another.

config → sources (read) → bundle (validate) → rulebook → privacy plan → analyses → privacy
release → checks → result. Each stage only reads what the one before it produced; this module is the only
place that knows the order. Rendering the result (HTML, JSON files) is
:mod:`labelaudit.report`'s job.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from labelaudit import privacy
from labelaudit.analyses.base import AnalysisOutput, registered_analyses
from labelaudit.bundle.build import build_bundle
from labelaudit.bundle.judgments import normalise_judgment_columns
from labelaudit.bundle.model import Bundle
from labelaudit.checks.declarative import declarative_check
from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import (
    CONFIG_NAME,
    VENDOR_MIN_GROUP_SIZE,
    AuditConfig,
    load_config,
    validate_settings,
)
from labelaudit.errors import InputError, Problem
from labelaudit.progress import notice, set_quiet, step
from labelaudit.result import AuditResult
from labelaudit.rulebook import Rulebook, build_rulebook
from labelaudit.sources.read import read_inputs
from labelaudit.stats.kernel import resolve as resolve_kernel
from labelaudit.text.lexicon import load_lexicons
from labelaudit.version import __version__
from labelaudit.vocabulary import severity_counts


def resolve_config(bundle_or_config: Any = None, **options: Any) -> AuditConfig:
    """Defaults < labelaudit.toml (given, or found in the bundle folder) < options."""
    if isinstance(bundle_or_config, AuditConfig):
        cfg = bundle_or_config
    else:
        path = Path(bundle_or_config) if bundle_or_config is not None else None
        config_file = options.pop("config", None)
        if config_file is None and path is not None:
            if path.is_file() and path.suffix == ".toml":
                config_file, path = path, None
            elif path.is_dir() and (path / CONFIG_NAME).is_file():
                config_file = path / CONFIG_NAME
        cfg = load_config(Path(config_file)) if config_file else AuditConfig()
        if path is not None:
            cfg = cfg.with_overrides(bundle=path)
        elif cfg.bundle is None and config_file is not None:
            cfg = cfg.with_overrides(bundle=Path(config_file).parent)
    unknown = [k for k in options if not hasattr(cfg, k)]
    if unknown:
        raise InputError(
            [
                Problem(
                    "audit()",
                    f"unknown option {k!r}",
                    setting=k,
                    fix="use the config key names (see AuditConfig)",
                )
                for k in unknown
            ]
        )
    cfg = cfg.with_overrides(**options)
    origin = None
    if not isinstance(bundle_or_config, AuditConfig) or "min_group_size" in options:
        origin = (
            "command line"
            if "min_group_size" in options
            else str(cfg.config_path or "the defaults")
        )
        _vendor_floor(cfg, origin)
    validate_settings(cfg)
    if origin is not None and (line := privacy.k_notice(cfg, origin)):
        notice(line)  # a lowered k is never silent, even with --quiet
    # "auto" becomes the kernel actually used, so findings.json records it
    cfg = cfg.with_overrides(kernel=resolve_kernel(cfg.kernel))
    if cfg.lexicons:  # a broken user lexicon is bad input now, not halfway through the audit
        load_lexicons(cfg.lexicons)
    return cfg


def _vendor_floor(cfg: AuditConfig, origin: str) -> None:
    """Refuse a vendor report below the default k, naming where the setting came from."""
    if cfg.audience == "vendor" and 1 <= cfg.min_group_size < VENDOR_MIN_GROUP_SIZE:
        raise InputError(
            [
                Problem(
                    origin,
                    f"min_group_size = {cfg.min_group_size} is below {VENDOR_MIN_GROUP_SIZE}, "
                    "the floor for a vendor report",
                    setting="min_group_size",
                    fix=f"remove min_group_size (or set it to {VENDOR_MIN_GROUP_SIZE} or more) "
                    f"in {origin}, or make an internal report",
                )
            ]
        )


def load_bundle(cfg: AuditConfig) -> Bundle:
    """Read (sources) and validate (bundle) the inputs named by ``cfg``.

    Every problem of both steps is reported in one ``InputError``.
    """
    problems: list[Problem] = []
    raw = read_inputs(cfg, problems, normalise=normalise_judgment_columns)
    bundle = build_bundle(raw, cfg, problems, release_raw=True)
    if cfg.bundle is not None:
        bundle.name = cfg.bundle.resolve().name
    return bundle


def run_audit(bundle_or_config: Any = None, **options: Any) -> AuditResult:
    """Load, validate and audit; returns the (privacy-released) result."""
    cfg = resolve_config(bundle_or_config, **options)
    set_quiet(cfg.quiet)
    step(f"reading {cfg.bundle or 'inputs'}")
    t0 = time.perf_counter()
    bundle = load_bundle(cfg)
    loaded = time.perf_counter() - t0
    peak_after_load = _peak_rss_mib()
    t0 = time.perf_counter()
    plan = privacy.make_plan(bundle, cfg)  # the whole run's: split reports read it too
    planned = time.perf_counter() - t0
    analysed = {None: _analyse(bundle, cfg, plan)}
    analysed[None].timings = {"load": loaded, "privacy plan": planned, **analysed[None].timings}
    analysed[None].peaks = {"load": peak_after_load, **analysed[None].peaks}
    analysed.update(_split_analyses(bundle, cfg, plan))
    results = _release_and_check(analysed, cfg)
    result = results.pop(None)
    if plan.split_by is not None:
        overall = result.metrics.get("agreement", pd.DataFrame())
        if not overall.empty:
            overall = overall[overall["scope"] == "overall"]
        comparison = {
            "summary": result.summary,
            "overall_agreement": overall.to_dict(orient="records"),
        }
        for sub in results.values():
            sub.context["whole"] = comparison
        result.context["split_by"] = cfg.split_by
        result.context["splits"] = results
    return result


def _split_analyses(bundle: Bundle, cfg: AuditConfig, plan: privacy.Plan) -> dict[str, Any]:
    """The analyses of one split report per shown value of ``cfg.split_by``.

    A value the privacy plan hides (fewer than k raters, or hidden so a smaller group can't
    be derived) gets no report; its cells were audited with the whole report's, and all
    reports are released together.
    """
    attr = plan.split_by
    if attr is None or bundle.annotators is None:
        return {}
    labels = bundle.attribute_values(attr)
    sub_cfg = cfg.with_overrides()
    sub_cfg.split_by = None
    ids_of = pd.Series(bundle.annotator_ids)
    out: dict[str, Any] = {}
    for value in plan.split_values:
        if not plan.split_shown(value):
            continue
        ids = set(ids_of[labels.eq(value).to_numpy()])
        step(f"split {attr}={value}")
        sub = bundle.subset(ids, name=f"{bundle.name} [{attr}={value}]")
        extra = {"split": {"attribute": attr, "value": value}}
        out[value] = _analyse(sub, sub_cfg, plan.for_split(value), extra)
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
) -> AuditResult:
    """Run every analysis and check over an already validated bundle (one report).

    The privacy plan (which groups no output shows) is made from the group sizes before
    any analysis runs; the release applies it to every table and fact before any check.
    """
    plan = plan if plan is not None else privacy.make_plan(bundle, cfg)
    analysed = _analyse(bundle, cfg, plan, context_extra)
    return _release_and_check({None: analysed}, cfg)[None]


def _analyse(
    bundle: Bundle, cfg: AuditConfig, plan: privacy.Plan, context_extra: dict | None = None
) -> _Analysed:
    rulebook = build_rulebook(cfg)
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
        peaks[f"analysis:{a.name}"] = _peak_rss_mib()
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
    )
    return _Analysed(
        bundle, cfg, rulebook, plan, tables, facts, methods, timings, peaks, context_extra or {}
    )


def _release_and_check(analysed: dict[Any, _Analysed], cfg: AuditConfig) -> dict[Any, AuditResult]:
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
        findings = run_checks(a.rulebook, rel.tables, rel.facts)
        if internal is not None:
            rel.summary["withheld"].update(_withheld_findings(internal[rid], a.cfg, findings))
        a.timings["checks"] = time.perf_counter() - t0
        results[rid] = _result(a, rel, findings)
    return results


def _result(a: _Analysed, rel: privacy.Release, findings: list[Finding]) -> AuditResult:
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
    context.update(a.context_extra)
    context["timings"] = a.timings
    context["peak_rss_mib"] = a.peaks
    return AuditResult(
        summary=summary,
        metrics=rel.tables,
        findings=findings,
        run={
            "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "seed": cfg.seed,
            "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in bundle.inputs],
            "config": cfg.to_record(),
        },
        tool={"name": "labelaudit", "version": __version__},
        audience=cfg.audience,
        context=context,
    )


def _withheld_findings(
    internal: privacy.Release, cfg: AuditConfig, shown: list[Finding]
) -> dict[str, Any]:
    """How many findings the internal edition of the same report has that this one leaves out.

    Only counted, by rule: the internal edition is released (with a throwaway pseudonym
    key) and checked, never written.
    """
    found = run_checks(
        build_rulebook(cfg.with_overrides(audience="internal")), internal.tables, internal.facts
    )
    key = lambda f: (f.rule, json.dumps(f.subject, sort_keys=True, default=str))  # noqa: E731
    seen = {key(f) for f in shown}
    left = [f for f in found if key(f) not in seen]
    return {"findings": len(left), "rules": sorted({f.rule for f in left})}


def _peak_rss_mib() -> float | None:
    """This process's peak resident memory so far (MiB); None where unavailable."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def run_checks(
    rulebook: Rulebook, tables: dict[str, pd.DataFrame], facts: dict[str, Any]
) -> list[Finding]:
    """Run every rule of the rulebook that runs; findings sorted by severity, rule, subject."""
    checks = registered_checks()
    findings: list[Finding] = []
    for code in rulebook:
        rule = rulebook.rules[code]
        fn = checks.get(code) if rule.kind == "python" else declarative_check(rule)
        if fn is None:
            raise RuntimeError(f"rule {code} ({rule.path}) has no registered check")
        ctx = CheckContext(
            metrics=tables,
            facts=facts,
            rule=rule,
            params=rulebook.params[code],
            severity=rulebook.severities.get(code),
        )
        findings.extend(fn(ctx))
    return sorted(findings, key=Finding.sort_key)


#: data issues whose rows are read but left out of the statistics
ROWS_LEFT_OUT = ("LA001", "LA004", "LA005", "LA006", "LA011", "LA012")


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
                "title": r.title,
                "category": r.category,
                "severity": r.severity,
                "summary": r.summary,
                "rationale": r.rationale,
                "remediation": r.remediation,
                "questions": r.questions,
                "references": r.references,
                "audience": r.audience,
                "parameters": {
                    k: {"default": p.default, "source": p.source} for k, p in r.parameters.items()
                },
            }
            for code, r in rulebook.rules.items()
        },
        "triggered_rules": sorted({f.rule for f in findings}),
        "schema": {
            k: {
                "level": v.level,
                "kind": v.kind,
                "values": [str(x) for x in v.values],
                "escape_values": v.escape_values,
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
