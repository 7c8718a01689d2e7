"""The audit, end to end, one stage after another.

config → sources (read) → bundle (validate) → rulebook → analyses → privacy → checks →
result. Each stage only reads what the one before it produced; this module is the only
place that knows the order. Rendering the result (HTML, JSON files) is
:mod:`labelaudit.report`'s job.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, registered_analyses
from labelaudit.bundle.build import build_bundle
from labelaudit.bundle.judgments import normalise_judgment_columns
from labelaudit.bundle.model import Bundle
from labelaudit.checks.declarative import declarative_check, declarative_problems
from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import CONFIG_NAME, AuditConfig, created_at, read_config, settings_problems
from labelaudit.errors import InputError, Problem
from labelaudit.privacy import enforce, run_salt
from labelaudit.progress import set_quiet, step
from labelaudit.result import AuditResult
from labelaudit.rulebook import Rulebook, build_rulebook
from labelaudit.sources.read import read_inputs
from labelaudit.stats.disclosure import hidden_groups
from labelaudit.stats.kernel import resolve as resolve_kernel
from labelaudit.text.lexicon import load_lexicons
from labelaudit.version import __version__
from labelaudit.vocabulary import severity_counts


def resolve_config(bundle_or_config: Any = None, **options: Any) -> AuditConfig:
    """Defaults < labelaudit.toml (given, or found in the bundle folder) < options.

    Every setting, the rules (built-in and ``rules_dir``, with their ``[rules]``
    parameters) and user lexicons are checked here, before any input is read; all their
    problems are raised together as one ``InputError``.
    """
    problems: list[Problem] = []
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
        cfg = AuditConfig()
        if config_file:
            cfg, problems = read_config(Path(config_file))
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
    cfg, more = settings_problems(cfg.with_overrides(**options))
    problems += more
    if not more:
        problems += _rule_and_lexicon_problems(cfg)
    if problems:
        raise InputError(problems)
    # "auto" becomes the kernel actually used, so findings.json records it
    return cfg.with_overrides(kernel=resolve_kernel(cfg.kernel))


def _rule_and_lexicon_problems(cfg: AuditConfig) -> list[Problem]:
    """Rule files, ``[rules]`` parameters and user lexicons: bad input now, not mid-audit."""
    problems: list[Problem] = []
    try:
        problems += declarative_problems(build_rulebook(cfg).rules.values())
    except InputError as exc:
        problems += exc.problems
    if cfg.lexicons:
        try:
            load_lexicons(cfg.lexicons, builtin=False)
        except InputError as exc:
            problems += exc.problems
    return problems


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
    """Load, validate and audit; returns the (privacy-enforced) result."""
    cfg = resolve_config(bundle_or_config, **options)
    set_quiet(cfg.quiet)
    step(f"reading {cfg.bundle or 'inputs'}")
    t0 = time.perf_counter()
    bundle = load_bundle(cfg)
    loaded = time.perf_counter() - t0
    peak_after_load = _peak_rss_mib()
    result = audit_bundle(bundle, cfg)
    # wall seconds per stage, for benchmarks; kept out of findings.json (not deterministic)
    result.context["timings"] = {"load": loaded, **result.context.get("timings", {})}
    result.context["peak_rss_mib"] = {
        "load": peak_after_load,
        **result.context.get("peak_rss_mib", {}),
    }
    if cfg.split_by:
        result.context["split_by"] = cfg.split_by
        result.context["splits"] = _split_reports(bundle, cfg, result)
    return result


def _split_reports(bundle: Bundle, cfg: AuditConfig, whole: AuditResult) -> dict[str, AuditResult]:
    """One result per value of ``cfg.split_by``, each carrying the whole run's key figures."""
    attr = cfg.split_by
    assert attr is not None and bundle.annotators is not None
    values = bundle.annotators[attr]
    overall = whole.metrics.get("agreement", pd.DataFrame())
    if not overall.empty:
        overall = overall[overall["scope"] == "overall"]
    comparison = {
        "summary": whole.summary,
        "overall_agreement": overall.to_dict(orient="records"),
    }
    out: dict[str, AuditResult] = {}
    sub_cfg = cfg.with_overrides()
    sub_cfg.split_by = None
    for value in sorted({str(v) for v in values.dropna()}):
        ids = set(bundle.annotators.loc[values.astype(str) == value, "annotator_id"])
        step(f"split {attr}={value}")
        if len(ids) < cfg.min_group_size:
            whole.context.setdefault("splits_suppressed", []).append(value)
            continue
        sub = bundle.subset(ids, name=f"{bundle.name} [{attr}={value}]")
        out[value] = audit_bundle(
            sub,
            sub_cfg,
            context_extra={"split": {"attribute": attr, "value": value}, "whole": comparison},
        )
    return out


