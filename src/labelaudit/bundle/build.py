"""Build the validated :class:`Bundle` from raw tables, collecting every problem.

Two kinds of problem (as in pandera's lazy mode, all are collected before reporting):

* blocking problems (a missing column, an unreadable file, a bad setting...) are raised
  together as one :class:`~labelaudit.errors.InputError` (exit code 2);
* problems the audit survives (duplicates, unknown annotators, labels outside the
  schema...) become :class:`DataIssue`\\ s, reported as ``data`` findings. Rows left
  out of the statistics are always counted there: nothing is dropped silently.

Row numbers in messages are 1-based data rows (the CSV header is not counted).

This module is the entry and the order of the steps; the steps live beside it, each
importing only the ones before it:
:mod:`~labelaudit.bundle.judgments` (ids, fields and labels normalised and coded),
:mod:`~labelaudit.bundle.validate` (labels against the schema, duplicates,
single-judgment items) and :mod:`~labelaudit.bundle.tables` (annotators, items,
cross-table and attribute checks). Reading the files is the sources' job
(:func:`labelaudit.sources.read.read_inputs`); the pipeline joins the two.
"""

from __future__ import annotations

import difflib

import pandas as pd

from labelaudit.bundle.consent import consent_issue
from labelaudit.bundle.hidden import guideline_issues, schema_issue, table_issue
from labelaudit.bundle.ids import leading_zero_problem
from labelaudit.bundle.judgments import _normalise_judgments, _primed, _take
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.raters import RaterNotes
from labelaudit.bundle.schema import infer_schema, parse_schema
from labelaudit.bundle.tables import (
    _asked_for_groups,
    _check_attributes,
    _cross_table_issues,
    _cross_table_issues_coded,
    _normalise_annotators,
    _normalise_items,
    _rename,
)
from labelaudit.bundle.types import DataIssue, FieldSpec, Guideline
from labelaudit.bundle.validate import (
    _check_labels,
    _check_labels_coded,
    _drop_rows,
    _single_judgment_items_coded,
)
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.populations.targets import parse_target
from labelaudit.sources.base import RawTables
from labelaudit.text.guideline_text import guideline_lines


def build_bundle(
    raw: RawTables,
    cfg: AuditConfig,
    problems: list[Problem] | None = None,
    *,
    release_raw: bool = False,
) -> Bundle:
    """Validate and normalise ``raw`` into a Bundle; raise InputError on blocking problems.

    ``raw.normalised`` says the judgments already went through
    :func:`~labelaudit.bundle.judgments.normalise_judgment_columns` (per partition, by
    the Dask engine). ``release_raw=True`` lets the build empty ``raw.judgments`` (its rows, not its
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
    afile = files.get("annotators", "annotators")
    notes = RaterNotes()
    if ann is not None:
        # before the judgments: raters who revoked consent leave before anything is counted
        ann, notes = _normalise_annotators(ann, afile, problems, issues, cfg)
    if judg is not None:
        removed: dict[str, int] = {}
        judg, codes = _normalise_judgments(
            judg,
            jfile,
            problems,
            issues,
            raw.skipped_rows,
            normalised=raw.normalised,
            drop_annotators=notes.revoked,
            dropped=removed,
        )
        if notes.revoked:
            n_rows = int(sizes["judgments"] or 0)
            issues.append(
                consent_issue(len(notes.revoked), removed, n_rows, notes.revoked_why, afile)
            )
    if items is not None:
        items = _normalise_items(items, files.get("items", "items"), problems, issues, cfg.columns)

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
    guidelines = _guidelines(raw)
    if judg is not None:
        problems += _unusable(judg, codes, ann, items, target, files)
    if judg is not None and ann is not None:
        _check_attributes(cfg, ann, afile, problems)
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
        inputs=list(raw.inputs),
        issues=issues,
        schema_inferred=inferred,
        source=dict(raw.source),
        rows_read=int(sizes["judgments"]),
        undisclosed_codes=notes.undisclosed,
    )
    if codes is not None:
        bundle._prime(*_primed(codes))
    coded = {c: codes[c][1] for c in ("item_id", "field", "label")} if codes is not None else None
    hidden = [table_issue(judg, jfile, coded),
              table_issue(ann, files.get("annotators", "annotators")),
              table_issue(items, files.get("items", "items")),
              None if inferred else schema_issue(schema, files.get("schema", "schema.yaml"))]  # fmt: skip
    issues += [i for i in hidden if i is not None] + guideline_issues(guidelines)
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


def _unusable(judg, codes, ann, items, target, files: dict[str, str]) -> list[Problem]:
    """What the tables can be read as but not audited: no labels, ids off by zeros, a
    target about attributes the pool doesn't record."""
    jfile = files.get("judgments", "judgments")
    out: list[Problem] = []
    if len(judg) and bool(judg["skipped"].all()):
        out.append(
            Problem(jfile, "no judgment has a label: every value of the label column is empty",
                    column="label", fix="check the export (the label column may be named "
                    'differently: map it with [columns] label = "your_column")')
        )  # fmt: skip
    for table, col, role in ((ann, "annotator_id", "annotators"), (items, "item_id", "items")):
        if table is None:
            continue
        distinct = codes[col][1] if codes is not None else judg[col].dropna().unique()
        known = {str(v) for v in table[col].dropna()}
        unknown = {str(v) for v in distinct if v is not None} - known
        wrong = leading_zero_problem(unknown, known, col, jfile, files.get(role, role))
        if wrong is not None:
            out.append(wrong)
    if target is not None:
        where = target.path or files.get("target", "target.yaml")
        if ann is None:
            out.append(Problem(where, "the target can only be compared with an annotators "
                               "table, and there is none", setting="target",
                               fix="add annotators.* with the target's attribute columns, or "
                               "remove the target"))  # fmt: skip
            return out
        columns = [c for c in ann.columns if c != "annotator_id"]
        for attr in target.attributes:
            if attr not in ann.columns:
                hint = difflib.get_close_matches(attr, columns, n=1)
                out.append(Problem(
                    where, f"the target compares {attr!r}, which the annotators table does "
                    f"not have (columns: {', '.join(map(str, columns)) or 'none'})",
                    setting=f"attributes.{attr}",
                    fix=(f"did you mean {hint[0]!r}? " if hint else "")
                    + ("add a region column, or a country column (ISO 3166-1) to derive it "
                       "from" if attr == "region" else f"add a {attr!r} column to the "
                       "annotators table, or remove the attribute from the target")))  # fmt: skip
    return out


def _target(raw: RawTables, problems: list[Problem]):
    if raw.target is None:
        return None
    return parse_target(raw.target, raw.files.get("target", "target.yaml"), problems)


def guideline_from_raw(name: str, text: str, fmt: str) -> Guideline:
    """A :class:`Guideline` from raw text in format ``fmt`` (``"md"``, ``"txt"`` or ``"html"``).

    Examples
    --------
    >>> g = guideline_from_raw("g.html", "<p>One</p><p>Two</p>", "html")
    >>> g.lines, g.source_format
    (['One', 'Two'], 'html')
    """
    return Guideline(name=name, lines=guideline_lines(text, fmt), source_format=fmt)  # type: ignore[arg-type]


def _guidelines(raw: RawTables) -> list[Guideline]:
    return [guideline_from_raw(g.name, g.text, g.fmt) for g in raw.guidelines]


def _describe_schema(schema: dict[str, FieldSpec]) -> str:
    return "; ".join(
        f"{k}: {v.level}{' multi-choice' if v.kind == 'multi' else ''}" for k, v in schema.items()
    )
