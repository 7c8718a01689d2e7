"""Rule metadata: ``rules/LAxxx.yaml`` (and user ``rules_dir`` files) parsed and checked.

A rule file holds the code, title, category, default severity, parameters (each with
its default and where that default comes from), rationale, remediation (and
``vendor_remediation``: what a labeling vendor can do about it, the text of the vendor
edition), reviewer questions, the framework items it speaks to and the inputs it needs
(read by :mod:`labelaudit.rulebook.standards`); ``labelaudit rules CODE`` prints it. A
malformed file is a :class:`RuleFileError` naming the file and the key; every problem of
every file is collected first. User rules (``rules_dir``) are declarative (``kind:
threshold`` or ``kind: lexicon``, :mod:`labelaudit.rulebook.declarative`): their spec is
checked and compiled here, so a broken user rule stops the run before anything is read.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labelaudit.errors import Problem
from labelaudit.rulebook.declarative import KINDS, Spec, compile_spec
from labelaudit.rulebook.standards import framework_keys
from labelaudit.shipped import rules_dir
from labelaudit.vocabulary import CATEGORIES, SEVERITIES
from labelaudit.yamlfiles import read_mapping

#: parameter types a rule may declare (``type:``); otherwise the default's type rules
PARAM_TYPES = ("number", "integer", "text", "boolean", "list", "table")


@dataclass
class RuleParam:
    name: str
    default: Any
    description: str = ""
    source: str = ""  # where the default comes from (a citation or a convention)
    type: str | None = None  # declared type (needed when the default is null)


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
    spec: dict = field(default_factory=dict)  # declarative rule body, as written
    path: str | None = None
    #: framework items a finding of this rule is evidence for (rules/standards/vocabulary.yaml)
    standards: list[str] = field(default_factory=list)
    standards_note: str = ""  # why no framework item applies, when standards is empty
    #: optional inputs the check reads (labelaudit.bundle.inputs.INPUTS)
    needs: list[str] = field(default_factory=list)
    #: the declarative spec checked and compiled (None for python rules)
    compiled: Spec | None = None

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.parameters.items()}

    def for_vendor(self) -> Rule:
        """This rule as the vendor edition states it: its "what to do" is the vendor's."""
        return replace(self, remediation=self.vendor_remediation or self.remediation)


