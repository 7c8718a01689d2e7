"""The result with its renderers: what ``labelaudit.audit()`` returns and the CLI writes.

:class:`AuditReport` is an :class:`~labelaudit.result.AuditResult` (the snapshot:
summary, metric tables, findings, provenance) that can also render itself as the HTML
report and write ``report.html`` and ``findings.json`` (and the split reports) into a
folder. The snapshot itself knows nothing about HTML; this facade sits after the
renderers in the data flow.
"""

from __future__ import annotations

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
        for value, sub in self.context.get("splits", {}).items():
            paths += AuditReport.of(sub).write(out / _slug(split, value))
        return paths


def _slug(attribute: str, value: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in f"{attribute}={value}")
    return safe[:80]
