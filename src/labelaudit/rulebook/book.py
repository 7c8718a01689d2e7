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

from dataclasses import dataclass, field
from typing import Any

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.rulebook.floors import PayFloors, pay_floors
from labelaudit.rulebook.rules import Rule, RuleFileError, load_rules


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

    Unknown rule codes in ``select``/``ignore``/``[rules]`` and unknown parameters are
    bad input (exit 2), reported together.
    """
    try:
        rules = load_rules(cfg.rules_dir)
    except RuleFileError as exc:
        raise InputError(
            [Problem(str(exc).split(":")[0], str(exc), fix="fix the rule file")]
        ) from None
    where = str(cfg.config_path or "command line")
    problems = []
    for code in [*(cfg.select or []), *cfg.ignore, *cfg.rules]:
        if code not in rules and not any(code == r.category for r in rules.values()):
            problems.append(
                Problem(
                    where,
                    f"unknown rule {code!r}",
                    setting="select/ignore/rules",
                    fix="run `labelaudit rules` to list the rule codes",
                )
            )
    for code, body in cfg.rules.items():
        if code in rules and isinstance(body, dict):
            unknown = set(body) - set(rules[code].parameters) - {"severity"}
            if unknown:
                problems.append(
                    Problem(
                        where,
                        f"rule {code} has no parameter(s) {sorted(unknown)}",
                        setting=f"rules.{code}",
                        fix=f"parameters of {code}: "
                        f"{', '.join(rules[code].parameters) or 'none'} (and severity)",
                    )
                )
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
    if cfg.audience == "vendor":  # the vendor edition says what a vendor can do
        rules = {code: rule.for_vendor() for code, rule in rules.items()}
    return Rulebook(
        rules=rules, params=params, severities=severities, active=active, pay_floors=floors
    )


def _runs(rule: Rule, cfg: AuditConfig) -> bool:
    keys = {rule.code, rule.category}
    if cfg.select is not None and not keys & set(cfg.select):
        return False
    if keys & set(cfg.ignore):
        return False
    # internal-only rules (per-annotator figures) never run for a vendor report
    return not (cfg.audience == "vendor" and rule.audience == "internal")
