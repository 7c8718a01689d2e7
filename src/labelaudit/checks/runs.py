"""Running the rulebook's checks, and what each rule did: failed, passed, not applicable.

Like a test suite's report, the checks table of the HTML report lists every rule with
what it looked at: a rule that found nothing *passed* only if it judged at least one
subject (:meth:`~labelaudit.checks.registry.CheckContext.judged`); one that had nothing
to judge is *not applicable*, with the reason; one the config or the audience left out
is *skipped*, with the reason too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from labelaudit.bundle.inputs import INPUTS
from labelaudit.checks.declarative import declarative_check
from labelaudit.checks.finding import Finding
from labelaudit.checks.fingerprint import assign_fingerprints
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.rulebook import Rulebook

FAILED, PASSED, NOT_APPLICABLE, SKIPPED = "failed", "passed", "not applicable", "skipped"

#: metric tables that exist only with a target population, or only with guidelines
_NEEDS_TARGET = {"representation", "representation_by_field", "representation_distance",
                 "item_regions"}  # fmt: skip
_NEEDS_GUIDELINES = {"guideline_stats", "guideline_flags", "guideline_values",
                     "guideline_examples", "guideline_unknown_labels"}  # fmt: skip
_NEEDS_PAIRS = {"position_bias", "preference_divergence", "tie_skip_usage"}


@dataclass
class RuleRun:
    """What one rule did in one run (a row of the report's checks table)."""

    code: str
    status: str  # failed | passed | not applicable | skipped
    #: subjects judged, by noun ("groups": 13); empty when nothing was judged
    subjects: dict[str, int] = field(default_factory=dict)
    findings: int = 0
    #: why it was not applicable or skipped
    reason: str | None = None
    #: the metric tables the check read (the report marks the rows behind its findings)
    tables: list[str] = field(default_factory=list)
    #: inputs its YAML ``needs:`` that the bundle lacks
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the result's context."""
        return asdict(self)


def run_rules(
    rulebook: Rulebook,
    tables: dict[str, pd.DataFrame],
    facts: dict[str, Any],
    inputs: Mapping[str, bool] | None = None,
) -> tuple[list[Finding], list[RuleRun]]:
    """Run every rule that runs; findings sorted by severity, rule, subject, and every
    rule's run (skipped ones included), in code order.

    ``inputs`` says which optional inputs the bundle carries
    (:func:`labelaudit.bundle.inputs.available_inputs`): a rule that finds nothing while
    an input its YAML ``needs:`` is missing is not applicable, and says what it needs.
    """
    checks = registered_checks()
    findings: list[Finding] = []
    runs: dict[str, RuleRun] = {
        code: RuleRun(code, SKIPPED, reason=why) for code, why in rulebook.skipped.items()
    }
    for code in rulebook:
        rule = rulebook.rules[code]
        fn = checks.get(code) if rule.kind == "python" else declarative_check(rule)
        if fn is None:
            raise RuntimeError(f"rule {code} ({rule.path}) has no registered check")
        ctx = CheckContext(
            metrics=tables,
            facts=facts,
            rule=rule,
            params=rulebook.params[code],
            severity=rulebook.severities.get(code),
        )
        found = list(fn(ctx))
        findings.extend(found)
        missing = [n for n in rule.needs if inputs is not None and not inputs.get(n, False)]
        runs[code] = _outcome(code, ctx, found, missing)
        runs[code].missing = missing
    assign_fingerprints(findings, facts.get("guidelines") or [])
    return sorted(findings, key=Finding.sort_key), [runs[c] for c in sorted(runs)]


def _outcome(code: str, ctx: CheckContext, found: list[Finding], missing: list[str]) -> RuleRun:
    subjects = {noun: n for noun, n in ctx.subjects.items() if n > 0}
    tables = sorted(ctx.tables_read)
    if found:
        return RuleRun(code, FAILED, subjects, len(found), tables=tables)
    if missing:  # "passed" would claim the rule looked at data the bundle does not have
        why = "needs " + " and ".join(INPUTS[name] for name in missing)
        return RuleRun(code, NOT_APPLICABLE, reason=why, tables=tables)
    if subjects:
        return RuleRun(code, PASSED, subjects, tables=tables)
    why = ctx.reason or _why_nothing(ctx)
    return RuleRun(code, NOT_APPLICABLE, reason=why, tables=tables)


def _why_nothing(ctx: CheckContext) -> str:
    """The reason a rule judged nothing, from the tables it asked for and the run's facts."""
    read = set(ctx.tables_read)
    absent = sorted(t for t, present in ctx.tables_read.items() if not present)
    if read & _NEEDS_TARGET and ctx.facts.get("target") is None:
        return "no target population was given (target.yaml or --target)"
    if read & _NEEDS_GUIDELINES and not ctx.facts.get("guidelines"):
        return "no guidelines were given"
    if read & _NEEDS_PAIRS and absent:
        return "no pairwise preference field"
    if absent and len(absent) == len(read):
        names = ", ".join(absent)
        return f"no data for it in this bundle (no {names} figures)"
    if read:
        return "no row had every figure the rule needs (e.g. its groups are too small)"
    return "nothing of the kind in this bundle"
