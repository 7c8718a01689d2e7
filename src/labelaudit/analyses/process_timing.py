"""Time per judgment and fast judgments of the labeling-process analysis, by group.

``timing_by_group`` (median and IQR of lead_time_s) and ``fast_judgments`` (LA501's
definition of fast), overall and per group; each group is tested against everyone else
by relabelling the field's raters: its share of judgments faster than the field's median
(family LA505, two-sided) and its fast share (family LA502, one-sided).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.significance import (
    Pending,
    family_facts,
    id_order,
    rate_gap_contrast,
    shown_groups,
    strata_for,
    supported,
    test_rows,
)
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.stats.timing import fast_mask, loo_majority_agreement, median_iqr


def _rows(keys: dict, **figures: Any) -> dict:
    return {**keys, **figures, "suppressed": False}


def timing_tables(
    bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook, attrs: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Timing and fast-judgment tables; by group, tested for LA505 and LA502 (families)."""
    p = rulebook.params["LA501"]
    floor_s, rel = float(p["min_seconds"]), float(p["relative_to_median"])
    lead = bundle.judgments["lead_time_s"].to_numpy(dtype=float)
    row_anns = bundle.row_codes[1]
    n_ann = len(bundle.annotator_ids)
    groups = {attr: bundle.group_codes(attr) for attr in attrs}
    timing: list[dict] = []
    fast: list[dict] = []
    pending: list[Pending] = []
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
                n_annotators=n_distinct(ann_all, n_ann),
            )
        )
        # per rater: timed judgments and how many beat the field's median (ties half),
        # the test that relabels raters of LA505's median ratio
        med_all = median_iqr(t_all)[0]
        n_t = np.bincount(ann_all, minlength=n_ann).astype(float)
        below = np.bincount(ann_all, weights=(t_all < med_all) + 0.5 * (t_all == med_all),
                            minlength=n_ann)  # fmt: skip
        order_t = id_order(bundle.annotator_ids, np.flatnonzero(n_t))
        scored, items, values, n_values = scored_codes(bundle, name)
        if spec.kind == "text" or scored.size == 0:
            for attr in attrs:
                pending.append(_timing_groups(bundle, cfg, rulebook, name, attr, groups[attr],
                                              t_all, ann_all, n_t, below, order_t, timing))  # fmt: skip
            continue
        agree = loo_majority_agreement(items, values, n_values)
        timed = ~np.isnan(lead[scored])
        t = lead[scored][timed]
        ann_timed = row_anns[scored][timed]
        is_fast = fast_mask(t, floor_s, rel)
        a = agree[timed]
        fast.append(_fast_row(base, ann_timed, n_ann, is_fast, a, None))
        n_fast = int(is_fast.sum())
        n_f = np.bincount(ann_timed, minlength=n_ann).astype(float)
        k_f = np.bincount(ann_timed, weights=is_fast, minlength=n_ann)
        order_f = id_order(bundle.annotator_ids, np.flatnonzero(n_f))
        for attr in attrs:
            codes, labels = groups[attr]
            pending.append(_timing_groups(bundle, cfg, rulebook, name, attr, groups[attr],
                                          t_all, ann_all, n_t, below, order_t, timing))  # fmt: skip
            # each group's rows as one slice of a sort by group (not a mask per group);
            # every figure below is order-free (quantiles, counts, means of 0/1 values)
            by_f = _group_slices(codes[ann_timed], len(labels))
            out: list[dict | None] = []
            tested = np.zeros(len(labels), dtype=bool)
            for gi, label in enumerate(labels):
                keys = {"field": name, "attribute": attr, "group": label}
                sel_f = by_f[gi]
                if not sel_f.size:
                    out.append(None)
                    continue
                row = _fast_row(keys, ann_timed[sel_f], n_ann, is_fast[sel_f], a[sel_f], None)
                # share of fast judgments among everyone else: whole counts, exact
                n_rest = is_fast.size - sel_f.size
                row["rest_fast_share"] = (
                    float(np.float64(n_fast - row["n_fast"]) / n_rest) if n_rest else np.nan
                )
                tested[gi] = bool(n_rest) and _testable(cfg, rulebook, "LA502", row)
                fast.append(row)
                out.append(row)
            tested &= shown_groups(bundle, attr, labels)
            pending.append((rate_gap_contrast(
                f"fast|{name}|{attr}", "LA502", "greater", codes, order_f, n_f, k_f, tested,
                strata_for(bundle, cfg, attr)), out))  # fmt: skip
    alphas = {c: float(rulebook.param(c, "max_p_adjusted")) for c in ("LA502", "LA505")}
    families = test_rows(pending, alphas, cfg)
    return (
        metric_table("timing_by_group", timing),
        metric_table("fast_judgments", fast),
        family_facts(families),
    )


def _testable(cfg: AuditConfig, rulebook: Rulebook, code: str, row: dict) -> bool:
    n = {"n_annotators": row["n_annotators"], "n_judgments": row["n_judgments"]}
    return n["n_annotators"] >= cfg.min_group_size and supported(rulebook, code, **n)


def _timing_groups(
    bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook, name: str, attr: str,
    grouping: tuple[np.ndarray, list[str]], t_all: np.ndarray, ann_all: np.ndarray,
    n_t: np.ndarray, below: np.ndarray, order: np.ndarray, timing: list[dict],
) -> Pending:  # fmt: skip
    """Time per judgment of each group of ``attr`` (rows into ``timing``) and its contrast."""
    codes, labels = grouping
    by_t = _group_slices(codes[ann_all], len(labels))
    out: list[dict | None] = []
    tested = np.zeros(len(labels), dtype=bool)
    for gi, label in enumerate(labels):
        sel = by_t[gi]
        if not sel.size:
            out.append(None)
            continue
        med, q1, q3 = median_iqr(t_all[sel])
        row = _rows(
            {"field": name, "attribute": attr, "group": label}, n_judgments=int(sel.size),
            median_s=med, q1_s=q1, q3_s=q3, iqr_s=q3 - q1,
            n_annotators=n_distinct(ann_all[sel], len(bundle.annotator_ids)),
        )  # fmt: skip
        tested[gi] = sel.size < t_all.size and _testable(cfg, rulebook, "LA505", row)
        timing.append(row)
        out.append(row)
    tested &= shown_groups(bundle, attr, labels)
    contrast = rate_gap_contrast(f"timing|{name}|{attr}", "LA505", "two-sided", codes, order,
                                 n_t, below, tested, strata_for(bundle, cfg, attr))  # fmt: skip
    return contrast, out


def _group_slices(group_of_row: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row positions of each group 0..n_groups-1 (-1 = no group is left out), ascending."""
    g = group_of_row.astype(np.int16 if n_groups < 2**15 - 1 else np.int64)
    order = np.argsort(g, kind="stable")  # radix sort on small codes
    ends = np.cumsum(np.bincount(g + 1, minlength=n_groups + 1))
    return [order[ends[k] : ends[k + 1]] for k in range(n_groups)]


def n_distinct(codes: np.ndarray, n: int) -> int:
    """Distinct codes in [0, n) (annotators of a selection): a bincount, not a hash."""
    return int(np.count_nonzero(np.bincount(codes, minlength=n)))


def scored_codes(bundle: Bundle, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
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
        n_annotators=n_distinct(annotators, n_ann),
    )
