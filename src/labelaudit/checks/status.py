"""What each rule did in a run: found something, checked and found nothing, or not checked.

"Checked, nothing found" is a claim: the rule looked at the data its question needs.
A rule whose inputs (its YAML ``needs:``) the bundle lacks, that the config left out,
or that is internal-only in a vendor report, was not checked, and the report and the
data card say so with the reason, rather than let silence read as a pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from labelaudit.bundle.inputs import INPUTS
from labelaudit.checks.finding import Finding
from labelaudit.rulebook import Rulebook

#: the three outcomes, as the report words them
STATUS_TEXT = {
    "found": "found",
    "clear": "checked, nothing found",
    "not_checked": "not checked",
}


def rule_status(
    rulebook: Rulebook,
    findings: Iterable[Finding],
    inputs: Mapping[str, bool],
    audience: str,
) -> dict[str, dict]:
    """Per rule code: ``status`` (found / clear / not_checked), ``n_findings``, ``reason``.

    ``inputs`` says which optional inputs the bundle carries
    (:func:`labelaudit.bundle.inputs.available_inputs`). A rule that found something is
    "found" whatever its needs; one that did not run, or lacks an input it needs, is
    "not_checked" with the reason ("needs a target population (...)").
    """
    counts = Counter(f.rule for f in findings)
    active = set(rulebook.active)
    out: dict[str, dict] = {}
    for code, rule in sorted(rulebook.rules.items()):
        n = counts.get(code, 0)
        missing = [name for name in rule.needs if not inputs.get(name, False)]
        if n:
            status, reason = "found", ""
        elif code not in active:
            status = "not_checked"
            reason = (
                "internal-only rule, left out of the vendor edition"
                if audience == "vendor" and rule.audience == "internal"
                else "left out by select/ignore in this run's config"
            )
        elif missing:
            status = "not_checked"
            reason = "needs " + " and ".join(INPUTS[name] for name in missing)
        else:
            status, reason = "clear", ""
        out[code] = {"status": status, "n_findings": n, "reason": reason, "missing": missing}
    return out


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
