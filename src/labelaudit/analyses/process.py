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
from labelaudit.analyses.process_timing import scored_codes, timing_tables
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.floors import PayFloors
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.timing import (
    loo_majority_agreement,
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
        scored, items, values, n_values = scored_codes(bundle, name)
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
    families: dict = {}
    if have["lead_time_s"]:
        tables["timing_by_group"], tables["fast_judgments"], families = timing_tables(
            bundle, cfg, rulebook, attrs
        )
    if have["created_at"]:
        tables["session_fatigue"], tables["session_lengths"] = _session_tables(bundle, p3, attrs)
    if have["hourly_pay"]:
        tables["pay_by_group"] = _pay_table(bundle, rulebook.pay_floors, attrs)
    sizes = {k: f["size"] for k, f in families.items()}
    if not any(have.values()):
        return AnalysisOutput(
            facts={"process": {"columns": have}},
            methods=_methods(have, p1, p3, sizes),
        )
    settings = {
        "fast_min_seconds": float(p1["min_seconds"]),
        "fast_relative_to_median": float(p1["relative_to_median"]),
        "session_gap_minutes": float(p3["session_gap_minutes"]),
        "long_session_minutes": float(p3["long_session_minutes"]),
    }
    return AnalysisOutput(
        tables=tables,
        facts={"process": {"columns": have, "settings": settings, "families": families}},
        methods=_methods(have, p1, p3, sizes),
    )


def _methods(
    have: dict[str, bool], p1: dict[str, Any], p3: dict[str, Any], sizes: dict[str, int]
) -> list[dict]:
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
            "la502_family": sizes.get("LA502", 0),
            "la505_family": sizes.get("LA505", 0),
        },
    )
