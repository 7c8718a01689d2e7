"""Build the validated :class:`Bundle` from raw tables, collecting every problem.

Two kinds of problem (as in pandera's lazy mode, all are collected before reporting):

* blocking problems (a missing column, an unreadable file, a bad setting...) are raised
  together as one :class:`~labelaudit.errors.InputError` (exit code 2);
* problems the audit survives (duplicates, unknown annotators, labels outside the
  schema...) become :class:`DataIssue`\\ s, reported as ``data`` findings. Rows left
  out of the statistics are always counted there: nothing is dropped silently.

Row numbers in messages are 1-based data rows (the CSV header is not counted).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from labelaudit.bundle.model import (
    Bundle,
    DataIssue,
    FieldSpec,
    Guideline,
    InputFile,
    has_lists,
    map_distinct,
)
from labelaudit.bundle.schema import infer_schema, parse_schema
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables
from labelaudit.sources.files import read_files
from labelaudit.wording import counted, verb

#: a numeric attribute with more distinct values than this is continuous, not a grouping
MAX_NUMERIC_GROUPS = 12
REQUIRED = {
    "judgments": ("item_id", "annotator_id", "label"),
    "annotators": ("annotator_id",),
    "items": ("item_id",),
}


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


# ------------------------------------------------------------------ tables
def _rename(
    df: pd.DataFrame | None, mapping: dict[str, str], where: str, role: str, problems: list[Problem]
) -> pd.DataFrame | None:
    if df is None:
        return None
    rename = {
        user: canon for canon, user in mapping.items() if user in df.columns and user != canon
    }
    df = df.rename(columns=rename)
    missing = [c for c in REQUIRED[role] if c not in df.columns]
    if missing:
        for col in missing:
            user = mapping.get(col)
            fix = (
                f"the [columns] mapping names {user!r} but the file has no such column"
                if user
                else f'add a {col!r} column, or map yours with [columns] {col} = "your_name" '
                "in labelaudit.toml"
            )
            problems.append(
                Problem(
                    where,
                    f"missing required column {col!r} "
                    f"(found: {', '.join(map(str, df.columns[:12]))})",
                    column=user or col,
                    fix=fix,
                )
            )
        return None
    if len(df) == 0:
        problems.append(
            Problem(where, f"the {role} table is empty", fix=f"export the {role} with rows")
        )
        return None
    return df.reset_index(drop=True)


def _norm_id(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    text = str(v).strip()
    return text or None


def _ids(s: pd.Series) -> pd.Series:
    """Ids as strings: 7, 7.0 and "7" are the same id; missing stays None."""
    return _map_coded(s, _norm_id)[0]


def _map_coded(s: pd.Series, fn) -> tuple[pd.Series, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`map_distinct`, plus the integer code of every row over the mapped values.

    The codes (-1 = missing; first-appearance order) let validation and the bundle's
    caches work on integers instead of hashing millions of strings again. None when a
    value is unhashable (list labels).
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): row by row
        return s.map(fn).astype(object), None
    mapped = np.empty(len(uniques) + 1, dtype=object)
    # (iterating an Arrow-backed index is ~10x slower than converting it)
    as_str = np.asarray(uniques, dtype=object) if fn is _norm_id else None
    if as_str is not None and all(type(u) is str for u in as_str):
        mapped[:-1] = [u.strip() or None for u in as_str]  # _norm_id of a str, inlined
    else:
        mapped[:-1] = [fn(u) for u in uniques]  # the values map_distinct's fn sees
    mapped[-1] = fn(None)
    out = pd.Series(mapped[codes], index=s.index, dtype=object)
    # fn(None) joins only if some row is missing: the uniques must all occur in rows
    missing_value = pd.api.types.is_scalar(mapped[-1]) and bool(pd.isna(mapped[-1]))
    present = mapped[:-1] if missing_value or not (codes < 0).any() else mapped
    try:
        m_codes, m_uniques = pd.factorize(present, use_na_sentinel=True)
    except TypeError:
        return out, None
    m_uniques = np.asarray(m_uniques, dtype=object)
    if len(present) < len(mapped):
        # int32: four full-length code arrays are alive during validation
        return out, (np.append(m_codes, -1).astype(np.int32)[codes], m_uniques)
    # missing rows mapped to a value (field -> "label") may come first: renumber by rows
    if (m_codes < 0).any():
        return out, None  # fn maps some values, but not missing ones, to missing: uncoded
    row_codes, first = pd.factorize(m_codes[codes])
    return out, (row_codes.astype(np.int32), m_uniques[first])


def _label(v: object) -> object:
    """Normalise one label: list-likes → list[str], JSON list strings → list, blanks → None."""
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, str):
        t = v.strip()
        if not t:
            return None
        if t.startswith("[") and t.endswith("]"):
            try:
                parsed = json.loads(t)
            except json.JSONDecodeError:
                return t
            if isinstance(parsed, list):
                return [str(x) for x in parsed]
        return t
    return v


def normalise_judgment_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Row-wise normalisation of ids, field and label (a copy).

    Each row is normalised on its own, so this runs unchanged on any slice of the
    judgments (a Parquet partition on a Dask worker gives the same rows as the whole).
    """
    return _normalise_coded(df)[0]


