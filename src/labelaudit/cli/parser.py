"""The ``labelaudit`` argument parser: every sub-command, every option with its help.

Usage errors are :class:`~labelaudit.errors.InputError` (one message, exit 2) and name
the nearest valid spelling of a mistyped sub-command, option or choice, since in a CI
log the message is all a reader gets.
"""

from __future__ import annotations

import argparse
import difflib
import re
from pathlib import Path

from labelaudit.errors import InputError, Problem
from labelaudit.version import __version__
from labelaudit.vocabulary import OUTPUT_FORMATS

#: each pull source's own flags (attribute names), so one source's flag given to
#: another is refused rather than silently ignored
PULL_FLAGS = {
    "labelstudio": ("url", "project", "export", "label_config", "annotators"),
    "prism": ("utterances", "survey", "balanced_only"),
}
FAIL_ON = ("high", "medium", "low")
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def _did_you_mean(word: str, candidates: list[str]) -> str:
    hint = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean {hint[0]!r}? " if hint else ""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one message (exit 2), with a suggestion."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = ""
        m = _INVALID_CHOICE.search(message)
        if m:
            choices = re.findall(r"'([^']*)'", m.group(2))
            hint = _did_you_mean(m.group(1), choices)
        raise InputError([Problem("command line", message, fix=f"{hint}see `{self.prog} --help`")])

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        """Parse like argparse, naming the nearest option for each unrecognised one."""
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            sub = self._active_subparser(ns)
            known = sorted(sub._option_string_actions) if sub else []
            hints = [_did_you_mean(x.split("=", 1)[0], known) for x in extras if x.startswith("-")]
            where = sub.prog if sub else self.prog
            raise InputError(
                [
                    Problem(
                        "command line",
                        f"unrecognized argument(s) for `{where}`: {' '.join(extras)}",
                        fix="".join(h for h in hints if h) + f"see `{where} --help`",
                    )
                ]
            )
        return ns

    def _active_subparser(self, ns: argparse.Namespace) -> argparse.ArgumentParser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(getattr(ns, action.dest, None) or "")
        return None


def output_formats(value: str) -> list[str]:
    """``--format`` value(s): one name or a comma-separated list, each checked."""
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    for name in names or [value]:
        if name not in OUTPUT_FORMATS:
            raise argparse.ArgumentTypeError(
                f"unknown format {name!r}; {_did_you_mean(name, list(OUTPUT_FORMATS))}"
                f"choose from {', '.join(OUTPUT_FORMATS)}"
            )
    return names


FORMAT_HELP = (
    "also produce: sarif (OUT/findings.sarif, SARIF 2.1.0 for code scanning), junit "
    "(OUT/junit.xml, one test case per finding, failed at or above --fail-on), github "
    "(workflow-command annotations on stdout, and the summary appended to "
    "$GITHUB_STEP_SUMMARY when set), markdown (OUT/summary.md), datacard (OUT/datacard.md, "
    "the annotator section of a data card, filled from the audit); repeatable or "
    "comma-separated"
)


