"""Finding fingerprints: the same finding gets the same string in every run.

``labelaudit diff``, SARIF ``partialFingerprints`` and CI dashboards match findings
across runs by this string, so it is built only from what says *which* finding it is,
never from what the run measured:

- every finding: the rule code and its subject keys (field, attribute, group, language,
  value, item_id, guideline), never a figure, a severity or a message;
- a finding about a guideline line: the normalised text of that line instead of its
  number (so adding lines above it, re-wrapping, re-numbering a list or changing case
  and emphasis leaves it alone), plus the matched term when the check names one (one
  line can hold several flagged terms).

Two findings that still share every part are told apart by their order of emission
(the checks emit in a deterministic order), the second getting ``occurrence`` 2, and
so on; the first keeps the fingerprint it would have alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable

from labelaudit.bundle.types import Guideline
from labelaudit.checks.finding import Finding

#: hex digits kept of the SHA-256 (128 bits: no collision in any realistic run)
LENGTH = 32

# line-leading structure that re-numbering or re-formatting changes: heading marks,
# quote marks, bullets, list numbers ("3." / "3)")
_LEAD = re.compile(r"^(?:#{1,6}|>|[-*+\u2022\u2023\u25e6]|\d{1,3}[.)])\s+")
_EMPHASIS = re.compile(r"[*_`~]+")
_SPACE = re.compile(r"\s+")
_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def normalise_line(text: str) -> str:
    """A guideline line with its cosmetic formatting removed.

    Examples
    --------
    >>> normalise_line("  ## 3. Use  **Fahrenheit** for temperatures ")
    'use fahrenheit for temperatures'
    >>> normalise_line("- \u201cThanksgiving\u201d dinners") == normalise_line('* "thanksgiving" dinners')
    True
    """
    t = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).strip()
    while (stripped := _LEAD.sub("", t, count=1)) != t:  # "> - 2. item" has several
        t = stripped.lstrip()
    t = _EMPHASIS.sub("", t)
    return _SPACE.sub(" ", t).strip().casefold()


def identity(finding: Finding, lines: dict[str, list[str]]) -> dict:
    """What the fingerprint of ``finding`` is made of (before any occurrence number).

    ``lines`` maps each guideline's name to its numbered lines (1-based).
    """
    subject = finding.subject or {}
    ident: dict = {
        "rule": finding.rule,
        "subject": {k: str(v) for k, v in subject.items() if v is not None and k != "line"},
    }
    line = subject.get("line")
    if line is not None:
        doc = lines.get(str(subject.get("guideline")))
        if doc is not None and isinstance(line, int) and 1 <= line <= len(doc):
            ident["line_text"] = normalise_line(doc[line - 1])
        else:  # the line is not in the run's guidelines: its number is all there is
            ident["line"] = line
        term = (finding.evidence or {}).get("term")
        if isinstance(term, str) and term:
            ident["term"] = unicodedata.normalize("NFKC", term).casefold()
    return ident


def digest(ident: dict, occurrence: int = 1) -> str:
    """The fingerprint string of an identity (see :func:`identity`)."""
    if occurrence > 1:
        ident = {**ident, "occurrence": occurrence}
    payload = json.dumps(ident, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:LENGTH]


def assign_fingerprints(findings: list[Finding], guidelines: Iterable[Guideline]) -> None:
    """Set ``fingerprint`` on every finding, in emission order (before any sorting).

    Emission order is the checks' own, which depends on the metric tables only, so the
    occurrence numbers of look-alike findings are as stable as the findings themselves.
    """
    lines = {g.name: g.lines for g in guidelines}
    seen: dict[str, int] = {}
    for f in findings:
        base = digest(identity(f, lines))
        seen[base] = seen.get(base, 0) + 1
        f.fingerprint = base if seen[base] == 1 else digest(identity(f, lines), seen[base])
