"""RLHF preference analyses: position bias, group preference divergence, tie/skip usage.

Runs only on fields of kind ``pairwise`` (response A vs response B, binary or graded)
and ``ranking`` (a list of response ids, best first, turned into pairwise comparisons).
Tables: ``position_bias``, ``preference_divergence``, ``tie_skip_usage``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.significance import (
    Pending,
    family_facts,
    id_order,
    shown_groups,
    strata_for,
    supported,
    test_rows,
)
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.inputs import PREFERENCE_KINDS
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.preference import (
    first_shown_wins,
    group_decision_shift,
    pairwise_directions,
    ranking_to_pairs,
)
from labelaudit.stats.preference_flips import FlipShareStatistic, prepare_judgments
from labelaudit.stats.proportions import wilson_interval
from labelaudit.stats.significance import Contrast


# ----------------------------------------------------------------- grouping
def judgment_groups(
    bundle: Bundle, attribute: str, annotator_ids: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Group code of each judgment's annotator (-1 = attribute missing) and the labels."""
    return groups_at(bundle, attribute, annotator_positions(bundle, annotator_ids))


def annotator_positions(bundle: Bundle, annotator_ids: np.ndarray) -> np.ndarray:
    """Each id's position in ``bundle.annotator_ids`` (-1 if unknown).

    Hashing millions of ids is the costly part: look them up once per table and
    reuse the positions for every attribute (:func:`groups_at`).
    """
    return pd.Index(bundle.annotator_ids).get_indexer(np.asarray(annotator_ids, dtype=object))


