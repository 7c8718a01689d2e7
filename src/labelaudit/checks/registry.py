"""Checks registry: the small Python function behind each rule code.

A rule's metadata (code, title, category, default severity, parameters, rationale,
remediation, reviewer questions) lives in YAML and is read by
:mod:`labelaudit.rulebook`. Its logic is a function registered with :func:`check`
under the same code. A check reads metric tables from the
:class:`CheckContext` (already privacy-filtered) and yields findings through
:meth:`CheckContext.hit`; it never reads files and never sees raw annotator ids.

A check also says what it looked at, so the report's checks table can tell "passed"
from "had nothing to judge": :meth:`CheckContext.judged` counts each subject that had
every figure the rule needs (whether or not it was a finding), and
:meth:`CheckContext.not_applicable` gives the reason when there was none.
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
    #: subjects judged, by noun ("groups", "fields"...), counted by :meth:`judged`
    subjects: dict[str, int] = field(default_factory=dict)
    #: why the rule had nothing to judge, when the check knows better than the default
    reason: str | None = None
    #: metric tables the check asked for, each with whether the run has it (non-empty)
    tables_read: dict[str, bool] = field(default_factory=dict)

    def metric(self, name: str) -> pd.DataFrame:
        """A metric table, or an empty frame when the analysis did not run."""
        table = self.metrics.get(name, pd.DataFrame())
        self.tables_read[name] = not table.empty
        return table

    def judged(self, noun: str, n: int = 1) -> None:
        """Count ``n`` subjects (``noun``: "groups", "fields", ...) the rule judged.

        Called for each subject that had every figure the rule needs, before the
        threshold decides whether it is a finding: a rule that judged subjects and found
        nothing passed; one that judged none was not applicable.
        """
        self.subjects[noun] = self.subjects.get(noun, 0) + n

    def not_applicable(self, reason: str) -> None:
        """Say why the rule had nothing to judge in this run (shown in the checks table)."""
        self.reason = reason

    def param(self, name: str) -> Any:
        """The resolved value of one of the rule's parameters (a typo is a KeyError)."""
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
        measure: str | None = None,
        threshold: float | None = None,
    ) -> Finding:
        """Build a finding for the current rule (title, category, remediation, standards from YAML).

        ``measure`` names the evidence key of the figure the rule judged and
        ``threshold`` the value it was compared with; both go into the evidence, so the
        report can rank findings by how far past the threshold they are
        (:meth:`Finding.breach`).
        """
        assert self.rule is not None
        evidence = dict(evidence or {})
        if measure is not None:
            if measure not in evidence:
                raise KeyError(f"rule {self.rule.code}: measure {measure!r} is not in evidence")
            evidence.update(measure=measure, threshold=threshold)
        return Finding(
            rule=self.rule.code,
            category=self.rule.category,
            # a configured override beats the check's own grading, which beats the default
            severity=self.severity or severity or self.rule.severity,
            title=self.rule.title,
            message=message,
            subject={k: v for k, v in (subject or {}).items() if v is not None},
            evidence=evidence,
            recommendation=self.rule.remediation,
            standards=list(self.rule.standards),
        )
