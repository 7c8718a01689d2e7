"""The rulebook of one run: the rules that run and their resolved parameters.

Rule YAML is read once per run, and each rule's parameters are resolved once (the YAML
defaults, overridden by ``[rules.LAxxx]`` in ``labelaudit.toml``) before any analysis
runs. Analyses that compute a figure a rule judges (LA009's XRR cut-off, LA112's QC
cut, LA501/LA503/LA504's timing and pay settings) read it from the same
:class:`Rulebook` the checks read, so a user's setting changes both the figure and the
verdict. Which rules run (``select``, ``ignore``, the audience) is decided here too, and
for the vendor edition each rule's remediation is its ``vendor_remediation``.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.rulebook.floors import PayFloors, pay_floors
from labelaudit.rulebook.rules import Rule, RuleFileError, RuleParam, load_rules
from labelaudit.settings import shown

_CODE = re.compile(r"[A-Z]{2,4}[0-9]{3}")


@dataclass
class Rulebook:
    """The rules of one run with their parameters resolved (YAML defaults < config)."""

    rules: dict[str, Rule]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: a severity set in ``[rules.LAxxx]``, which beats the check's own grading
    severities: dict[str, str] = field(default_factory=dict)
    #: codes of the rules that run (selected, not ignored, meant for the audience)
    active: tuple[str, ...] = ()
    #: code -> why the rule does not run (left out by ``select``, ``ignore``, the audience)
    skipped: dict[str, str] = field(default_factory=dict)
    #: LA504's pay floors, parsed from its parameters
    pay_floors: PayFloors = field(default_factory=dict)

    def param(self, code: str, name: str) -> Any:
        """The resolved value of one parameter of rule ``code`` (a KeyError names both)."""
        try:
            return self.params[code][name]
        except KeyError:
            raise KeyError(f"rule {code} has no parameter {name!r}") from None

    def __iter__(self):
        """The codes of the rules that run, in code order."""
        return iter(self.active)


def build_rulebook(cfg: AuditConfig) -> Rulebook:
    """Load the rules and resolve their parameters for ``cfg``; every problem in one error.

    Unknown rule codes in ``select``/``ignore``/``[rules]``, unknown parameters (with the
    nearest known name) and parameters of the wrong type (checked against the parameter's
    declared ``type``, else its YAML default's) are bad input (exit 2), reported together.
    """
    rules = read_rules(cfg.rules_dir)
    where = str(cfg.config_path or "command line")
    problems = _unknown_codes(cfg, rules, where)
    for code, body in cfg.rules.items():
        if code in rules and isinstance(body, dict):
            problems += _parameter_problems(rules[code], body, where)
    if problems:
        raise InputError(problems)
    params: dict[str, dict[str, Any]] = {}
    severities: dict[str, str] = {}
    for code, rule in rules.items():
        body = dict(cfg.rules.get(code) or {})
        severity = body.pop("severity", None)
        if severity is not None:
            severities[code] = severity
        params[code] = {**rule.defaults(), **body}
    floors: PayFloors = {}
    if "LA504" in params:
        base = cfg.config_path.parent if cfg.config_path is not None else None
        floors = pay_floors(params["LA504"], base, problems, where)
    if problems:
        raise InputError(problems)
    skipped = {code: why for code in sorted(rules) if (why := _skip_reason(rules[code], cfg))}
    active = tuple(code for code in sorted(rules) if code not in skipped)
    if cfg.audience == "vendor":  # the vendor edition says what a vendor can do
        rules = {code: rule.for_vendor() for code, rule in rules.items()}
    return Rulebook(
        rules=rules,
        params=params,
        severities=severities,
        active=active,
        skipped=skipped,
        pay_floors=floors,
    )


def read_rules(extra_dirs) -> dict[str, Rule]:
    """Every rule (built-in, then ``rules_dir``); a malformed file is an ``InputError``."""
    try:
        return load_rules(extra_dirs)
    except RuleFileError as exc:
        raise InputError(exc.problems) from None


def _unknown_codes(cfg: AuditConfig, rules: dict[str, Rule], where: str) -> list[Problem]:
    categories = {r.category for r in rules.values()}
    problems = []
    for setting, codes in (("select", cfg.select or []), ("ignore", cfg.ignore)):
        for code in codes:
            if code not in rules and code not in categories:
                problems.append(unknown_rule(code, setting, [*rules, *categories], where))
    for code in cfg.rules:
        if code not in rules:
            problems.append(unknown_rule(code, f"rules.{code}", list(rules), where))
    return problems


def unknown_rule(code: str, setting: str, known: list[str], where: str) -> Problem:
    """The problem for a rule code (or category) that doesn't exist, with the nearest one."""
    # a well-formed code (LA999) is a rule that doesn't exist, not a typo of a near one
    by_lower = {k.lower(): k for k in known}
    # the letters typed for look-alike digits (LA4O1, LAl02) name one code exactly
    low = str(code).lower()
    digits = low[:2] + low[2:].translate(str.maketrans("oil", "011"))
    near = (
        []
        if _CODE.fullmatch(str(code))
        else [digits]
        if digits in by_lower
        else difflib.get_close_matches(str(code).lower(), sorted(by_lower), n=1)
    )
    hint = [by_lower[n] for n in near]
    return Problem(
        where,
        f"unknown rule {code!r}",
        setting=setting,
        fix=(f"did you mean {hint[0]!r}? " if hint else "")
        + "run `labelaudit rules` to list the rule codes",
    )


def _parameter_problems(rule: Rule, body: dict[str, Any], where: str) -> list[Problem]:
    """Unknown parameter names (with the nearest known one) and values of the wrong type."""
    known = [*rule.parameters, "severity"]
    problems = []
    for name, value in body.items():
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            problems.append(
                Problem(
                    where,
                    f"rule {rule.code} has no parameter {name!r}",
                    setting=f"rules.{rule.code}.{name}",
                    fix=(f"did you mean {hint[0]!r}? " if hint else "")
                    + f"parameters of {rule.code}: {', '.join(rule.parameters) or 'none'} "
                    "(and severity)",
                )
            )
        elif name != "severity" and (wrong := param_type_problem(rule.parameters[name], value)):
            default = rule.parameters[name].default
            problems.append(
                Problem(
                    where,
                    f"rules.{rule.code}.{name} {wrong}",
                    setting=f"rules.{rule.code}.{name}",
                    fix=f"write {name} = {_toml(default)} (its default) or another value of that kind",
                )
            )
    return problems


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value) if isinstance(value, str | list | dict) else str(value)


