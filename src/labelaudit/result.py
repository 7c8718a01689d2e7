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
from labelaudit.visible import reveal_all
from labelaudit.vocabulary import SEVERITY_RANK, severity_counts
from labelaudit.wording import counted


@dataclass(frozen=True)
class Verdict:
    """The gate result of a run: how many findings are at or above ``fail_on``."""

    fail_on: str
    failing: int
    total: int

    @property
    def passed(self) -> bool:
        """True when no finding is at or above ``fail_on`` (the CI job passes)."""
        return self.failing == 0

    def text(self) -> str:
        """E.g. ``FAILED, 5 findings at or above high (63 in all)``.

        >>> Verdict("high", 5, 63).text(), Verdict("low", 0, 0).text()
        ('FAILED, 5 findings at or above high (63 in all)', 'passed, no finding at or above low (0 in all)')
        """
        if self.passed:
            return f"passed, no finding at or above {self.fail_on} ({self.total} in all)"
        return (
            f"FAILED, {counted(self.failing, 'finding')} at or above {self.fail_on} "
            f"({self.total} in all)"
        )


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
        """The findings of ``severity`` or worse (``high`` is the worst)."""
        limit = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] <= limit]

    @property
    def fail_on(self) -> str:
        """The ``--fail-on`` level this run was gated at (``high`` unless set)."""
        return str((self.run.get("config") or {}).get("fail_on") or "high")

    def verdict(self, fail_on: str | None = None) -> Verdict:
        """The gate result at ``fail_on`` (default: the run's own ``--fail-on``)."""
        level = fail_on or self.fail_on
        return Verdict(level, len(self.findings_at_or_above(level)), len(self.findings))

    def counts_by_severity(self) -> dict[str, int]:
        """Findings per severity, every severity present."""
        return severity_counts(f.severity for f in self.findings)

    # ------------------------------------------------------------ renderers
    def to_dict(self) -> dict:
        """The findings.json document (CONTRACT section 3) as plain Python data."""
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
        """findings.json: control and bidi-override characters shown as ``[U+XXXX]``."""
        return json.dumps(
            reveal_all(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False
        )
