"""Command line: ``labelaudit audit|validate|demo|pull|rules|diff`` (CONTRACT section 2).

Exit codes: 0 audit done and nothing at or above ``--fail-on``; 1 a finding at or above
``--fail-on``; 2 bad usage or bad input (one message on stderr, no traceback); 3 a bug.

One module per concern: :mod:`~labelaudit.cli.parser` (options, help, suggestions),
:mod:`~labelaudit.cli.audit` (audit, demo, validate), :mod:`~labelaudit.cli.pull`,
:mod:`~labelaudit.cli.info` (rules, diff), :mod:`~labelaudit.cli.output` (stdout that
survives a closed pipe, exit codes).
"""

from __future__ import annotations

import argparse
import os
import sys

from labelaudit.cli.info import explain_rule
from labelaudit.cli.output import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, say
from labelaudit.cli.parser import PULL_FLAGS, build_parser
from labelaudit.errors import InputError
from labelaudit.reproducible import run_timestamp
from labelaudit.visible import one_line

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "PULL_FLAGS",
    "build_parser",
    "explain_rule",
    "main",
]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0, 1, 2 or 3, see above)."""
    try:
        args = build_parser().parse_args(argv)
        run_timestamp()  # a bad SOURCE_DATE_EPOCH is named before numpy trips over it
        return _dispatch(args)
    except InputError as exc:
        say(exc.render())
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        say("labelaudit: interrupted")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: say so without a wall of traceback
        if os.environ.get("LABELAUDIT_DEBUG"):
            raise
        say(
            f"labelaudit: internal error: {type(exc).__name__}: {one_line(str(exc))}\n"
            "  This is a bug in labelaudit; rerun with LABELAUDIT_DEBUG=1 for the traceback "
            "and report it."
        )
        return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from labelaudit.cli.audit import cmd_audit, cmd_demo, cmd_validate
    from labelaudit.cli.info import cmd_diff, cmd_rules
    from labelaudit.cli.pull import cmd_pull
    from labelaudit.progress import set_quiet

    set_quiet(bool(getattr(args, "quiet", False)))
    return {
        "audit": cmd_audit,
        "validate": cmd_validate,
        "demo": cmd_demo,
        "pull": cmd_pull,
        "rules": cmd_rules,
        "diff": cmd_diff,
    }[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
