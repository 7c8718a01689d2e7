"""What every source hands to the bundle loader: raw tables, before validation.

A source only adapts (files, a Label Studio server, an export, another layout) into
:class:`RawTables`. It knows nothing about rules; :func:`labelaudit.bundle.build.build_bundle`
validates and normalises the tables into a :class:`~labelaudit.bundle.model.Bundle`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: the judgment columns every source must deliver (CONTRACT section 1)
REQUIRED = ("item_id", "annotator_id", "label")


@dataclass
class InputFile:
    """One input file as recorded in findings.json ``run.inputs``."""

    path: str
    sha256: str
    rows: int | None


def has_lists(s: pd.Series) -> bool:
    """Whether an object column holds any list (multi-choice) values.

    >>> has_lists(pd.Series([["a"], ["b", "c"]])), has_lists(pd.Series(["a"]))
    (True, False)
    """
    if s.dtype != object:
        return False
    try:
        pd.factorize(s)
    except TypeError:
        return True
    return False


@dataclass
class RawGuideline:
    name: str  # file name shown in reports
    text: str  # raw text (HTML is sanitised/converted by the loader)
    fmt: str = "txt"  # "md" | "txt" | "html"


@dataclass
class RawTables:
    """Tables with the CONTRACT's default column names (after any [columns] mapping).

    ``judgments``: item_id, annotator_id, label (+ field, created_at, lead_time_s,
    on_behalf). ``schema`` is the parsed ``schema.yaml`` mapping (``{"fields": {...}}``)
    or None to infer it. ``target`` is the parsed ``target.yaml`` mapping, a
    ``"preset:NAME"`` string, or None. ``files`` maps each role ("judgments",
    "annotators", "items", "schema", "target") to the path it came from, so problems
    name the file. ``skipped_rows`` counts rows a source could not turn into judgments,
    by reason, so nothing is dropped silently.
    """

    judgments: pd.DataFrame
    annotators: pd.DataFrame | None = None
    items: pd.DataFrame | None = None
    schema: dict | None = None
    target: dict | str | None = None
    guidelines: list[RawGuideline] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    source: dict = field(default_factory=dict)  # provenance (never secrets)
    skipped_rows: dict[str, int] = field(default_factory=dict)
    #: the input files with their hashes and row counts (filled by the read step)
    inputs: list[InputFile] = field(default_factory=list)
    #: True when the judgments were already normalised per partition (Dask engine)
    normalised: bool = False
