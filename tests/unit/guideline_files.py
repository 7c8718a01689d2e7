"""Read one guideline file the way an audit does: the sources' reader, then the bundle's lines."""

from __future__ import annotations

from pathlib import Path

from labelaudit.bundle.build import guideline_from_raw
from labelaudit.bundle.types import Guideline
from labelaudit.errors import InputError, Problem
from labelaudit.sources.files import read_guidelines


def read_guideline(path: Path) -> Guideline:
    """The guideline at ``path``; ``InputError`` with the reader's problems when unreadable."""
    problems: list[Problem] = []
    [raw] = read_guidelines([Path(path)], problems) or [None]
    if problems or raw is None:
        raise InputError(problems)
    return guideline_from_raw(raw.name, raw.text, raw.fmt)
