"""Labeling-process analyses: time per judgment, fast judgments, sessions, pay.

Reads optional columns: judgments ``lead_time_s`` and ``created_at``, annotators
``hourly_pay`` and ``currency``. Each table is built only when its columns exist; the
methods notes say what was skipped and why. Tables: ``timing_by_group``,
``fast_judgments``, ``session_fatigue``, ``session_lengths``, ``pay_by_group``.
Pay is only ever shown by group, never per person.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.floors import PayFloors
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.timing import (
    fast_mask,
    loo_majority_agreement,
    median_iqr,
    session_durations,
    sessions,
)

#: session-position buckets (start minute, label) for the fatigue table
FATIGUE_BUCKETS: tuple[tuple[float, str], ...] = (
    (0.0, "0-30 min"),
    (30.0, "30-60 min"),
    (60.0, "60-120 min"),
    (120.0, "120+ min"),
)


def _rows(keys: dict, **figures: Any) -> dict:
    return {**keys, **figures, "suppressed": False}


# ---------------------------------------------------------------- timing
def _timing_tables(
    bundle: Bundle, p: dict[str, Any], attrs: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    floor_s, rel = float(p["min_seconds"]), float(p["relative_to_median"])
    lead = bundle.judgments["lead_time_s"].to_numpy(dtype=float)
    row_anns = bundle.row_codes[1]
    n_ann = len(bundle.annotator_ids)
    groups = {attr: bundle.group_codes(attr) for attr in attrs}
    timing: list[dict] = []
    fast: list[dict] = []
    for name, spec in bundle.schema.items():
        # every judgment of the field with a time, skipped ones included
        rows = bundle.field_rows(name, scored_only=False)
        rows = rows[~np.isnan(lead[rows])]
        if rows.size == 0:
            continue
        t_all = lead[rows]
        ann_all = row_anns[rows]
        med, q1, q3 = median_iqr(t_all)
        base = {"field": name, "attribute": None, "group": None}
        timing.append(
            _rows(
                base,
                n_judgments=int(rows.size),
                median_s=med,
                q1_s=q1,
                q3_s=q3,
                iqr_s=q3 - q1,
                n_annotators=_n_distinct(ann_all, n_ann),
            )
        )
        scored, items, values, n_values = _scored_codes(bundle, name)
        if spec.kind == "text" or scored.size == 0:
            continue
        agree = loo_majority_agreement(items, values, n_values)
        timed = ~np.isnan(lead[scored])
        t = lead[scored][timed]
        ann_timed = row_anns[scored][timed]
        is_fast = fast_mask(t, floor_s, rel)
        a = agree[timed]
        fast.append(_fast_row(base, ann_timed, n_ann, is_fast, a, None))
        n_fast = int(is_fast.sum())
        for attr in attrs:
            codes, labels = groups[attr]
            # each group's rows as one slice of a sort by group (not a mask per group);
            # every figure below is order-free (quantiles, counts, means of 0/1 values)
            by_t = _group_slices(codes[ann_all], len(labels))
            by_f = _group_slices(codes[ann_timed], len(labels))
            for gi, label in enumerate(labels):
                keys = {"field": name, "attribute": attr, "group": label}
                sel = by_t[gi]
                if sel.size:
                    med, q1, q3 = median_iqr(t_all[sel])
                    timing.append(
                        _rows(
                            keys,
                            n_judgments=int(sel.size),
                            median_s=med,
                            q1_s=q1,
                            q3_s=q3,
                            iqr_s=q3 - q1,
                            n_annotators=_n_distinct(ann_all[sel], n_ann),
                        )
                    )
                sel_f = by_f[gi]
                if sel_f.size:
                    row = _fast_row(keys, ann_timed[sel_f], n_ann, is_fast[sel_f], a[sel_f], None)
                    # share of fast judgments among everyone else: whole counts, exact
                    n_rest = is_fast.size - sel_f.size
                    row["rest_fast_share"] = (
                        float(np.float64(n_fast - row["n_fast"]) / n_rest) if n_rest else np.nan
                    )
                    fast.append(row)
    return (
        metric_table("timing_by_group", timing),
        metric_table("fast_judgments", fast),
    )


def _group_slices(group_of_row: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row positions of each group 0..n_groups-1 (-1 = no group is left out), ascending."""
    g = group_of_row.astype(np.int16 if n_groups < 2**15 - 1 else np.int64)
    order = np.argsort(g, kind="stable")  # radix sort on small codes
    ends = np.cumsum(np.bincount(g + 1, minlength=n_groups + 1))
    return [order[ends[k] : ends[k + 1]] for k in range(n_groups)]


def _n_distinct(codes: np.ndarray, n: int) -> int:
    """Distinct codes in [0, n) (annotators of a selection): a bincount, not a hash."""
    return int(np.count_nonzero(np.bincount(codes, minlength=n)))


