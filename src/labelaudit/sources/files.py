"""Files source: a bundle folder (or files named one by one) read into :class:`RawTables`.

Tables may be Parquet (a file, or a folder of Parquet files read as one dataset with
``pyarrow.dataset``), CSV or JSON Lines. Problems are collected, never raised one at a
time, so the user sees every broken file in one run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import yaml

from labelaudit.config import AuditConfig
from labelaudit.errors import Problem
from labelaudit.sources.base import RawGuideline, RawTables
from labelaudit.text.guideline_text import FORMATS as GUIDELINE_FORMATS

TABLE_EXTS = (".parquet", ".csv", ".jsonl")
ROLES = ("judgments", "annotators", "items")


def locate(cfg: AuditConfig, problems: list[Problem]) -> dict[str, Path | list[Path] | None]:
    """Find each input's path: explicit settings win over files found in the bundle folder."""
    found: dict[str, Path | list[Path] | None] = dict.fromkeys((*ROLES, "schema", "target"))
    found["guidelines"] = []
    folder = cfg.bundle
    if folder is not None:
        if not folder.exists():
            problems.append(
                Problem(
                    str(folder),
                    "bundle folder not found",
                    fix="check the path; a bundle is a folder with judgments.parquet|csv|jsonl",
                )
            )
            folder = None
        elif not folder.is_dir():
            problems.append(
                Problem(
                    str(folder),
                    "BUNDLE must be a folder",
                    fix="pass the folder that holds judgments.* (or name files in labelaudit.toml)",
                )
            )
            folder = None
    if folder is not None:
        for role in ROLES:
            candidates = sorted(p for p in folder.iterdir() if p.stem == role)
            usable = [
                p for p in candidates if p.suffix in TABLE_EXTS or (p.is_dir() and p.suffix == "")
            ]
            if len(usable) > 1:
                problems.append(
                    Problem(
                        str(folder),
                        f"more than one {role} table: " + ", ".join(p.name for p in usable),
                        fix=f"keep one {role}.parquet|csv|jsonl",
                    )
                )
            elif usable:
                found[role] = usable[0]
            elif candidates:
                problems.append(
                    Problem(
                        str(candidates[0]),
                        f"unsupported file type {candidates[0].suffix!r} for the {role} table",
                        fix=f"export it as {role}.parquet, {role}.csv or {role}.jsonl",
                    )
                )
        for role in ("schema", "target"):
            for ext in (".yaml", ".yml"):
                if (folder / f"{role}{ext}").is_file():
                    found[role] = folder / f"{role}{ext}"
        guides: list[Path] = []
        for p in sorted(folder.iterdir()):
            if p.stem == "guidelines" and p.is_file():
                guides.append(p)
            elif p.name == "guidelines" and p.is_dir():
                guides.extend(sorted(q for q in p.rglob("*") if q.is_file()))
        found["guidelines"] = guides
    for role in (*ROLES, "schema"):
        explicit = getattr(cfg, role)
        if explicit is not None:
            found[role] = explicit
    if cfg.target is not None:
        found["target"] = cfg.target  # type: ignore[assignment]
    if cfg.guidelines:
        found["guidelines"] = list(cfg.guidelines)
    if found["judgments"] is None and not any(p.where == str(cfg.bundle) for p in problems):
        where = str(cfg.bundle) if cfg.bundle else "command line"
        problems.append(
            Problem(
                where,
                "no judgments table found",
                fix="add judgments.parquet, judgments.csv or judgments.jsonl "
                '(columns item_id, annotator_id, label) or set judgments = "..." '
                "in labelaudit.toml",
            )
        )
    return found


