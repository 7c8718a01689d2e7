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
from labelaudit.bundle.inputs import available_inputs, comparable_attributes
from labelaudit.bundle.judgments import normalise_judgment_columns
from labelaudit.bundle.model import Bundle
from labelaudit.checks.declarative import declarative_problems
from labelaudit.checks.finding import Finding
from labelaudit.checks.runs import run_rules
from labelaudit.checks.status import rule_status
from labelaudit.config import CONFIG_NAME, AuditConfig, read_config, settings_problems
from labelaudit.errors import InputError, Problem
from labelaudit.privacy import enforce, run_salt
from labelaudit.progress import set_quiet, step
from labelaudit.reproducible import run_timestamp
from labelaudit.result import AuditResult
from labelaudit.rulebook import Rulebook, build_rulebook
from labelaudit.rulebook.standards import load_standards
from labelaudit.sources.read import display_path, read_inputs
from labelaudit.stats.disclosure import hidden_groups
from labelaudit.stats.kernel import resolve as resolve_kernel
from labelaudit.text.langid import batch_detector
from labelaudit.text.lexicon import load_lexicons
from labelaudit.version import __version__
from labelaudit.vocabulary import severity_counts


def resolve_config(bundle_or_config: Any = None, **options: Any) -> AuditConfig:
    """Defaults < labelaudit.toml (given, or found in the bundle folder) < options.

    Every setting, the rules (built-in and ``rules_dir``, with their ``[rules]``
    parameters) and user lexicons are checked here, before any input is read; all their
    problems are raised together as one ``InputError`` (with the inputs' own problems
    too when the rules have some, so one run names everything).
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
        rulebook_problems = _rulebook_and_lexicons(cfg)[1]
        if rulebook_problems:
            # the run stops here anyway: name the inputs' problems in the same message
            problems += rulebook_problems + _input_problems(cfg)
    if problems:
        raise InputError(problems)
    # "auto" becomes the kernel actually used, so findings.json records it
    return cfg.with_overrides(kernel=resolve_kernel(cfg.kernel))


def _rulebook_and_lexicons(cfg: AuditConfig) -> tuple[Rulebook | None, list[Problem]]:
    """The run's rulebook (None when it has problems) and the problems of the rule files,
    ``[rules]`` parameters and user lexicons: bad input now, not mid-audit."""
    problems: list[Problem] = []
    rulebook = None
    try:
        rulebook = build_rulebook(cfg)
        problems += declarative_problems(rulebook.rules.values())
    except InputError as exc:
        problems += exc.problems
    if cfg.lexicons:
        try:
            load_lexicons(cfg.lexicons, builtin=False)
        except InputError as exc:
            problems += exc.problems
    return (None if problems else rulebook), problems


def _input_problems(cfg: AuditConfig) -> list[Problem]:
    """The problems :func:`load_bundle` would raise (none when the inputs are fine)."""
    try:
        load_bundle(cfg)
    except InputError as exc:
        return exc.problems
    return []


def load_bundle(cfg: AuditConfig) -> Bundle:
    """Read (sources) and validate (bundle) the inputs named by ``cfg``.

    Every problem of both steps is reported in one ``InputError``.
    """
    problems: list[Problem] = []
    raw = read_inputs(cfg, problems, normalise=normalise_judgment_columns)
    bundle = build_bundle(raw, cfg, problems, release_raw=True)
    if cfg.bundle is not None:
        bundle.name = cfg.bundle.resolve().name
    bundle.files = {
        role: path if path.startswith("preset:") else display_path(path)
        for role, path in raw.files.items()
    }
    return bundle


def prepare(cfg: AuditConfig) -> tuple[Bundle, Rulebook]:
    """Every check ``audit`` makes before a statistic runs; all problems in one error.

    The rulebook (rule codes, parameter names and types, pay floors), the language
    detector, ``SOURCE_DATE_EPOCH`` and the inputs (tables, schema, target, guidelines,
    attributes) are each checked even when another already failed, so one run of
    ``labelaudit validate`` (or ``audit``) names every problem. The config itself was
    resolved before (:func:`resolve_config`): the rest can't be checked without it.
    """
    rulebook, problems = _rulebook_and_lexicons(cfg)
    bundle = None
    for early_check in (lambda: batch_detector(cfg.language_detector, cfg.seed), run_timestamp):
        try:
            early_check()
        except InputError as exc:
            problems += exc.problems
    try:
        bundle = load_bundle(cfg)
    except InputError as exc:
        problems += exc.problems
    if problems or bundle is None or rulebook is None:
        raise InputError(problems)
    return bundle, rulebook


def run_audit(bundle_or_config: Any = None, **options: Any) -> AuditResult:
    """Load, validate and audit; returns the (privacy-enforced) result."""
    cfg = resolve_config(bundle_or_config, **options)
    if cfg.quiet:  # quiet silences even a caller that asked for progress
        set_quiet(True)
    step(f"reading {cfg.bundle or 'inputs'}")
    t0 = time.perf_counter()
    bundle, rulebook = prepare(cfg)
    loaded = time.perf_counter() - t0
    peak_after_load = _peak_rss_mib()
    result = audit_bundle(bundle, cfg, rulebook=rulebook)
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
    """One result per value of ``cfg.split_by``, each carrying the whole run's key figures.

    A split is audited on its own raters and the items they judged, with the split
    attribute left out of the target (see :meth:`Bundle.subset`); its report sets its
    figures beside the whole run's. A value held by fewer raters than
    ``min_group_size`` gets no report: it is named as skipped, never with its size.
    """
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
    # every rater of a split shares its value: comparing groups by it says nothing
    sub_cfg.group_by = [a for a in (cfg.group_by or bundle.group_attributes()) if a != attr]
    for value in sorted({str(v) for v in values.dropna()}):
        ids = set(bundle.annotators.loc[values.astype(str) == value, "annotator_id"])
        if len(ids) < cfg.min_group_size:
            step(f"split {attr}={value} skipped: fewer raters than min_group_size")
            whole.context.setdefault("splits_suppressed", []).append(value)
            continue
        step(f"split {attr}={value}")
        sub = bundle.subset(ids, name=f"{bundle.name} [{attr}={value}]", split_by=attr)
        out[value] = audit_bundle(
            sub,
            sub_cfg,
            context_extra={"split": {"attribute": attr, "value": value}, "whole": comparison},
        )
    return out


def audit_bundle(
    bundle: Bundle,
    cfg: AuditConfig,
    *,
    context_extra: dict | None = None,
    rulebook: Rulebook | None = None,
) -> AuditResult:
    """Run every analysis and check over an already validated bundle."""
    rulebook = rulebook or build_rulebook(cfg)
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
        n_items=len(bundle.item_ids),
        n_fields=len(bundle.schema),
        n_inputs=len(bundle.inputs),
        n_judgment_rows=int(
            bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
        ),
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
    inputs = available_inputs(bundle, comparable_attributes(sizes, hidden))
    findings, rule_runs = run_rules(rulebook, tables, facts, inputs)
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
    context["rule_runs"] = [r.to_dict() for r in rule_runs]
    # the same outcomes in the frameworks' words (found / clear / not checked and why)
    context["rule_status"] = rule_status(context["rule_runs"])
    # each shown group's raters in the pool: the one n every chart and table names
    context["group_sizes"] = {
        attr: {
            g: n for g, n in c.items() if n >= cfg.min_group_size and g not in hidden.get(attr, {})
        }
        for attr, c in sizes.items()
    }
    context.update(context_extra or {})
    context["timings"] = timings
    context["peak_rss_mib"] = peaks
    return AuditResult(
        summary=summary,
        metrics=tables,
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
