"""Rule metadata: ``rules/LAxxx.yaml`` (and user ``rules_dir`` files) parsed and checked.

A rule file holds the code, title, category, default severity, parameters (each with
its default and where that default comes from), rationale, remediation (and
``vendor_remediation``: what a labeling vendor can do about it, the text of the vendor
edition) and reviewer questions; ``labelaudit rules CODE`` prints it. A malformed file is a
:class:`RuleFileError` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from labelaudit.shipped import rules_dir
from labelaudit.vocabulary import CATEGORIES, SEVERITIES


@dataclass
class RuleParam:
    name: str
    default: Any
    description: str = ""
    source: str = ""  # where the default comes from (a citation or a convention)


@dataclass
class Rule:
    code: str
    name: str
    title: str
    category: str
    severity: str
    summary: str
    rationale: str
    remediation: str
    questions: list[str]
    parameters: dict[str, RuleParam] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    audience: str = "all"  # "all" or "internal" (left out of vendor reports)
    #: what a labeling vendor can do (recruitment, routing, pay, training, translation);
    #: the vendor edition's "what to do", falling back to ``remediation`` when empty
    vendor_remediation: str = ""
    kind: str = "python"  # python | threshold | lexicon (declarative user rules)
    spec: dict = field(default_factory=dict)  # declarative rule body
    path: str | None = None

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.parameters.items()}

    def for_vendor(self) -> Rule:
        """This rule as the vendor edition states it: its "what to do" is the vendor's."""
        return replace(self, remediation=self.vendor_remediation or self.remediation)


class RuleFileError(ValueError):
    """A rules YAML file is malformed; the message names the file and the key."""


def load_rules(extra_dirs: Iterable[Path] = ()) -> dict[str, Rule]:
    """Load every ``LAxxx.yaml`` rule (built-in first, then user ``rules_dir``s)."""
    rules: dict[str, Rule] = {}
    for folder in [rules_dir(), *map(Path, extra_dirs)]:
        if not folder.is_dir():
            raise RuleFileError(
                f"{folder}: rules_dir is not a folder; point rules_dir at a folder of rule YAML files"
            )
        for path in sorted(folder.glob("*.yaml")):
            rule = parse_rule(path)
            if rule.code in rules and folder != rules_dir():
                raise RuleFileError(
                    f"{path}: rule code {rule.code} is already defined by "
                    f"{rules[rule.code].path}; give the user rule another code"
                )
            rules[rule.code] = rule
    return rules


_REQUIRED = ("code", "title", "category", "severity", "rationale", "remediation", "questions")


def parse_rule(path: Path) -> Rule:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleFileError(f"{path}: not valid YAML ({exc}); fix the syntax") from None
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: expected a mapping with keys {', '.join(_REQUIRED)}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise RuleFileError(f"{path}: missing key(s) {', '.join(missing)}")
    if raw["category"] not in CATEGORIES:
        raise RuleFileError(
            f"{path}: category {raw['category']!r} is not one of {', '.join(CATEGORIES)}"
        )
    if raw["severity"] not in SEVERITIES:
        raise RuleFileError(
            f"{path}: severity {raw['severity']!r} is not one of {', '.join(SEVERITIES)}"
        )
    if path.stem != raw["code"]:
        raise RuleFileError(f"{path}: file name must match the rule code {raw['code']!r}")
    if not isinstance(raw["questions"], list) or not all(
        isinstance(q, str) for q in raw["questions"]
    ):
        raise RuleFileError(
            f"{path}: questions must be a list of strings (quote a question that contains ': ')"
        )
    vendor = raw.get("vendor_remediation", "")
    if not isinstance(vendor, str):
        raise RuleFileError(f"{path}: vendor_remediation must be text (what a vendor can do)")
    params = {}
    for name, p in (raw.get("parameters") or {}).items():
        if not isinstance(p, dict) or "default" not in p:
            raise RuleFileError(f"{path}: parameter {name!r} needs a 'default'")
        params[name] = RuleParam(
            name=name,
            default=p["default"],
            description=str(p.get("description", "")),
            source=str(p.get("source", "")),
        )
    return Rule(
        code=str(raw["code"]),
        name=str(raw.get("name", raw["code"])),
        title=str(raw["title"]),
        category=raw["category"],
        severity=raw["severity"],
        summary=str(raw.get("summary", raw["title"])),
        rationale=str(raw["rationale"]).strip(),
        remediation=str(raw["remediation"]).strip(),
        questions=[str(q) for q in raw["questions"]],
        parameters=params,
        references=[str(r) for r in raw.get("references", [])],
        audience=str(raw.get("audience", "all")),
        vendor_remediation=vendor.strip(),
        kind=str(raw.get("kind", "python")),
        spec=dict(raw.get("spec") or {}),
        path=str(path),
    )
