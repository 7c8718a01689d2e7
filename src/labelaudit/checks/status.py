"""What each rule did in a run: found something, checked and found nothing, or not checked.

"Checked, nothing found" is a claim: the rule looked at the data its question needs.
A rule whose inputs (its YAML ``needs:``) the bundle lacks, that had nothing to judge,
that the config left out, or that is internal-only in a vendor report, was not checked,
and the report and the data card say so with the reason, rather than let silence read
as a pass. The outcome is the checks table's (:mod:`labelaudit.checks.runs`), in the
frameworks' words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: the three outcomes, as the report words them
STATUS_TEXT = {
    "found": "found",
    "clear": "checked, nothing found",
    "not_checked": "not checked",
}


#: a rule run's outcome (:mod:`labelaudit.checks.runs`) in the frameworks' terms
_FROM_RUN = {"failed": "found", "passed": "clear", "not applicable": "not_checked",
             "skipped": "not_checked"}  # fmt: skip


def rule_status(runs: Iterable[Mapping]) -> dict[str, dict]:
    """Per rule code: ``status`` (found / clear / not_checked), ``n_findings``, ``reason``.

    Derived from the run records of :func:`labelaudit.checks.runs.run_rules` (the
    report's checks table), so the Frameworks table, the data card and the checks table
    can't disagree: a rule is "clear" only when it judged something and found nothing.

    >>> rule_status([{"code": "LA401", "status": "not applicable", "findings": 0,
    ...               "reason": "needs a target population"}])["LA401"]["status"]
    'not_checked'
    """
    return {
        str(r["code"]): {
            "status": _FROM_RUN[str(r["status"])],
            "n_findings": int(r.get("findings") or 0),
            "reason": r.get("reason") or "",
            "missing": list(r.get("missing") or []),
        }
        for r in runs
    }


def status_text(entry: Mapping) -> str:
    """One rule's outcome in words: ``found (3)``, ``checked, nothing found``,
    ``not checked: needs a target population (target.yaml or --target)``.

    >>> status_text({"status": "found", "n_findings": 3, "reason": ""})
    'found (3)'
    >>> status_text({"status": "not_checked", "n_findings": 0, "reason": "needs an items table"})
    'not checked: needs an items table'
    """
    status = str(entry.get("status"))
    if status == "found":
        return f"found ({entry.get('n_findings', 0)})"
    text = STATUS_TEXT.get(status, status)
    return f"{text}: {entry['reason']}" if entry.get("reason") else text
