"""``labelaudit audit``, ``demo`` and ``validate``: the commands that read a bundle.

Every audit ends with one verdict line on stderr, also under ``--quiet``::

    labelaudit: FAILED, 5 findings at or above high (63 in all); report: reports/x/report.html

``validate`` runs the same resolution steps ``audit`` runs before its first statistic
(config, rulebook, language detector, inputs, output folder), so whatever ``audit``
would refuse, ``validate`` refuses too, with every problem in one message.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from labelaudit.cli.output import EXIT_FINDINGS, EXIT_OK, emit, say
from labelaudit.errors import InputError

#: audit options passed through to the config (command line beats labelaudit.toml)
OVERRIDES = (
    "out",
    "group_by",
    "target",
    "fail_on",
    "audience",
    "split_by",
    "seed",
    "min_group_size",
    "engine",
    "scheduler",
    "kernel",
    "workers",
    "quiet",
)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    out = {k: getattr(args, k, None) for k in OVERRIDES}
    if out["target"] and not out["target"].startswith("preset:"):
        out["target"] = str(Path(out["target"]))
    opts = {k: v for k, v in out.items() if v is not None}
    if getattr(args, "config", None) is not None:
        opts["config"] = args.config
    return opts


def _formats(args: argparse.Namespace) -> list[str]:
    return list(dict.fromkeys(name for group in args.format or [] for name in group))


def _out_dir(cfg) -> Path:
    return cfg.out or Path("reports") / (cfg.bundle.resolve().name if cfg.bundle else "audit")


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit a bundle, write the report and the formats asked for; exit 1 if the gate fails."""
    from labelaudit.pipeline import resolve_config, run_audit

    cfg = resolve_config(args.bundle, **_options(args))
    out = _out_dir(cfg)
    result = _audit_into(out, lambda: run_audit(cfg))
    return _finish(result, out, _formats(args), gate=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the built-in sample bundle into OUT/sample-bundle and audit it (exit 0)."""
    from labelaudit.pipeline import resolve_config, run_audit
    from labelaudit.sample.generate import write_sample_bundle

    out: Path = args.out
    opts = {
        k: v
        for k, v in {
            "out": out,
            "seed": args.seed,
            "quiet": args.quiet,
            "audience": args.audience,
            "fail_on": args.fail_on,
        }.items()
        if v is not None
    }

    def run():
        bundle_dir = write_sample_bundle(out / "sample-bundle", seed=args.seed or 0)
        return run_audit(resolve_config(bundle_dir, **opts))

    result = _audit_into(out, run)
    return _finish(result, out, _formats(args), gate=False)


def _audit_into(out: Path, run):
    """Run ``run()`` once ``out`` is known to be writable; on bad input, leave no new folders."""
    from labelaudit.report import ensure_writable

    created = ensure_writable(out)
    try:
        return run()
    except BaseException:
        for folder in reversed(created):  # innermost first; only folders still empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _finish(result, out: Path, formats: list[str], *, gate: bool) -> int:
    from labelaudit.progress import is_quiet
    from labelaudit.report import AuditReport

    report = AuditReport.of(result)
    paths = report.write(out, formats)
    if not is_quiet():
        counts = report.counts_by_severity()
        say(
            f"labelaudit: {sum(counts.values())} findings "
            f"({', '.join(f'{v} {k}' for k, v in counts.items())})"
        )
        for p in paths:
            say(f"labelaudit: wrote {p}")
    if "github" in formats:
        emit(report.to_github())
        _append_job_summary(report, paths[0])
    verdict = report.verdict()
    say(f"labelaudit: {verdict.text()}; report: {paths[0]}")
    return EXIT_FINDINGS if gate and not verdict.passed else EXIT_OK


def _append_job_summary(report, html: Path) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(report.to_markdown(str(html)) + "\n")
    except OSError as exc:
        # the audit itself is done and its verdict stands; say why the summary is missing
        say(f"labelaudit: could not append the job summary to {summary} ({exc.strerror or exc})")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check settings and inputs as ``audit`` would; print what would be audited."""
    from labelaudit.pipeline import prepare, resolve_config
    from labelaudit.progress import is_quiet
    from labelaudit.report import ensure_writable

    cfg = resolve_config(args.bundle, **_options(args))
    problems = []
    if cfg.out is not None:
        try:
            for folder in reversed(ensure_writable(cfg.out)):  # validate writes nothing
                folder.rmdir()
        except InputError as exc:
            problems += exc.problems
    try:
        bundle, rulebook = prepare(cfg)
    except InputError as exc:
        raise InputError(problems + exc.problems) from None
    if problems:
        raise InputError(problems)
    rows = bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
    kept = (
        f" ({len(bundle.judgments)} after setting duplicates aside)"
        if rows != len(bundle.judgments)
        else ""
    )
    lines = [
        f"{cfg.bundle or 'inputs'}: valid — {rows} judgment rows{kept}, "
        f"{len(bundle.item_ids)} items, {len(bundle.annotator_ids)} annotators, "
        f"fields: {', '.join(f'{k} ({v.level})' for k, v in bundle.schema.items())}"
        f"{' (schema inferred)' if bundle.schema_inferred else ''}; "
        f"{len(rulebook.active)} rules will run"
    ]
    if not is_quiet():
        lines += [f"  {issue.code}: {issue.message}" for issue in bundle.issues]
    emit("\n".join(lines) + "\n")
    return EXIT_OK
