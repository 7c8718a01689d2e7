"""A finding: what a check says about one subject, with its evidence and what to do."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from labelaudit.jsonable import jsonable
from labelaudit.vocabulary import SEVERITY_RANK


@dataclass
class Finding:
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
        return (SEVERITY_RANK[self.severity], self.rule, json.dumps(self.subject, sort_keys=True))

    def to_dict(self) -> dict:
        d = asdict(self)
        for optional in ("recommendation", "fingerprint"):
            if d[optional] is None:
                del d[optional]
        d["subject"] = {k: v for k, v in d["subject"].items() if v is not None}
        return jsonable(d)
