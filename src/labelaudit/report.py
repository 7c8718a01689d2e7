"""The result with its renderers: what ``labelaudit.audit()`` returns and the CLI writes.

:class:`AuditReport` is an :class:`~labelaudit.result.AuditResult` (the snapshot:
summary, metric tables, findings, provenance) that can also render itself as the HTML
report, SARIF, JUnit XML, a Markdown summary, a data card's annotator section and GitHub
workflow commands, and write ``report.html``, ``findings.json`` and the files of the
``--format``s asked for (and the split reports) into a folder. The snapshot itself knows nothing about any format;
this facade sits after the renderers in the data flow.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import fields
from pathlib import Path

from labelaudit.errors import InputError, Problem
from labelaudit.render.datacard import render_datacard
from labelaudit.render.github import render_github
from labelaudit.render.html import render_html
from labelaudit.render.junit import render_junit
from labelaudit.render.markdown import render_markdown
from labelaudit.render.notebook import render_notebook
from labelaudit.render.overview import split_folders
from labelaudit.render.sarif import render_sarif
from labelaudit.result import AuditResult
from labelaudit.vocabulary import OUTPUT_FORMATS as FORMATS

#: ``--format`` -> the file it writes into the output folder (``github`` prints instead)
FORMAT_FILES = {
    "sarif": "findings.sarif",
    "junit": "junit.xml",
    "markdown": "summary.md",
    "datacard": "datacard.md",
}


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

    def __repr__(self) -> str:
        name = self.context.get("bundle_name") or "audit"
        return f"<AuditReport {name}: {self.verdict().text()}>"

    def _repr_html_(self) -> str:
        """What a notebook shows: the verdict, counts and the top findings."""
        return render_notebook(self)

    def to_html(self) -> str:
        """The self-contained HTML report (no network fetches, no external files)."""
        return render_html(self)

    def to_sarif(self) -> str:
        """The SARIF 2.1.0 log (``findings.sarif``)."""
        return render_sarif(self)

    def to_junit(self) -> str:
        """The JUnit XML report (``junit.xml``): failures are the findings at or above fail_on."""
        return render_junit(self)

    def to_markdown(self, report: str | None = None) -> str:
        """The Markdown summary (``summary.md``, GitHub job summaries, PR comments)."""
        return render_markdown(self, report)

    def to_datacard(self, report: str = "report.html") -> str:
        """The annotator section of a data card (``datacard.md``), linking to ``report``."""
        return render_datacard(self, report)

    def to_github(self) -> str:
        """GitHub Actions workflow commands, one annotation per finding."""
        return render_github(self)

    def write(self, out: Path, formats: tuple[str, ...] | list[str] = ()) -> list[Path]:
        """Write ``report.html``, ``findings.json`` and each file format asked for into ``out``.

        ``formats`` are ``--format`` names; ``github`` writes no file (see
        :meth:`to_github`). Split reports (``--split-by``) go to one sub-folder each, with
        the same formats. Returns the paths written, the report first.
        """
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {unknown}; use {', '.join(FORMATS)}")
        ensure_writable(out)
        findings = out / "findings.json"
        report = out / "report.html"
        report.write_text(self.to_html(), encoding="utf-8")
        findings.write_text(self.to_json() + "\n", encoding="utf-8")
        paths = [report, findings]
        for name in dict.fromkeys(formats):
            if name in FORMAT_FILES:
                path = out / FORMAT_FILES[name]
                path.write_text(self._render(name, report), encoding="utf-8")
                paths.append(path)
        split = self.context.get("split_by") or "split"
        splits = self.context.get("splits", {})
        folders = split_folders(split, [str(v) for v in splits])
        for value, sub in splits.items():
            paths += AuditReport.of(sub).write(out / folders[str(value)], formats)
        return paths

    def _render(self, name: str, report: Path) -> str:
        if name == "sarif":
            return self.to_sarif()
        if name == "junit":
            return self.to_junit()
        if name == "datacard":
            return self.to_datacard(report.name)
        return self.to_markdown(report.name)


def ensure_writable(out: Path) -> list[Path]:
    """Create ``out`` (and its parents) and prove a file can be written there.

    Raises one :class:`InputError` naming the folder otherwise, so an audit can be
    refused before it runs rather than fail after minutes of statistics. Returns the
    folders it created (the caller may remove them if the audit then stops on bad input).
    """
    missing = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".labelaudit-write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        what = (
            "names a file, not a folder"
            if out.exists() and not out.is_dir()
            else f"cannot be created or written to ({exc.strerror or exc})"
        )
        raise InputError(
            [
                Problem(
                    str(out),
                    f"the output folder {what}",
                    setting="out",
                    fix="pass a writable --out folder",
                )
            ]
        ) from None
    return list(reversed(missing))
