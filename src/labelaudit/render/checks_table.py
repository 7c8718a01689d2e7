"""The checks table: every rule of the run, like a test suite's report.

Each row says what the rule looked at (its subject count), its result (failed, with
links to its findings; passed; not applicable, and why; skipped by the config, and
why), and the thresholds it applied with their sources. Failed rules come first,
worst first; the reader sees what was checked and found fine, not only what failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labelaudit.render.findings import FindingView
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITIES, SEVERITY_RANK
from labelaudit.wording import counted

SOURCE_SHOWN = 44  # characters of a threshold's source shown on screen (print shows all)
_STATUS_ORDER = {"failed": 0, "passed": 1, "not applicable": 2, "skipped": 3}


@dataclass
class Threshold:
    """One parameter as applied: ``tau = 0.8``, where the value comes from, its source."""

    text: str
    source: str = ""

    @property
    def short_source(self) -> str:
        """The source's first clause, cut for the screen (printing shows it whole, and so
        does the tooltip).

        >>> Threshold("tau = 0.8", "Krippendorff (2004), Content Analysis, p. 241").short_source
        'Krippendorff (2004)…'
        >>> Threshold("tau = 0.8", "labelaudit convention (every unserved language)").short_source
        'labelaudit convention…'
        """
        s = self.source
        cut = min((i for i in (s.find(", "), s.find("; "), s.find(". ")) if i > 0), default=len(s))
        head = s[:cut]
        if len(head) > SOURCE_SHOWN:  # at a word, never inside a parenthesis left open
            head = head[:SOURCE_SHOWN].rsplit(" ", 1)[0]
        if head.count("(") > head.count(")"):
            head = head[: head.rfind("(")]
        head = head.rstrip(" .:;,")
        return head if head == s.rstrip(" .") else head + "…"


@dataclass
class CheckRow:
    code: str
    title: str
    status: str
    subjects: str  # "22 groups", or "–"
    result: str  # "2 findings: 1 high, 1 medium" / the reason
    thresholds: list[Threshold] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    worst: str = ""  # the most severe finding's severity (failed rows)


@dataclass
class ChecksTable:
    rows: list[CheckRow]
    counts: dict[str, int]  # status -> rules
    complete: bool  # False: the result does not record the rules that found nothing

    @property
    def failed(self) -> list[CheckRow]:
        """Rules with a finding above info: open at the top of the table."""
        return [r for r in self.rows if r.status == "failed" and r.worst != "info"]

    @property
    def noted(self) -> list[CheckRow]:
        """Rules whose findings are all info (a test that could not run, a setting
        inferred): one click away, as in the sections."""
        return [r for r in self.rows if r.status == "failed" and r.worst == "info"]

    @property
    def rest(self) -> list[CheckRow]:
        return [r for r in self.rows if r.status != "failed"]


def thresholds(rule: dict, override: dict) -> list[Threshold]:
    """Each parameter with the value used and where its default comes from."""
    out = []
    for name, p in sorted((rule.get("parameters") or {}).items()):
        p = p if isinstance(p, dict) else {"default": p}
        if name in override:
            used = f"{override[name]} (set in this run's config; default {p.get('default')})"
        else:
            used = str(p.get("value", p.get("default")))
        out.append(Threshold(f"{name} = {used}", str(p.get("source") or "")))
    return out


def checks_table(result: AuditResult, views: list[FindingView]) -> ChecksTable:
    """One row per rule the run knows, failed first (worst first), then by code."""
    ctx = result.context
    rules = ctx.get("rules") or {}
    overrides = (result.run.get("config") or {}).get("rules") or {}
    runs = {r["code"]: r for r in ctx.get("rule_runs") or []}
    by_rule: dict[str, list[FindingView]] = {}
    for v in views:
        by_rule.setdefault(v.rule, []).append(v)
    codes = sorted(set(runs) | set(by_rule))
    rows = []
    for code in codes:
        meta = rules.get(code, {})
        run = runs.get(code) or {"status": "failed", "subjects": {}, "reason": None}
        found = by_rule.get(code, [])
        status = "failed" if found else run["status"]
        rows.append(
            CheckRow(
                code=code,
                title=str(meta.get("title") or (found[0].title if found else code)),
                status=status,
                subjects=_subjects(run.get("subjects") or {}),
                result=_result(status, found, run.get("reason")),
                thresholds=thresholds(meta, overrides.get(code) or {}),
                findings=found,
                worst=found[0].severity if found else "",
            )
        )
    rows.sort(key=lambda r: (_STATUS_ORDER.get(r.status, 9), SEVERITY_RANK.get(r.worst, 9), r.code))
    counts = dict.fromkeys(_STATUS_ORDER, 0)
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ChecksTable(rows, counts, complete=bool(runs))


def _subjects(subjects: dict[str, int]) -> str:
    """``22 groups``; the nouns come plural (the last word loses its s for one).

    >>> _subjects({"groups": 22, "guideline lines": 1}), _subjects({})
    ('22 groups, 1 guideline line', '–')
    """
    parts = [
        counted(n, noun[:-1] if noun.endswith("s") else noun, noun) for noun, n in subjects.items()
    ]
    return ", ".join(parts) or "–"


def _result(status: str, found: list[FindingView], reason: str | None) -> str:
    if status == "failed":
        by = [(s, sum(1 for f in found if f.severity == s)) for s in SEVERITIES]
        return ", ".join(f"{n} {s}" for s, n in by if n)
    if status == "passed":
        return "no finding"
    return reason or status