def read_table(path: Path, role: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read one table; on failure append a Problem naming the file and return None."""
    if not path.exists():
        problems.append(Problem(str(path), f"{role} table not found", fix="check the path"))
        return None
    try:
        if path.is_dir():
            files = [p for p in path.rglob("*.parquet")]
            if not files:
                problems.append(
                    Problem(
                        str(path),
                        f"{role} folder holds no .parquet files",
                        fix="a folder table must be a Parquet dataset",
                    )
                )
                return None
            dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
            return _to_pandas(dataset.to_table(), role)
        if path.suffix == ".parquet":
            return _to_pandas(ds.dataset(str(path), format="parquet").to_table(), role)
        if path.suffix == ".csv":
            return pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
            )
        if path.suffix == ".jsonl":
            rows = []
            with path.open(encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        problems.append(
                            Problem(
                                str(path),
                                f"line {lineno} is not valid JSON ({exc.msg})",
                                rows=[lineno],
                                fix="each line must be one JSON object",
                            )
                        )
                        return None
                    if not isinstance(obj, dict):
                        problems.append(
                            Problem(
                                str(path),
                                f"line {lineno} is not a JSON object",
                                rows=[lineno],
                                fix="each line must be one JSON object",
                            )
                        )
                        return None
                    rows.append(obj)
            return pd.DataFrame(rows)
    except (pa.ArrowInvalid, pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        kind = (
            "Parquet"
            if path.suffix == ".parquet" or path.is_dir()
            else path.suffix.lstrip(".").upper()
        )
        msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        problems.append(
            Problem(
                str(path),
                f"cannot read the {role} table as {kind}: {msg}",
                fix=f"re-export {path.name} as valid {kind} (UTF-8 for text formats)",
            )
        )
        return None
    problems.append(
        Problem(
            str(path),
            f"unsupported file type {path.suffix!r} for the {role} table",
            fix=f"use {role}.parquet, {role}.csv or {role}.jsonl",
        )
    )
    return None


def _to_pandas(table: pa.Table, role: str) -> pd.DataFrame:
    """Arrow table to pandas; judgments' text columns arrive dictionary-encoded.

    Ids and labels repeat millions of times: as Categorical columns each distinct
    string becomes one Python object instead of one per row (a 10M-row table would
    otherwise hold ~40M string objects while it is normalised). The loader turns them
    back into plain object columns of shared strings.
    """
    if role == "judgments":
        for i, name in enumerate(table.column_names):
            col = table.column(i)
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                table = table.set_column(i, name, col.dictionary_encode())
    return table.to_pandas()


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: ``yes``/``no``/``on``/``off`` stay strings.

    Label values such as ``[yes, no]`` must not turn into ``[True, False]``.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml_text(text: str) -> object:
    """Parse YAML safely, with YAML 1.2 booleans."""
    return yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 (a SafeLoader subclass)


def read_yaml(path: Path, role: str, problems: list[Problem]) -> dict | None:
    try:
        raw = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), f"{role} file not found", fix="check the path"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problems.append(
            Problem(
                str(path),
                f"not valid YAML{where}: {getattr(exc, 'problem', exc)}",
                fix="fix the YAML syntax (indentation, colons, quotes)",
            )
        )
        return None
    except UnicodeDecodeError:
        problems.append(Problem(str(path), "not UTF-8 text", fix="save it as UTF-8"))
        return None
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                str(path),
                f"{role} file must be a YAML mapping",
                fix=f"see CONTRACT section 1 for the {role}.yaml layout",
            )
        )
        return None
    return raw


def read_guidelines(paths: list[Path], problems: list[Problem]) -> list[RawGuideline]:
    """Read guideline files (UTF-8 ``.md``, ``.txt`` or ``.html``); every problem is collected."""
    out = []
    for p in paths:
        fmt = GUIDELINE_FORMATS.get(p.suffix.lower())
        if fmt is None:
            problems.append(
                Problem(
                    str(p),
                    f"guideline files must be .md, .txt or .html, not {p.suffix or 'no extension'!r}",
                    fix="convert the guideline to Markdown, plain text or HTML (export PDFs as text)",
                )
            )
            continue
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            problems.append(Problem(str(p), "guideline file not found", fix="check the path"))
            continue
        except OSError as exc:
            problems.append(
                Problem(
                    str(p),
                    f"cannot read guideline file ({exc.strerror})",
                    fix="check the path and permissions",
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(
                Problem(
                    str(p),
                    f"guideline is not UTF-8 text (bad byte at line {line})",
                    fix="re-save the file as UTF-8",
                )
            )
            continue
        out.append(RawGuideline(name=p.name, text=text, fmt=fmt))
    return out


def read_files(
    cfg: AuditConfig,
    problems: list[Problem],
    judgments_reader: Callable[[Path, list[Problem]], pd.DataFrame | None] | None = None,
) -> RawTables | None:
    """Read every input named by ``cfg``; returns None when the judgments can't be read.

    ``judgments_reader`` replaces :func:`read_table` for the judgments (the Dask engine).
    """
    found = locate(cfg, problems)
    tables: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    for role in ROLES:
        path = found[role]
        if isinstance(path, Path):
            files[role] = str(path)
            if role == "judgments" and judgments_reader is not None:
                tables[role] = judgments_reader(path, problems)
            else:
                tables[role] = read_table(path, role, problems)
        else:
            tables[role] = None
    schema = target = None
    if isinstance(found["schema"], Path):
        files["schema"] = str(found["schema"])
        schema = read_yaml(found["schema"], "schema", problems)
    tgt = found["target"]
    if isinstance(tgt, str) and tgt.startswith("preset:"):
        target = tgt
        files["target"] = tgt
    elif tgt is not None:
        files["target"] = str(tgt)
        target = read_yaml(Path(tgt), "target", problems)
    guidelines = read_guidelines(list(found["guidelines"] or []), problems)
    for g in found["guidelines"] or []:
        files[f"guideline:{g.name}"] = str(g)
    if tables["judgments"] is None:
        return None
    source = _provenance(cfg)
    return RawTables(
        judgments=tables["judgments"],
        annotators=tables["annotators"],
        items=tables["items"],
        schema=schema,
        target=target,
        guidelines=guidelines,
        files=files,
        source=source,
        # rows a source (e.g. a Label Studio pull) could not turn into judgments
        skipped_rows={str(k): int(v) for k, v in (source.get("skipped_rows") or {}).items()},
    )


def _provenance(cfg: AuditConfig) -> dict:
    folder = cfg.bundle
    if folder is not None and (folder / "source.json").is_file():
        try:
            data = json.loads((folder / "source.json").read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"note": "source.json present but unreadable"}
    return {}
