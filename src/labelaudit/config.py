"""Audit configuration: defaults < ``labelaudit.toml`` < command-line flags.

Unknown keys are errors (a typo must not silently change an audit), and so is a value
of the wrong type or out of range (:mod:`labelaudit.settings` says what each key may
hold). Every problem names the file and the key and says what would fix it, and every
problem of a file is reported in the same run.

``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since 1970-01-01
UTC), when set, is the run's ``created_at``, so two runs on the same inputs write
byte-identical files.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from labelaudit.errors import InputError, Problem
from labelaudit.reproducible import run_timestamp
from labelaudit.settings import LISTS, problems_of
from labelaudit.stats.kernel import numba_available

CONFIG_NAME = "labelaudit.toml"
#: a vendor report never shows groups smaller than this (``min_group_size`` can't go lower)
VENDOR_MIN_GROUP_SIZE = 5
TABLE_ROLES = ("judgments", "annotators", "items")
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
    # tests whose p sits at the resolution floor get more permutations, up to this many
    # (n_permutations when it is smaller)
    max_permutations: int = 20000
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
    # threads that run permutation tests side by side (0: one per CPU); results are the
    # same for any number, so it is not recorded with the run
    workers: int = 0
    # privacy: the HMAC key of annotator pseudonyms (never written to any output); else
    # LABELAUDIT_PSEUDONYM_KEY, else a key kept in the user's data directory
    pseudonym_key: str | None = None
    config_path: Path | None = None
    # inputs: read files in the bundle folder that are links to elsewhere
    follow_symlinks: bool = False

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
            if f.name in ("quiet", "config_path", "bundle", "out", "pseudonym_key", "workers"):
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
#: keys people put in an audit config that belong to another command
_NOT_AUDIT_KEYS = {
    "labelstudio": "the audit reads a bundle: get one with labelaudit pull labelstudio --url URL "
    "--project ID --out BUNDLE (API key in LABEL_STUDIO_API_KEY), then audit that folder",
}
_PATH_KEYS = ("bundle", "judgments", "annotators", "items", "schema", "out", "config_path")
_PATH_LISTS = ("guidelines", "lexicons", "rules_dir")


def load_config(path: Path, base_dir: Path | None = None) -> AuditConfig:
    """Read ``labelaudit.toml``; every problem is collected before raising ``InputError``."""
    cfg, problems = read_config(path, base_dir)
    if problems:
        raise InputError(problems)
    return cfg


def read_config(path: Path, base_dir: Path | None = None) -> tuple[AuditConfig, list[Problem]]:
    """Read ``labelaudit.toml``: the config of its valid keys, and the problems of the rest.

    A file that can't be read or parsed raises ``InputError`` at once (nothing to keep).
    Relative paths are relative to ``base_dir`` (default: the file's folder).
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            [Problem(str(path), "config file not found", fix="check the -c path")]
        ) from None
    except IsADirectoryError:
        raise InputError(
            [Problem(str(path), "the config is a folder", fix="pass the labelaudit.toml file")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            [Problem(str(path), f"not valid TOML: {exc}", fix="fix the TOML syntax at that line")]
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem(str(path), "not UTF-8 text", fix="save the config as UTF-8")]
        ) from None
    except OSError as exc:
        raise InputError(
            [Problem(str(path), f"cannot read the config ({exc.strerror})", fix="check the path")]
        ) from None
    where = str(path)
    problems: list[Problem] = []
    for key in raw:
        if key not in _TOML_KEYS:
            hint = difflib.get_close_matches(key, sorted(_TOML_KEYS), n=1)
            if key in _NOT_AUDIT_KEYS:
                fix = _NOT_AUDIT_KEYS[key]
            elif hint:
                fix = f"did you mean {hint[0]!r}?"
            else:
                fix = "remove it; see the README for the keys"
            problems.append(Problem(where, f"unknown config key {key!r}", setting=key, fix=fix))
    known = {k: v for k, v in raw.items() if k in _TOML_KEYS}
    bad = problems_of(known, where)
    problems += bad
    wrong = {p.setting.split(".")[0] for p in bad if p.setting}
    # a valid key is kept even when others are wrong, so later checks see it
    values = {k: v for k, v in known.items() if k not in wrong}
    cfg = _normalised(AuditConfig(config_path=path, **values), base_dir or path.parent)
    missing = _path_problems(cfg, where, set(values))
    problems += missing
    # a folder or file that isn't there is left out, so later checks don't trip on it
    cfg = replace(cfg, **{p.setting: [] for p in missing if p.setting})
    return cfg, problems


