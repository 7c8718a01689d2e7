"""The records a validated bundle is made of: fields, guidelines, data issues, coded judgments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
FieldKind = Literal["single", "multi", "pairwise", "ranking", "text"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


@dataclass
class FieldSpec:
    """One label field (the question annotators answered)."""

    name: str
    level: Level
    values: list = field(default_factory=list)  # ordered; empty for open numeric scales
    escape_values: list[str] = field(default_factory=list)
    kind: FieldKind = "single"
    inferred: bool = False  # True when the schema was inferred from the labels
    escape_inferred: bool = False  # True when escape values were found by name
    #: names of scale points (ordinal/interval), keyed as the value is written: {"1": "Not at all"}
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Guideline:
    """One guideline document, as plain text lines (1-based line numbers)."""

    name: str  # file name as given (shown in reports, escaped there)
    lines: list[str]
    source_format: Literal["md", "txt", "html"] = "txt"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class DataIssue:
    """A problem the audit survives. Each becomes a ``data`` finding (never dropped)."""

    code: str  # rule code, e.g. "LA001"
    message: str
    count: int
    file: str | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)  # first offending 1-based data rows
    subject: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)


@dataclass
class CodedField:
    """Integer-coded judgments of one field, ready for the numeric core.

    One entry per scored (non-skipped, in-schema) judgment. ``value_codes`` index
    ``values``; ``numeric`` gives each value's position on the scale (rank for
    ordinal, the number itself for interval/ratio) so distance metrics can use it.
    """

    field: str
    level: Level
    item_codes: np.ndarray  # int64, index into Bundle.item_ids
    annotator_codes: np.ndarray  # int64, index into Bundle.annotator_ids
    value_codes: np.ndarray  # int64, index into values
    values: list
    numeric: np.ndarray  # float64, len(values)
    n_items: int
    n_annotators: int
