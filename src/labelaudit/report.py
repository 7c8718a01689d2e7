"""The result with its renderers: what ``labelaudit.audit()`` returns and the CLI writes.

:class:`AuditReport` is an :class:`~labelaudit.result.AuditResult` (the snapshot:
summary, metric tables, findings, provenance) that can also render itself as the HTML
report and write ``report.html`` and ``findings.json`` (and the split reports) into a
folder. The snapshot itself knows nothing about HTML; this facade sits after the
renderers in the data flow.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import fields
from pathlib import Path

from labelaudit.errors import InputError, Problem
from labelaudit.render.html import render_html
from labelaudit.result import AuditResult


class AuditReport(AuditResult):
    """An audit result that renders: ``to_json()`` (findings.json), ``to_html()``, ``write()``."""

    @classmethod
    def of(cls, result: AuditResult) -> AuditReport:
        """The same result (split reports included), as a report."""
        if isinstance(result, cls):
            return result
        report = cls(**{f.name: getattr(result, f.name) for f in fields(AuditResult)})
        splits = report.context.get("splits")
        if splits:
            report.context = {
                **report.context,
                "splits": {value: cls.of(sub) for value, sub in splits.items()},
            }
        return report

    def to_html(self) -> str:
        """The self-contained HTML report (no network fetches, no external files)."""
        return render_html(self)

    def write(self, out: Path) -> list[Path]:
        """Write ``findings.json`` and ``report.html`` into ``out`` (created if needed).

        Split reports (``--split-by``) go to one sub-folder each. Returns the paths written.
        """
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                [
                    Problem(
                        str(out),
                        f"cannot create the output folder ({exc.strerror})",
                        setting="out",
                        fix="pass a writable --out folder",
                    )
                ]
            ) from None
        findings = out / "findings.json"
        report = out / "report.html"
        findings.write_text(self.to_json() + "\n", encoding="utf-8")
        report.write_text(self.to_html(), encoding="utf-8")
        paths = [report, findings]
        split = self.context.get("split_by") or "split"
        splits = self.context.get("splits", {})
        folders = split_folders(split, list(splits))
        for value, sub in splits.items():
            paths += AuditReport.of(sub).write(out / folders[value])
        return paths


def split_folders(attribute: str, values: list[str]) -> dict[str, str]:
    """A folder name per split value, never two the same (also on case-blind disks).

    Names keep letters, digits and ``-_.=``; any other character becomes ``_`` and the
    name is cut to 80 characters. A value whose name had to change that way, or whose
    name would equal another's ignoring case, gets the first 8 hex digits of its SHA-256
    appended, so ``A/B`` and ``A_B`` (or ``us`` and ``US``) write to different folders.

    >>> split_folders("country", ["A/B", "A_B", "KE"])
    {'A/B': 'country=A_B-998d3ed8', 'A_B': 'country=A_B', 'KE': 'country=KE'}
    """
    plain = {v: _safe(f"{attribute}={v}") for v in values}
    kept = Counter(name.lower() for v, name in plain.items() if name == f"{attribute}={v}")
    out = {}
    for v, name in plain.items():
        if name != f"{attribute}={v}" or kept[name.lower()] > 1:
            name = f"{name[:71]}-{hashlib.sha256(v.encode('utf-8')).hexdigest()[:8]}"
        out[v] = name
    return out


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() or c in "-_.=" else "_" for c in name)[:80]
