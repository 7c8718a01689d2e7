"""Judgments checked against the schema: labels, duplicates, single-judgment items.

Each check exists twice with the same issues, counts and rows: row by row on the
normalised table (:func:`_check_labels`, needed when labels are lists or a field is
multi-choice) and on the integer codes from :mod:`~labelaudit.bundle.judgments`
(:func:`_check_labels_coded`, which holds no full-length copies: the 10M-judgment
loading peak). The row-number helpers used in issue messages live here as well.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.bundle.judgments import Codes
from labelaudit.bundle.labels import label_key, map_distinct
from labelaudit.bundle.types import DataIssue, FieldSpec
from labelaudit.errors import Problem
from labelaudit.sources.base import has_lists
from labelaudit.wording import counted, verb


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
        mask = df["field"].isin(unknown_fields).to_numpy()
        issues.append(_unknown_fields(mask, unknown_fields, where))
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
            allowed = {label_key(v) for v in spec.values}
            bad = map_distinct(labels, lambda v: label_key(v) not in allowed).astype(bool)  # noqa: B023
            out_of_schema |= bad.reindex(df.index, fill_value=False)
    for name in sorted(set(df.loc[out_of_schema, "field"])):
        mask = out_of_schema & (df["field"] == name)
        n = int(mask.sum())
        examples = sorted({str(v) for v in df.loc[mask, "label"]})[:5]
        issues.append(_out_of_schema(name, mask.to_numpy(), n, examples, where))
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
        issues.append(_duplicates(dup_np, n_pairs, where))
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
        issues.append(_unknown_fields(np.isin(f_codes, unknown), names, where))
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
            allowed = {label_key(v) for v in spec.values}
            table[used] = [label_key(v) not in allowed for v in distinct]
            out_of_schema[pos[table[lc]]] = True
    bad_fields = np.unique(f_codes[out_of_schema])
    for k in sorted(bad_fields.tolist(), key=lambda k: f_names[k]):
        name = f_names[k]
        mask = out_of_schema & (f_codes == k)
        cnt = int(mask.sum())
        examples = sorted({str(v) for v in label_arr[mask]})[:5]
        issues.append(_out_of_schema(name, mask, cnt, examples, where))
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
        issues.append(_duplicates(dup, n_pairs, where))
    in_schema = np.array([name in schema for name in f_names] + [False])
    usable = scored & ~out_of_schema & in_schema[f_codes]
    return dup, usable


# the issues both paths (row by row, and on integer codes) report, built in one place
def _unknown_fields(mask: np.ndarray, names: list[str], where: str) -> DataIssue:
    cnt = int(mask.sum())
    return DataIssue(
        "LA011",
        f"{counted(cnt, 'judgment')} {verb(cnt, 'is', 'are')} for fields not in the schema "
        f"({', '.join(repr(n) for n in names[:5])}): not scored.",
        count=cnt,
        file=where,
        column="field",
        rows=_first_rows(mask),
        evidence={"fields": names},
    )


def _out_of_schema(
    name: str, mask: np.ndarray, cnt: int, examples: list[str], where: str
) -> DataIssue:
    return DataIssue(
        "LA004",
        f"{counted(cnt, 'label')} on field {name!r} {verb(cnt, 'is', 'are')} not among the "
        f"schema's values (e.g. {', '.join(repr(e) for e in examples)}): not scored.",
        count=cnt,
        file=where,
        column="label",
        rows=_first_rows(mask),
        subject={"field": name},
        evidence={"values": examples},
    )


def _duplicates(dup: np.ndarray, n_pairs: int, where: str) -> DataIssue:
    n_dup = int(dup.sum())
    return DataIssue(
        "LA001",
        f"{counted(n_dup, 'duplicate judgment row')} on "
        f"{counted(n_pairs, '(item, annotator, field) combination')}; the first of each is kept.",
        count=n_dup,
        file=where,
        rows=_first_rows(dup),
        evidence={"duplicate_rows": n_dup, "combinations": n_pairs},
    )


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


def _numeric_values(spec: FieldSpec) -> bool:
    from labelaudit.bundle.schema import _as_float

    return bool(spec.values) and all(_as_float(v) is not None for v in spec.values)


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())[:10]]


def _first_rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:10]]