#: columns validation codes as integers (see _map_coded)
CODED = ("item_id", "annotator_id", "field", "label")
Codes = dict[str, tuple[np.ndarray, np.ndarray]]


def _normalise_coded(df: pd.DataFrame) -> tuple[pd.DataFrame, Codes | None]:
    """:func:`normalise_judgment_columns` and the integer codes of :data:`CODED`."""
    df = df.copy()
    codes: dict = {}
    df["item_id"], codes["item_id"] = _map_coded(df["item_id"], _norm_id)
    df["annotator_id"], codes["annotator_id"] = _map_coded(df["annotator_id"], _norm_id)
    if "field" not in df.columns:
        df["field"] = "label"
    df["field"], codes["field"] = _map_coded(
        df["field"],
        lambda v: "label" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v),
    )
    df["label"], codes["label"] = _map_coded(df["label"], _label)
    return df, (codes if all(c is not None for c in codes.values()) else None)


def _factorized(df: pd.DataFrame) -> Codes | None:
    """Codes of already normalised judgments (the Dask engine's); None with list labels."""
    out = {}
    for col in CODED:
        try:
            c, u = pd.factorize(df[col], use_na_sentinel=True)
        except TypeError:
            return None
        out[col] = (c.astype(np.int32), np.asarray(u, dtype=object))
    return out


def _take(codes: Codes | None, keep: np.ndarray) -> Codes | None:
    if codes is None:
        return None
    return {k: (c[keep], u) for k, (c, u) in codes.items()}


def _normalise_judgments(
    df: pd.DataFrame,
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
    skipped_rows: dict[str, int],
    normalised: bool = False,
) -> tuple[pd.DataFrame, Codes | None]:
    if normalised:
        codes = _factorized(df)
    else:
        df, codes = _normalise_coded(df)
    if codes is not None:
        no_id = pd.Series(
            (codes["item_id"][0] < 0) | (codes["annotator_id"][0] < 0), index=df.index
        )
    else:
        no_id = df["item_id"].isna() | df["annotator_id"].isna()
    if no_id.any():
        rows = [int(i) + 1 for i in np.flatnonzero(no_id.to_numpy())]
        issues.append(
            DataIssue(
                "LA012",
                f"{counted(len(rows), 'judgment row')} {verb(len(rows), 'has', 'have')} no item_id or annotator_id and {verb(len(rows), 'was', 'were')} left out.",
                count=len(rows),
                file=where,
                rows=rows[:10],
            )
        )
        df = df[~no_id]
        codes = _take(codes, ~no_id.to_numpy())
        codes = None if codes is None else _compact(codes)
    df["skipped"] = codes["label"][0] < 0 if codes is not None else df["label"].isna()
    if "created_at" in df.columns:
        parsed = pd.to_datetime(df["created_at"], errors="coerce", utc=True, format="mixed")
        bad = parsed.isna() & df["created_at"].notna()
        if bad.any():
            problems.append(
                Problem(
                    where,
                    "created_at values are not timestamps",
                    column="created_at",
                    rows=[int(i) + 1 for i in df.index[bad][:5]],
                    fix="use ISO 8601 timestamps, e.g. 2026-10-01T14:03:00Z",
                )
            )
        df["created_at"] = parsed
    if "lead_time_s" in df.columns:
        lt = pd.to_numeric(df["lead_time_s"], errors="coerce")
        bad = lt.isna() & df["lead_time_s"].notna() | (lt < 0)
        if bad.any():
            problems.append(
                Problem(
                    where,
                    "lead_time_s must be a non-negative number of seconds",
                    column="lead_time_s",
                    rows=[int(i) + 1 for i in df.index[bad][:5]],
                    fix="write seconds as numbers, e.g. 12.5",
                )
            )
        df["lead_time_s"] = lt.astype(float)
    if "on_behalf" in df.columns:
        df["on_behalf"] = map_distinct(
            df["on_behalf"], lambda v: str(v).lower() in ("true", "1", "yes")
        ).astype(bool)
        n = int(df["on_behalf"].sum())
        if n:
            issues.append(
                DataIssue(
                    "LA007",
                    f"{counted(n, 'judgment')} {verb(n, 'was', 'were')} posted by another account on the annotator's behalf.",
                    count=n,
                    file=where,
                )
            )
    n_skipped = int(df["skipped"].sum())
    if n_skipped and codes is not None:
        f_codes, f_names = codes["field"]
        per = np.bincount(f_codes[df["skipped"].to_numpy()], minlength=len(f_names))
        by_field = {
            f_names[k]: int(per[k]) for k in sorted(np.flatnonzero(per), key=lambda k: f_names[k])
        }
    elif n_skipped:
        by_field = df[df["skipped"]].groupby("field").size().to_dict()
    if n_skipped:
        issues.append(
            DataIssue(
                "LA005",
                f"{counted(n_skipped, 'judgment')} {verb(n_skipped, 'is', 'are')} skipped (null label): counted, not scored.",
                count=n_skipped,
                file=where,
                evidence={"by_field": {str(k): int(v) for k, v in by_field.items()}},
            )
        )
    for reason, n in sorted(skipped_rows.items()):
        if n:
            issues.append(
                DataIssue(
                    "LA012",
                    f"{counted(n, 'source record')} {verb(n, 'was', 'were')} not turned into judgments "
                    f"({reason.replace('_', ' ')}).",
                    count=int(n),
                    file=where,
                    evidence={"reason": reason},
                )
            )
    return df.reset_index(drop=True), codes


