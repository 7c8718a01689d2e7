"""The audit, end to end, one stage after another (the only module that knows the order).

config → sources (read) → bundle (validate) → rulebook → privacy plan → analyses →
privacy release → checks → result. Each stage only reads what the one before it
produced; this module is the only place that knows the order. Rendering the result
(HTML, JSON, SARIF...) is :mod:`labelaudit.report`'s job.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from labelaudit import privacy
from labelaudit.bundle.build import build_bundle
from labelaudit.bundle.judgments import normalise_judgment_columns
from labelaudit.bundle.model import Bundle
from labelaudit.checks.declarative import declarative_problems
from labelaudit.config import (
    CONFIG_NAME,
    VENDOR_MIN_GROUP_SIZE,
    AuditConfig,
    read_config,
    settings_problems,
)
from labelaudit.errors import InputError, Problem
from labelaudit.progress import notice, set_quiet, step
from labelaudit.reproducible import run_timestamp
from labelaudit.result import AuditResult
from labelaudit.rulebook import Rulebook, build_rulebook
from labelaudit.sources.read import display_path, read_inputs
from labelaudit.stages import analyse, peak_rss_mib, release_and_check, split_analyses
from labelaudit.stats.kernel import resolve as resolve_kernel
from labelaudit.text.langid import batch_detector
from labelaudit.text.lexicon import load_lexicons


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
    cfg = cfg.with_overrides(**options)
    origin = None
    if not isinstance(bundle_or_config, AuditConfig) or "min_group_size" in options:
        origin = (
            "command line"
            if "min_group_size" in options
            else str(cfg.config_path or "the defaults")
        )
        problems += _vendor_floor(cfg, origin)
    cfg, more = settings_problems(cfg)
    problems += more
    if not more:
        rulebook_problems = _rulebook_and_lexicons(cfg)[1]
        if rulebook_problems:
            # the run stops here anyway: name the inputs' problems in the same message
            problems += rulebook_problems + _input_problems(cfg)
    if problems:
        raise InputError(problems)
    if origin is not None and (line := privacy.k_notice(cfg, origin)):
        notice(line)  # a lowered k is never silent, even with --quiet
    # "auto" becomes the kernel actually used, so findings.json records it
    return cfg.with_overrides(kernel=resolve_kernel(cfg.kernel))


def _vendor_floor(cfg: AuditConfig, origin: str) -> list[Problem]:
    """A vendor report below the default k is refused, naming where the setting came from."""
    if not (
        cfg.audience == "vendor"
        and isinstance(cfg.min_group_size, int)
        and 1 <= cfg.min_group_size < VENDOR_MIN_GROUP_SIZE
    ):
        return []
    return [
        Problem(
            origin,
            f"min_group_size = {cfg.min_group_size} is below {VENDOR_MIN_GROUP_SIZE}, "
            "the floor for a vendor report",
            setting="min_group_size",
            fix=f"remove min_group_size (or set it to {VENDOR_MIN_GROUP_SIZE} or more) "
            f"in {origin}, or make an internal report",
        )
    ]


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
    """Load, validate and audit; returns the (privacy-released) result."""
    cfg = resolve_config(bundle_or_config, **options)
    if cfg.quiet:  # quiet silences even a caller that asked for progress
        set_quiet(True)
    step(f"reading {cfg.bundle or 'inputs'}")
    t0 = time.perf_counter()
    bundle, rulebook = prepare(cfg)
    loaded = time.perf_counter() - t0
    peak_after_load = peak_rss_mib()
    t0 = time.perf_counter()
    plan = privacy.make_plan(bundle, cfg)  # the whole run's: split reports read it too
    planned = time.perf_counter() - t0
    analysed = {None: analyse(bundle, cfg, plan, rulebook)}
    analysed[None].timings = {"load": loaded, "privacy plan": planned, **analysed[None].timings}
    analysed[None].peaks = {"load": peak_after_load, **analysed[None].peaks}
    analysed.update(split_analyses(bundle, cfg, plan, rulebook))
    results = release_and_check(analysed, cfg)
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
