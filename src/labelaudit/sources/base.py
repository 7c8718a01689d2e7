"""What every source hands to the bundle loader: raw tables, before validation.

A source only adapts (files, a Label Studio server, an export, another layout) into
:class:`RawTables`. It knows nothing about rules; :func:`labelaudit.bundle.load.build_bundle`
validates and normalises the tables into a :class:`~labelaudit.bundle.model.Bundle`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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
