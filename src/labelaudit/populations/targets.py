"""Target populations: ``target.yaml`` and the shipped presets.

A target says which population the rater pool should reflect. ``target.yaml``::

    name: Deployment users, 2026 Q3
    source: product analytics export of 2026-10-01
    year: "2026"                      # optional
    attributes:                       # shares per attribute, each summing to 1 (+-0.01)
      region: {Africa: 0.18, Asia: 0.59, ...}
    counts:                           # optional: raw counts, normalised to shares
      gender: {female: 5120, male: 4880}
    joint:                            # optional: a joint (intersectional) table
      file: us_census_aggregate.csv   # relative to target.yaml
      format: wide                    # wide | long
      row_attribute: age              # wide: the first column holds this attribute
      column_attributes: [race, sex]  # wide: column names split by `separator`
      separator: "_"
      drop_columns: [All, All_Male, All_Female]
      drop_rows: [All Ages]
      # long format instead: one column per attribute plus `share_column` (default share)

``preset:NAME`` names a file in ``presets/`` beside this module (``preset:world-regions``).
Shares of the joint table must sum to 1 (+-0.01); its marginals fill
``Target.attributes`` for attributes not given explicitly. Every problem is appended
to ``problems`` (never raised) so the loader can report all of them at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from labelaudit.errors import Problem
from labelaudit.populations.joint import SHARE_TOLERANCE, joint_table
from labelaudit.yamlfiles import read_mapping
from labelaudit.yamlio import load_yaml_text

_KNOWN_KEYS = {"name", "source", "year", "attributes", "counts", "joint", "notes"}


@dataclass
class Target:
    """The population the rater pool should reflect.

    ``attributes`` maps attribute -> {group: share}; ``joint`` optionally holds a
    joint distribution with one column per attribute plus ``share``.
    """

    name: str
    source: str | None
    attributes: dict[str, dict[str, float]]
    joint: pd.DataFrame | None = None
    year: str | None = None
    path: str | None = None


def available_presets() -> list[str]:
    """Names usable as ``preset:NAME``."""
    folder = resources.files("labelaudit.populations").joinpath("presets")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def parse_target(
    raw: dict | str,
    where: str,
    problems: list[Problem],
    base_dir: Path | None = None,
) -> Target | None:
    """Build a :class:`Target` from a parsed ``target.yaml`` mapping or ``"preset:NAME"``.

    Parameters
    ----------
    raw
        The parsed YAML mapping, ``"preset:NAME"``, or a path to a YAML file.
    where
        Where ``raw`` came from (file path or ``"command line"``), used in problems.
    problems
        Problems found are appended here; nothing is raised for bad input.
    base_dir
        Folder that a ``joint.file`` is relative to (default: the folder of ``where``).

    Returns
    -------
    Target or None
        None when the target is unusable (its problems explain why).
    """
    n_before = len(problems)
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("preset:"):
            return _preset(text[len("preset:") :].strip(), where, problems)
        path = Path(text).expanduser()
        if path.is_file():
            loaded = read_mapping(
                path, "the target", "see CONTRACT section 1 for the target.yaml layout", problems
            )
            if loaded is None:
                return None
            return parse_target(loaded, str(path), problems, base_dir=path.parent)
        problems.append(
            Problem(
                where,
                f"target {text!r} is neither a file nor a preset",
                setting="target",
                fix=f"give a target.yaml path or one of: {_preset_list()}",
            )
        )
        return None
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                where,
                "target must be a mapping with name, source and attributes",
                setting="target",
                fix="see CONTRACT section 1 for the target.yaml layout",
            )
        )
        return None
    if base_dir is None:
        base_dir = Path(where).parent if where not in ("", "command line") else Path.cwd()
    for key in sorted(set(raw) - _KNOWN_KEYS):
        problems.append(
            Problem(
                where,
                f"unknown key {key!r} in the target",
                setting=key,
                fix=f"use only {', '.join(sorted(_KNOWN_KEYS))}",
            )
        )
    attributes: dict[str, dict[str, float]] = {}
    for attr, groups in _mapping(raw, "attributes", where, problems).items():
        parsed = _distribution(attr, groups, where, problems, normalise_counts=False)
        if parsed is not None:
            attributes[str(attr)] = parsed
    for attr, groups in _mapping(raw, "counts", where, problems).items():
        parsed = _distribution(attr, groups, where, problems, normalise_counts=True)
        if parsed is not None:
            attributes.setdefault(str(attr), parsed)
    joint = None
    if raw.get("joint") is not None:
        joint = joint_table(raw["joint"], where, problems, base_dir)
        if joint is not None:
            for attr in [c for c in joint.columns if c != "share"]:
                if attr not in attributes:
                    marg = joint.groupby(attr, sort=False)["share"].sum()
                    attributes[attr] = {str(k): float(v) for k, v in marg.items()}
    if not attributes and joint is None and len(problems) == n_before:
        problems.append(
            Problem(
                where,
                "the target names no attributes",
                setting="attributes",
                fix="add attributes: {region: {Africa: 0.18, ...}} (shares summing to 1)",
            )
        )
    if len(problems) > n_before or not attributes:
        return None
    return Target(
        name=str(raw.get("name") or "target"),
        source=None if raw.get("source") is None else str(raw["source"]),
        attributes=attributes,
        joint=joint,
        year=None if raw.get("year") is None else str(raw["year"]),
        path=where,
    )


# ------------------------------------------------------------------ pieces
def _preset_list() -> str:
    return ", ".join(f"preset:{n}" for n in available_presets())


def _preset(name: str, where: str, problems: list[Problem]) -> Target | None:
    if name not in available_presets():
        problems.append(
            Problem(
                where,
                f"unknown target preset {name!r}",
                setting="target",
                fix=f"use one of: {_preset_list()}",
            )
        )
        return None
    res = resources.files("labelaudit.populations").joinpath("presets", f"{name}.yaml")
    raw = load_yaml_text(res.read_text(encoding="utf-8"))
    return parse_target(raw, f"preset:{name}", problems, base_dir=Path(str(res)).parent)


def _mapping(raw: dict, key: str, where: str, problems: list[Problem]) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(
            Problem(
                where,
                f"{key} must map each attribute to {{group: share}}",
                setting=key,
                fix=f"write {key}: {{region: {{Africa: 0.18, Asia: 0.59, ...}}}}",
            )
        )
        return {}
    return value


def _distribution(
    attr: object, groups: object, where: str, problems: list[Problem], *, normalise_counts: bool
) -> dict[str, float] | None:
    kind = "counts" if normalise_counts else "attributes"
    setting = f"{kind}.{attr}"
    if not isinstance(groups, dict) or not groups:
        problems.append(
            Problem(
                where,
                f"{kind} {attr!r} must map groups to numbers",
                setting=setting,
                fix=f"write {attr}: {{group_a: 0.5, group_b: 0.5}}",
            )
        )
        return None
    values: dict[str, float] = {}
    ok = True
    for group, share in groups.items():
        number = _number(share)
        if number is None or number < 0:
            problems.append(
                Problem(
                    where,
                    f"{kind} {attr!r}: group {group!r} has {share!r}, not a non-negative number",
                    setting=f"{setting}.{group}",
                    fix="write the share as a plain number such as 0.25",
                )
            )
            ok = False
        else:
            values[str(group)] = number
    if not ok:
        return None
    total = sum(values.values())
    if normalise_counts:
        if total <= 0:
            problems.append(
                Problem(
                    where,
                    f"counts {attr!r} sum to zero",
                    setting=setting,
                    fix="give positive counts",
                )
            )
            return None
        return {g: v / total for g, v in values.items()}
    if abs(total - 1.0) > SHARE_TOLERANCE:
        hint = (
            "they look like percentages: divide by 100, or list them under counts:"
            if abs(total - 100.0) <= 100 * SHARE_TOLERANCE
            else "fix the shares so they sum to 1, or list raw numbers under counts:"
        )
        problems.append(
            Problem(
                where,
                f"shares of attribute {attr!r} sum to {total:.4g}, not 1 "
                f"(tolerance {SHARE_TOLERANCE})",
                setting=setting,
                fix=hint,
            )
        )
        return None
    # within tolerance: rescale so downstream ratios and distances use exact shares
    return {g: v / total for g, v in values.items()}


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None
