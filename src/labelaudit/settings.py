"""What each audit setting may hold: its type, range or choices, and an example.

:data:`SETTINGS` describes every field of :class:`~labelaudit.config.AuditConfig`. The
same checks run on the values of ``labelaudit.toml`` (before they are used) and on the
final settings after command-line flags and ``audit(**options)`` (so a flag, an option
and a config key are held to the same rules), and every problem is collected: one run
lists them all. A setting that is missing here is a bug the test suite catches.

Each check returns None when the value is fine, or what is wrong with it ("must be a
whole number from 1 to 1,000,000, got 1e+17 (a fraction)"); :func:`problems_of` turns
those into :class:`~labelaudit.errors.Problem`\\ s with the example as the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelaudit.errors import Problem
from labelaudit.stats.kernel import KERNELS
from labelaudit.vocabulary import AUDIENCES, SEVERITIES

Check = Callable[[Any], "str | None"]

ENGINES = ("local", "dask")
DETECTORS = ("langdetect", "fast")
PREFERENCE_UNITS = ("item", "model_pair")
#: keys of [columns]: the CONTRACT's column names a user's own names map onto
COLUMN_KEYS = (
    "item_id", "annotator_id", "label", "field", "created_at", "lead_time_s", "languages",
    "country", "region", "hourly_pay", "currency", "text", "language", "prompt",
    "response_a", "response_b",
)  # fmt: skip
MAX_SEED = 2**63 - 1


def shown(value: Any) -> str:
    """A value as a message quotes it, with its kind when that is the point."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, float) and not value.is_integer():
        return f"{value!r} (a fraction)"
    if isinstance(value, float):
        return f"{value:g} (a decimal number)"
    if isinstance(value, str):
        return repr(value) + " (text)"
    if isinstance(value, list | tuple):
        return f"a list {list(value)!r}"[:120]
    if isinstance(value, dict):
        return "a table"
    return repr(value)[:120]


def whole(lo: int, hi: int) -> Check:
    """An integer (not a boolean) from ``lo`` to ``hi``."""

    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return f"must be a whole number from {lo:,} to {hi:,}, got {shown(v)}"
        if not lo <= v <= hi:
            return f"must be from {lo:,} to {hi:,}" if v < lo else f"must be at most {hi:,}"
        return None

    return check


def number_between(lo: float, hi: float) -> Check:
    """A finite number (not a boolean) with ``lo <= v < hi``."""

    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return f"must be a number from {lo} up to (not including) {hi}, got {shown(v)}"
        if not lo <= v < hi:
            return f"must be from {lo} up to (not including) {hi}, got {v!r}"
        return None

    return check


def flag(v: Any) -> str | None:
    """True or false."""
    return None if isinstance(v, bool) else f"must be true or false, got {shown(v)}"


def one_of(choices: tuple[str, ...]) -> Check:
    """One of ``choices``."""

    def check(v: Any) -> str | None:
        if v in choices and isinstance(v, str):
            return None
        return f"must be one of {', '.join(choices)}, got {shown(v)}"

    return check


def name(v: Any) -> str | None:
    """Non-empty text, one name."""
    if isinstance(v, str) and v.strip():
        return None
    return f"must be one name (text), got {shown(v)}"


def names(what: str, *, empty_ok: bool = False) -> Check:
    """A list of non-empty texts (a lone text is a list of one)."""

    def check(v: Any) -> str | None:
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list | tuple) or not all(
            isinstance(x, str) and x.strip() for x in items
        ):
            return f"must be a list of {what}, got {shown(v)}"
        if not items and not empty_ok:
            return f"is empty: give at least one of the {what}, or leave the setting out"
        return None

    return check


def path(v: Any) -> str | None:
    """A file or folder path (text)."""
    if isinstance(v, Path) or (isinstance(v, str) and v.strip()):
        return None
    return f"must be a path (text), got {shown(v)}"


def paths(v: Any) -> str | None:
    """A list of paths (a lone path is a list of one)."""
    items = [v] if isinstance(v, str | Path) else v
    if isinstance(items, list | tuple) and all(path(p) is None for p in items):
        return None
    return f"must be a path or a list of paths (text), got {shown(v)}"


def table(v: Any) -> str | None:
    """A TOML table."""
    return None if isinstance(v, Mapping) else f"must be a table, got {shown(v)}"


