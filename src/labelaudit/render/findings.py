"""Findings as the report shows them: ranked, anchored, grouped, and the top block.

Findings are ranked within their severity by the size of the breach (how far the
figure is past its threshold, :meth:`~labelaudit.checks.finding.Finding.rank_key`),
so the worst group comes first, not the alphabetically first. Each finding has an
anchor (``#finding-<fingerprint>``) that the top block, the checks table and the
table rows behind it link to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labelaudit.checks.finding import Finding
from labelaudit.render.formatting import subject_text

TOP_HIGH = 10  # high findings listed in the top block before "N more high"
TOP_MEDIUM = 5  # medium findings listed after them
TOP_LEAST = 3  # with no high or medium finding, this many of the rest
GROUP_OPEN = 3  # findings of one rule shown in a section before the rest are folded


@dataclass
class FindingView:
    """One finding, formatted; ``anchor`` is its element id in the report."""

    rule: str
    severity: str
    category: str
    title: str
    message: str
    subject: str
    recommendation: str
    anchor: str
    keys: dict = field(default_factory=dict)  # the raw subject, for matching table rows


@dataclass
class FindingGroup:
    """Findings of one rule in one section: the shared advice is said once."""

    rule: str
    title: str
    severity: str  # the most severe of its findings
    recommendation: str
    items: list[FindingView] = field(default_factory=list)
    mixed: bool = False  # findings of different severities (each then shows its own)

    @property
    def shown(self) -> list[FindingView]:
        """The first findings, open on screen."""
        return self.items[:GROUP_OPEN]

    @property
    def folded(self) -> list[FindingView]:
        """The rest, one click away (an anchor link still opens the fold)."""
        return self.items[GROUP_OPEN:]


@dataclass
class TopBlock:
    """The top of the report: every high finding (or "N more high"), then medium."""

    high: list[FindingView]
    more_high: int
    medium: list[FindingView]
    more_medium: int
    others: list[FindingView]  # only when there is no high or medium finding
    n_lower: int  # low and info findings not listed here


def ranked(findings: list[Finding]) -> list[Finding]:
    """Most severe first; within a severity, the largest breach first."""
    return sorted(findings, key=Finding.rank_key)


def anchors(findings: list[Finding]) -> dict[int, str]:
    """Element id of each finding (by ``id()``): its fingerprint, or ``<rule>-<n>``."""
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    for f in findings:
        if f.fingerprint:
            out[id(f)] = f"finding-{f.fingerprint}"
        else:  # results built without fingerprints (tests, old findings.json)
            seen[f.rule] = seen.get(f.rule, 0) + 1
            out[id(f)] = f"finding-{f.rule}-{seen[f.rule]}"
    return out


def finding_views(findings: list[Finding]) -> list[FindingView]:
    """Every finding, ranked and formatted, each with its anchor."""
    order = ranked(findings)
    ids = anchors(order)
    return [
        FindingView(
            rule=f.rule,
            severity=f.severity,
            category=f.category,
            title=f.title,
            message=f.message,
            subject=subject_text(f.subject),
            recommendation=f.recommendation or "",
            anchor=ids[id(f)],
            keys=dict(f.subject),
        )
        for f in order
    ]


def group_findings(views: list[FindingView]) -> list[FindingGroup]:
    """Group by rule in order of first appearance (views arrive ranked)."""
    groups: dict[str, FindingGroup] = {}
    for v in views:
        g = groups.get(v.rule)
        if g is None:
            groups[v.rule] = FindingGroup(v.rule, v.title, v.severity, v.recommendation, [v])
            continue
        g.items.append(v)
        g.mixed = g.mixed or v.severity != g.severity
    return list(groups.values())


def top_block(views: list[FindingView]) -> TopBlock:
    """The ranked views cut for the top of the report: every high finding (at most
    :data:`TOP_HIGH`, then "N more high"), then the worst medium finding of each rule."""
    high = [v for v in views if v.severity == "high"]
    medium = [v for v in views if v.severity == "medium"]
    # every high finding is listed; of medium ones, each rule's worst first, so one rule
    # with many groups past its threshold doesn't crowd out the others
    first = {}
    for v in medium:
        first.setdefault(v.rule, v)
    medium = list(first.values()) + [v for v in medium if first[v.rule] is not v]
    lower = [v for v in views if v.severity not in ("high", "medium")]
    others = lower[:TOP_LEAST] if not high and not medium else []
    return TopBlock(
        high=high[:TOP_HIGH],
        more_high=max(0, len(high) - TOP_HIGH),
        medium=medium[:TOP_MEDIUM],
        more_medium=max(0, len(medium) - TOP_MEDIUM),
        others=others,
        n_lower=len(lower) - len(others),
    )
