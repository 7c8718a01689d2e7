"""The words findings are graded and sorted by: severities, categories, audiences.

Every stage that names a severity or a category (the config, the rule files, the
checks, the renderers, ``labelaudit diff``) reads these, so they are declared once.
"""

from __future__ import annotations

#: most severe first; ``--fail-on`` takes one of the first three
SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
#: finding categories (CONTRACT section 3)
CATEGORIES: tuple[str, ...] = (
    "data",
    "coverage",
    "disagreement",
    "representativeness",
    "guidelines",
    "process",
)
#: who a report is written for (``--audience``)
AUDIENCES: tuple[str, ...] = ("internal", "vendor")
#: ``--format`` names, beside the report.html and findings.json every audit writes
OUTPUT_FORMATS: tuple[str, ...] = ("sarif", "junit", "github", "markdown", "datacard")


def severity_counts(severities: object) -> dict[str, int]:
    """How many of each severity, every severity present (zero when absent).

    >>> severity_counts(["high", "low", "high"])
    {'high': 2, 'medium': 0, 'low': 1, 'info': 0}
    """
    counts = dict.fromkeys(SEVERITIES, 0)
    for s in severities:  # type: ignore[attr-defined]
        counts[s] += 1
    return counts
