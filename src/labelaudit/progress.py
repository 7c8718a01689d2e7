"""Progress of a long audit: log records always, printed lines and bars only when asked.

Every step is a ``logging`` record on the ``labelaudit`` logger (INFO), silent unless the
caller configures logging. The command line asks for more (:func:`show`): one line per
step and tqdm bars on stderr, unless ``--quiet``. A library call
(``labelaudit.audit(...)``) prints nothing unless it passes ``progress=True``, which
shows the bars (``tqdm.auto``: widgets in a notebook) and the step lines. A notice (a
weakened privacy setting) is printed always, ``--quiet`` or not.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm import tqdm
from tqdm.auto import tqdm as auto_tqdm

from labelaudit.visible import one_line

T = TypeVar("T")
logger = logging.getLogger("labelaudit")

_lines = False  # a "labelaudit: step" line on stderr per step
_bars = False  # tqdm bars for the long loops
_notebook = False  # bars through tqdm.auto, whether or not stderr is a terminal


def show(*, lines: bool, bars: bool) -> None:
    """Print step lines and/or draw progress bars on stderr from now on (the CLI's mode)."""
    global _lines, _bars
    _lines, _bars = lines, bars


def set_quiet(quiet: bool) -> None:
    """The CLI's ``--quiet``: no step lines and no bars (the verdict line still prints)."""
    show(lines=not quiet, bars=not quiet)


def is_quiet() -> bool:
    """Whether step lines are off (the CLI then prints only its verdict line)."""
    return not _lines


@contextmanager
def asked(progress: bool) -> Iterator[None]:
    """Within the block, show progress as a library call asked for (``progress=True``)."""
    global _lines, _bars, _notebook
    before = (_lines, _bars, _notebook)
    if progress:
        _lines, _bars, _notebook = True, True, True
    try:
        yield
    finally:
        _lines, _bars, _notebook = before


def track(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar when bars are on (on a terminal, or asked for)."""
    if _notebook:
        yield from auto_tqdm(iterable, desc=desc, total=total, leave=False)
        return
    show_bar = _bars and sys.stderr.isatty()
    yield from tqdm(
        iterable, desc=desc, total=total, disable=not show_bar, file=sys.stderr, leave=False
    )


def step(message: str) -> None:
    """What the audit is doing now: a log record, and a line on stderr when lines are on."""
    logger.info(message)
    if _lines:
        print(f"labelaudit: {one_line(message)}", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """A line on stderr the user must see (a weakened privacy setting), even when quiet."""
    logger.warning(message)
    print(f"labelaudit: {one_line(message)}", file=sys.stderr, flush=True)
