"""Command line: ``labelaudit audit|validate|demo|pull|rules|diff`` (CONTRACT section 2).

Exit codes: 0 audit done and nothing at or above ``--fail-on``; 1 a finding at or above
``--fail-on``; 2 bad usage or bad input (one message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from labelaudit.errors import InputError, Problem
from labelaudit.version import __version__
from labelaudit.visible import one_line, reveal

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
#: each pull source's own flags (attribute names), so one source's flag given to
#: another is refused rather than silently ignored
PULL_FLAGS = {
    "labelstudio": ("url", "project", "export", "label_config", "annotators"),
    "prism": ("utterances", "survey", "balanced_only"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError([Problem("command line", message, fix=f"see `{self.prog} --help`")])


def build_parser() -> argparse.ArgumentParser:
    """The ``labelaudit`` argument parser, one sub-command per verb."""
    p = _Parser(prog="labelaudit", description="Audit labeling guidelines, rater pools and labels.")
    p.add_argument("--version", action="version", version=f"labelaudit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    a = sub.add_parser("audit", help="audit a bundle; writes report.html and findings.json")
    a.add_argument("bundle", nargs="?", type=Path, help="bundle folder (or labelaudit.toml)")
    _audit_flags(a)

    v = sub.add_parser("validate", help="check the inputs only")
    v.add_argument("bundle", nargs="?", type=Path)
    v.add_argument("-c", "--config", type=Path)
    v.add_argument("--quiet", action="store_true", default=None)

    d = sub.add_parser("demo", help="audit the built-in sample bundle")
    d.add_argument("--out", type=Path, default=Path("reports/demo"))
    d.add_argument("--seed", type=int, default=None)
    d.add_argument("--quiet", action="store_true", default=None)
    d.add_argument("--audience", choices=["internal", "vendor"], default=None)

    pl = sub.add_parser(
        "pull", help="snapshot a labeling project, or convert a PRISM download, into a bundle"
    )
    pl.add_argument("source", choices=PULL_FLAGS)
    pl.add_argument("--out", required=True, type=Path, help="bundle folder to write")
    pl.add_argument("--quiet", action="store_true", default=None)
    ls = pl.add_argument_group("labelstudio")
    ls.add_argument("--url", help="server URL (live pull)")
    ls.add_argument("--project", type=int, help="project id (live pull)")
    ls.add_argument(
        "--export", type=Path, help="a JSON, JSON_MIN or CSV export file instead of a server"
    )
    ls.add_argument(
        "--label-config", type=Path, help="the project's label config XML (with --export)"
    )
    ls.add_argument(
        "--annotators", type=Path, help="annotator metadata CSV/Parquet keyed by user id or email"
    )
    pr = pl.add_argument_group("prism")
    pr.add_argument("--utterances", type=Path, help="PRISM utterances.jsonl (required)")
    pr.add_argument("--survey", type=Path, help="PRISM survey.jsonl: the raters' demographics")
    pr.add_argument(
        "--balanced-only",
        action="store_true",
        default=None,
        help="keep only rows flagged included_in_balanced_subset",
    )

    r = sub.add_parser("rules", help="list the rules, or explain one")
    r.add_argument("code", nargs="?")
    r.add_argument("--rules-dir", type=Path, action="append", default=[])

    df = sub.add_parser("diff", help="compare two findings.json files")
    df.add_argument("old", type=Path)
    df.add_argument("new", type=Path)
    df.add_argument("--fail-on", choices=["high", "medium", "low"], default=None)
    return p


def _audit_flags(a: argparse.ArgumentParser) -> None:
    a.add_argument("-c", "--config", type=Path)
    a.add_argument("--out", type=Path)
    a.add_argument("--group-by", nargs="+", metavar="ATTR")
    a.add_argument("--target", metavar="FILE|preset:NAME")
    a.add_argument("--fail-on", choices=["high", "medium", "low"])
    a.add_argument("--audience", choices=["internal", "vendor"])
    a.add_argument("--split-by", metavar="ATTR")
    a.add_argument("--seed", type=int)
    a.add_argument("--min-group-size", type=int)
    a.add_argument("--engine", choices=["local", "dask"])
    a.add_argument("--scheduler", metavar="ADDRESS")
    a.add_argument("--kernel", choices=["auto", "numba", "numpy"])
    a.add_argument("--quiet", action="store_true", default=None)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0, 1, 2 or 3, see above)."""
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("labelaudit: interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: say so without a wall of traceback
        if os.environ.get("LABELAUDIT_DEBUG"):
            raise
        print(
            f"labelaudit: internal error: {type(exc).__name__}: {one_line(str(exc))}\n"
            "  This is a bug in labelaudit; rerun with LABELAUDIT_DEBUG=1 for the traceback "
            "and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from labelaudit.config import created_at
    from labelaudit.progress import set_quiet

    created_at()  # a malformed SOURCE_DATE_EPOCH: exit 2 here, before scipy trips on it

    set_quiet(bool(getattr(args, "quiet", False)))
    return {
        "audit": _cmd_audit,
        "validate": _cmd_validate,
        "demo": _cmd_demo,
        "pull": _cmd_pull,
        "rules": _cmd_rules,
        "diff": _cmd_diff,
    }[args.command](args)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    keys = (
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
        "quiet",
    )
    out = {k: getattr(args, k, None) for k in keys}
    if out["target"] and not out["target"].startswith("preset:"):
        out["target"] = str(Path(out["target"]))
    return {k: v for k, v in out.items() if v is not None}


def _cmd_audit(args: argparse.Namespace) -> int:
    from labelaudit.pipeline import resolve_config, run_audit
    from labelaudit.report import AuditReport

    opts = _overrides(args)
    if args.config is not None:
        opts["config"] = args.config
    cfg = resolve_config(args.bundle, **opts)
    out = cfg.out or Path("reports") / (cfg.bundle.resolve().name if cfg.bundle else "audit")
    result = run_audit(cfg)
    paths = AuditReport.of(result).write(out)
    return _finish(result, cfg.fail_on, paths)


def _finish(result, fail_on: str, paths: list[Path]) -> int:
    from labelaudit.progress import is_quiet

    counts = result.counts_by_severity()
    if not is_quiet():
        print(
            f"labelaudit: {sum(counts.values())} findings "
            f"({', '.join(f'{v} {k}' for k, v in counts.items())})",
            file=sys.stderr,
        )
        for p in paths:
            print(f"labelaudit: wrote {one_line(str(p))}", file=sys.stderr)
    return EXIT_FINDINGS if result.findings_at_or_above(fail_on) else EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from labelaudit.pipeline import load_bundle, resolve_config

    opts: dict[str, Any] = {}
    if args.config is not None:
        opts["config"] = args.config
    cfg = resolve_config(args.bundle, **opts)
    bundle = load_bundle(cfg)
    rows = bundle.rows_read if bundle.rows_read is not None else len(bundle.judgments)
    kept = (
        f" ({len(bundle.judgments)} after setting duplicates aside)"
        if rows != len(bundle.judgments)
        else ""
    )
    print(
        f"{one_line(str(cfg.bundle or 'inputs'))}: valid — {rows} judgment rows{kept}, "
        f"{len(bundle.item_ids)} items, {len(bundle.annotator_ids)} annotators, "
        f"fields: {one_line(', '.join(f'{k} ({v.level})' for k, v in bundle.schema.items()))}"
        f"{' (schema inferred)' if bundle.schema_inferred else ''}"
    )
    for issue in bundle.issues:
        print(f"  {issue.code}: {one_line(issue.message)}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from labelaudit.pipeline import resolve_config, run_audit
    from labelaudit.report import AuditReport
    from labelaudit.sample.generate import write_sample_bundle

    out: Path = args.out
    bundle_dir = write_sample_bundle(out / "sample-bundle", seed=args.seed or 0)
    opts = {
        k: v
        for k, v in {
            "out": out,
            "seed": args.seed,
            "quiet": args.quiet,
            "audience": args.audience,
        }.items()
        if v is not None
    }
    cfg = resolve_config(bundle_dir, **opts)
    result = run_audit(cfg)
    paths = AuditReport.of(result).write(out)
    _finish(result, "high", paths)
    return EXIT_OK


def _cmd_pull(args: argparse.Namespace) -> int:
    for source, flags in PULL_FLAGS.items():
        given = [f for f in flags if getattr(args, f) is not None]
        if source != args.source and given:
            names = ", ".join("--" + f.replace("_", "-") for f in given)
            own = ", ".join("--" + f.replace("_", "-") for f in PULL_FLAGS[args.source])
            raise InputError(
                [
                    Problem(
                        "command line",
                        f"{names} belong{'s' if len(given) == 1 else ''} to pull {source}",
                        fix=f"pull {args.source} takes {own} (and --out)",
                    )
                ]
            )
    raw = _pull_prism(args) if args.source == "prism" else _pull_labelstudio(args)
    # imported here, not from the Label Studio package, so PRISM needs no label-studio-sdk
    from labelaudit.sources.bundle_writer import write_bundle

    path = write_bundle(raw, args.out)
    print(_pull_summary(raw, path), file=sys.stderr)
    return EXIT_OK


def _pull_summary(raw, path: Path) -> str:
    """What a pull wrote, with every source row it could not convert or left out."""
    lines = [f"labelaudit: wrote bundle {path} ({len(raw.judgments)} judgments)"]
    for reason, n in sorted(raw.skipped_rows.items()):
        if n:
            lines.append(f"  {n} not converted: {reason.replace('_', ' ')}")
    for reason, n in (raw.source.get("left_out") or {}).items():
        lines.append(f"  {n} left out: {reason}")
    if len(lines) > 1:
        lines.append("  (counts kept in source.json; the audit reports the unconverted ones)")
    return "\n".join(lines)


def _pull_prism(args: argparse.Namespace):
    from labelaudit.sources.prism import read_prism

    if args.utterances is None:
        raise InputError(
            [
                Problem(
                    "command line",
                    "pull prism needs --utterances",
                    fix="e.g. --utterances utterances.jsonl --survey survey.jsonl",
                )
            ]
        )
    return read_prism(args.utterances, args.survey, balanced_only=bool(args.balanced_only))


def _pull_labelstudio(args: argparse.Namespace):
    try:
        from labelaudit.sources.labelstudio import pull_project, read_export
    except ImportError as exc:
        raise InputError(
            [
                Problem(
                    "labelaudit pull",
                    f"Label Studio support is not installed ({exc.name})",
                    fix="pip install 'labelaudit[labelstudio]'",
                )
            ]
        ) from None
    if args.export is not None:
        if args.url or args.project is not None:
            raise InputError(
                [
                    Problem(
                        "command line",
                        "--export can't be combined with --url/--project",
                        fix="pull from a server or convert an export file, not both",
                    )
                ]
            )
        config = None
        if args.label_config is not None:
            try:
                config = args.label_config.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(
                    [
                        Problem(
                            str(args.label_config),
                            f"cannot read the label config ({exc})",
                            fix="pass the project's label config XML file",
                        )
                    ]
                ) from None
        return read_export(
            args.export,
            label_config=config,
            annotators_file=args.annotators,
            label_config_name=str(args.label_config),
        )
    if not args.url or args.project is None:
        raise InputError(
            [
                Problem(
                    "command line",
                    "pull labelstudio needs --url and --project (or --export FILE)",
                    fix="e.g. --url http://localhost:8080 --project 3",
                )
            ]
        )
    key = os.environ.get("LABEL_STUDIO_API_KEY", "").strip()
    if not key:
        raise InputError(
            [
                Problem(
                    "environment",
                    "LABEL_STUDIO_API_KEY is not set",
                    setting="LABEL_STUDIO_API_KEY",
                    fix="export LABEL_STUDIO_API_KEY=<your token> (Account & Settings in Label Studio)",
                )
            ]
        )
    return pull_project(args.url, args.project, key, annotators_file=args.annotators)


def _cmd_rules(args: argparse.Namespace) -> int:
    from labelaudit.rulebook import RuleFileError, load_rules

    try:
        rules = load_rules(args.rules_dir)
    except RuleFileError as exc:
        raise InputError(exc.problems) from None
    if args.code is None:
        for code in sorted(rules):
            r = rules[code]
            print(one_line(f"{code}  {r.severity:<6}  {r.category:<18}  {r.title}"))
        return EXIT_OK
    code = args.code.upper()
    if code not in rules:
        raise InputError(
            [
                Problem(
                    "command line",
                    f"unknown rule {args.code!r}",
                    fix="run `labelaudit rules` to list the codes",
                )
            ]
        )
    print(reveal(explain_rule(rules[code])))
    return EXIT_OK


def explain_rule(r) -> str:
    """A rule's documentation, generated from its YAML."""
    wrap = lambda t: textwrap.fill(" ".join(t.split()), 88)  # noqa: E731
    lines = [
        f"{r.code} ({r.name}): {r.title}",
        f"category: {r.category}   default severity: {r.severity}",
        "",
        wrap(r.summary),
        "",
        "Why it matters",
        wrap(r.rationale),
        "",
    ]
    if r.parameters:
        lines.append("Parameters")
        for p in r.parameters.values():
            src = f" — source: {p.source}" if p.source else ""
            lines.append(f"  {p.name} = {p.default!r}: {p.description}{src}")
        lines.append("")
    lines += ["What to do", wrap(r.remediation), "", "Questions for the reviewer"]
    lines += [f"  - {q}" for q in r.questions]
    if r.references:
        lines += ["", "References"] + [f"  - {ref}" for ref in r.references]
    return "\n".join(lines)


def _cmd_diff(args: argparse.Namespace) -> int:
    from labelaudit.diff import diff_findings, exit_code, format_diff, load_findings

    d = diff_findings(load_findings(args.old), load_findings(args.new))
    print(format_diff(d), end="")
    return exit_code(d, args.fail_on)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