def _scored_codes(bundle: Bundle, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Scored rows of a field, their item codes, label-key codes and the number of keys.

    Labels are keyed (:func:`_label_key`) once per distinct label through the bundle's
    label codes; only equality of keys and of items matters to the agreement figures.
    """
    rows = bundle.field_rows(name)
    items = bundle.row_codes[0][rows]
    coded = bundle.label_codes
    if coded is None:  # list labels: key them row by row
        keys = map_distinct(bundle.judgments["label"].iloc[rows], _label_key)
        values, distinct = pd.factorize(keys)
        return rows, items, values, int(len(distinct))
    row_labels, uniques = coded
    key_codes, distinct = pd.factorize(np.array([_label_key(u) for u in uniques], dtype=object))
    return rows, items, key_codes[row_labels[rows]], int(len(distinct))


def _label_key(v: object) -> str:
    if isinstance(v, (list, tuple, np.ndarray)):
        return "|".join(sorted(str(x) for x in v))
    return str(v)


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def _fast_row(
    keys: dict,
    annotators: np.ndarray,
    n_ann: int,
    is_fast: np.ndarray,
    agree: np.ndarray,
    rest: np.ndarray | None,
) -> dict:
    n = int(annotators.size)
    return _rows(
        keys,
        n_judgments=n,
        n_fast=int(is_fast.sum()),
        fast_share=float(is_fast.mean()) if n else np.nan,
        fast_agreement=_mean(agree[is_fast]),
        other_agreement=_mean(agree[~is_fast]),
        rest_fast_share=float(rest.mean()) if rest is not None and rest.size else np.nan,
        n_annotators=_n_distinct(annotators, n_ann),
    )


# -------------------------------------------------------------- sessions
def _session_tables(
    bundle: Bundle, p: dict[str, Any], attrs: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    gap_s = float(p["session_gap_minutes"]) * 60.0
    long_min = float(p["long_session_minutes"])
    j = bundle.judgments
    ts = pd.to_datetime(j["created_at"], utc=True, errors="coerce")
    secs = ((ts - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()).to_numpy(dtype=float)
    ann = bundle.row_codes[1]
    sid, elapsed = sessions(ann, secs, gap_s)
    minutes = elapsed / 60.0
    fatigue: list[dict] = []
    starts = np.array([b[0] for b in FATIGUE_BUCKETS])
    for name, spec in bundle.schema.items():
        scored, items, values, n_values = _scored_codes(bundle, name)
        if spec.kind == "text" or scored.size == 0:
            continue
        agree = loo_majority_agreement(items, values, n_values)
        m = minutes[scored]
        ok = np.isfinite(m) & np.isfinite(agree)
        bucket = np.searchsorted(starts, m[ok], side="right") - 1
        for bi, (start, label) in enumerate(FATIGUE_BUCKETS):
            sel = bucket == bi
            if sel.any():
                fatigue.append(
                    {"field": name, "position_bucket": label, "bucket_start_min": start,
                     "n_judgments": int(sel.sum()), "agreement": float(agree[ok][sel].mean())}
                )  # fmt: skip
    durations = session_durations(sid, elapsed) / 60.0
    sess_ann = np.full(durations.size, -1, dtype=np.int64)
    sess_ann[sid[sid >= 0]] = ann[sid >= 0]
    lengths = [_session_row({"attribute": None, "group": None}, durations, sess_ann, long_min)]
    for attr in attrs:
        codes, labels = bundle.group_codes(attr)
        s_group = np.where(sess_ann >= 0, codes[np.clip(sess_ann, 0, None)], -1)
        for gi, label in enumerate(labels):
            sel = s_group == gi
            if sel.any():
                lengths.append(
                    _session_row(
                        {"attribute": attr, "group": label}, durations[sel], sess_ann[sel], long_min
                    )
                )
    return metric_table("session_fatigue", fatigue), metric_table("session_lengths", lengths)


def _session_row(keys: dict, minutes: np.ndarray, owners: np.ndarray, long_min: float) -> dict:
    n = minutes.size
    return _rows(
        keys,
        n_sessions=n,
        median_session_minutes=float(np.median(minutes)) if n else np.nan,
        long_session_share=float((minutes >= long_min).mean()) if n else np.nan,
        n_annotators=int(np.unique(owners[owners >= 0]).size),
    )


# ------------------------------------------------------------------- pay
def _pay_table(bundle: Bundle, floors: PayFloors, attrs: list[str]) -> pd.DataFrame:
    ann = bundle.annotators
    assert ann is not None
    pay = pd.to_numeric(ann["hourly_pay"], errors="coerce")
    cur = (
        ann["currency"].astype(str).str.strip().str.upper()
        if "currency" in ann.columns
        else pd.Series(["(none)"] * len(ann), index=ann.index)
    )
    cur = cur.where(ann.get("currency", pd.Series(index=ann.index)).notna(), "(none)")
    floor_amt = pd.Series(np.nan, index=ann.index)
    floor_cur = pd.Series([None] * len(ann), index=ann.index, dtype=object)
    for col in ("country", "region"):  # a country's floor beats its region's
        if col not in ann.columns:
            continue
        for idx, v in ann[col].items():
            hit = floors.get(str(v).lower()) if pd.notna(v) else None
            if hit is not None and pd.isna(floor_amt[idx]):
                floor_amt[idx], floor_cur[idx] = hit
    frame = pd.DataFrame({"pay": pay, "currency": cur, "floor": floor_amt, "floor_cur": floor_cur})
    frame = frame[frame["pay"].notna()]
    by_id = ann.set_index("annotator_id").index
    rows: list[dict] = []
    targets: list[str | None] = [None, *attrs]
    for extra in ("country", "region"):
        if extra in ann.columns and extra not in targets:
            targets.append(extra)
    for attr in targets:
        if attr is None:
            groups = pd.Series(["(all)"] * len(ann), index=ann.index)
        else:
            codes, labels = bundle.group_codes(attr)
            pos = pd.Index(bundle.annotator_ids).get_indexer(by_id)
            groups = pd.Series(
                [labels[codes[p]] if codes[p] >= 0 else None for p in pos], index=ann.index
            )
        g = groups.loc[frame.index]
        for (label, currency), part in frame.groupby([g, frame["currency"]], sort=True):
            out = _pay_row(attr, None if attr is None else label, currency, part)
            if attr is not None:
                # everyone else paid in the same currency, whatever their attribute value
                rest = frame.loc[(frame["currency"] == currency) & ~frame.index.isin(part.index)]
                out["rest_median_hourly_pay"] = float(rest["pay"].median()) if len(rest) else np.nan
            rows.append(out)
    return metric_table("pay_by_group", rows)


def _pay_row(attr: str | None, group: str | None, currency: str, part: pd.DataFrame) -> dict:
    has_floor = part["floor"].notna()
    comparable = has_floor & (part["floor_cur"].astype(str).str.upper() == currency)
    floors = part.loc[has_floor, "floor"].unique()
    floor_curs = part.loc[has_floor, "floor_cur"].unique()
    n_cmp = int(comparable.sum())
    below = (part.loc[comparable, "pay"] < part.loc[comparable, "floor"]).sum()
    return _rows(
        {"attribute": attr, "group": group, "currency": currency},
        n_annotators=len(part),
        median_hourly_pay=float(part["pay"].median()),
        floor=float(floors[0]) if len(floors) == 1 else np.nan,
        floor_currency=str(floor_curs[0]) if len(floor_curs) == 1 else None,
        n_compared=n_cmp,
        n_not_comparable=int((has_floor & ~comparable).sum()),
        share_below_floor=float(below) / n_cmp if n_cmp else np.nan,
    )


# --------------------------------------------------------------- analysis
@analysis("process", order=50)
def process_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Time per judgment, fast judgments, session fatigue and lengths, pay by group."""
    j = bundle.judgments
    ann = bundle.annotators
    attrs = audited_attributes(bundle, cfg)
    have = {
        "lead_time_s": bool("lead_time_s" in j.columns and j["lead_time_s"].notna().any()),
        "created_at": bool("created_at" in j.columns and j["created_at"].notna().any()),
        "hourly_pay": bool(ann is not None and "hourly_pay" in ann.columns
                           and ann["hourly_pay"].notna().any()),
    }  # fmt: skip
    p1, p3 = rulebook.params["LA501"], rulebook.params["LA503"]
    tables: dict[str, pd.DataFrame] = {}
    if have["lead_time_s"]:
        tables["timing_by_group"], tables["fast_judgments"] = _timing_tables(bundle, p1, attrs)
    if have["created_at"]:
        tables["session_fatigue"], tables["session_lengths"] = _session_tables(bundle, p3, attrs)
    if have["hourly_pay"]:
        tables["pay_by_group"] = _pay_table(bundle, rulebook.pay_floors, attrs)
    if not any(have.values()):
        return AnalysisOutput(
            facts={"process": {"columns": have}},
            methods=_methods(have, p1, p3),
        )
    settings = {
        "fast_min_seconds": float(p1["min_seconds"]),
        "fast_relative_to_median": float(p1["relative_to_median"]),
        "session_gap_minutes": float(p3["session_gap_minutes"]),
        "long_session_minutes": float(p3["long_session_minutes"]),
    }
    return AnalysisOutput(
        tables=tables,
        facts={"process": {"columns": have, "settings": settings}},
        methods=_methods(have, p1, p3),
    )


def _methods(have: dict[str, bool], p1: dict[str, Any], p3: dict[str, Any]) -> list[dict]:
    # the rule parameters are quoted as given, so the note reads like the user's setting
    return render_methods(
        "process",
        {
            **have,
            "all_columns": all(have.values()),
            "min_seconds": p1["min_seconds"],
            "relative_to_median": p1["relative_to_median"],
            "session_gap_minutes": p3["session_gap_minutes"],
            "long_session_minutes": p3["long_session_minutes"],
        },
    )