def target(v: Any) -> str | None:
    """A target.yaml path or ``preset:NAME``."""
    if isinstance(v, Path) or (isinstance(v, str) and v.strip()):
        return None
    return f"must be a target.yaml path or preset:NAME (text), got {shown(v)}"


def pairs(v: Any) -> str | None:
    """A list of two-attribute lists."""
    ok = isinstance(v, list | tuple) and all(
        isinstance(p, list | tuple) and len(p) == 2 and all(name(a) is None for a in p) for p in v
    )
    return None if ok else f"must be a list of pairs of attribute names, got {shown(v)}"


def columns(v: Any) -> str | None:
    """[columns]: CONTRACT column name -> the user's column name (checked key by key)."""
    return table(v)


def no_answer_codes(v: Any) -> str | None:
    """``undisclosed_values``: strings, in one list or a list per attribute."""
    lists = v.items() if isinstance(v, dict) else [(None, v)]
    for attr, x in lists:
        if not (isinstance(x, list) and all(isinstance(c, str) for c in x)):
            where = "" if attr is None else f" (undisclosed_values.{attr} is {shown(x)})"
            return f"must be a list of strings, or a table of such lists{where}"
    return None


def age_edges(v: Any) -> str | None:
    """``age_bands``: the lower edge of each band, increasing whole years in 1-119."""
    ok = (
        isinstance(v, list | tuple)
        and len(v) > 0
        and all(isinstance(e, int) and not isinstance(e, bool) and 0 < e < 120 for e in v)
        and all(b > a for a, b in zip(v, v[1:], strict=False))
    )
    return None if ok else f"must be increasing whole numbers of years (1-119), got {shown(v)}"


def secret(v: Any) -> str | None:
    """``pseudonym_key``: a non-empty string (never echoed in a message)."""
    ok = isinstance(v, str) and bool(v.strip())
    return None if ok else "must be a non-empty string (the value is not shown)"


@dataclass(frozen=True)
class Setting:
    """How one setting is checked, and an example value for the fix (TOML syntax)."""

    check: Check
    example: str
    optional: bool = True  # None means "not set" (the default)


_ATTRS = "annotator attribute names"
#: every AuditConfig field; a field without an entry fails tests/unit/test_settings.py
SETTINGS: dict[str, Setting] = {
    "bundle": Setting(path, '"path/to/bundle"'),
    "judgments": Setting(path, '"judgments.parquet"'),
    "annotators": Setting(path, '"annotators.csv"'),
    "items": Setting(path, '"items.jsonl"'),
    "schema": Setting(path, '"schema.yaml"'),
    "guidelines": Setting(paths, '["guidelines.md"]'),
    "target": Setting(target, '"preset:world-regions"'),
    "columns": Setting(columns, '{ item_id = "post_id" } (or a [columns] section)'),
    "out": Setting(path, '"reports/run"'),
    "group_by": Setting(names(_ATTRS), '["region", "gender"]'),
    "intersections": Setting(pairs, '[["region", "gender"]]'),
    "min_group_size": Setting(whole(1, 1_000_000), "5", optional=False),
    "seed": Setting(whole(0, MAX_SEED), "0", optional=False),
    "fail_on": Setting(one_of(SEVERITIES[:3]), '"high"', optional=False),
    "audience": Setting(one_of(AUDIENCES), '"vendor"', optional=False),
    "split_by": Setting(name, '"region"'),
    "quiet": Setting(flag, "true", optional=False),
    "n_boot": Setting(whole(0, 100_000), "1000 (0 turns the intervals off)", optional=False),
    "ci_level": Setting(number_between(0.5, 1.0), "0.95", optional=False),
    "n_permutations": Setting(whole(0, 1_000_000), "1000 (0 turns the tests off)", optional=False),
    "max_permutations": Setting(
        whole(0, 10_000_000), "20000 (the cap for tests at the resolution floor)", optional=False
    ),
    "stratify_by": Setting(name, '"language"'),
    "early_stop": Setting(flag, "true", optional=False),
    "preference_unit": Setting(one_of(PREFERENCE_UNITS), '"item"', optional=False),
    "language_detector": Setting(one_of(DETECTORS), '"langdetect"', optional=False),
    "lexicons": Setting(paths, '["my_lexicon.yaml"]', optional=False),
    "max_examples": Setting(whole(0, 10_000), "20", optional=False),
    "select": Setting(names("rule codes or categories"), '["disagreement", "LA401"]'),
    "ignore": Setting(
        names("rule codes or categories", empty_ok=True), '["LA005"]', optional=False
    ),
    "rules": Setting(table, "{ LA401 = { tau = 0.7 } }", optional=False),
    "rules_dir": Setting(paths, '["my_rules"]', optional=False),
    "engine": Setting(one_of(ENGINES), '"local"', optional=False),
    "scheduler": Setting(name, '"tcp://scheduler:8786"'),
    "kernel": Setting(one_of(KERNELS), '"auto"', optional=False),
    "workers": Setting(whole(0, 256), "2 (0: one per CPU)", optional=False),
    "config_path": Setting(path, '"labelaudit.toml"'),
    "follow_symlinks": Setting(flag, "true", optional=False),
    "undisclosed_values": Setting(
        no_answer_codes, '["skipped", "-99"] (or a table: gender = ["other/skip"])', optional=False
    ),
    "age_bands": Setting(age_edges, "[18, 25, 35, 45, 55, 65]", optional=False),
    "pseudonym_key": Setting(secret, '"<a long random secret>" (or LABELAUDIT_PSEUDONYM_KEY)'),
}
#: settings a single text may give for a list of one
LISTS = ("group_by", "select", "ignore", "guidelines", "lexicons", "rules_dir")
#: settings that are also command-line flags (a fix then shows the flag)
FLAGS = ("out", "group_by", "target", "fail_on", "audience", "split_by", "seed",
         "min_group_size", "engine", "scheduler", "kernel", "workers")  # fmt: skip