def build_parser() -> argparse.ArgumentParser:
    """The ``labelaudit`` argument parser, one sub-command per verb."""
    p = _Parser(prog="labelaudit", description="Audit labeling guidelines, rater pools and labels.")
    p.add_argument(
        "--version", action="version", version=f"labelaudit {__version__}", help="print the version"
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    a = sub.add_parser("audit", help="audit a bundle; writes report.html and findings.json")
    a.add_argument("bundle", nargs="?", type=Path, help="bundle folder, or a labelaudit.toml")
    _audit_flags(a)
    a.add_argument(
        "--format", action="append", type=output_formats, metavar="FMT", help=FORMAT_HELP
    )

    v = sub.add_parser(
        "validate",
        help="check inputs and settings as audit would, without computing any statistic",
    )
    v.add_argument("bundle", nargs="?", type=Path, help="bundle folder, or a labelaudit.toml")
    _audit_flags(v)

    d = sub.add_parser("demo", help="audit the built-in sample bundle (always exits 0)")
    d.add_argument(
        "--out",
        type=Path,
        default=Path("reports/demo"),
        help="output folder (default: reports/demo)",
    )
    d.add_argument(
        "--seed", type=int, default=None, help="seed of the sample and of the audit (default 0)"
    )
    d.add_argument("--quiet", action="store_true", default=None, help="print only the verdict line")
    d.add_argument(
        "--audience",
        choices=["internal", "vendor"],
        default=None,
        help="internal (default) or vendor: no per-annotator tables, no internal-only rules",
    )
    d.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="gate level shown in the verdict line and junit.xml (default: high)",
    )
    d.add_argument(
        "--format", action="append", type=output_formats, metavar="FMT", help=FORMAT_HELP
    )

    pl = sub.add_parser(
        "pull", help="snapshot a labeling project, or convert a PRISM download, into a bundle"
    )
    pl.add_argument(
        "source", choices=PULL_FLAGS, help="where the data comes from: labelstudio or prism"
    )
    pl.add_argument("--out", required=True, type=Path, help="bundle folder to write")
    pl.add_argument("--quiet", action="store_true", default=None, help="print nothing but errors")
    ls = pl.add_argument_group("labelstudio")
    ls.add_argument("--url", help="server URL (live pull; API key from LABEL_STUDIO_API_KEY)")
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
    r.add_argument("code", nargs="?", help="a rule code to explain, e.g. LA401")
    r.add_argument(
        "--rules-dir",
        type=Path,
        action="append",
        default=[],
        help="also read your own rule YAML files from this folder (repeatable)",
    )

    df = sub.add_parser("diff", help="compare two findings.json files (matched by fingerprint)")
    df.add_argument("old", type=Path, help="the earlier findings.json (or its folder)")
    df.add_argument("new", type=Path, help="the later findings.json (or its folder)")
    df.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="exit 1 when a new finding (or one whose severity rose) is at or above this",
    )
    return p


def _audit_flags(a: argparse.ArgumentParser) -> None:
    a.add_argument(
        "-c", "--config", type=Path, help="labelaudit.toml (default: the bundle folder's own)"
    )
    a.add_argument(
        "--out",
        type=Path,
        help="folder for report.html, findings.json and the --format files "
        "(default: reports/<bundle name>/); must be writable",
    )
    a.add_argument(
        "--group-by",
        nargs="+",
        metavar="ATTR",
        help="annotator attributes to compare groups by (default: every categorical one)",
    )
    a.add_argument(
        "--target",
        metavar="FILE|preset:NAME",
        help="the population the rater pool should reflect: a target.yaml or preset:world-regions",
    )
    a.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a finding is at or above this severity (default: high)",
    )
    a.add_argument(
        "--audience",
        choices=["internal", "vendor"],
        help="internal (default) or vendor: no per-annotator tables, no internal-only rules",
    )
    a.add_argument(
        "--split-by", metavar="ATTR", help="also write one report per value of this attribute"
    )
    a.add_argument("--seed", type=int, help="seed of the bootstrap and permutations (default 0)")
    a.add_argument(
        "--min-group-size",
        type=int,
        help="groups with fewer annotators are suppressed (default 5)",
    )
    a.add_argument(
        "--engine", choices=["local", "dask"], help="read judgments locally (default) or with Dask"
    )
    a.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler to use with --engine dask"
    )
    a.add_argument(
        "--kernel",
        choices=["auto", "numba", "numpy"],
        help="permutation/bootstrap kernels: auto (numba when installed), numba or numpy",
    )
    a.add_argument(
        "--workers",
        type=int,
        help="threads running permutation tests side by side (0: one per CPU; same results)",
    )
    a.add_argument(
        "--quiet",
        action="store_true",
        default=None,
        help="no progress; print only the verdict line (and errors)",
    )
