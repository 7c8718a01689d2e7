"""The audit result: what every renderer reads, and nothing else.

``AuditResult`` is the snapshot of one run. ``findings.json`` is its serialisation
(:meth:`AuditResult.to_json`), the renderers in :mod:`labelaudit.render` read it and
nothing else, and ``labelaudit diff`` compares two of them.
Privacy has already been applied by the time a result exists: its tables and the facts
its findings came from are the privacy release's output (:mod:`labelaudit.privacy`), so
every renderer reading it shows only what may be shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelaudit.analyses.tables import CONTRACT_TABLES
from labelaudit.checks.finding import Finding
from labelaudit.jsonable import jsonable, records
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
            # why a row is suppressed ("small" / "complementary"), added by the privacy release
            extra = [c for c in ("suppressed_reason",) if table is not None and c in table.columns]
            metrics[name] = [] if table is None else records(table, cols + extra)
        for name in sorted(self.metrics):
            if name not in CONTRACT_TABLES:
                metrics[name] = records(self.metrics[name])
        out = {
            "schema_version": self.schema_version,
            "tool": self.tool,
            "run": jsonable(self.run),
            "summary": jsonable(self.summary),
            "metrics": metrics,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.context.get("privacy"):  # what the release hid and withheld (counts only)
            out["privacy"] = jsonable(self.context["privacy"])
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
