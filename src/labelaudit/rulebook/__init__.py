"""The rulebook: rule metadata (YAML) and, per run, the rules that run and their parameters."""

from labelaudit.rulebook.book import Rulebook, build_rulebook, read_rules
from labelaudit.rulebook.rules import Rule, RuleFileError, RuleParam, load_rules, parse_rule

__all__ = [
    "Rule",
    "RuleFileError",
    "RuleParam",
    "Rulebook",
    "build_rulebook",
    "load_rules",
    "parse_rule",
    "read_rules",
]
