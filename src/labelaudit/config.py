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
#: lower edges of the default age bands: US Census Bureau ACS groups (see bundle/ages.py)
CENSUS_AGE_BANDS = (18, 25, 35, 45, 55, 65)


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
    # rater metadata: extra "no answer" codes (a list, or a list per attribute), age bands
    undisclosed_values: list[str] | dict[str, list[str]] = field(default_factory=list)
    age_bands: list[int] = field(default_factory=lambda: list(CENSUS_AGE_BANDS))
    # rules
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> {param|severity}
    rules_dir: list[Path] = field(default_factory=list)
    # engine
    engine: str = "local"
    scheduler: str | None = None
    kernel: str = "auto"  # hot loops: numba when installed ("auto"), or force numba/numpy
    # label studio
    labelstudio: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    def with_overrides(self, **overrides: Any) -> AuditConfig:
        """A copy with the given non-None settings replacing this config's.

        A single string where a list of names or paths is expected is one entry, not a
        list of letters: ``group_by="region"`` means ``["region"]``; a tuple is a list.

        >>> AuditConfig().with_overrides(group_by="region", ignore=("LA501",)).group_by
        ['region']
        """
        out = {}
        for k, v in overrides.items():
            if v is None:
                continue
            if k in _LIST_OF_NAMES and isinstance(v, str | Path):
                v = [v]
            elif k in _LIST_OF_NAMES and isinstance(v, tuple):
                v = list(v)
            if k in _LIST_OF_PATHS and isinstance(v, list):
                v = [Path(p) for p in v]
            out[k] = v
        return replace(self, **out)

    def to_record(self) -> dict[str, Any]:
        """JSON-friendly view recorded in findings.json ``run.config`` (no secrets)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("quiet", "labelstudio", "config_path", "bundle", "out"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, Path):
                v = v.name
            elif isinstance(v, list):
                v = [p.name if isinstance(p, Path) else p for p in v]
            out[f.name] = v
        return out


_FIELD_NAMES = {f.name for f in fields(AuditConfig)}
#: settings that take a list of names or paths (a lone string is one of them)
_LIST_OF_NAMES = ("group_by", "select", "ignore", "guidelines", "lexicons", "rules_dir")
_LIST_OF_PATHS = ("guidelines", "lexicons", "rules_dir")
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
    _check_rater_settings(cfg, bad)
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


def _check_rater_settings(cfg: AuditConfig, bad: Any) -> None:
    """``undisclosed_values``: strings, in one list or a list per attribute; ``age_bands``:
    increasing whole numbers of years."""
    setting = cfg.undisclosed_values
    lists = setting.items() if isinstance(setting, dict) else [(None, setting)]
    for attr, values in lists:
        name = "undisclosed_values" + (f".{attr}" if attr is not None else "")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            bad(
                name,
                f"{name} must be a list of strings, got {values!r}",
                'write undisclosed_values = ["skipped", "-99"], or a table '
                '[undisclosed_values] with gender = ["other/skip"]',
            )
    edges = cfg.age_bands
    if (
        not isinstance(edges, list)
        or not edges
        or not all(isinstance(e, int) and not isinstance(e, bool) and 0 < e < 120 for e in edges)
        or any(b <= a for a, b in zip(edges, edges[1:], strict=False))
    ):
        bad(
            "age_bands",
            f"age_bands must be increasing whole numbers of years (1-119), got {edges!r}",
            "write the lower edge of each band, e.g. age_bands = [18, 25, 35, 45, 55, 65]",
        )
