"""What the command line prints, and the exit codes it returns.

Results go to stdout (a listing, a diff, workflow commands), progress and the verdict to
stderr. A reader that stops early (``labelaudit rules | head``) is not an error: the
rest of the output is dropped quietly and the command still returns its own exit code,
so a CI gate piped through ``head`` keeps its verdict.
"""

from __future__ import annotations

import os
import sys

from labelaudit.visible import reveal

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def emit(text: str) -> None:
    """Write ``text`` to stdout now; if the reader has gone, drop this and all later output.

    Control, ANSI-escape and bidi-override characters from user data (names, messages)
    are shown as ``[U+XXXX]``: a terminal must not run or reorder them.
    """
    try:
        sys.stdout.write(reveal(text))
        sys.stdout.flush()
    except BrokenPipeError:
        # point stdout at /dev/null so the interpreter's final flush can't fail either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def say(text: str) -> None:
    """One line for the person watching (stderr), hidden-acting characters shown."""
    print(reveal(text), file=sys.stderr)
