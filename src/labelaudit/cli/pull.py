"""``labelaudit pull labelstudio|prism``: a labeling project or a PRISM download → a bundle."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from labelaudit.cli.output import EXIT_OK, say
from labelaudit.cli.parser import PULL_FLAGS
from labelaudit.errors import InputError, Problem


def cmd_pull(args: argparse.Namespace) -> int:
    """Write a bundle from the source named on the command line; print what was converted."""
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
    if not args.quiet:
        say(_pull_summary(raw, path))
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
    """The RawTables of a PRISM download (utterances, optional survey)."""
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
    """The RawTables of a Label Studio project: a live server, or an export file."""
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