def audit_bundle(
    bundle: Bundle, cfg: AuditConfig, *, context_extra: dict | None = None
) -> AuditResult:
    """Run every analysis and check over an already validated bundle."""
    rulebook = build_rulebook(cfg)
    tables: dict[str, pd.DataFrame] = {}
    facts: dict[str, Any] = {}
    methods: list[dict[str, str]] = []
    timings: dict[str, float] = {}
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
    t0 = time.perf_counter()
    salt = run_salt(cfg.seed, [i.sha256 for i in bundle.inputs])
    sizes = group_sizes(bundle, tables)
    hidden = {
        attr: h
        for attr, counts in sizes.items()
        if (h := hidden_groups(counts, cfg.min_group_size, complementary=cfg.audience == "vendor"))
    }
    tables = enforce(tables, k=cfg.min_group_size, salt=salt, audience=cfg.audience, hidden=hidden)
    timings["privacy"] = time.perf_counter() - t0
    facts.update(
        schema=bundle.schema,
        guidelines=bundle.guidelines,
        target=bundle.target,
        data_issues=bundle.issues,
        min_group_size=cfg.min_group_size,
        n_annotators=len(bundle.annotator_ids),
        privacy={
            "hidden": hidden,
            "sizes": sizes,
            "all_hidden": sorted(
                a
                for a, c in sizes.items()
                if c and set(hidden.get(a, {})) >= {g for g, n in c.items() if n > 0}
            ),
        },
    )
    step("checks")
    t0 = time.perf_counter()
    findings = run_checks(rulebook, tables, facts)
    timings["checks"] = time.perf_counter() - t0
    summary = {
        "judgments": int(
            bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
        ),
        "items": int(len(bundle.item_ids)),
        "annotators": int(len(bundle.annotator_ids)),
        "fields": list(bundle.schema),
        "findings": severity_counts(f.severity for f in findings),
    }
    context = _context(bundle, cfg, rulebook, findings, methods)
    context.update(context_extra or {})
    context["timings"] = timings
    context["peak_rss_mib"] = peaks
    return AuditResult(
        summary=summary,
        metrics=tables,
        findings=findings,
        run={
            "created_at": created_at(),
            "seed": cfg.seed,
            "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in bundle.inputs],
            "config": cfg.to_record(),
        },
        tool={"name": "labelaudit", "version": __version__},
        audience=cfg.audience,
        context=context,
    )


def group_sizes(bundle: Bundle, tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Pool size of every group of every attribute that some metric table reports on."""
    attributes: set[str] = set()
    for t in tables.values():
        if "attribute" in t.columns and "group" in t.columns:
            attributes |= {a for a in t["attribute"].dropna().unique() if isinstance(a, str)}
    sizes: dict[str, dict[str, int]] = {}
    for attr in sorted(attributes):
        try:
            values = bundle.attribute_values(attr)
        except KeyError:  # an attribute an analysis derived itself (e.g. item language)
            continue
        sizes[attr] = {str(g): int(n) for g, n in values.dropna().value_counts().items()}
    return sizes


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
