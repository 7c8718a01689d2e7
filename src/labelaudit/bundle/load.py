"""Build the validated :class:`Bundle` from raw tables, collecting every problem.

Two kinds of problem (as in pandera's lazy mode, all are collected before reporting):

* blocking problems (a missing column, an unreadable file, a bad setting...) are raised
  together as one :class:`~labelaudit.errors.InputError` (exit code 2);
* problems the audit survives (duplicates, unknown annotators, labels outside the
  schema...) become :class:`DataIssue`\\ s, reported as ``data`` findings. Rows left
  out of the statistics are always counted there: nothing is dropped silently.

Row numbers in messages are 1-based data rows (the CSV header is not counted).

This module is the entry and the order of the steps (plus the input files' hashes);
the steps live beside it, each importing only the ones before it:
:mod:`~labelaudit.bundle.judgments` (ids, fields and labels normalised and coded),
:mod:`~labelaudit.bundle.validate` (labels against the schema, duplicates,
single-judgment items) and :mod:`~labelaudit.bundle.tables` (annotators, items,
cross-table and attribute checks). ``REQUIRED`` and :func:`normalise_judgment_columns`
are re-exported here for the Dask engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from labelaudit.bundle.judgments import _normalise_judgments, _primed, _take
from labelaudit.bundle.judgments import normalise_judgment_columns as normalise_judgment_columns
from labelaudit.bundle.model import Bundle, DataIssue, FieldSpec, Guideline, InputFile
from labelaudit.bundle.schema import infer_schema, parse_schema
from labelaudit.bundle.tables import REQUIRED as REQUIRED
from labelaudit.bundle.tables import (
    _asked_for_groups,
    _check_attributes,
    _cross_table_issues,
    _cross_table_issues_coded,
    _normalise_annotators,
    _normalise_items,
    _rename,
)
from labelaudit.bundle.validate import (
    _check_labels,
    _check_labels_coded,
    _drop_rows,
    _single_judgment_items_coded,
)
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables
from labelaudit.sources.files import read_files


def load_bundle(cfg: AuditConfig) -> Bundle:
    """Read and validate the bundle named by ``cfg`` (a folder and/or explicit files)."""
    problems: list[Problem] = []
    if cfg.engine == "dask":
        from labelaudit.engine.dask_engine import dask_client, judgments_reader

        with dask_client(cfg) as client:
            raw = read_files(cfg, problems, judgments_reader(cfg, client))
        normalised = True
    else:
        raw = read_files(cfg, problems)
        normalised = False
    if raw is None:
        raise InputError(problems)
    _release_arrow_memory()
    bundle = build_bundle(raw, cfg, problems, normalised=normalised, release_raw=True)
    if cfg.bundle is not None:
        bundle.name = cfg.bundle.resolve().name
    return bundle


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


def build_bundle(
    raw: RawTables,
    cfg: AuditConfig,
    problems: list[Problem] | None = None,
    *,
    normalised: bool = False,
    release_raw: bool = False,
) -> Bundle:
    """Validate and normalise ``raw`` into a Bundle; raise InputError on blocking problems.

    ``normalised=True`` says the judgments already went through
    :func:`normalise_judgment_columns` (per partition, by the Dask engine).
    ``release_raw=True`` lets the build empty ``raw.judgments`` (its rows, not its
    columns) once read, so the raw table is not kept alive beside the normalised one.
    """
    problems = [] if problems is None else problems
    issues: list[DataIssue] = []
    files = raw.files
    jfile = files.get("judgments", "judgments")
    tables = {"judgments": raw.judgments, "annotators": raw.annotators, "items": raw.items}
    sizes = {k: None if t is None else len(t) for k, t in tables.items()}
    del tables
    judg = _rename(raw.judgments, cfg.columns, jfile, "judgments", problems)
    if release_raw:
        # the caller gave up the raw table: its columns are freed as soon as normalisation
        # replaces them in ``judg`` (~0.3 GB of categories at 10M judgments)
        raw.judgments = pd.DataFrame(columns=raw.judgments.columns)  # no view of the data
    ann = _rename(
        raw.annotators, cfg.columns, files.get("annotators", "annotators"), "annotators", problems
    )
    items = _rename(raw.items, cfg.columns, files.get("items", "items"), "items", problems)
    if judg is not None:
        judg, codes = _normalise_judgments(
            judg, jfile, problems, issues, raw.skipped_rows, normalised=normalised
        )
    if ann is not None:
        ann = _normalise_annotators(ann, files.get("annotators", "annotators"), problems, issues)
    if items is not None:
        items = _normalise_items(items, files.get("items", "items"), problems, issues)

    schema: dict[str, FieldSpec] = {}
    inferred = raw.schema is None
    if judg is not None:
        if raw.schema is not None:
            schema = parse_schema(raw.schema, files.get("schema", "schema.yaml"), problems)
        else:
            schema = infer_schema(judg, jfile, problems)
        if schema:
            if codes is not None and not any(sp.kind == "multi" for sp in schema.values()):
                dup, usable = _check_labels_coded(judg, codes, schema, jfile, problems, issues)
                if dup.any():
                    keep = ~dup
                    codes, usable = _take(codes, keep), usable[keep]
                    judg = _drop_rows(judg, keep)
                    del keep, dup
                _single_judgment_items_coded(codes, usable, issues)
                del usable
            else:
                judg = _check_labels(judg, schema, jfile, problems, issues, inferred)
                codes = None
    target = _target(raw, problems)
    guidelines = _guidelines(raw, problems)
    if judg is not None and ann is not None:
        _check_attributes(cfg, ann, files.get("annotators", "annotators"), problems)
    elif ann is None and _asked_for_groups(cfg):
        problems.append(
            Problem(
                files.get("judgments", "bundle"),
                "group checks were asked for "
                "(group_by/split_by/stratify_by) but there is no annotators table",
                setting="group_by",
                fix="add annotators.parquet|csv|jsonl with annotator_id and attribute columns",
            )
        )
    if problems:
        raise InputError(problems)
    assert judg is not None
    if codes is not None:
        _cross_table_issues_coded(judg, codes, ann, items, files, issues)
    else:
        _cross_table_issues(judg, ann, items, files, issues)
    bundle = Bundle(
        judgments=judg,
        schema=schema,
        annotators=ann,
        items=items,
        guidelines=guidelines,
        target=target,
        inputs=_inputs(files, sizes),
        issues=issues,
        schema_inferred=inferred,
        source=dict(raw.source),
        rows_read=int(sizes["judgments"]),
    )
    if codes is not None:
        bundle._prime(*_primed(codes))
    if inferred:
        issues.append(
            DataIssue(
                "LA008",
                "No schema.yaml was given: the label schema was inferred "
                f"from the labels ({_describe_schema(schema)}).",
                count=len(schema),
                evidence={"fields": {k: v.level for k, v in schema.items()}},
            )
        )
    return bundle


def _target(raw: RawTables, problems: list[Problem]):
    if raw.target is None:
        return None
    from labelaudit.populations.targets import parse_target

    return parse_target(raw.target, raw.files.get("target", "target.yaml"), problems)


def _guidelines(raw: RawTables, problems: list[Problem]) -> list[Guideline]:
    if not raw.guidelines:
        return []
    from labelaudit.text.guideline_text import guideline_from_raw

    return [guideline_from_raw(g.name, g.text, g.fmt) for g in raw.guidelines]


def _inputs(files: dict[str, str], sizes: dict[str, int | None]) -> list[InputFile]:
    out = []
    for role, path in files.items():
        if path.startswith("preset:"):
            out.append(InputFile(path=path, sha256="", rows=None))
            continue
        p = Path(path)
        if not p.exists():
            continue
        n = sizes.get(role)
        out.append(
            InputFile(
                path=p.name if role.startswith("guideline:") else _display(p),
                sha256=_sha256(p),
                rows=None if n is None else int(n),
            )
        )
    return out


def _display(p: Path) -> str:
    return p.name


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    paths = sorted(p.rglob("*.parquet")) if p.is_dir() else [p]
    for q in paths:
        with q.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _describe_schema(schema: dict[str, FieldSpec]) -> str:
    return "; ".join(
        f"{k}: {v.level}{' multi-choice' if v.kind == 'multi' else ''}" for k, v in schema.items()
    )