def groups_at(
    bundle: Bundle, attribute: str, positions: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Group code per annotator position (-1 = unknown annotator or attribute missing)."""
    codes, labels = bundle.group_codes(attribute)
    out = np.where(positions >= 0, codes[np.clip(positions, 0, None)], -1)
    return out.astype(np.int64), labels


# -------------------------------------------------------------- comparisons
def comparisons(bundle: Bundle, spec: FieldSpec) -> pd.DataFrame:
    """One row per scored pairwise comparison of a preference field.

    Columns: ``comparison`` (item id, or ``item|x|y`` for a pair taken from a ranking),
    ``item_id``, ``annotator_id``, ``direction`` (-1 A wins, 0 tie, +1 B wins) and
    ``first_is_a`` (bool; pairwise fields only, NaN for rankings).

    Raises
    ------
    ValueError
        When a pairwise field's values cannot be read as A / B / tie.
    """
    rows = bundle.scored(spec.name)
    if spec.kind == "ranking":
        recs = []
        for item, ann, label in zip(
            rows["item_id"], rows["annotator_id"], rows["label"], strict=True
        ):
            if not isinstance(label, (list, tuple, np.ndarray)):
                continue
            for x, y, d in ranking_to_pairs(list(label)):
                recs.append((f"{item}|{x}|{y}", item, ann, d, np.nan))
        return pd.DataFrame(
            recs, columns=["comparison", "item_id", "annotator_id", "direction", "first_is_a"]
        )
    values = list(spec.values) or sorted({str(v) for v in rows["label"].dropna()})
    dirs, _ = pairwise_directions(values)
    lookup = {str(v): int(d) for v, d in zip(values, dirs, strict=True)}
    lookup.update({_num_key(v): int(d) for v, d in zip(values, dirs, strict=True)})
    direction = map_distinct(rows["label"], lambda v: lookup.get(str(v), lookup.get(_num_key(v))))
    keep = direction.notna().to_numpy()
    out = pd.DataFrame(
        {
            "comparison": rows["item_id"].to_numpy()[keep],
            "item_id": rows["item_id"].to_numpy()[keep],
            "annotator_id": rows["annotator_id"].to_numpy()[keep],
            "direction": direction.to_numpy()[keep].astype(np.int64),
        }
    )
    out["first_is_a"] = _first_is_a(bundle, out["item_id"])
    return out


def by_model_pair(bundle: Bundle, comp: pd.DataFrame) -> pd.DataFrame:
    """Re-key pairwise comparisons by the pair of models compared (items' model_a/model_b).

    ``comparison`` becomes ``"m1 vs m2"`` (models in string order) and ``direction`` is
    turned around where the item showed them the other way round, so judgments of the
    same two models on different prompts vote on one decision. Items without both
    models, or comparing a model with itself, are left out.
    """
    items = bundle.items
    if items is None or not {"model_a", "model_b"} <= set(items.columns) or comp.empty:
        return comp.iloc[0:0]
    models = items.set_index("item_id")[["model_a", "model_b"]]
    ma = comp["item_id"].map(models["model_a"])
    mb = comp["item_id"].map(models["model_b"])
    keep = (ma.notna() & mb.notna() & (ma.astype(str) != mb.astype(str))).to_numpy()
    out = comp[keep].copy()
    ma, mb = ma[keep].astype(str), mb[keep].astype(str)
    swapped = (ma > mb).to_numpy()
    lo = np.where(swapped, mb, ma)
    hi = np.where(swapped, ma, mb)
    out["comparison"] = [f"{a} vs {b}" for a, b in zip(lo, hi, strict=True)]
    out["direction"] = np.where(swapped, -out["direction"], out["direction"])
    return out


def _num_key(v: object) -> object:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


def _first_is_a(bundle: Bundle, item_ids: pd.Series) -> np.ndarray:
    """Response A is shown first unless items carry ``shown_first`` = "b"."""
    items = bundle.items
    if items is None or "shown_first" not in items.columns:
        return np.ones(len(item_ids), dtype=bool)
    shown = items.set_index("item_id")["shown_first"].astype(str).str.strip().str.lower()
    return (item_ids.map(shown).to_numpy() != "b").astype(bool)


def _is_tie(label: object, kind: str, lookup: dict[str, int]) -> bool:
    if kind == "ranking":
        return isinstance(label, (list, tuple, np.ndarray)) and any(
            isinstance(e, (list, tuple, np.ndarray)) and len(e) > 1 for e in label
        )
    return lookup.get(str(label), lookup.get(_num_key(label))) == 0  # type: ignore[arg-type]


# -------------------------------------------------------------------- tables
def _position_row(comp: pd.DataFrame, level: float, **keys: Any) -> dict:
    n, wins, ties = first_shown_wins(comp["direction"].to_numpy(), comp["first_is_a"].to_numpy())
    total = n + ties
    rate = wins / n if n else np.nan
    lo, hi = wilson_interval(wins, n, level) if n else (np.nan, np.nan)
    return {
        **keys,
        "n_judgments": n,
        "first_wins": wins,
        "rate": rate,
        "ci_low": lo,
        "ci_high": hi,
        "tie_rate": ties / total if total else np.nan,
        "n_annotators": int(comp["annotator_id"].nunique()),
        "suppressed": False,
    }


def _tie_skip_row(rows: pd.DataFrame, rest: pd.DataFrame | None, **keys: Any) -> dict:
    def rates(r: pd.DataFrame) -> tuple[float, float]:
        n = len(r)
        scored = int((~r["skipped"]).sum())
        tie = float(r.loc[~r["skipped"], "_tie"].sum()) / scored if scored else np.nan
        return tie, (float(r["skipped"].sum()) / n if n else np.nan)

    tie, skip = rates(rows)
    rest_tie, rest_skip = rates(rest) if rest is not None else (np.nan, np.nan)
    return {
        **keys,
        "n_judgments": len(rows),
        "tie_rate": tie,
        "skip_rate": skip,
        "rest_tie_rate": rest_tie,
        "rest_skip_rate": rest_skip,
        "n_annotators": int(rows["annotator_id"].nunique()),
        "suppressed": False,
    }


def _field_tables(
    bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook, spec: FieldSpec, attributes: list[str]
) -> tuple[list[dict], list[dict], list[dict], list[Pending]]:
    comp = comparisons(bundle, spec)
    pos: list[dict] = []
    # position bias always reads the item-level comparisons; divergence may pool them
    decided = by_model_pair(bundle, comp) if cfg.preference_unit == "model_pair" else comp
    div: list[dict] = []
    ts: list[dict] = []
    pending: list[Pending] = []
    f = spec.name
    if spec.kind == "pairwise" and len(comp):
        pos.append(_position_row(comp, cfg.ci_level, field=f, attribute=None, group=None))
    all_rows = bundle.judgments[bundle.judgments["field"] == f].copy()
    lookup: dict[str, int] = {}
    if spec.kind == "pairwise":
        values = list(spec.values) or sorted({str(v) for v in all_rows["label"].dropna()})
        dirs, _ = pairwise_directions(values)
        lookup = {str(v): int(d) for v, d in zip(values, dirs, strict=True)}
        lookup.update({_num_key(v): int(d) for v, d in zip(values, dirs, strict=True)})  # type: ignore[misc]
    # once per distinct label, not per judgment
    tie = map_distinct(all_rows["label"], lambda v: bool(_is_tie(v, spec.kind, lookup)))
    all_rows["_tie"] = tie.astype(bool).to_numpy() & ~all_rows["skipped"].to_numpy(dtype=bool)
    ts.append(_tie_skip_row(all_rows, None, field=f, attribute=None, group=None))
    codes_c = (
        pd.factorize(decided["comparison"])[0] if len(decided) else np.zeros(0, dtype=np.int64)
    )
    n_comp = int(codes_c.max()) + 1 if len(decided) else 0
    who, raters = pd.factorize(decided["annotator_id"]) if len(decided) else (codes_c, pd.Index([]))
    # relabellings shuffle the field's raters listed by id, whatever order rows came in
    order = id_order(np.asarray(raters, dtype=object))
    at_comp = annotator_positions(bundle, comp["annotator_id"].to_numpy())
    at_rater = annotator_positions(bundle, raters.to_numpy())
    at_all = annotator_positions(bundle, all_rows["annotator_id"].to_numpy())
    prepared = None  # the field's judgments arranged once for every divergence test
    dirs = decided["direction"].to_numpy() if len(decided) else np.zeros(0)
    for attr in attributes:
        g_comp, labels = groups_at(bundle, attr, at_comp)
        g_rater, _ = groups_at(bundle, attr, at_rater)
        g_all, _ = groups_at(bundle, attr, at_all)
        out: list[dict | None] = []
        tested = np.zeros(len(labels), dtype=bool)
        for gi, label in enumerate(labels):
            in_all = g_all == gi
            if in_all.any():
                ts.append(
                    _tie_skip_row(
                        all_rows[in_all], all_rows[~in_all], field=f, attribute=attr, group=label
                    )
                )
            in_c = g_comp == gi
            if spec.kind == "pairwise" and in_c.any():
                pos.append(
                    _position_row(comp[in_c], cfg.ci_level, field=f, attribute=attr, group=label)
                )
            in_d = g_rater[who] == gi if len(decided) else np.zeros(0, dtype=bool)
            if not in_d.any():
                out.append(None)
                continue
            shift = group_decision_shift(codes_c, dirs, in_d, n_comp)
            m = shift["n_items_compared"]
            n_raters = int(np.unique(who[in_d]).size)
            tested[gi] = (
                bool(m)
                and n_raters >= cfg.min_group_size
                and supported(rulebook, "LA602", n_annotators=n_raters, n_items=m)
            )
            row = {
                "field": f, "attribute": attr, "group": label, "n_items_compared": m,
                "n_flipped": shift["n_flipped"],
                "flip_share": shift["n_flipped"] / m if m else np.nan,
                "agrees_with_pooled_share": shift["n_agree"] / m if m else np.nan,
                "decisive_share": shift["n_decisive"] / m if m else np.nan,
                "null_flip_share": np.nan, "n_annotators": n_raters, "suppressed": False,
            }  # fmt: skip
            div.append(row)
            out.append(row)
        if len(decided):
            if prepared is None:
                prepared = prepare_judgments(codes_c, dirs, who, len(raters), n_comp)
            stat = FlipShareStatistic(prepared, len(labels), kernel=cfg.kernel)
            n = len(labels)
            tested &= shown_groups(bundle, attr, labels)
            pending.append((Contrast(f"preference|{f}|{attr}", g_rater, order, stat,
                                     ["LA602"] * n, ["greater"] * n, tested,
                                     _rater_strata(bundle, cfg, attr, at_rater),
                                     stat.block), out))  # fmt: skip
    return pos, div, ts, pending


@analysis("rlhf", order=35)
def rlhf_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Position bias, group preference divergence and tie/skip usage of preference fields."""
    specs = [s for s in bundle.schema.values() if s.kind in PREFERENCE_KINDS]
    if not specs:
        return AnalysisOutput()
    attributes = audited_attributes(bundle, cfg)
    pos: list[dict] = []
    div: list[dict] = []
    ts: list[dict] = []
    pending: list = []
    errors: dict[str, str] = {}
    for spec in specs:
        try:
            p, d, t, n = _field_tables(bundle, cfg, rulebook, spec, attributes)
        except ValueError as exc:
            errors[spec.name] = str(exc)
            continue
        pos += p
        div += d
        ts += t
        pending += n
    families = test_rows(pending, {"LA602": float(rulebook.param("LA602", "alpha"))}, cfg,
                         null_column="null_flip_share")  # fmt: skip
    shown = bundle.items is not None and "shown_first" in bundle.items.columns
    facts = {
        "rlhf": {
            "fields": [s.name for s in specs],
            "first_shown_source": "items.shown_first" if shown else "assumed: response A",
            "comparison_unit": cfg.preference_unit,
            "errors": errors,
            "families": family_facts(families),
        }
    }
    divergence = metric_table("preference_divergence", div)
    return AnalysisOutput(
        tables={
            "position_bias": metric_table("position_bias", pos),
            "preference_divergence": divergence,
            "tie_skip_usage": metric_table("tie_skip_usage", ts),
        },
        facts=facts,
        methods=_methods(shown, errors, cfg.ci_level, cfg.preference_unit, families),
    )


def _rater_strata(
    bundle: Bundle, cfg: AuditConfig, attr: str, positions: np.ndarray
) -> np.ndarray | None:
    """Stratum code per rater of the field (positions into the bundle's annotators)."""
    strata = strata_for(bundle, cfg, attr)
    if strata is None:
        return None
    return np.where(positions >= 0, strata[np.clip(positions, 0, None)], -1)


def _methods(
    shown: bool, errors: dict[str, str], level: float, unit: str, families: dict
) -> list[dict[str, str]]:
    return render_methods(
        "rlhf",
        {
            "ci": f"{level:.0%}",
            "shown_first": shown,
            "model_pair": unit == "model_pair",
            "la602_family": families["LA602"].size if "LA602" in families else 0,
            "field_errors": [
                {"quoted_field": repr(name), "message": msg} for name, msg in errors.items()
            ],
        },
    )
