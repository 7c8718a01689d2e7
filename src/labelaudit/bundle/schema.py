"""Label schema: parse ``schema.yaml`` or infer it from the labels (and say so)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.bundle.labels import label_key, map_distinct
from labelaudit.bundle.types import LEVELS, FieldSpec
from labelaudit.errors import Problem
from labelaudit.sources.base import has_lists
from labelaudit.text.escape import find_escape_values

KINDS = ("single", "multi", "pairwise", "ranking", "text")
_FIELD_KEYS = {"level", "values", "escape_values", "kind", "description", "labels"}


#: on an ordered scale these name the bottom of the scale, not "none of these fit"
_SCALE_POINTS = {"none", "neither", "no", "not at all"}


def escape_values_for(level: str, values: list) -> list[str]:
    """Escape values found by name; an ordinal scale's "none" is a scale point, not an escape.

    >>> escape_values_for("ordinal", ["none", "mild", "severe", "can't tell"])
    ["can't tell"]
    >>> escape_values_for("nominal", ["cat", "dog", "none"])
    ['none']
    """
    found = find_escape_values(values)
    if level in ("ordinal", "interval", "ratio"):
        found = [v for v in found if v.strip().lower() not in _SCALE_POINTS]
    return found


def parse_schema(raw: dict, where: str, problems: list[Problem]) -> dict[str, FieldSpec]:
    """Turn a parsed ``schema.yaml`` mapping into field specs, collecting problems."""
    fields = raw.get("fields")
    if not isinstance(fields, dict) or not fields:
        problems.append(
            Problem(
                where,
                "schema.yaml needs a non-empty 'fields' mapping",
                setting="fields",
                fix="write fields: then one entry per label field",
            )
        )
        return {}
    out: dict[str, FieldSpec] = {}
    for name, body in fields.items():
        name = str(name)
        if not isinstance(body, dict):
            problems.append(
                Problem(
                    where,
                    f"field {name!r} must be a mapping",
                    setting=f"fields.{name}",
                    fix="give it at least level: nominal|ordinal|interval|ratio",
                )
            )
            continue
        unknown = set(body) - _FIELD_KEYS
        if unknown:
            problems.append(
                Problem(
                    where,
                    f"field {name!r} has unknown key(s) {sorted(unknown)}",
                    setting=f"fields.{name}",
                    fix=f"use only {', '.join(sorted(_FIELD_KEYS))}",
                )
            )
        level = body.get("level")
        if level not in LEVELS:
            problems.append(
                Problem(
                    where,
                    f"field {name!r} has level {level!r}",
                    setting=f"fields.{name}.level",
                    fix="use one of nominal, ordinal, interval, ratio",
                )
            )
            continue
        kind = body.get("kind", "single")
        if kind not in KINDS:
            problems.append(
                Problem(
                    where,
                    f"field {name!r} has kind {kind!r}",
                    setting=f"fields.{name}.kind",
                    fix=f"use one of {', '.join(KINDS)}",
                )
            )
            continue
        values = body.get("values", [])
        if not isinstance(values, list):
            problems.append(
                Problem(
                    where,
                    f"field {name!r}: values must be a list",
                    setting=f"fields.{name}.values",
                    fix="write values: [a, b, c]",
                )
            )
            continue
        if level in ("nominal", "ordinal") and kind not in ("text", "ranking") and not values:
            problems.append(
                Problem(
                    where,
                    f"{level} field {name!r} lists no values",
                    setting=f"fields.{name}.values",
                    fix="list the label options in order, e.g. values: [low, mid, high]",
                )
            )
            continue
        if level in ("interval", "ratio") and values:
            bad = [v for v in values if _as_float(v) is None]
            if bad:
                problems.append(
                    Problem(
                        where,
                        f"{level} field {name!r} has non-numeric values {bad[:5]}",
                        setting=f"fields.{name}.values",
                        fix="interval/ratio values must be numbers; use nominal or ordinal",
                    )
                )
                continue
        if len({str(v) for v in values}) != len(values):
            problems.append(
                Problem(
                    where,
                    f"field {name!r} lists a value twice",
                    setting=f"fields.{name}.values",
                    fix="list each value once",
                )
            )
            continue
        escape = body.get("escape_values")
        escape_inferred = escape is None
        if escape is None:
            escape = escape_values_for(level, values)
        elif not isinstance(escape, list) or any(
            str(e) not in {str(v) for v in values} for e in escape
        ):
            problems.append(
                Problem(
                    where,
                    f"field {name!r}: escape_values must be a subset of values",
                    setting=f"fields.{name}.escape_values",
                    fix="list escape options that also appear in values",
                )
            )
            continue
        labels = _scale_labels(name, level, values, body.get("labels"), where, problems)
        if labels is None:
            continue
        out[name] = FieldSpec(
            name=name,
            level=level,
            values=list(values),
            escape_values=[str(e) for e in escape],
            kind=kind,
            inferred=False,
            escape_inferred=escape_inferred,
            labels=labels,
        )
    return out


def _scale_labels(
    name: str, level: str, values: list, raw: object, where: str, problems: list[Problem]
) -> dict[str, str] | None:
    """``labels: {1: "Not offensive at all", 5: "Very offensive"}``: names of scale points.

    Keys are points of the scale (among ``values`` when the field lists them, numbers
    otherwise); they are stored as the value is written in ``values`` (``"1"``). None
    after recording a problem.
    """
    if raw is None:
        return {}
    setting = f"fields.{name}.labels"

    def bad(message: str, fix: str) -> None:
        problems.append(Problem(where, f"field {name!r}: {message}", setting=setting, fix=fix))

    if level not in ("ordinal", "interval"):
        bad(
            f"labels name the points of a scale, but the field is {level}",
            "remove labels (a nominal field's values are their own names), or make the "
            "field ordinal or interval",
        )
        return None
    if not isinstance(raw, dict) or not raw:
        bad("labels must be a mapping of scale point to name", 'write labels: {1: "Not at all"}')
        return None
    listed = {label_key(v): str(v) for v in values}
    out: dict[str, str] = {}
    for point, text in raw.items():
        key = label_key(point)
        if values and key not in listed:
            shown = ", ".join(repr(str(v)) for v in values[:8])
            bad(f"labels name the point {point!r}, which is not among its values ({shown})",
                "name only points listed in values")  # fmt: skip
            return None
        if not values and not isinstance(key, float):
            bad(f"labels name the point {point!r}, which is not a number",
                "key labels by the scale's numbers, e.g. 1, 5")  # fmt: skip
            return None
        if not isinstance(text, str) or not text.strip():
            bad(f"the label of point {point!r} must be non-empty text, got {text!r}",
                'write the name in quotes, e.g. 1: "Not at all"')  # fmt: skip
            return None
        out[listed.get(key, f"{key:g}" if isinstance(key, float) else str(point))] = text.strip()
    names = [t.casefold() for t in out.values()]
    if len(set(names)) != len(names):
        twice = sorted({t for t in out.values() if names.count(t.casefold()) > 1})
        bad(f"two points share the label {twice[0]!r}", "give each point its own name")
        return None
    return out


def infer_schema(
    judgments: pd.DataFrame, where: str, problems: list[Problem]
) -> dict[str, FieldSpec]:
    """Infer each field's level and values from its labels.

    Lists → multi-choice nominal; all numbers → ordinal when they are at most 11 distinct
    integers, interval otherwise; strings → nominal (values sorted). A field mixing
    strings and numbers can't be inferred: that is a problem naming the rows.
    """
    out: dict[str, FieldSpec] = {}
    for name, rows in judgments[~judgments["skipped"]].groupby("field", sort=True):
        labels = rows["label"]
        is_list = (
            labels.map(lambda v: isinstance(v, list))
            if has_lists(labels)
            else pd.Series(False, index=labels.index)
        )
        if is_list.all():
            vals = sorted({str(x) for v in labels for x in v})
            out[name] = FieldSpec(
                name=name,
                level="nominal",
                values=vals,
                kind="multi",
                escape_values=find_escape_values(vals),
                inferred=True,
                escape_inferred=True,
            )
            continue
        nums = map_distinct(labels, lambda v: None if isinstance(v, list) else _as_float(v))
        numeric = nums.notna()
        if numeric.all():
            uniq = np.unique(nums.to_numpy(dtype=float))
            if len(uniq) <= 11 and np.all(uniq == np.round(uniq)):
                vals = [int(u) for u in uniq]
                out[name] = FieldSpec(name=name, level="ordinal", values=vals, inferred=True)
            else:
                out[name] = FieldSpec(name=name, level="interval", values=[], inferred=True)
            continue
        if numeric.any() or is_list.any():
            # a mix of numbers/lists and words: the level can't be guessed safely
            n_num = int(numeric.sum())
            kinds = "numbers and words" if n_num else "lists and single values"
            offending = rows.index[numeric if 0 < n_num < len(rows) / 2 else ~numeric]
            problems.append(
                Problem(
                    where,
                    f"field {name!r} mixes label types ({kinds})",
                    column="label",
                    rows=[int(i) + 1 for i in offending[:5]],
                    fix="make every label of the field the same type, or add a "
                    "schema.yaml that declares the field's level and values",
                )
            )
            continue
        vals = sorted({str(v) for v in labels})
        out[name] = FieldSpec(
            name=name,
            level="nominal",
            values=vals,
            escape_values=find_escape_values(vals),
            inferred=True,
            escape_inferred=True,
        )
    return out


def _as_float(v: object) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return None if np.isnan(f) else f
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None