def _normalised(cfg: AuditConfig, base: Path | None) -> AuditConfig:
    """Lone texts as lists of one, paths as ``Path`` (relative ones under ``base``)."""

    def as_path(p: str | Path) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() or base is None else base / q

    changes: dict[str, Any] = {}
    for key in LISTS:
        value = getattr(cfg, key)
        if isinstance(value, str | Path):
            changes[key] = [value]
    for key in _PATH_KEYS:
        value = getattr(cfg, key)
        if isinstance(value, str | Path) and key != "config_path":
            changes[key] = as_path(value)
    for key in _PATH_LISTS:
        value = changes.get(key, getattr(cfg, key))
        if isinstance(value, list | tuple) and all(isinstance(p, str | Path) for p in value):
            changes[key] = [as_path(p) for p in value]
    tgt = cfg.target
    if isinstance(tgt, Path) or (isinstance(tgt, str) and not tgt.startswith("preset:")):
        changes["target"] = str(as_path(tgt))
    return replace(cfg, **changes) if changes else cfg


def _path_problems(cfg: AuditConfig, where: str, given: set[str]) -> list[Problem]:
    """Rule folders and lexicon files that the settings name must exist."""
    out = []
    for key, want_dir in (("rules_dir", True), ("lexicons", False)):
        if key not in given or not isinstance(getattr(cfg, key), list):
            continue
        for p in getattr(cfg, key):
            if not isinstance(p, Path):
                continue
            if not p.exists():
                out.append(Problem(where, f"{key} names {str(p)!r}, which is not found",
                                   setting=key, fix="check the path (relative paths start at "
                                   "the config file's folder)"))  # fmt: skip
            elif want_dir and not p.is_dir():
                out.append(Problem(where, f"{key} names {str(p)!r}, which is not a folder",
                                   setting=key, fix="point rules_dir at a folder of rule YAML "
                                   "files"))  # fmt: skip
            elif not want_dir and p.is_dir():
                out.append(Problem(where, f"{key} names {str(p)!r}, which is a folder",
                                   setting=key, fix="list the lexicon YAML files themselves"))  # fmt: skip
    return out


def settings_problems(
    cfg: AuditConfig, where: str = "command line"
) -> tuple[AuditConfig, list[Problem]]:
    """The settings normalised (lone texts as lists, paths as ``Path``), and every problem.

    Checks the type, range or choices of every setting (:mod:`labelaudit.settings`),
    that numba is there when ``kernel = "numba"``, that named rule folders and lexicons
    exist, and ``SOURCE_DATE_EPOCH``.
    """
    values = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    problems = problems_of(values, where)
    wrong = {p.setting.split(".")[0] for p in problems if p.setting}
    if not wrong & set(_PATH_KEYS + _PATH_LISTS + LISTS + ("target",)):
        cfg = _normalised(cfg, None)
        problems += _path_problems(cfg, where, {"rules_dir", "lexicons"})
    if cfg.kernel == "numba" and not numba_available():
        problems.append(
            Problem(where, "kernel = 'numba' but numba is not installed", setting="kernel",
                    fix="pip install 'labelaudit[fast]', or use --kernel auto")
        )  # fmt: skip
    try:
        run_timestamp()
    except InputError as exc:
        problems += exc.problems
    return cfg, problems


def validate_settings(cfg: AuditConfig, where: str = "command line") -> AuditConfig:
    """:func:`settings_problems`, raising one ``InputError`` with all of them."""
    cfg, problems = settings_problems(cfg, where)
    if problems:
        raise InputError(problems)
    return cfg
