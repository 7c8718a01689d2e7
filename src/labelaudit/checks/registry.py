"""Rules registry: YAML metadata (``rules/LAxxx.yaml``) joined with small Python checks.

A rule's metadata (code, title, category, default severity, parameters, rationale,
remediation, reviewer questions) lives in YAML. Its logic is a function registered
with :func:`check` under the same code. A check reads metric tables from the
:class:`CheckContext` (already privacy-filtered) and yields findings through
:meth:`CheckContext.hit`; it never reads files and never sees raw annotator ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from labelaudit.result import CATEGORIES, SEVERITIES, Finding


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
    kind: str = "python"  # python | threshold | lexicon (declarative user rules)
    spec: dict = field(default_factory=dict)  # declarative rule body
    path: str | None = None

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.parameters.items()}


CheckFn = Callable[["CheckContext"], Iterable[Finding]]
_CHECKS: dict[str, CheckFn] = {}


def check(code: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the logic of rule ``code`` (metadata comes from YAML)."""

    def deco(fn: CheckFn) -> CheckFn:
        if code in _CHECKS:
            raise RuntimeError(f"rule {code} registered twice")
        _CHECKS[code] = fn
        return fn

    return deco


def registered_checks() -> dict[str, CheckFn]:
    import labelaudit.checks  # noqa: F401  (imports every check module)

    return dict(_CHECKS)


# ------------------------------------------------------------------ metadata
class RuleFileError(ValueError):
    """A rules YAML file is malformed; the message names the file and the key."""


def builtin_rules_dir() -> Path:
    """The shipped ``rules/`` folder (package data when installed, repo folder in dev)."""
    packaged = resources.files("labelaudit").joinpath("_rules")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "rules"


def load_rules(extra_dirs: Iterable[Path] = ()) -> dict[str, Rule]:
    """Load every ``LAxxx.yaml`` rule (built-in first, then user ``rules_dir``s)."""
    rules: dict[str, Rule] = {}
    for folder in [builtin_rules_dir(), *map(Path, extra_dirs)]:
        if not folder.is_dir():
            raise RuleFileError(
                f"{folder}: rules_dir is not a folder; point rules_dir at a folder of rule YAML files"
            )
        for path in sorted(folder.glob("*.yaml")):
            rule = parse_rule(path)
            if rule.code in rules and folder != builtin_rules_dir():
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
        kind=str(raw.get("kind", "python")),
        spec=dict(raw.get("spec") or {}),
        path=str(path),
    )


# ------------------------------------------------------------------- context
@dataclass
class CheckContext:
    """What a check may read: privacy-filtered metric tables, bundle facts, parameters."""

    metrics: dict[str, pd.DataFrame]
    facts: dict[str, Any]  # non-tabular facts: schema, guideline lines, data issues...
    rule: Rule | None = None
    params: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None

    def metric(self, name: str) -> pd.DataFrame:
        """A metric table, or an empty frame when the analysis did not run."""
        return self.metrics.get(name, pd.DataFrame())

    def param(self, name: str) -> Any:
        if name not in self.params:
            raise KeyError(f"rule {self.rule.code if self.rule else '?'} has no parameter {name!r}")
        return self.params[name]

    def hit(
        self,
        message: str,
        *,
        subject: dict | None = None,
        evidence: dict | None = None,
        severity: str | None = None,
    ) -> Finding:
        """Build a finding for the current rule (title, category, remediation from YAML)."""
        assert self.rule is not None
        return Finding(
            rule=self.rule.code,
            category=self.rule.category,
            # a configured override beats the check's own grading, which beats the default
            severity=self.severity or severity or self.rule.severity,
            title=self.rule.title,
            message=message,
            subject={k: v for k, v in (subject or {}).items() if v is not None},
            evidence=evidence or {},
            recommendation=self.rule.remediation,
        )


def iter_hits(fn: CheckFn, ctx: CheckContext) -> Iterator[Finding]:
    yield from fn(ctx)
