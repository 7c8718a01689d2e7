"""The annotators and items tables, and the checks across tables.

Required columns and renaming by the ``[columns]`` mapping, normalising the
annotators (ids, languages, pay, numbers stored as text, region from country) and
items tables, judgments whose annotator or item is missing from those tables (row by
row and on codes), and group settings naming real attribute columns.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from labelaudit.bundle.attributes import (
    MAX_NUMERIC_GROUPS,
    UNDISCLOSED,
    is_undisclosed,
    undisclosed_codes,
)
from labelaudit.bundle.ids import id_problems
from labelaudit.bundle.judgments import Codes, _ids
from labelaudit.bundle.raters import RaterNotes, screen_raters, settle_values
from labelaudit.bundle.types import DataIssue
from labelaudit.bundle.validate import _first_rows, _rows
from labelaudit.config import AuditConfig
from labelaudit.errors import Problem
from labelaudit.sources.base import REQUIRED as JUDGMENT_COLUMNS
from labelaudit.text.languages import language_code
from labelaudit.wording import counted, verb

REQUIRED = {
    "judgments": JUDGMENT_COLUMNS,
    "annotators": ("annotator_id",),
    "items": ("item_id",),
}


def _rename(
    df: pd.DataFrame | None, mapping: dict[str, str], where: str, role: str, problems: list[Problem]
) -> pd.DataFrame | None:
    if df is None:
        return None
    rename = {
        user: canon for canon, user in mapping.items() if user in df.columns and user != canon
    }
    clash = [(user, canon) for user, canon in rename.items() if canon in df.columns]
    for user, canon in clash:
        problems.append(
            Problem(
                where,
                f"[columns] maps {user!r} onto {canon!r}, but the {role} table has both "
                f"columns: after renaming there would be two {canon!r} columns",
                column=user,
                fix=f"remove {canon} from [columns] (the table already has it), or drop or "
                f"rename its own {canon!r} column",
            )
        )
    if clash:
        return None
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


def _normalise_annotators(
    df: pd.DataFrame,
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
    cfg: AuditConfig | None = None,
) -> tuple[pd.DataFrame, RaterNotes]:
    """Ids, consent, "no answer" codes, types, age bands, region; see :mod:`.raters`."""
    cfg = cfg or AuditConfig()
    id_col = cfg.columns.get("annotator_id", "annotator_id")  # the file's own name for it
    df = df.copy()
    problems += id_problems(df["annotator_id"], "annotator_id", where)
    df["annotator_id"] = _ids(df["annotator_id"])
    no_id = df["annotator_id"].isna()
    if no_id.any():
        problems.append(
            Problem(
                where,
                "annotator rows without an annotator_id",
                column=id_col,
                rows=_rows(no_id),
                fix="give every annotator row an id",
            )
        )
    dup = df["annotator_id"].duplicated(keep="first") & ~no_id
    if dup.any():
        problems.append(_repeated_ids(df["annotator_id"], dup, "annotator", id_col, where))
    df, notes = screen_raters(df, cfg, where, problems)
    if "languages" in df.columns:
        codes = undisclosed_codes(cfg.undisclosed_values, "languages")
        df["languages"] = df["languages"].map(lambda v: _languages(v, codes)).astype(object)
    for col in ("hourly_pay",):
        if col in df.columns:
            num = pd.to_numeric(df[col], errors="coerce").astype(float)
            bad = num.isna() & df[col].notna() & (df[col].astype(str).str.strip() != "")
            bad |= np.isinf(num) | (num < 0)
            if bad.any():
                problems.append(
                    Problem(
                        where,
                        f"{col} must be a finite, non-negative number",
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
    df = settle_values(df, cfg, where, issues)
    if "region" not in df.columns and "country" in df.columns:
        from labelaudit.populations.m49 import region_of

        regions = df["country"].map(lambda c: region_of(str(c)) if c is not None else None)
        df["region"] = regions.map(lambda r: r[0] if r else None).astype(object)
        unknown = regions.isna() & df["country"].notna()
        n_unknown, n_values = int(unknown.sum()), int(df.loc[unknown, "country"].nunique())
        tail = (
            f"; {counted(n_unknown, 'rater')} with {counted(n_values, 'country value')} that "
            f"{verb(n_values, 'is', 'are')} not recognised {verb(n_unknown, 'has', 'have')} "
            "no region (the values are listed under LA017)"
            if n_unknown
            else "; every country value was recognised"
        )
        issues.append(
            DataIssue(
                "LA013",
                f"region was derived from country with the UN M49 classification{tail}.",
                count=n_unknown,
                file=where,
                column="country",
                evidence={
                    "n_annotators_unrecognised": n_unknown,
                    "n_values_unrecognised": n_values,
                },
            )
        )
    return df, notes


def _repeated_ids(ids: pd.Series, dup: pd.Series, what: str, column: str, where: str) -> Problem:
    """One problem for ids on several rows: distinct ids counted, the first ones quoted."""
    repeated = pd.unique(ids[dup])
    shown = ", ".join(repr(str(v)) for v in repeated[:5]) + (", ..." if len(repeated) > 5 else "")
    n_ids, n_rows = len(repeated), int(dup.sum())
    return Problem(
        where,
        f"{counted(n_ids, f'{what} id')} {verb(n_ids, 'appears', 'appear')} more than once "
        f"({shown}; {counted(n_rows, 'extra row')})",
        column=column,
        rows=_rows(dup),
        fix=f"keep one row per {what}",
    )


def _languages(v: object, codes: frozenset[str] = UNDISCLOSED) -> list[str] | None:
    """A rater's languages as ISO 639-1 codes where recognised (names and tags mapped),
    lower-cased as written otherwise; "no answer" tokens dropped."""
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
    tokens = [str(x).strip() for x in v if not is_undisclosed(x, codes)]
    return sorted({language_code(t) or t.lower() for t in tokens if t}) or None


def _normalise_items(
    df: pd.DataFrame,
    where: str,
    problems: list[Problem],
    issues: list[DataIssue],
    columns: dict[str, str] | None = None,
) -> pd.DataFrame:
    item_col = (columns or {}).get("item_id", "item_id")  # the file's own name for it
    df = df.copy()
    problems += id_problems(df["item_id"], "item_id", where)
    df["item_id"] = _ids(df["item_id"])
    dup = df["item_id"].duplicated(keep="first") & df["item_id"].notna()
    if dup.any():
        problems.append(_repeated_ids(df["item_id"], dup, "item", item_col, where))
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
            n_ann = int(judg.loc[unknown, "annotator_id"].nunique())
            issues.append(_unknown_annotators(unknown.to_numpy(), n_ann, files))
    if items is not None:
        unknown = ~judg["item_id"].isin(set(items["item_id"]))
        if unknown.any():
            n = int(judg.loc[unknown, "item_id"].nunique())
            issues.append(_unknown_items(unknown.to_numpy(), n, files))


def _cross_table_issues_coded(
    judg: pd.DataFrame,
    codes: Codes,
    ann: pd.DataFrame | None,
    items: pd.DataFrame | None,
    files: dict[str, str],
    issues: list[DataIssue],
) -> None:
    """:func:`_cross_table_issues` once per distinct id, spread to rows by code."""
    for table, column, issue in ((ann, "annotator_id", _unknown_annotators),
                                 (items, "item_id", _unknown_items)):  # fmt: skip
        if table is None:
            continue
        c, u = codes[column]
        unknown_u = ~pd.Series(u, dtype=object).isin(set(table[column])).to_numpy()
        # rows only need a look when some distinct id is unknown
        if unknown_u.any():
            unknown = unknown_u[c]
            issues.append(issue(unknown, int(np.unique(c[unknown]).size), files))


def _unknown_annotators(unknown: np.ndarray, n_ann: int, files: dict[str, str]) -> DataIssue:
    cnt = int(unknown.sum())
    return DataIssue(
        "LA002",
        f"{counted(cnt, 'judgment')} by {counted(n_ann, 'annotator')} "
        "missing from the annotators table: scored overall, but in no group.",
        count=cnt,
        file=files.get("judgments"),
        column="annotator_id",
        rows=_first_rows(unknown),
        evidence={"annotators": n_ann},
    )


def _unknown_items(unknown: np.ndarray, n: int, files: dict[str, str]) -> DataIssue:
    return DataIssue(
        "LA014",
        f"{counted(n, 'judged item')} {verb(n, 'is', 'are')} missing from the items table "
        "(no text, language or region for them).",
        count=n,
        file=files.get("judgments"),
        column="item_id",
        rows=_first_rows(unknown),
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
