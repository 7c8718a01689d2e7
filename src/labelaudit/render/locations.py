"""Where a finding points, for the CI renderers (SARIF, JUnit, workflow commands).

A guideline finding points at its guideline file and line. Every other finding is about
a table as a whole: it points at the input file it was computed from (the file a data
finding names; the annotators table for representativeness; the items table for
coverage; else the judgments). File paths are the ones the pipeline recorded in
``context["files"]``, relative to the working directory of the run, which is what CI
systems resolve against the checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from labelaudit.checks.finding import Finding
from labelaudit.result import AuditResult

#: the input a finding of each category is computed from, when it names none itself
CATEGORY_ROLE = {
    "representativeness": "annotators",
    "coverage": "items",
    "guidelines": "guideline",
}


@dataclass(frozen=True)
class Location:
    """A file (as the run's user would write its path) and, where known, a line."""

    path: str
    line: int | None = None


def files_of(result: AuditResult) -> dict[str, str]:
    """Role -> path of every input of the run (guidelines as ``guideline:NAME``)."""
    return {str(k): str(v) for k, v in (result.context.get("files") or {}).items()}


def location(finding: Finding, files: dict[str, str]) -> Location | None:
    """The file (and line) ``finding`` is about; None when the run recorded no files."""
    subject = finding.subject or {}
    guideline = subject.get("guideline")
    if guideline is not None and f"guideline:{guideline}" in files:
        line = subject.get("line")
        return Location(files[f"guideline:{guideline}"], line if isinstance(line, int) else None)
    named = (finding.evidence or {}).get("file")
    if isinstance(named, str):
        for path in files.values():
            if PurePosixPath(path).name == named:
                return Location(path)
    role = CATEGORY_ROLE.get(finding.category)
    if role == "guideline":
        first = sorted(k for k in files if k.startswith("guideline:"))
        if first:
            return Location(files[first[0]])
    elif role in files:
        return Location(files[role])
    if "judgments" in files:
        return Location(files["judgments"])
    return None


def subject_label(finding: Finding) -> str:
    """``region=Africa, field=toxicity``-style text for the subject ('the bundle' if none)."""
    subject = {k: v for k, v in (finding.subject or {}).items() if v is not None}
    text = ", ".join(f"{k}={v}" for k, v in subject.items())
    term = (finding.evidence or {}).get("term")
    if "line" in subject and isinstance(term, str):
        text += f", term={term}"
    return text or "the bundle"
