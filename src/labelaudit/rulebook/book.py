"""The rulebook of one run: the rules that run and their resolved parameters.

Rule YAML is read once per run, and each rule's parameters are resolved once (the YAML
defaults, overridden by ``[rules.LAxxx]`` in ``labelaudit.toml``) before any analysis
runs. Analyses that compute a figure a rule judges (LA009's XRR cut-off, LA112's QC
cut, LA501/LA503/LA504's timing and pay settings) read it from the same
:class:`Rulebook` the checks read, so a user's setting changes both the figure and the
verdict. Which rules run (``select``, ``ignore``, the audience) is decided here too.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.rulebook.floors import PayFloors, pay_floors
from labelaudit.rulebook.rules import Rule, RuleFileError, RuleParam, load_rules
from labelaudit.settings import shown


@dataclass
class Rulebook:
    """The rules of one run with their parameters resolved (YAML defaults < config)."""

    rules: dict[str, Rule]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: a severity set in ``[rules.LAxxx]``, which beats the check's own grading
    severities: dict[str, str] = field(default_factory=dict)
    #: codes of the rules that run (selected, not ignored, meant for the audience)
    active: tuple[str, ...] = ()
    #: LA504's pay floors, parsed from its parameters
    pay_floors: PayFloors = field(default_factory=dict)

    def param(self, code: str, name: str) -> Any:
        """The resolved value of one parameter of rule ``code``."""
        try:
            return self.params[code][name]
        except KeyError:
            raise KeyError(f"rule {code} has no parameter {name!r}") from None

    def runs(self, code: str) -> bool:
        """Whether rule ``code`` runs in this audit."""
        return code in self.active

    def __iter__(self):
        return iter(self.active)


def build_rulebook(cfg: AuditConfig) -> Rulebook:
    """Load the rules and resolve their parameters for ``cfg``; every problem in one error.

    Unknown rule codes in ``select``/``ignore``/``[rules]``, unknown parameters and
    parameters of the wrong type (checked against the YAML default's type, or the
    parameter's declared ``type``) are bad input (exit 2), reported together.
    """
    try:
        rules = load_rules(cfg.rules_dir)
    except RuleFileError as exc:
        raise InputError(exc.problems) from None
    where = str(cfg.config_path or "command line")
    problems = []
    codes = sorted(rules) + sorted({r.category for r in rules.values()})
    for setting, listed in (("select", cfg.select or []), ("ignore", cfg.ignore),
                            ("rules", cfg.rules)):  # fmt: skip
        for code in listed:
            if code not in codes:
                hint = difflib.get_close_matches(str(code), codes, n=1)
                problems.append(
                    Problem(where, f"unknown rule {code!r} in {setting}", setting=setting,
                            fix=(f"did you mean {hint[0]!r}? " if hint else "")
                            + "run `labelaudit rules` to list the rule codes")
                )  # fmt: skip
    for code, body in cfg.rules.items():
        if code in rules and isinstance(body, dict):
            params = rules[code].parameters
            unknown = set(body) - set(params) - {"severity"}
            if unknown:
                problems.append(
                    Problem(
                        where,
                        f"rule {code} has no parameter(s) {sorted(unknown)}",
                        setting=f"rules.{code}",
                        fix=f"parameters of {code}: {', '.join(params) or 'none'} (and severity)",
                    )
                )
            for name in sorted(set(body) & set(params)):
                wrong = param_type_problem(params[name], body[name])
                if wrong:
                    problems.append(
                        Problem(where, f"rules.{code}.{name} {wrong}",
                                setting=f"rules.{code}.{name}",
                                fix=f"e.g. {name} = {params[name].default!r} (the default) "
                                f"under [rules.{code}]")
                    )  # fmt: skip
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
    active = tuple(code for code in sorted(rules) if _runs(rules[code], cfg))
    return Rulebook(
        rules=rules, params=params, severities=severities, active=active, pay_floors=floors
    )


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


def _runs(rule: Rule, cfg: AuditConfig) -> bool:
    keys = {rule.code, rule.category}
    if cfg.select is not None and not keys & set(cfg.select):
        return False
    if keys & set(cfg.ignore):
        return False
    # internal-only rules (per-annotator figures) never run for a vendor report
    return not (cfg.audience == "vendor" and rule.audience == "internal")