def problems_of(values: Mapping[str, Any], where: str) -> list[Problem]:
    """Every problem of ``values`` (setting -> value; unknown settings are not looked at)."""
    out: list[Problem] = []
    for key, value in values.items():
        spec = SETTINGS.get(key)
        if spec is None or (value is None and spec.optional):
            continue
        wrong = spec.check(value)
        if wrong is not None:
            fix = f"e.g. {key} = {spec.example}"
            if where == "command line" and key in FLAGS:
                words = re.findall(r'"([^"]*)"', spec.example)
                example = " ".join(words) if words else spec.example.split(" (")[0]
                fix = f"e.g. --{key.replace('_', '-')} {example}"
            out.append(Problem(where, f"{key} {wrong}", setting=key, fix=fix))
        elif key == "columns":
            out += column_problems(value, where)
        elif key == "rules":
            out += rule_section_problems(value, where)
    return out


def column_problems(mapping: Mapping[str, Any], where: str) -> list[Problem]:
    """[columns]: known keys, non-empty names, no user column mapped twice."""
    import difflib

    out: list[Problem] = []
    owners: dict[str, list[str]] = {}
    for key, user in mapping.items():
        setting = f"columns.{key}"
        if key not in COLUMN_KEYS:
            hint = difflib.get_close_matches(key, COLUMN_KEYS, n=1)
            fix = f"did you mean {hint[0]!r}?" if hint else f"use one of {', '.join(COLUMN_KEYS)}"
            out.append(Problem(where, f"unknown column key {key!r} in [columns]", setting=setting,
                               fix=fix))  # fmt: skip
        elif not (isinstance(user, str) and user.strip()):
            out.append(Problem(where, f"[columns] {key} must be a column name (text), got "
                               f"{shown(user)}", setting=setting,
                               fix=f'write {key} = "your_column"'))  # fmt: skip
        else:
            owners.setdefault(user, []).append(key)
    for user, keys in owners.items():
        if len(keys) > 1:
            out.append(
                Problem(
                    where,
                    f"[columns] maps {' and '.join(keys)} onto the same column {user!r}",
                    setting="columns",
                    fix="map each column name once",
                )  # fmt: skip
            )
    return out


def rule_section_problems(rules: Mapping[str, Any], where: str) -> list[Problem]:
    """[rules.LAxxx]: each a table; a severity must be a severity. (Parameters: rulebook.)"""
    out: list[Problem] = []
    for code, body in rules.items():
        if not isinstance(body, Mapping):
            out.append(Problem(where, f"[rules.{code}] must be a table, got {shown(body)}",
                               setting=f"rules.{code}",
                               fix=f"write [rules.{code}] then key = value"))  # fmt: skip
        elif "severity" in body and body["severity"] not in SEVERITIES:
            out.append(Problem(where, f"severity {shown(body['severity'])} is not one of "
                               f"{', '.join(SEVERITIES)}", setting=f"rules.{code}.severity",
                               fix=f'write severity = "medium" under [rules.{code}]'))  # fmt: skip
    return out