def _check_labels(
    df: pd.DataFrame,
    schema: dict[str, FieldSpec],
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
    inferred: bool,
) -> pd.DataFrame:
    """Validate labels against the schema; survivable problems become DataIssues."""
    unknown_fields = sorted(set(df["field"]) - set(schema))
    if unknown_fields:
        mask = df["field"].isin(unknown_fields)
        issues.append(
            DataIssue(
                "LA011",
                f"{counted(int(mask.sum()), 'judgment')} {verb(int(mask.sum()), 'is', 'are')} for fields not in the schema "
                f"({', '.join(unknown_fields[:5])}): not scored.",
                count=int(mask.sum()),
                file=where,
                column="field",
                rows=_rows(mask),
                evidence={"fields": unknown_fields},
            )
        )
    out_of_schema = pd.Series(False, index=df.index)
    multi_on_single = pd.Series(False, index=df.index)
    for name, spec in schema.items():
        sel = (df["field"] == name) & ~df["skipped"]
        if not sel.any():
            continue
        labels = df.loc[sel, "label"]
        is_list = (
            labels.map(lambda v: isinstance(v, list))
            if has_lists(labels)
            else pd.Series(False, index=labels.index)
        )
        if spec.kind == "multi":
            df.loc[sel & ~is_list.reindex(df.index, fill_value=False), "label"] = labels[
                ~is_list
            ].map(lambda v: [str(v)])
            allowed = {str(v) for v in spec.values}
            bad = df.loc[sel, "label"].map(lambda v: any(x not in allowed for x in v))  # noqa: B023
            out_of_schema |= bad.reindex(df.index, fill_value=False)
            continue
        if spec.kind in ("ranking", "text"):
            continue
        single_list = is_list.copy()
        if is_list.any():
            single_list[is_list] = labels[is_list].map(len) == 1
        if single_list.any():
            df.loc[single_list[single_list].index, "label"] = labels[single_list].map(
                lambda v: v[0]
            )
        multi = is_list & ~single_list
        multi_on_single |= multi.reindex(df.index, fill_value=False)
        labels = df.loc[sel & ~multi_on_single, "label"]
        if spec.level in ("interval", "ratio") or (
            spec.level == "ordinal" and _numeric_values(spec)
        ):
            nums = pd.to_numeric(labels, errors="coerce")
            bad = nums.isna()
            if bad.any():
                problems.append(
                    Problem(
                        where,
                        f"{spec.level} field {name!r} has non-numeric labels "
                        f"(e.g. {labels[bad].iloc[0]!r})",
                        column="label",
                        rows=[int(i) + 1 for i in labels.index[bad][:5]],
                        fix="use numbers for this field, or declare it nominal in schema.yaml",
                    )
                )
                continue
        if spec.values:
            from labelaudit.bundle.model import _key

            allowed = {_key(v) for v in spec.values}
            bad = map_distinct(labels, lambda v: _key(v) not in allowed).astype(bool)  # noqa: B023
            out_of_schema |= bad.reindex(df.index, fill_value=False)
    for name in sorted(set(df.loc[out_of_schema, "field"])):
        mask = out_of_schema & (df["field"] == name)
        n = int(mask.sum())
        examples = sorted({str(v) for v in df.loc[mask, "label"]})[:5]
        issues.append(
            DataIssue(
                "LA004",
                f"{counted(n, 'label')} on field {name!r} {verb(n, 'is', 'are')} not among the "
                f"schema's values (e.g. {', '.join(examples)}): not scored.",
                count=n,
                file=where,
                column="label",
                rows=_rows(mask),
                subject={"field": name},
                evidence={"values": examples},
            )
        )
    if multi_on_single.any():
        issues.append(
            DataIssue(
                "LA006",
                f"{counted(int(multi_on_single.sum()), 'judgment')} {verb(int(multi_on_single.sum()), 'carries', 'carry')} several values "
                "on a single-choice field: not scored.",
                count=int(multi_on_single.sum()),
                file=where,
                column="label",
                rows=_rows(multi_on_single),
            )
        )
        df = df.copy()
        df["label"] = df["label"].where(~multi_on_single, None)
        df.loc[multi_on_single, "skipped"] = True
    # duplicates: keep the first judgment per (item, annotator, field)
    scored = ~df["skipped"].to_numpy(dtype=bool)
    key = _judgment_key(df)
    dup_np = np.zeros(len(df), dtype=bool)
    dup_np[scored] = pd.Series(key[scored]).duplicated(keep="first").to_numpy()
    dup = pd.Series(dup_np, index=df.index)
    if dup.any():
        n_pairs = int(np.unique(key[dup_np]).size)
        issues.append(
            DataIssue(
                "LA001",
                f"{counted(int(dup.sum()), 'duplicate judgment row')} on {counted(n_pairs, '(item, annotator, field) combination')}; "
                "the first of each is kept.",
                count=int(dup.sum()),
                file=where,
                rows=_rows(dup),
                evidence={"duplicate_rows": int(dup.sum()), "combinations": n_pairs},
            )
        )
        df = df[~dup]
        out_of_schema = out_of_schema[~dup]
    _single_judgment_items(df, ~out_of_schema.to_numpy(dtype=bool), schema, issues)
    df = df.reset_index(drop=True)
    return df


