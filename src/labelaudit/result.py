"""The audit result: what every renderer reads, and nothing else.

``AuditResult`` is the snapshot of one run. ``findings.json`` is written from it, the
HTML report is rendered from it, and ``labelaudit diff`` compares two of them.
Privacy (small-group suppression, pseudonymised annotators) has already been applied
by the time a result exists: see :mod:`labelaudit.privacy`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
CATEGORIES: tuple[str, ...] = (
    "data",
    "coverage",
    "disagreement",
    "representativeness",
    "guidelines",
    "process",
)
#: metric tables that findings.json must carry (CONTRACT section 3), with their columns
CONTRACT_METRICS: dict[str, list[str]] = {
    "agreement": [
        "field",
        "scope",
        "attribute",
        "group",
        "level",
        "alpha",
        "ci_low",
        "ci_high",
        "n_items",
        "n_judgments",
        "n_annotators",
        "suppressed",
    ],
    "group_association": [
        "field",
        "attribute",
        "group",
        "irr",
        "xrr",
        "gai",
        "p_value",
        "p_adjusted",
        "suppressed",
    ],
    "representation": [
        "attribute",
        "group",
        "n_annotators",
        "pool_share",
        "judgment_share",
        "target_share",
        "ratio",
        "suppressed",
    ],
    "languages": [
        "language",
        "n_items",
        "item_share",
        "n_annotators_speaking",
        "mismatch_rate",
    ],
}


@dataclass
class Finding:
    rule: str
    category: str
    severity: str
    title: str
    message: str
    subject: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    recommendation: str | None = None

    def sort_key(self) -> tuple:
        return (SEVERITY_RANK[self.severity], self.rule, json.dumps(self.subject, sort_keys=True))

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["recommendation"] is None:
            del d["recommendation"]
        d["subject"] = {k: v for k, v in d["subject"].items() if v is not None}
        return jsonable(d)


@dataclass
class AuditResult:
    """One audit run: summary, metric tables (pandas), findings and provenance."""

    summary: dict
    metrics: dict[str, pd.DataFrame]
    findings: list[Finding]
    run: dict
    tool: dict
    audience: str = "internal"
    #: non-tabular context for the report: methods notes, schema, guideline excerpts...
    context: dict = field(default_factory=dict)
    schema_version: str = "1"

    # ------------------------------------------------------------- queries
    def findings_at_or_above(self, severity: str) -> list[Finding]:
        limit = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] <= limit]

    def counts_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    # ------------------------------------------------------------ renderers
    def to_dict(self) -> dict:
        metrics: dict[str, Any] = {}
        for name, cols in CONTRACT_METRICS.items():
            table = self.metrics.get(name)
            metrics[name] = [] if table is None else records(table, cols)
        for name in sorted(self.metrics):
            if name not in CONTRACT_METRICS:
                metrics[name] = records(self.metrics[name])
        return {
            "schema_version": self.schema_version,
            "tool": self.tool,
            "run": jsonable(self.run),
            "summary": jsonable(self.summary),
            "metrics": metrics,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_html(self) -> str:
        from labelaudit.render.html import render_html

        return render_html(self)


def records(table: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python)."""
    if columns is not None:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(f"metric table lacks contract columns {missing}")
        table = table[columns]
    return [jsonable(row) for row in table.to_dict(orient="records")]


def jsonable(obj: Any) -> Any:
    """Recursively convert to JSON-safe Python values; NaN/inf become None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return obj
