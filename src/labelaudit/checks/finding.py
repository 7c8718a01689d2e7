"""A finding: what a check says about one subject, with its evidence and what to do."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

from labelaudit.jsonable import jsonable
from labelaudit.vocabulary import SEVERITY_RANK


@dataclass
class Finding:
    """One rule's verdict on one subject.

    ``evidence`` holds the figures behind it. A finding that judged a figure against a
    cut-off also names them: ``evidence["measure"]`` is the evidence key of the figure
    and ``evidence["threshold"]`` the value it was compared with, so the breach (how
    far past the threshold) can be compared across findings (:meth:`breach`).
    """

    rule: str
    category: str
    severity: str
    title: str
    message: str
    subject: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    recommendation: str | None = None
    #: stable identity across reruns, seeds, row order and cosmetic guideline edits;
    #: set once per run by :func:`labelaudit.checks.fingerprint.assign_fingerprints`
    fingerprint: str | None = None
    #: framework items the finding is evidence for (the rule's ``standards:``), never a verdict
    standards: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple:
        """The findings.json order: severity, rule, subject (stable across runs)."""
        return (SEVERITY_RANK[self.severity], self.rule, json.dumps(self.subject, sort_keys=True))

    def breach(self) -> float | None:
        """How far the figure is past its threshold, on a scale shared by every rule.

        A figure and a threshold of the same sign are compared on the log scale (a ratio
        of 0.25 against 0.8 is as far past as one of 4.0 against 1.25: 3.2 times), any
        other pair by the distance relative to the threshold. None when the finding
        judged no figure (a data issue, a guideline line).

        >>> f = Finding("LA401", "representativeness", "high", "t", "m")
        >>> f.evidence = {"ratio": 0.25, "measure": "ratio", "threshold": 0.8}
        >>> round(f.breach(), 3)
        1.163
        >>> f.evidence = {"alpha": -0.25, "measure": "alpha", "threshold": 0.5}
        >>> f.breach()
        1.5
        """
        ev = self.evidence
        value, cut = _number(ev.get(str(ev.get("measure")))), _number(ev.get("threshold"))
        if value is None or cut is None:
            return None
        if value * cut > 0:
            return abs(math.log(value / cut))
        return abs(value - cut) / abs(cut) if cut else abs(value)

    def rank_key(self) -> tuple:
        """The report's order: severity, then the largest breach, then rule and subject.

        Findings that judged no figure come after those that did, within their severity.
        """
        b = self.breach()
        return (SEVERITY_RANK[self.severity], b is None, -(b or 0.0), *self.sort_key()[1:])

    def to_dict(self) -> dict:
        """The finding as findings.json writes it (empty optional keys left out)."""
        d = asdict(self)
        for optional in ("recommendation", "fingerprint"):
            if d[optional] is None:
                del d[optional]
        d["subject"] = {k: v for k, v in d["subject"].items() if v is not None}
        return jsonable(d)


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None
