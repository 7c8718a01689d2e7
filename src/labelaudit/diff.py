"""``labelaudit diff OLD NEW``: what changed between two audits of (versions of) a data set.

Works on two loaded ``findings.json`` documents, so audits can be compared without
recomputing anything. Findings are matched by their ``fingerprint`` (rule, subject and,
for guideline findings, the normalised text of the line rather than its number): a
finding only in NEW is *new*, one only in OLD is *resolved*, and one in both with a
different severity or different evidence figures is *changed*. A guideline finding
whose line only moved (lines added above it, say) is the same finding: it is counted as
*moved* and is not a change. Documents written before fingerprints existed are matched
by rule and subject. Metric deltas follow the headline figures of the contract tables,
matched on their identity columns.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelaudit.errors import InputError, Problem
from labelaudit.vocabulary import SEVERITIES, SEVERITY_RANK

#: table -> (identity columns, compared figures)
TRACKED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "agreement": (("field", "scope", "attribute", "group"), ("alpha",)),
    "group_association": (("field", "attribute", "group"), ("gai", "p_adjusted")),
    "representation": (("attribute", "group"), ("ratio",)),
    "languages": (("language",), ("mismatch_rate",)),
}


@dataclass
class FindingChange:
    """A finding present in both runs whose severity or evidence changed."""

    rule: str
    subject: dict
    old: dict
    new: dict
    #: what changed: "severity" and/or evidence keys -> (old value, new value)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class MetricDelta:
    table: str
    key: dict[str, Any]
    column: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


@dataclass
class DiffResult:
    new: list[dict] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)
    changed: list[FindingChange] = field(default_factory=list)
    deltas: list[MetricDelta] = field(default_factory=list)
    #: (old, new) pairs of one finding whose guideline line number changed, nothing else
    moved: list[tuple[dict, dict]] = field(default_factory=list)
    #: "fingerprint", or "rule and subject" when a document has no fingerprints
    matched_by: str = "fingerprint"

    @property
    def empty(self) -> bool:
        return not (self.new or self.resolved or self.changed or self.deltas)


#: evidence that quotes the data rather than measuring it: the fingerprint already
#: decides whether a quoted guideline line is the same line
QUOTED_EVIDENCE = frozenset({"excerpt"})


def _key(f: dict) -> str:
    subject = {k: v for k, v in (f.get("subject") or {}).items() if v is not None}
    return json.dumps([f.get("rule"), subject], sort_keys=True, ensure_ascii=False)


def _fingerprinted(doc: dict) -> bool:
    return all(isinstance(f.get("fingerprint"), str) and f["fingerprint"] for f in doc["findings"])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _sort(findings: list[dict]) -> list[dict]:
    return sorted(findings, key=lambda f: (SEVERITY_RANK.get(f.get("severity"), 9), _key(f)))


def _check_document(doc: Any, name: str) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise ValueError(f"{name}: not a labelaudit findings.json (no 'findings' list)")


def diff_findings(old: dict, new: dict) -> DiffResult:
    """Compare two ``findings.json`` documents (already loaded as dicts).

    Findings are paired by fingerprint when both documents carry them, else by rule and
    subject; findings sharing a key are paired in order of appearance, one to one.
    """
    _check_document(old, "OLD")
    _check_document(new, "NEW")
    by_fingerprint = _fingerprinted(old) and _fingerprinted(new)
    key = (lambda f: f["fingerprint"]) if by_fingerprint else _key
    old_by: dict[str, list[dict]] = defaultdict(list)
    for f in old["findings"]:
        old_by[key(f)].append(f)
    result = DiffResult(matched_by="fingerprint" if by_fingerprint else "rule and subject")
    for f in new["findings"]:
        k = key(f)
        if not old_by.get(k):
            result.new.append(f)
            continue
        before = old_by[k].pop(0)
        changes: dict[str, tuple[Any, Any]] = {}
        if before.get("severity") != f.get("severity"):
            changes["severity"] = (before.get("severity"), f.get("severity"))
        ev_old, ev_new = before.get("evidence") or {}, f.get("evidence") or {}
        for name in sorted((set(ev_old) | set(ev_new)) - QUOTED_EVIDENCE):
            if not _same(ev_old.get(name), ev_new.get(name)):
                changes[name] = (ev_old.get(name), ev_new.get(name))
        if changes:
            result.changed.append(
                FindingChange(f.get("rule", ""), f.get("subject") or {}, before, f, changes)
            )
        elif _key(before) != _key(f):
            result.moved.append((before, f))
    result.resolved = _sort([f for rest in old_by.values() for f in rest])
    result.new = _sort(result.new)
    result.deltas = metric_deltas(old.get("metrics") or {}, new.get("metrics") or {})
    return result


def metric_deltas(old: dict, new: dict) -> list[MetricDelta]:
    """Changed headline figures of the contract tables (rows matched on identity columns).

    A row present on one side only is reported with ``None`` on the other side.
    """
    out: list[MetricDelta] = []
    for table, (ident, figures) in TRACKED.items():
        rows_old = {_row_key(r, ident): r for r in old.get(table) or []}
        rows_new = {_row_key(r, ident): r for r in new.get(table) or []}
        for key in sorted(set(rows_old) | set(rows_new)):
            a, b = rows_old.get(key, {}), rows_new.get(key, {})
            for col in figures:
                va, vb = _figure(a.get(col)), _figure(b.get(col))
                if va is None and vb is None:
                    continue
                if va is not None and vb is not None and _same(va, vb):
                    continue
                out.append(
                    MetricDelta(table, dict(zip(ident, json.loads(key), strict=True)), col, va, vb)
                )
    return out


def _row_key(row: dict, ident: tuple[str, ...]) -> str:
    return json.dumps([row.get(c) for c in ident], ensure_ascii=False)


def _figure(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return None if math.isnan(v) else float(v)


def exit_code(d: DiffResult, fail_on: str | None) -> int:
    """1 when a new finding (or one whose severity rose) is at or above ``fail_on``.

    ``None`` never fails. A changed finding counts when its severity rose to reach
    ``fail_on``: it is new at that level.
    """
    if fail_on is None:
        return 0
    if fail_on not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}")
    limit = SEVERITY_RANK[fail_on]
    for f in d.new:
        if SEVERITY_RANK.get(f.get("severity"), 9) <= limit:
            return 1
    for c in d.changed:
        if "severity" in c.changes:
            before, after = (SEVERITY_RANK.get(s, 9) for s in c.changes["severity"])
            if after <= limit < before:
                return 1
    return 0


def _subject(subject: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(subject.items()) if v is not None) or "-"


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "-" if v is None else str(v)


def format_diff(d: DiffResult) -> str:
    """Plain-text summary of a diff, one line per change (stable order)."""
    lines = [
        f"labelaudit diff: {len(d.new)} new, {len(d.resolved)} resolved, "
        f"{len(d.changed)} changed finding(s); {len(d.deltas)} metric change(s)"
    ]
    if d.new:
        lines.append("\nNew findings:")
        for f in d.new:
            lines.append(
                f"  + [{f.get('severity')}] {f.get('rule')} ({_subject(f.get('subject') or {})}): "
                f"{f.get('message', '')}"
            )
    if d.resolved:
        lines.append("\nResolved findings:")
        for f in d.resolved:
            lines.append(
                f"  - [{f.get('severity')}] {f.get('rule')} ({_subject(f.get('subject') or {})}): "
                f"{f.get('title', '')}"
            )
    if d.changed:
        lines.append("\nChanged findings:")
        for c in d.changed:
            what = "; ".join(f"{k} {_num(a)} -> {_num(b)}" for k, (a, b) in c.changes.items())
            lines.append(f"  ~ {c.rule} ({_subject(c.subject)}): {what}")
    if d.deltas:
        lines.append("\nMetric changes:")
        for m in d.deltas:
            delta = f" ({m.delta:+.4g})" if m.delta is not None else ""
            lines.append(
                f"  {m.table}.{m.column} ({_subject(m.key)}): {_num(m.old)} -> {_num(m.new)}{delta}"
            )
    if d.moved:
        lines.append(
            f"\n{len(d.moved)} finding(s) on guideline lines that only moved (same text, "
            "matched by fingerprint): unchanged."
        )
    if d.matched_by != "fingerprint":
        lines.append(
            "\nFindings were matched by rule and subject: a findings.json without "
            "fingerprints (written before they were added) can't follow guideline lines that moved."
        )
    if d.empty:
        lines.append("No differences.")
    return "\n".join(lines) + "\n"


def load_findings(path: str | Path) -> dict:
    """Read one findings.json; problems become an :class:`InputError` naming the file."""
    p = Path(path)
    if p.is_dir():
        p = p / "findings.json"
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            [
                Problem(
                    str(p),
                    "file not found",
                    fix="give the path of a findings.json written by labelaudit audit",
                )
            ]
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            [
                Problem(
                    str(p),
                    f"not valid JSON ({exc})",
                    fix="give the findings.json written by labelaudit audit",
                )
            ]
        ) from None
    try:
        _check_document(doc, str(p))
    except ValueError as exc:
        raise InputError(
            [
                Problem(
                    str(p),
                    str(exc).split(": ", 1)[1],
                    fix="give the findings.json written by labelaudit audit",
                )
            ]
        ) from None
    return doc