def param_type_problem(param: RuleParam, value: Any) -> str | None:
    """What is wrong with ``value`` for ``param`` (by its declared type or its default's).

    Examples
    --------
    >>> param_type_problem(RuleParam("tau", 0.8), [1, 2])
    'must be a number, got a list [1, 2]'
    >>> param_type_problem(RuleParam("min_items", 20), 2.5) is None, param_type_problem(
    ...     RuleParam("tau", 0.8), 1) is None
    (False, True)
    """
    kind = param.type or _kind_of(param.default)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "number" and not number:
        return f"must be a number, got {shown(value)}"
    if kind in ("number", "integer") and number and not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if kind == "integer" and not (number and float(value).is_integer()):
        return f"must be a whole number, got {shown(value)}"
    expected = {"text": str, "boolean": bool, "list": list, "table": dict}.get(kind or "")
    if expected is not None and not isinstance(value, expected):
        wanted = {"text": "text", "boolean": "true or false", "list": "a list", "table": "a table"}
        return f"must be {wanted[kind]}, got {shown(value)}"
    return None


def _kind_of(default: Any) -> str | None:
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    return {str: "text", list: "list", dict: "table"}.get(type(default))


def _skip_reason(rule: Rule, cfg: AuditConfig) -> str | None:
    """Why ``rule`` does not run with ``cfg`` (None: it runs)."""
    keys = {rule.code, rule.category}
    if cfg.select is not None and not keys & set(cfg.select):
        return "not in select"
    if hit := keys & set(cfg.ignore):
        return f"ignored ({', '.join(sorted(hit))} in ignore)"
    # internal-only rules (per-annotator figures) never run for a vendor report
    if cfg.audience == "vendor" and rule.audience == "internal":
        return "internal-only rule, not run for the vendor edition"
    return None