class RuleFileError(ValueError):
    """Rule files are malformed; ``problems`` names each file and key, with a fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))


def load_rules(extra_dirs: Iterable[Path] = ()) -> dict[str, Rule]:
    """Load every ``LAxxx.yaml`` rule (built-in first, then user ``rules_dir``s).

    Raises :class:`RuleFileError` with the problems of every file.
    """
    rules: dict[str, Rule] = {}
    problems: list[Problem] = []
    shipped = rules_dir()
    for folder in [shipped, *map(Path, extra_dirs)]:
        if not folder.is_dir():
            problems.append(
                Problem(str(folder), "rules_dir is not a folder", setting="rules_dir",
                        fix="point rules_dir at a folder of rule YAML files")
            )  # fmt: skip
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                rule = parse_rule(path, user=folder != shipped)
            except RuleFileError as exc:
                problems += exc.problems
                continue
            if rule.code in rules and folder != shipped:
                problems.append(
                    Problem(str(path), f"rule code {rule.code} is already defined by "
                            f"{rules[rule.code].path}", fix="give the user rule another code")
                )  # fmt: skip
                continue
            rules[rule.code] = rule
    if problems:
        raise RuleFileError(problems)
    return rules


_REQUIRED = ("code", "title", "category", "severity", "rationale", "remediation", "questions")
_KEYS = (*_REQUIRED, "name", "summary", "parameters", "references", "audience", "kind", "spec",
         "standards", "standards_note", "needs", "vendor_remediation")  # fmt: skip
_PARAM_KEYS = ("default", "description", "source", "type")


def parse_rule(path: Path, *, user: bool = False) -> Rule:
    """Read and check one rule file; raise :class:`RuleFileError` with all its problems.

    ``user`` rules must be declarative (``kind: threshold`` or ``kind: lexicon``).
    """
    where = str(path)
    problems: list[Problem] = []

    def bad(message: str, fix: str) -> None:
        problems.append(Problem(where, message, fix=fix))

    raw = read_mapping(path, "the rule", f"write the keys {', '.join(_REQUIRED)} "
                       "(see rules/LA101.yaml)", problems)  # fmt: skip
    if raw is None:
        raise RuleFileError(problems)
    for key in raw:
        if key not in _KEYS:
            hint = difflib.get_close_matches(str(key), _KEYS, n=1)
            bad(f"unknown key {key!r}", f"did you mean {hint[0]!r}?" if hint
                else f"use only {', '.join(_KEYS)}")  # fmt: skip
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        bad(f"missing key(s) {', '.join(missing)}", f"add {', '.join(missing)}")
    code = raw.get("code")
    if "code" in raw and path.stem != str(code):
        bad(f"file name must match the rule code {code!r}", f"rename the file {code}.yaml")
    if "category" in raw and raw["category"] not in CATEGORIES:
        bad(f"category {raw['category']!r} is not one of {', '.join(CATEGORIES)}",
            "use one of those categories")  # fmt: skip
    if "severity" in raw and raw["severity"] not in SEVERITIES:
        bad(f"severity {raw['severity']!r} is not one of {', '.join(SEVERITIES)}",
            "use one of those severities")  # fmt: skip
    for key in ("title", "rationale", "remediation", "summary", "name", "vendor_remediation"):
        if key in raw and not isinstance(raw[key], str):
            bad(f"{key} must be text", f"write {key}: followed by text")
    for key in ("questions", "references"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(q, str) for q in value):
            bad(f"{key} must be a list of strings", "quote an item that contains ': '")
    if raw.get("audience", "all") not in ("all", "internal"):
        bad(f"audience {raw['audience']!r} is not all or internal", "write audience: internal")
    params = _parameters(raw.get("parameters") or {}, bad)
    kind = raw.get("kind", "declarative" if user else "python")
    compiled = None
    if user and kind not in KINDS:
        bad(f"a user rule's 'kind' must be threshold or lexicon, got {kind!r}"
            if "kind" in raw else "a user rule needs 'kind': threshold or lexicon",
            "write kind: threshold (a metric against a value) or kind: lexicon (patterns "
            "over the guideline lines); see src/labelaudit/rulebook/declarative.py")  # fmt: skip
    elif user or kind in KINDS:
        compiled, spec_problems = compile_spec(
            kind, raw.get("spec"), {k: p.default for k, p in params.items()}
        )
        for message in spec_problems:
            bad(message, "see the spec format in src/labelaudit/rulebook/declarative.py")
    elif kind != "python":
        bad(f"kind must be python, threshold or lexicon, got {kind!r}", "write kind: threshold")
    frameworks: dict = {}
    try:
        frameworks = framework_keys(raw, path)
    except ValueError as exc:
        bad(str(exc).removeprefix(f"{path}: "), "see rules/standards/README.md")
    if problems:
        raise RuleFileError(problems)
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
        vendor_remediation=str(raw.get("vendor_remediation") or "").strip(),
        kind=str(kind),
        spec=dict(raw.get("spec") or {}),
        path=where,
        compiled=compiled,
        **frameworks,
    )


def _parameters(raw: object, bad) -> dict[str, RuleParam]:
    if not isinstance(raw, dict):
        bad("parameters must map each name to {default, description, source}",
            "write parameters: {tau: {default: 0.8, description: ..., source: ...}}")  # fmt: skip
        return {}
    params = {}
    for name, p in raw.items():
        if not isinstance(p, dict) or "default" not in p:
            bad(f"parameter {name!r} needs a 'default'", f"write {name}: {{default: ...}}")
            continue
        unknown = sorted(set(p) - set(_PARAM_KEYS))
        if unknown:
            bad(f"parameter {name!r} has unknown key(s) {unknown}",
                f"use only {', '.join(_PARAM_KEYS)}")  # fmt: skip
        declared = p.get("type")
        if declared is not None and declared not in PARAM_TYPES:
            bad(f"parameter {name!r} has type {declared!r}", f"use one of {', '.join(PARAM_TYPES)}")
        params[str(name)] = RuleParam(
            name=str(name),
            default=p["default"],
            description=str(p.get("description", "")),
            source=str(p.get("source", "")),
            type=declared,
        )
    return params
