"""The bad-input corpus: cases read from ``tests/fixtures/bad_inputs/*.yaml``.

Each case is a small bundle (the good bundle in ``_base/`` with some files replaced,
added or removed) and the command line to run on it, with what must come out. A case
file holds ``cases:``, a list of mappings:

``name``
    unique within the corpus (the test id).
``files``
    path (relative to the bundle folder) -> what to write there: a string (UTF-8 text),
    ``null`` (remove the base file), or a mapping: ``{text: ..., repeat: N}`` (the text N
    times), ``{latin1: ...}`` (bytes: each character one byte), ``{dir: true}``,
    ``{symlink: TARGET}`` (``{tmp}`` allowed), ``{parquet: [[column, [values]], ...],
    types: {column: arrow type}}`` (duplicate column names allowed).
``base``
    ``false`` starts from an empty folder instead of the good bundle.
``args``
    extra arguments after ``audit {bundle} --out {out} --quiet``; ``argv`` replaces the
    whole command line. ``{bundle}``, ``{out}`` and ``{tmp}`` are filled in.
``env``
    environment variables set for the run.
``exit``
    ``2`` (the default: bad input) or ``ok`` (the audit survives: exit 0 or 1).
``says``
    text stderr must contain (for exit 2: the file or setting at fault, and the point).
``left_out``
    rule code -> rows the audit counted and left out (the findings' ``count``).
``finds`` / ``lacks``
    rule codes that must / must not be among the findings.
``writes``
    files that must exist in the output folder afterwards.
``splits``
    how many split reports (sub-folders with a report.html) the output folder holds.
``hidden``
    text that must appear in no output (stderr, stdout, report, findings.json).
``subprocess``
    ``true`` runs ``python -m labelaudit`` in a child process instead of in-process.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs"
BASE = CORPUS / "_base"
DEFAULT_ARGV = ("audit", "{bundle}", "--out", "{out}", "--quiet")
_CASE_KEYS = {
    "name", "files", "base", "args", "argv", "env", "exit", "says", "left_out", "finds",
    "lacks", "writes", "splits", "hidden", "subprocess", "why",
}  # fmt: skip


@dataclass
class Case:
    """One bad input and what labelaudit must do with it."""

    name: str
    source: str
    files: dict[str, Any] = field(default_factory=dict)
    base: bool = True
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    survives: bool = False
    says: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    finds: list[str] = field(default_factory=list)
    lacks: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    splits: int | None = None
    hidden: list[str] = field(default_factory=list)
    subprocess: bool = False

    def build(self, tmp: Path) -> tuple[list[str], dict[str, str]]:
        """Lay the case's bundle out under ``tmp``; return its argv and environment."""
        bundle = tmp / "bundle"
        if self.base:
            shutil.copytree(BASE, bundle)
        else:
            bundle.mkdir(parents=True)
        fill = {"bundle": str(bundle), "out": str(tmp / "out"), "tmp": str(tmp)}
        for rel, spec in self.files.items():
            _write(bundle / rel, spec, fill)
        argv = [a.format(**fill) for a in self.argv]
        env = {k: str(v).format(**fill) for k, v in self.env.items()}
        self.says = [s.replace("{tmp}", str(tmp)) for s in self.says]
        return argv, env


def _write(path: Path, spec: Any, fill: dict[str, str]) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    if spec is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, str):
        path.write_text(spec, encoding="utf-8")
    elif "text" in spec:
        path.write_text(spec["text"] * int(spec.get("repeat", 1)), encoding="utf-8")
    elif "latin1" in spec:
        path.write_bytes(spec["latin1"].encode("latin-1"))
    elif spec.get("dir"):
        path.mkdir(parents=True, exist_ok=True)
    elif "symlink" in spec:
        os.symlink(spec["symlink"].format(**fill), path)
    elif "parquet" in spec:
        _write_parquet(path, spec["parquet"], spec.get("types") or {})
    else:
        raise ValueError(f"{path.name}: unknown file spec {sorted(spec)}")


def _write_parquet(path: Path, columns: list, types: dict[str, str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [str(name) for name, _ in columns]
    arrays = [
        pa.array(values, type=getattr(pa, types[name])() if name in types else None)
        for name, values in columns
    ]
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def load_cases() -> list[Case]:
    """Every case of every corpus file, in file order."""
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in doc["cases"]:
            unknown = set(raw) - _CASE_KEYS
            if unknown:
                raise ValueError(f"{path.name}: case {raw.get('name')!r} has keys {unknown}")
            argv = list(raw.get("argv") or [*DEFAULT_ARGV, *map(str, raw.get("args") or [])])
            survives = raw.get("exit", 2) == "ok"
            if not survives and raw.get("exit", 2) != 2:
                raise ValueError(f"{path.name}: case {raw['name']!r}: exit must be 2 or ok")
            cases.append(
                Case(
                    name=raw["name"],
                    source=path.name,
                    files=raw.get("files") or {},
                    base=raw.get("base", True),
                    argv=argv,
                    env={k: str(v) for k, v in (raw.get("env") or {}).items()},
                    survives=survives,
                    says=[str(s) for s in raw.get("says") or []],
                    left_out={str(k): int(v) for k, v in (raw.get("left_out") or {}).items()},
                    finds=list(raw.get("finds") or []),
                    lacks=list(raw.get("lacks") or []),
                    writes=list(raw.get("writes") or []),
                    splits=raw.get("splits"),
                    hidden=list(raw.get("hidden") or []),
                    subprocess=bool(raw.get("subprocess", False)),
                )
            )
    names = [c.name for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"case names used twice: {dupes}")
    return cases
