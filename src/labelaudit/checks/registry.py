"""Checks registry: the small Python function behind each rule code.

A rule's metadata (code, title, category, default severity, parameters, rationale,
remediation, reviewer questions) lives in YAML and is read by
:mod:`labelaudit.rulebook`. Its logic is a function registered with :func:`check`
under the same code. A check reads metric tables from the
:class:`CheckContext` (already privacy-filtered) and yields findings through
:meth:`CheckContext.hit`; it never reads files and never sees raw annotator ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.rulebook import Rule

CheckFn = Callable[["CheckContext"], Iterable[Finding]]
_CHECKS: dict[str, CheckFn] = {}


def check(code: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the logic of rule ``code`` (metadata comes from YAML)."""

    def deco(fn: CheckFn) -> CheckFn:
        if code in _CHECKS:
            raise RuntimeError(f"rule {code} registered twice")
        _CHECKS[code] = fn
        return fn

    return deco


def registered_checks() -> dict[str, CheckFn]:
    """Every check by rule code.

    Complete whenever this module is imported: importing it runs the package's
    ``__init__``, which imports every check module (and so registers them).
    """
    return dict(_CHECKS)


# ------------------------------------------------------------------- context
@dataclass
class CheckContext:
    """What a check may read: privacy-filtered metric tables, bundle facts, parameters."""

    metrics: dict[str, pd.DataFrame]
    facts: dict[str, Any]  # non-tabular facts: schema, guideline lines, data issues...
    rule: Rule | None = None
    params: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None

    def metric(self, name: str) -> pd.DataFrame:
        """A metric table, or an empty frame when the analysis did not run."""
        return self.metrics.get(name, pd.DataFrame())

    def param(self, name: str) -> Any:
        if name not in self.params:
            raise KeyError(f"rule {self.rule.code if self.rule else '?'} has no parameter {name!r}")
        return self.params[name]

    def hit(
        self,
        message: str,
        *,
        subject: dict | None = None,
        evidence: dict | None = None,
        severity: str | None = None,
    ) -> Finding:
        """Build a finding for the current rule (title, category, remediation, standards from YAML)."""
        assert self.rule is not None
        return Finding(
            rule=self.rule.code,
            category=self.rule.category,
            # a configured override beats the check's own grading, which beats the default
            severity=self.severity or severity or self.rule.severity,
            title=self.rule.title,
            message=message,
            subject={k: v for k, v in (subject or {}).items() if v is not None},
            evidence=evidence or {},
            recommendation=self.rule.remediation,
            standards=list(self.rule.standards),
        )
