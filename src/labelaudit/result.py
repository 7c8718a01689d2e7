"""The audit result: what every renderer reads, and nothing else.

``AuditResult`` is the snapshot of one run. ``findings.json`` is its serialisation
(:meth:`AuditResult.to_json`), the renderers in :mod:`labelaudit.render` read it and
nothing else, and ``labelaudit diff`` compares two of them.
Privacy (small-group suppression, pseudonymised annotators) has already been applied
by the time a result exists: see :mod:`labelaudit.privacy`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelaudit.analyses.tables import CONTRACT_TABLES
from labelaudit.checks.finding import Finding
from labelaudit.jsonable import jsonable, records
from labelaudit.visible import reveal_all
from labelaudit.vocabulary import SEVERITY_RANK, severity_counts


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
        """Findings per severity, every severity present."""
        return severity_counts(f.severity for f in self.findings)

    # ------------------------------------------------------------ renderers
    def to_dict(self) -> dict:
        metrics: dict[str, Any] = {}
        for name, cols in CONTRACT_TABLES.items():
            table = self.metrics.get(name)
            metrics[name] = [] if table is None else records(table, cols)
        for name in sorted(self.metrics):
            if name not in CONTRACT_TABLES:
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
        """findings.json: control and bidi-override characters shown as ``[U+XXXX]``."""
        return json.dumps(
            reveal_all(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False
        )
