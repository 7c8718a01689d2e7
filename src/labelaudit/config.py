"""Audit configuration: defaults < ``labelaudit.toml`` < command-line flags.

Unknown keys are errors (a typo must not silently change an audit). Every problem
names the file and the key, and says what would fix it.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from labelaudit.errors import InputError, Problem
from labelaudit.stats.kernel import KERNELS, numba_available
from labelaudit.vocabulary import SEVERITIES

CONFIG_NAME = "labelaudit.toml"
AUDIENCES = ("internal", "vendor")
#: a vendor report never shows groups smaller than this (``min_group_size`` can't go lower)
VENDOR_MIN_GROUP_SIZE = 5
ENGINES = ("local", "dask")
DETECTORS = ("langdetect", "fast")
PREFERENCE_UNITS = ("item", "model_pair")
TABLE_ROLES = ("judgments", "annotators", "items")
COLUMN_KEYS = {
    "item_id",
    "annotator_id",
    "label",
    "field",
    "created_at",
    "lead_time_s",
    "languages",
    "country",
    "region",
    "hourly_pay",
    "currency",
    "text",
    "language",
    "prompt",
    "response_a",
    "response_b",
}


@dataclass
class AuditConfig:
    """Every setting of one audit run. Construct with keywords only."""

    bundle: Path | None = None
    # explicit table/file paths (override the files found in the bundle folder)
    judgments: Path | None = None
    annotators: Path | None = None
    items: Path | None = None
    schema: Path | None = None
    guidelines: list[Path] = field(default_factory=list)
    target: str | None = None  # a path or "preset:NAME"
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> user column name
    out: Path | None = None
    group_by: list[str] | None = None  # None = every categorical attribute
    intersections: list[list[str]] = field(default_factory=list)  # [["region", "gender"]]
    min_group_size: int = 5
    seed: int = 0
    fail_on: str = "high"
    audience: str = "internal"
    split_by: str | None = None
    quiet: bool = False
    # statistics
    n_boot: int = 1000
    ci_level: float = 0.95
    n_permutations: int = 1000
    stratify_by: str | None = None  # permutation within levels of this attribute
    early_stop: bool = True
    # pairwise preferences: resample/score by item, or by the pair of models compared
    preference_unit: str = "item"
    # coverage / text
    language_detector: str = "langdetect"
    lexicons: list[Path] = field(default_factory=list)
    # report
    max_examples: int = 20
    # rules
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> {param|severity}
    rules_dir: list[Path] = field(default_factory=list)
    # engine
    engine: str = "local"
    scheduler: str | None = None
    kernel: str = "auto"  # hot loops: numba when installed ("auto"), or force numba/numpy
    # privacy: the HMAC key of annotator pseudonyms (never written to any output); else
    # LABELAUDIT_PSEUDONYM_KEY, else a key kept in the user's data directory
    pseudonym_key: str | None = None
    # label studio
    labelstudio: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    def with_overrides(self, **overrides: Any) -> AuditConfig:
        """A copy with the given non-None settings replacing this config's."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_record(self) -> dict[str, Any]:
        """JSON-friendly view recorded in findings.json ``run.config`` (no secrets)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("quiet", "labelstudio", "config_path", "bundle", "out", "pseudonym_key"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, Path):
                v = v.name
            elif isinstance(v, list):
                v = [p.name if isinstance(p, Path) else p for p in v]
            out[f.name] = v
        return out


_FIELD_NAMES = {f.name for f in fields(AuditConfig)}
_TOML_KEYS = (_FIELD_NAMES - {"config_path", "quiet"}) | {"bundle"}


def load_config(path: Path, base_dir: Path | None = None) -> AuditConfig:
    """Read ``labelaudit.toml``; every problem is collected before raising ``InputError``."""
    problems: list[Problem] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            [Problem(str(path), "config file not found", fix="check the -c path")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            [Problem(str(path), f"not valid TOML: {exc}", fix="fix the TOML syntax at that line")]
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem(str(path), "not UTF-8 text", fix="save the config as UTF-8")]
        ) from None
    base = base_dir or path.parent
    values: dict[str, Any] = {"config_path": path}
    for key, val in raw.items():
        if key not in _TOML_KEYS:
            hint = difflib.get_close_matches(key, sorted(_TOML_KEYS), n=1)
            problems.append(
                Problem(
                    str(path),
                    f"unknown config key {key!r}",
                    setting=key,
                    fix=f"did you mean {hint[0]!r}?"
                    if hint
                    else "remove it; see the README for the keys",
                )
            )
            continue
        values[key] = val
    cfg_values = _coerce(values, base, str(path), problems)
    if problems:
        raise InputError(problems)
    cfg = AuditConfig(**cfg_values)
    validate_settings(cfg, str(path))
    return cfg


def _coerce(
    values: dict[str, Any], base: Path, where: str, problems: list[Problem]
) -> dict[str, Any]:
    out = dict(values)
    for key in ("bundle", "judgments", "annotators", "items", "schema", "out"):
        if key in out and out[key] is not None:
            out[key] = _path(out[key], base)
    for key in ("guidelines", "lexicons", "rules_dir"):
        if key in out:
            v = out[key]
            out[key] = [_path(p, base) for p in ([v] if isinstance(v, str) else v)]
    if (
        "target" in out
        and isinstance(out["target"], str)
        and not out["target"].startswith("preset:")
    ):
        out["target"] = str(_path(out["target"], base))
    if "group_by" in out and isinstance(out["group_by"], str):
        out["group_by"] = [out["group_by"]]
    if "columns" in out:
        cols = out["columns"]
        if not isinstance(cols, dict):
            problems.append(
                Problem(
                    where,
                    "[columns] must be a table",
                    setting="columns",
                    fix='write [columns] then lines like item_id = "post_id"',
                )
            )
        else:
            for k in cols:
                if k not in COLUMN_KEYS:
                    hint = difflib.get_close_matches(k, sorted(COLUMN_KEYS), n=1)
                    problems.append(
                        Problem(
                            where,
                            f"unknown column key {k!r} in [columns]",
                            setting=f"columns.{k}",
                            fix=f"did you mean {hint[0]!r}?"
                            if hint
                            else f"use one of {', '.join(sorted(COLUMN_KEYS))}",
                        )
                    )
    if "rules" in out and not isinstance(out["rules"], dict):
        problems.append(
            Problem(
                where,
                "[rules] must be a table of [rules.LAxxx] sections",
                setting="rules",
                fix="write [rules.LA401] then tau = 0.7",
            )
        )
    for key in ("min_group_size", "seed", "n_boot", "n_permutations", "max_examples"):
        if key in out and not isinstance(out[key], int):
            problems.append(
                Problem(
                    where,
                    f"{key} must be a whole number, got {out[key]!r}",
                    setting=key,
                    fix=f"write {key} = 5",
                )
            )
    return out


def _path(p: str | Path, base: Path) -> Path:
    p = Path(p).expanduser()
    return p if p.is_absolute() else base / p


def validate_settings(cfg: AuditConfig, where: str = "command line") -> None:
    """Check enumerated settings and ranges; raise one ``InputError`` listing all problems."""
    problems: list[Problem] = []

    def bad(setting: str, msg: str, fix: str) -> None:
        problems.append(Problem(where, msg, setting=setting, fix=fix))

    if cfg.fail_on not in SEVERITIES[:3]:
        bad(
            "fail_on",
            f"fail_on must be high, medium or low, got {cfg.fail_on!r}",
            "use --fail-on high",
        )
    if cfg.audience not in AUDIENCES:
        bad(
            "audience",
            f"audience must be internal or vendor, got {cfg.audience!r}",
            "use --audience vendor",
        )
    if cfg.engine not in ENGINES:
        bad("engine", f"engine must be local or dask, got {cfg.engine!r}", "use --engine local")
    if cfg.kernel not in KERNELS:
        bad(
            "kernel",
            f"kernel must be one of {', '.join(KERNELS)}, got {cfg.kernel!r}",
            "use --kernel auto",
        )
    elif cfg.kernel == "numba" and not numba_available():
        bad(
            "kernel",
            "kernel = 'numba' but numba is not installed",
            "pip install 'labelaudit[fast]', or use --kernel auto",
        )
    if cfg.language_detector not in DETECTORS:
        bad(
            "language_detector",
            f"language_detector must be one of {', '.join(DETECTORS)}, "
            f"got {cfg.language_detector!r}",
            'use language_detector = "langdetect"',
        )
    if cfg.preference_unit not in PREFERENCE_UNITS:
        bad(
            "preference_unit",
            f"preference_unit must be one of {', '.join(PREFERENCE_UNITS)}, "
            f"got {cfg.preference_unit!r}",
            'use preference_unit = "item"',
        )
    if cfg.min_group_size < 1:
        bad("min_group_size", "min_group_size must be at least 1", "use --min-group-size 5")
    elif cfg.audience == "vendor" and cfg.min_group_size < VENDOR_MIN_GROUP_SIZE:
        bad(
            "min_group_size",
            f"min_group_size = {cfg.min_group_size} is below {VENDOR_MIN_GROUP_SIZE}, "
            "the floor for a vendor report",
            f"set min_group_size to {VENDOR_MIN_GROUP_SIZE} or more, or make an internal report",
        )
    if cfg.pseudonym_key is not None and (
        not isinstance(cfg.pseudonym_key, str) or not cfg.pseudonym_key.strip()
    ):
        bad(
            "pseudonym_key",
            "pseudonym_key must be a non-empty string",
            'write pseudonym_key = "<a long random secret>"',
        )
    if cfg.n_boot < 0 or cfg.n_permutations < 0:
        bad("n_boot", "n_boot and n_permutations must be >= 0", "use 1000 (0 turns them off)")
    if not 0.5 <= cfg.ci_level < 1:
        bad("ci_level", f"ci_level must be in [0.5, 1), got {cfg.ci_level}", "use ci_level = 0.95")
    for pair in cfg.intersections:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(a, str) for a in pair)
        ):
            bad(
                "intersections",
                f"each intersection must be two attribute names, got {pair!r}",
                'use intersections = [["region", "gender"]]',
            )
    for code, body in cfg.rules.items():
        if not isinstance(body, dict):
            bad(
                f"rules.{code}",
                f"[rules.{code}] must be a table",
                f"write [rules.{code}] then key = value",
            )
        elif "severity" in body and body["severity"] not in SEVERITIES:
            bad(
                f"rules.{code}.severity",
                f"severity {body['severity']!r} is not one of {', '.join(SEVERITIES)}",
                f'write severity = "medium" under [rules.{code}]',
            )
    if problems:
        raise InputError(problems)
