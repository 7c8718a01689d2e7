"""The read step: every input a config names, read by the local or the Dask engine.

The pipeline calls :func:`read_inputs` and hands the :class:`RawTables` to the bundle
stage. With ``engine = "dask"`` the judgments are read (and normalised by the function
the bundle stage hands in) per partition on a cluster; everything else is read here.
Input files are hashed for findings.json ``run.inputs``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import InputFile, RawTables
from labelaudit.sources.dask_engine import Normaliser
from labelaudit.sources.files import read_files


def read_inputs(
    cfg: AuditConfig, problems: list[Problem], normalise: Normaliser | None = None
) -> RawTables:
    """Read the bundle named by ``cfg``; raise ``InputError`` when the judgments can't be read.

    ``normalise`` is the per-partition normalisation the Dask engine runs on its workers
    (required with ``engine = "dask"``). Problems that do not stop the read are left in
    ``problems`` for the bundle stage to report with its own.
    """
    if cfg.engine == "dask":
        from labelaudit.sources.dask_engine import dask_client, judgments_reader

        if normalise is None:
            raise ValueError("the dask engine needs the per-partition normalisation")
        with dask_client(cfg) as client:
            raw = read_files(cfg, problems, judgments_reader(cfg, client, normalise))
        if raw is not None:
            raw.normalised = True
    else:
        raw = read_files(cfg, problems)
    if raw is None:
        raise InputError(problems)
    _release_arrow_memory()
    sizes = {
        "judgments": len(raw.judgments),
        "annotators": None if raw.annotators is None else len(raw.annotators),
        "items": None if raw.items is None else len(raw.items),
    }
    raw.inputs = input_files(raw.files, sizes)
    return raw


def _release_arrow_memory() -> None:
    """Hand Arrow's freed read buffers back to the OS before validation allocates.

    Arrow's allocator keeps them for reuse (~0.4 GB after reading 10M judgments), which
    would otherwise add to the loading peak.
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass


def input_files(files: dict[str, str], sizes: dict[str, int | None]) -> list[InputFile]:
    """Each input file (by role) with its SHA-256 and row count, for ``run.inputs``."""
    out = []
    for role, path in files.items():
        if path.startswith("preset:"):
            out.append(InputFile(path=path, sha256="", rows=None))
            continue
        p = Path(path)
        if not p.exists():
            continue
        n = sizes.get(role)
        out.append(InputFile(path=p.name, sha256=_sha256(p), rows=None if n is None else int(n)))
    return out


def display_path(path: str) -> str:
    """``path`` as a user would write it from here: relative to the working directory
    when it is inside it (CI tools resolve file names against the checkout), else as is.
    """
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    paths = sorted(p.rglob("*.parquet")) if p.is_dir() else [p]
    for q in paths:
        with q.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()
