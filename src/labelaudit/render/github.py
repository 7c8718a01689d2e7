"""Render an audit result as GitHub Actions workflow commands (annotations).

One line per finding, e.g.
``::error file=data/guidelines.md,line=12,title=LA301 Culture-specific reference::…``.
A finding at or above the run's ``--fail-on`` is an ``error`` (it fails the gate); below
it, medium is a ``warning`` and low and info are a ``notice``. Guideline findings carry
the file and line, so the annotation shows on that line of the pull request's diff.

Values are escaped as the Actions toolkit does (``escapeData`` / ``escapeProperty`` in
``@actions/core``): ``%``, CR and LF in the message; those and ``:`` and ``,`` in
properties. A guideline line quoted in a message therefore can't start a command of its
own. GitHub shows at most 10 errors and 10 warnings per step, so findings come most
severe first.

Reads only the :class:`~labelaudit.result.AuditResult`, like every renderer.
"""

from __future__ import annotations

from labelaudit.checks.finding import Finding
from labelaudit.render.locations import files_of, location
from labelaudit.result import AuditResult
from labelaudit.vocabulary import SEVERITY_RANK


def escape_data(text: str) -> str:
    """A command's message, escaped.

    >>> escape_data("50% of\\r\\nraters")
    '50%25 of%0D%0Araters'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value, escaped.

    >>> escape_property("a: b, c%")
    'a%3A b%2C c%25'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_for(f: Finding, fail_on: str) -> str:
    """``error``, ``warning`` or ``notice`` for ``f`` under the gate ``fail_on``."""
    if SEVERITY_RANK[f.severity] <= SEVERITY_RANK[fail_on]:
        return "error"
    return "warning" if f.severity == "medium" else "notice"


def render_github(result: AuditResult) -> str:
    """Every finding as a workflow command line, most severe first."""
    fail_on = result.fail_on
    files = files_of(result)
    lines = []
    for f in sorted(result.findings, key=Finding.sort_key):
        props: dict[str, str] = {}
        where = location(f, files)
        if where is not None and where.line is not None:
            props["file"] = where.path
            props["line"] = str(where.line)
        props["title"] = f"{f.rule} {f.title} ({f.severity})"
        head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
        lines.append(f"::{command_for(f, fail_on)} {head}::{escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
