"""The report's "Frameworks" section: each framework item, the rules that speak to it, and
what those rules did in this run.

Built from the result alone: the vocabulary (``context["standards"]``), each rule's
``standards`` (``context["rules"]``) and each rule's outcome (``context["rule_status"]``:
found, checked and nothing found, or not checked and why). The section is its own
template block (``templates/frameworks.html.j2``) so the rest of the report's layout can
change without it.

The table maps evidence to the words of a framework; it never says an item is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labelaudit.checks.status import status_text
from labelaudit.result import AuditResult

#: what the section says before the table (the README's "Frameworks" says the same)
INTRO = (
    "Each framework item below lists the rules whose findings are evidence for it, and "
    "what each rule did in this run. A finding is evidence for a reviewer to weigh, not "
    "a compliance verdict: a rule that found something does not establish that the item "
    "is breached, and one that found nothing does not establish that it is met. Items "
    "no rule speaks to (or whose rules were not checked) must be answered from the "
    "project's own records."
)

#: finding categories are also the ids of the report sections that show them
_SECTION_OF_CATEGORY = {
    "data": "data",
    "representativeness": "representativeness",
    "disagreement": "disagreement",
    "coverage": "coverage",
    "guidelines": "guidelines",
    "process": "process",
    "rlhf": "rlhf",
}


@dataclass
class RuleOutcome:
    code: str
    title: str
    status: str  # found | clear | not_checked
    text: str  # "found (3)", "checked, nothing found", "not checked: needs ..."
    href: str = ""  # where the findings are, when there are any


@dataclass
class ItemView:
    id: str
    anchor: str
    title: str
    section: str
    quote: str
    about: str
    rules: list[RuleOutcome] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """E.g. "2 of 5 rules found something; 1 not checked"."""
        found = sum(r.status == "found" for r in self.rules)
        skipped = sum(r.status == "not_checked" for r in self.rules)
        if not self.rules:
            return "no rule speaks to this item"
        text = f"{found} of {len(self.rules)} rule{'s' if len(self.rules) != 1 else ''} found something"
        return text + (f"; {skipped} not checked" if skipped else "")


@dataclass
class FrameworkView:
    key: str
    name: str
    document: str
    url: str
    applies: str
    items: list[ItemView] = field(default_factory=list)


def standard_anchor(sid: str) -> str:
    """The report anchor of one framework item's row (the data card links to it).

    >>> standard_anchor("EU-AIA-10.2.f")
    'std-EU-AIA-10-2-f'
    """
    return "std-" + "".join(c if c.isalnum() or c == "-" else "-" for c in sid)


def rules_by_standard(rules: dict[str, dict]) -> dict[str, list[str]]:
    """Framework item -> the codes of the rules that name it, in code order."""
    out: dict[str, list[str]] = {}
    for code in sorted(rules):
        for sid in rules[code].get("standards") or []:
            out.setdefault(sid, []).append(code)
    return out


def frameworks_view(result: AuditResult) -> list[FrameworkView]:
    """Every framework of the vocabulary with its items, rules and outcomes (in file order)."""
    ctx = result.context
    standards: dict[str, dict[str, Any]] = ctx.get("standards") or {}
    rules: dict[str, dict] = ctx.get("rules") or {}
    status: dict[str, dict] = ctx.get("rule_status") or {}
    mapped = rules_by_standard(rules)
    views: dict[str, FrameworkView] = {}
    for sid, s in standards.items():
        fw = views.setdefault(
            s["framework"],
            FrameworkView(
                s["framework"], s["framework_name"], s["document"], s["url"], s.get("applies", "")
            ),
        )
        item = ItemView(
            sid, standard_anchor(sid), s["title"], s["section"], s["quote"], s.get("about", "")
        )
        for code in mapped.get(sid, []):
            entry = status.get(code) or {"status": "not_checked", "reason": "not in this run"}
            category = rules[code].get("category", "")
            item.rules.append(
                RuleOutcome(
                    code=code,
                    title=str(rules[code].get("title", code)),
                    status=str(entry["status"]),
                    text=status_text(entry),
                    href=f"#{_SECTION_OF_CATEGORY[category]}"
                    if entry["status"] == "found" and category in _SECTION_OF_CATEGORY
                    else "",
                )
            )
        fw.items.append(item)
    return list(views.values())


def frameworks_context(result: AuditResult) -> dict[str, Any]:
    """What ``frameworks.html.j2`` lays out."""
    return {"intro": INTRO, "frameworks": frameworks_view(result)}
