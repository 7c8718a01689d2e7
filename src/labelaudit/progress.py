"""Progress on stderr for long steps (tqdm); silenced by ``--quiet``. Notices are not."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def track(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar on stderr (none when quiet or stderr is not a TTY)."""
    show = not _quiet and sys.stderr.isatty()
    yield from tqdm(
        iterable, desc=desc, total=total, disable=not show, file=sys.stderr, leave=False
    )


def step(message: str) -> None:
    """One line of progress on stderr: what the audit is doing now."""
    if not _quiet:
        print(f"labelaudit: {message}", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """A line on stderr the user must see (a weakened privacy setting), even when quiet."""
    print(f"labelaudit: {message}", file=sys.stderr, flush=True)