def _check_labels_coded(
    df: pd.DataFrame,
    codes: Codes,
    schema: dict[str, FieldSpec],
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_check_labels` on integer codes, for schemas without multi-choice fields.

    Without list labels nothing is rewritten: each check runs once per distinct label
    of a field and reaches the rows through the label codes, so no full-length boolean
    Series or label copies are held (the 10M-judgment peak). Same issues, counts and rows.
    Returns the duplicate rows to drop and the rows usable for agreement; the caller
    drops the duplicates (old and new tables are never all alive at once).
    """
    f_codes, f_uniques = codes["field"]
    f_names = [str(v) for v in f_uniques]
    l_codes, l_values = codes["label"]
    skipped = df["skipped"].to_numpy(dtype=bool)
    label_arr = df["label"].to_numpy(dtype=object)
    n = len(df)
    unknown = [k for k, name in enumerate(f_names) if name not in schema]
    if unknown:
        names = sorted(f_names[k] for k in unknown)
        mask = np.isin(f_codes, unknown)
        cnt = int(mask.sum())
        issues.append(
            DataIssue(
                "LA011",
                f"{counted(cnt, 'judgment')} {verb(cnt, 'is', 'are')} for fields not in the schema "
                f"({', '.join(names[:5])}): not scored.",
                count=cnt,
                file=where,
                column="field",
                rows=_first_rows(mask),
                evidence={"fields": names},
            )
        )
    out_of_schema = np.zeros(n, dtype=bool)
    for name, spec in schema.items():
        if name not in f_names or spec.kind in ("ranking", "text"):
            continue
        pos = np.flatnonzero((f_codes == f_names.index(name)) & ~skipped)
        if not pos.size:
            continue
        lc = l_codes[pos]
        used = np.flatnonzero(np.bincount(lc, minlength=len(l_values)))
        distinct = pd.Series(l_values[used], dtype=object)
        table = np.zeros(len(l_values), dtype=bool)
        if spec.level in ("interval", "ratio") or (
            spec.level == "ordinal" and _numeric_values(spec)
        ):
            table[used] = pd.to_numeric(distinct, errors="coerce").isna().to_numpy()
            bad_pos = pos[table[lc]]
            if bad_pos.size:
                problems.append(
                    Problem(
                        where,
                        f"{spec.level} field {name!r} has non-numeric labels "
                        f"(e.g. {label_arr[bad_pos[0]]!r})",
                        column="label",
                        rows=[int(i) + 1 for i in bad_pos[:5]],
                        fix="use numbers for this field, or declare it nominal in schema.yaml",
                    )
                )
                continue
        if spec.values:
            from labelaudit.bundle.model import _key

            allowed = {_key(v) for v in spec.values}
            table[used] = [_key(v) not in allowed for v in distinct]
            out_of_schema[pos[table[lc]]] = True
    bad_fields = np.unique(f_codes[out_of_schema])
    for k in sorted(bad_fields.tolist(), key=lambda k: f_names[k]):
        name = f_names[k]
        mask = out_of_schema & (f_codes == k)
        cnt = int(mask.sum())
        examples = sorted({str(v) for v in label_arr[mask]})[:5]
        issues.append(
            DataIssue(
                "LA004",
                f"{counted(cnt, 'label')} on field {name!r} {verb(cnt, 'is', 'are')} not among the "
                f"schema's values (e.g. {', '.join(examples)}): not scored.",
                count=cnt,
                file=where,
                column="label",
                rows=_first_rows(mask),
                subject={"field": name},
                evidence={"values": examples},
            )
        )
    # duplicates: keep the first judgment per (item, annotator, field), field by field
    # (a third of the rows per hash table: that table was the loading peak at 10M)
    dup = np.zeros(n, dtype=bool)
    n_pairs = 0
    i_codes, i_names = codes["item_id"]
    a_codes, a_names = codes["annotator_id"]
    for k in range(len(f_names)):
        pos = np.flatnonzero((f_codes == k) & ~skipped)
        key = _pair_key(i_codes[pos], len(i_names), a_codes[pos], len(a_names))
        d = _repeats(key)
        if d.any():
            dup[pos[d]] = True
            n_pairs += int(np.unique(key[d]).size)
    scored = ~skipped
    if dup.any():
        n_dup = int(dup.sum())
        issues.append(
            DataIssue(
                "LA001",
                f"{counted(n_dup, 'duplicate judgment row')} on {counted(n_pairs, '(item, annotator, field) combination')}; "
                "the first of each is kept.",
                count=n_dup,
                file=where,
                rows=_first_rows(dup),
                evidence={"duplicate_rows": n_dup, "combinations": n_pairs},
            )
        )
    in_schema = np.array([name in schema for name in f_names] + [False])
    usable = scored & ~out_of_schema & in_schema[f_codes]
    return dup, usable


def _repeats(key: np.ndarray) -> np.ndarray:
    """``pd.Series(key).duplicated(keep="first")``: a stable sort puts each key's first
    row first in its run (fast on exports already ordered by item)."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    out = np.zeros(key.size, dtype=bool)
    out[order[1:][ordered[1:] == ordered[:-1]]] = True
    return out


def _drop_rows(df: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``df[keep].reset_index(drop=True)``, one column at a time.

    Each old column is let go as soon as its copy exists, so the table is not held twice
    (the loading peak at 10M judgments). ``df`` is emptied.
    """
    if not df.columns.is_unique:
        return df[keep].reset_index(drop=True)
    rows = np.flatnonzero(keep)
    out = {}
    for col in list(df.columns):
        out[col] = df[col].iloc[rows].reset_index(drop=True)
        del df[col]
    return pd.DataFrame(out, copy=False)


def _pair_key(a: np.ndarray, n_a: int, b: np.ndarray, n_b: int) -> np.ndarray:
    """One integer per (a, b) pair of codes: equal keys, equal pairs."""
    if float(n_a + 1) * float(n_b + 1) >= 2.0**62:
        return pd.factorize(pd.MultiIndex.from_arrays([a, b]))[0]
    return a.astype(np.int64) * (n_b + 1) + b


def _single_judgment_items_coded(codes: Codes, usable: np.ndarray, issues: list[DataIssue]) -> None:
    f_codes, f_names = codes["field"]
    i_codes, i_names = codes["item_id"]
    width = len(i_names) + 1
    key = f_codes[usable].astype(np.int64) * width + i_codes[usable]
    if len(f_names) * width <= 4 * key.size + (1 << 20):
        counts = np.bincount(key, minlength=len(f_names) * width)
        single = np.flatnonzero(counts == 1)
    else:
        uniq, cnt = np.unique(key, return_counts=True)
        single = uniq[cnt == 1]
    if len(single):
        per_field = np.bincount(single // width, minlength=len(f_names))
        by_field = {
            str(f_names[k]): int(per_field[k])
            for k in sorted(range(len(f_names)), key=lambda k: str(f_names[k]))
            if per_field[k]
        }
        _single_issue(int(len(single)), by_field, issues)


def _primed(codes: Codes) -> tuple:
    """Arguments of :meth:`Bundle._prime` (codes already compact, see :func:`_compact`)."""
    (ic, iu), (ac, au), (fc, fu), (lc, lu) = (codes[c] for c in CODED)
    return ic, iu, ac, au, fc, [str(v) for v in fu], lc, lu


def _compact(codes: Codes) -> Codes:
    """Renumber id and field codes in first-appearance order after rows were dropped.

    Codes from :func:`_map_coded` are compact and in first-appearance order (what
    ``pd.unique`` gives); dropping duplicates keeps that, dropping id-less rows may not.
    """
    out = dict(codes)
    for col in ("item_id", "annotator_id", "field"):
        c, u = codes[col]
        new, first = pd.factorize(c)
        out[col] = (new.astype(np.int32), u[first])
    return out


def _first_rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:10]]


def _judgment_key(df: pd.DataFrame) -> np.ndarray:
    """One integer per (item, annotator, field): equal keys, equal triples."""
    cols = ("item_id", "annotator_id", "field")
    factors = [pd.factorize(df[c], use_na_sentinel=False) for c in cols]
    if np.prod([float(len(u) + 1) for _, u in factors]) >= 2.0**62:
        return pd.factorize(pd.MultiIndex.from_frame(df[list(cols)]))[0]
    key = np.zeros(len(df), dtype=np.int64)
    for codes, uniques in factors:
        key = key * (len(uniques) + 1) + codes
    return key


def _single_judgment_items(
    df: pd.DataFrame, usable: np.ndarray, schema: dict[str, FieldSpec], issues: list[DataIssue]
) -> None:
    # integer keys, no copy of the table: this runs over every judgment
    scored = (
        usable & ~df["skipped"].to_numpy(dtype=bool) & df["field"].isin(list(schema)).to_numpy()
    )
    fields, field_names = pd.factorize(df["field"].to_numpy()[scored])
    items, item_names = pd.factorize(df["item_id"].to_numpy()[scored])
    key = fields.astype(np.int64) * (len(item_names) + 1) + items
    uniq, counts = np.unique(key, return_counts=True)
    single = uniq[counts == 1]
    if len(single):
        per_field = np.bincount(single // (len(item_names) + 1), minlength=len(field_names))
        by_field = {
            str(name): int(per_field[k])
            for k, name in sorted(enumerate(field_names), key=lambda kv: str(kv[1]))
            if per_field[k]
        }
        _single_issue(int(len(single)), by_field, issues)


def _single_issue(n: int, by_field: dict[str, int], issues: list[DataIssue]) -> None:
    issues.append(
        DataIssue(
            "LA003",
            f"{counted(n, '(field, item) pair')} "
            f"{verb(n, 'has', 'have')} a single judgment: they "
            "carry no agreement information and are left out of agreement statistics.",
            count=n,
            evidence={"by_field": by_field},
        )
    )


def _normalise_annotators(
    df: pd.DataFrame, where: str, problems: list[Problem], issues: list[DataIssue]
) -> pd.DataFrame:
    df = df.copy()
    df["annotator_id"] = _ids(df["annotator_id"])
    no_id = df["annotator_id"].isna()
    if no_id.any():
        problems.append(
            Problem(
                where,
                "annotator rows without an annotator_id",
                column="annotator_id",
                rows=_rows(no_id),
                fix="give every annotator row an id",
            )
        )
    dup = df["annotator_id"].duplicated(keep="first") & ~no_id
    if dup.any():
        problems.append(
            Problem(
                where,
                f"{counted(int(dup.sum()), 'annotator id')} {verb(int(dup.sum()), 'appears', 'appear')} more than once",
                column="annotator_id",
                rows=_rows(dup),
                fix="keep one row per annotator",
            )
        )
    if "languages" in df.columns:
        df["languages"] = df["languages"].map(_languages).astype(object)
    for col in ("hourly_pay",):
        if col in df.columns:
            num = pd.to_numeric(df[col], errors="coerce")
            bad = num.isna() & df[col].notna() & (df[col].astype(str).str.strip() != "")
            if bad.any():
                problems.append(
                    Problem(
                        where,
                        f"{col} must be a number",
                        column=col,
                        rows=_rows(bad),
                        fix="write pay as a number and the currency in 'currency'",
                    )
                )
            df[col] = num
    for col in df.columns:
        if col in ("annotator_id", "languages", "hourly_pay") or pd.api.types.is_numeric_dtype(
            df[col]
        ):
            continue
        df[col] = (
            df[col]
            .map(
                lambda v: (
                    None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
                )
            )
            .astype(object)
        )
        # numbers stored as text (CSV) become numbers so age in years is not a "group"
        conv = pd.to_numeric(df[col], errors="coerce")
        if conv.notna().sum() == df[col].notna().sum() and df[col].notna().any():
            df[col] = conv
    if "region" not in df.columns and "country" in df.columns:
        from labelaudit.populations.m49 import region_of

        regions = df["country"].map(lambda c: region_of(str(c)) if c is not None else None)
        df["region"] = regions.map(lambda r: r[0] if r else None).astype(object)
        n_unknown = int((regions.isna() & df["country"].notna()).sum())
        issues.append(
            DataIssue(
                "LA013",
                "region was derived from country with the UN M49 "
                f"classification; {counted(n_unknown, 'country value')} {verb(n_unknown, 'was', 'were')} not recognised.",
                count=n_unknown,
                file=where,
                column="country",
            )
        )
    return df


def _languages(v: object) -> list[str] | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, str):
        t = v.strip()
        if t.startswith("["):
            try:
                v = json.loads(t)
            except json.JSONDecodeError:
                v = t.strip("[]").split(",")
        else:
            v = t.replace(",", ";").split(";")
    return sorted({str(x).strip().lower() for x in v if str(x).strip()})


def _normalise_items(
    df: pd.DataFrame, where: str, problems: list[Problem], issues: list[DataIssue]
) -> pd.DataFrame:
    df = df.copy()
    df["item_id"] = _ids(df["item_id"])
    dup = df["item_id"].duplicated(keep="first") & df["item_id"].notna()
    if dup.any():
        problems.append(
            Problem(
                where,
                f"{counted(int(dup.sum()), 'item id')} {verb(int(dup.sum()), 'appears', 'appear')} more than once",
                column="item_id",
                rows=_rows(dup),
                fix="keep one row per item",
            )
        )
    for col in ("language", "country", "region"):
        if col in df.columns:
            df[col] = (
                df[col]
                .map(
                    lambda v: (
                        None
                        if v is None
                        or (isinstance(v, float) and np.isnan(v))
                        or str(v).strip() == ""
                        else str(v).strip()
                    )
                )
                .astype(object)
            )
    return df


def _cross_table_issues(
    judg: pd.DataFrame,
    ann: pd.DataFrame | None,
    items: pd.DataFrame | None,
    files: dict[str, str],
    issues: list[DataIssue],
) -> None:
    if ann is not None:
        unknown = ~judg["annotator_id"].isin(set(ann["annotator_id"]))
        if unknown.any():
            n_ann = judg.loc[unknown, "annotator_id"].nunique()
            issues.append(
                DataIssue(
                    "LA002",
                    f"{counted(int(unknown.sum()), 'judgment')} by {counted(n_ann, 'annotator')} "
                    "missing from the annotators table: scored overall, but in no group.",
                    count=int(unknown.sum()),
                    file=files.get("judgments"),
                    column="annotator_id",
                    rows=_rows(unknown),
                    evidence={"annotators": int(n_ann)},
                )
            )
    if items is not None:
        unknown = ~judg["item_id"].isin(set(items["item_id"]))
        if unknown.any():
            n = judg.loc[unknown, "item_id"].nunique()
            issues.append(
                DataIssue(
                    "LA014",
                    f"{counted(n, 'judged item')} {verb(n, 'is', 'are')} missing from the items table "
                    "(no text, language or region for them).",
                    count=int(n),
                    file=files.get("judgments"),
                    column="item_id",
                    rows=_rows(unknown),
                )
            )


def _cross_table_issues_coded(
    judg: pd.DataFrame,
    codes: Codes,
    ann: pd.DataFrame | None,
    items: pd.DataFrame | None,
    files: dict[str, str],
    issues: list[DataIssue],
) -> None:
    """:func:`_cross_table_issues` once per distinct id, spread to rows by code."""
    if ann is not None:
        c, u = codes["annotator_id"]
        unknown_u = ~pd.Series(u, dtype=object).isin(set(ann["annotator_id"])).to_numpy()
        # rows only need a look when some distinct id is unknown
        unknown = unknown_u[c] if unknown_u.any() else np.zeros(0, dtype=bool)
        if unknown.any():
            n_ann = int(np.unique(c[unknown]).size)
            cnt = int(unknown.sum())
            issues.append(
                DataIssue(
                    "LA002",
                    f"{counted(cnt, 'judgment')} by {counted(n_ann, 'annotator')} "
                    "missing from the annotators table: scored overall, but in no group.",
                    count=cnt,
                    file=files.get("judgments"),
                    column="annotator_id",
                    rows=_first_rows(unknown),
                    evidence={"annotators": n_ann},
                )
            )
    if items is not None:
        c, u = codes["item_id"]
        unknown_u = ~pd.Series(u, dtype=object).isin(set(items["item_id"])).to_numpy()
        # rows only need a look when some distinct id is unknown
        unknown = unknown_u[c] if unknown_u.any() else np.zeros(0, dtype=bool)
        if unknown.any():
            n = int(np.unique(c[unknown]).size)
            issues.append(
                DataIssue(
                    "LA014",
                    f"{counted(n, 'judged item')} {verb(n, 'is', 'are')} missing from the items table "
                    "(no text, language or region for them).",
                    count=n,
                    file=files.get("judgments"),
                    column="item_id",
                    rows=_first_rows(unknown),
                )
            )


def _check_attributes(
    cfg: AuditConfig, ann: pd.DataFrame, where: str, problems: list[Problem]
) -> None:
    cols = [c for c in ann.columns if c != "annotator_id"]
    asked: list[tuple[str, str]] = [("group_by", a) for a in (cfg.group_by or [])]
    asked += [("intersections", a) for pair in cfg.intersections for a in pair]
    if cfg.split_by:
        asked.append(("split_by", cfg.split_by))
    if cfg.stratify_by:
        asked.append(("stratify_by", cfg.stratify_by))
    for setting, attr in asked:
        if attr not in ann.columns or attr == "annotator_id":
            problems.append(
                Problem(
                    where,
                    f"{setting} names {attr!r}, which is not an annotator attribute "
                    f"column (columns: {', '.join(cols) or 'none'})",
                    setting=setting,
                    fix=f"use one of: {', '.join(cols)}"
                    if cols
                    else "add attribute columns to the annotators table",
                )
            )
        elif pd.api.types.is_numeric_dtype(ann[attr]) and ann[attr].nunique() > MAX_NUMERIC_GROUPS:
            problems.append(
                Problem(
                    where,
                    f"{setting} names {attr!r}, a number with {ann[attr].nunique()} distinct "
                    "values: every value would become its own group of a few raters",
                    setting=setting,
                    column=attr,
                    fix=f"add a banded column (e.g. {attr}_band with 18-29, 30-44, ...) and "
                    "group by that",
                )
            )


def _asked_for_groups(cfg: AuditConfig) -> bool:
    return bool(cfg.group_by or cfg.split_by or cfg.stratify_by or cfg.intersections)


# --------------------------------------------------------------- the rest
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


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())[:10]]


def _describe_schema(schema: dict[str, FieldSpec]) -> str:
    return "; ".join(
        f"{k}: {v.level}{' multi-choice' if v.kind == 'multi' else ''}" for k, v in schema.items()
    )


def _numeric_values(spec: FieldSpec) -> bool:
    from labelaudit.bundle.schema import _as_float

    return bool(spec.values) and all(_as_float(v) is not None for v in spec.values)
