"""Files source: a bundle folder (or files named one by one) read into :class:`RawTables`.

Tables may be Parquet (a file, or a folder of Parquet files read as one dataset with
``pyarrow.dataset``), CSV or JSON Lines. Problems are collected, never raised one at a
time, so the user sees every broken file in one run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from labelaudit.config import AuditConfig
from labelaudit.errors import Problem
from labelaudit.sources.base import RawGuideline, RawTables
from labelaudit.sources.tables import TABLE_EXTS, read_table
from labelaudit.text.guideline_text import FORMATS as GUIDELINE_FORMATS
from labelaudit.yamlfiles import read_mapping

ROLES = ("judgments", "annotators", "items")
__all__ = ["ROLES", "TABLE_EXTS", "locate", "read_files", "read_guidelines", "read_table"]


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
                p = folder / f"{role}{ext}"
                if _usable_file(p, problems, f"the {role} file"):
                    found[role] = p
        guides: list[Path] = []
        for p in sorted(folder.iterdir()):
            if p.name == "guidelines" and p.is_dir():
                guides.extend(sorted(q for q in p.rglob("*") if q.is_file()))
            elif p.stem == "guidelines" and _usable_file(p, problems, "a guideline file"):
                guides.append(p)
        found["guidelines"] = guides
        if not cfg.follow_symlinks:
            _drop_links_out(found, folder, problems)
    for role in (*ROLES, "schema"):
        explicit = getattr(cfg, role)
        if explicit is not None:
            found[role] = explicit
    if cfg.target is not None:
        found["target"] = cfg.target  # type: ignore[assignment]
    if cfg.guidelines:
        found["guidelines"] = list(cfg.guidelines)
    said = {str(cfg.bundle)} | {
        str(cfg.bundle / n)
        for n in ("judgments.csv", "judgments.jsonl", "judgments.parquet", "judgments")
    }
    if found["judgments"] is None and not any(p.where in said for p in problems):
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


def _usable_file(path: Path, problems: list[Problem], what: str) -> bool:
    """Whether ``path`` is a file to read; a folder or a broken link there is a problem."""
    if path.is_dir():
        problems.append(
            Problem(str(path), f"{path.name} is a folder, but {what} must be a file",
                    fix=f"replace the folder {path.name} by the file (guideline files may "
                    "go in a folder named guidelines/)")
        )  # fmt: skip
        return False
    if path.is_symlink() and not path.exists():
        problems.append(
            Problem(str(path), f"{path.name} is a link to a file that is not found",
                    fix="fix or remove the link")
        )  # fmt: skip
        return False
    return path.is_file()


def _drop_links_out(found: dict, folder: Path, problems: list[Problem]) -> None:
    """Refuse (and forget) files found in the bundle folder that link outside it.

    A bundle may come from someone else: a link named ``annotators.csv`` pointing at
    ``~/.ssh/id_rsa`` or another project's data must not be read (and hashed, and shown
    in a report) unless the user says so with ``follow_symlinks = true``.
    """
    root = folder.resolve()

    def outside(p: Path) -> bool:
        files = [q for q in p.rglob("*") if q.is_file()] if p.is_dir() else [p]
        leaving = [q for q in [p, *files] if p.exists() and not q.resolve().is_relative_to(root)]
        if leaving:
            q = leaving[-1]
            problems.append(
                Problem(str(q), f"{q.name} links to {str(q.resolve())!r}, outside the "
                        "bundle folder", fix="copy the file into the bundle folder, or set "
                        "follow_symlinks = true in labelaudit.toml to read links that leave it")
            )  # fmt: skip
        return bool(leaving)

    for role in (*ROLES, "schema", "target"):
        if isinstance(found[role], Path) and outside(found[role]):
            found[role] = None
    found["guidelines"] = [g for g in found["guidelines"] if not outside(g)]


def read_yaml(path: Path, role: str, problems: list[Problem]) -> dict | None:
    """Read a bundle's ``schema.yaml`` or ``target.yaml`` with the bounded YAML reader."""
    return read_mapping(
        path, f"the {role}", f"see CONTRACT section 1 for the {role}.yaml layout", problems
    )


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
