"""Rater-pool representativeness: who is in the pool, whose judgments count, against whom.

Tables (figures first; verdicts are the checks' job, suppression the privacy step's):

* ``representation`` / ``representation_by_field``: per attribute and group, headcount
  and judgment-weighted shares of the pool, the target share, their ratio and a Wilson
  interval. Groups the target names but the pool lacks appear with ``n_annotators`` 0.
* ``representation_distance``: total variation distance to the target per attribute.
* ``concentration``: share of judgments from the top 10% of annotators and the Gini
  coefficient of judgments per annotator.
* ``perspective_diversity``: per item, how many groups' annotators judged it.
* ``metadata_completeness``: how often annotators left an attribute undisclosed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.attributes import is_undisclosed
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.populations.alignment import in_target_spelling, target_shares
from labelaudit.populations.m49 import regions_of, unrecognised
from labelaudit.populations.targets import Target
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.proportions import wilson_interval
from labelaudit.stats.representation import (
    effective_groups_per_item,
    gini,
    top_share,
    total_variation_distance,
)

TOP_FRACTION = 0.1


# ------------------------------------------------------------------ analysis
@analysis("representation", order=10)
def representation_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Representation, concentration, perspective diversity and metadata completeness."""
    bundle, unknown_countries = with_region(bundle)
    target = bundle.target
    j = bundle.judgments
    # integer codes the bundle computes once for every analysis (no string hashing here)
    ann_codes = bundle.row_codes[1]
    scored = ~j["skipped"].to_numpy(dtype=bool)
    n_ann = len(bundle.annotator_ids)
    present = set(bundle.judged_fields)
    fields = [f for f in bundle.fields if f in present] or sorted(present)
    # (field or None, pool mask, judgments per annotator)
    scopes: list[tuple[str | None, np.ndarray, np.ndarray]] = []
    # by-field figures only differ from the overall ones when there are several fields
    for f in [None, *fields] if len(fields) > 1 else [None]:
        if f is None:
            pool = np.bincount(ann_codes, minlength=n_ann) > 0
            counts = np.bincount(ann_codes[scored], minlength=n_ann)
        else:
            pool = (
                np.bincount(ann_codes[bundle.field_rows(f, scored_only=False)], minlength=n_ann) > 0
            )
            counts = np.bincount(ann_codes[bundle.field_rows(f)], minlength=n_ann)
        scopes.append((f, pool, counts))

    attrs = _attributes(bundle, cfg)
    rep, by_field, dist = [], [], []
    for attr in attrs:
        values = _values(bundle, attr)
        dist_target, basis = target_shares(target, attr)
        for f, pool, counts in scopes:
            rows, drow = _compare(
                attr,
                values,
                pool,
                counts,
                dist_target,
                basis,
                cfg.ci_level,
                hidden=bundle.hidden_groups(attr),
            )
            if f is None:
                rep.extend(rows)
            else:
                by_field.extend({"field": f, **r} for r in rows)
            if drow is not None:
                dist.append({**drow, "field": f})

    k = cfg.min_group_size
    tables = {
        "representation": metric_table("representation", rep),
        "representation_by_field": metric_table("representation_by_field", by_field),
        "representation_distance": metric_table("representation_distance", dist).astype(
            {"n_annotators": "Int64", "n_groups_missing": "Int64", "n_groups_unnamed": "Int64"}
        ),
        "concentration": _concentration(scopes, k),
        "perspective_diversity": _perspective(bundle, attrs, fields),
        "metadata_completeness": _completeness(bundle, scopes[0][1]),
    }
    facts = {
        "representation": {
            "target_name": None if target is None else target.name,
            "target_source": None if target is None else target.source,
            "target_year": None if target is None else target.year,
            "attributes": attrs,
            "target_attributes_not_in_pool": []
            if target is None or bundle.annotators is None
            else sorted(a for a in target.attributes if a not in bundle.annotators.columns),
            "unrecognised_countries": unknown_countries[: cfg.max_examples],
            "n_pool": int(scopes[0][1].sum()),
            "top_fraction": TOP_FRACTION,
        }
    }
    return AnalysisOutput(tables=tables, facts=facts, methods=_methods(target, k))


# ------------------------------------------------------------- attributes
def with_region(bundle: Bundle) -> tuple[Bundle, list[str]]:
    """Add M49 ``region`` (and ``subregion`` when the target asks for it) from ``country``."""
    ann = bundle.annotators
    if ann is None or "country" not in ann.columns:
        return bundle, []
    wanted = {"region", "subregion"} & set(bundle.target.attributes if bundle.target else ())
    wanted |= {"region"}
    todo = [c for c in sorted(wanted) if c not in ann.columns]
    country = ann["country"].where(~ann["country"].map(is_undisclosed), None)
    unknown = unrecognised(country)
    if not todo:
        return bundle, unknown
    derived = regions_of(country)
    ann = ann.copy()
    for col in todo:
        ann[col] = derived[col]
    return bundle.with_annotator_columns(ann), unknown


def _attributes(bundle: Bundle, cfg: AuditConfig) -> list[str]:
    target = list(bundle.target.attributes) if bundle.target is not None else []
    return audited_attributes(bundle, cfg, extra=target)


def _values(bundle: Bundle, attribute: str) -> pd.Series:
    """Per-annotator value (aligned with ``annotator_ids``); None when undisclosed."""
    return bundle.attribute_values(attribute)


# ----------------------------------------------------------- representation
def _compare(
    attribute: str,
    values: pd.Series,
    pool: np.ndarray,
    counts: np.ndarray,
    target: dict[str, float] | None,
    basis: str | None,
    level: float,
    *,
    hidden: dict[str, str] | None = None,
) -> tuple[list[dict], dict | None]:
    """Rows of the representation table for one attribute and one pool, plus its distance.

    Rows of small groups are left for the privacy step to suppress. ``hidden`` are the
    groups the privacy plan hides (small ones, and the complements that keep them from
    being derived); the distances pool every hidden group into one bucket, so they never
    reveal a hidden share.
    """
    disclosed = pool & values.notna().to_numpy()
    n_pool = int(disclosed.sum())
    if n_pool == 0:
        return [], None
    vals = values[disclosed].to_numpy()
    judg = counts[disclosed]
    vals = in_target_spelling(vals, target)
    groups, inv = np.unique(vals, return_inverse=True)
    n_g = np.bincount(inv, minlength=len(groups))
    j_g = np.bincount(inv, weights=judg, minlength=len(groups))
    j_total = float(judg.sum())
    stats = {str(g): (int(n), float(jj)) for g, n, jj in zip(groups, n_g, j_g, strict=True)}
    order = sorted(stats, key=lambda g: (-stats[g][0], g))
    order += [g for g in (target or {}) if g not in stats]
    rows = []
    for g in order:
        n, jj = stats.get(g, (0, 0.0))
        t_share = None if target is None else target.get(g)
        share = n / n_pool
        lo, hi = wilson_interval(n, n_pool, level)
        rows.append(
            {
                "attribute": attribute,
                "group": g,
                "n_annotators": n,
                "pool_share": share,
                "judgment_share": jj / j_total if j_total > 0 else None,
                "target_share": t_share,
                "ratio": share / t_share if t_share else None,
                "suppressed": False,
                "pool_ci_low": float(lo),
                "pool_ci_high": float(hi),
                "n_judgments": int(jj),
                "in_target": None if target is None else g in target,
                "in_pool": n > 0,
                "target_basis": basis if t_share is not None else None,
            }
        )
    # the groups the privacy step hides, pooled so distances can't reveal them
    hide = hidden or {}
    hidden_rows = np.array([r["group"] in hide for r in rows], dtype=bool)
    distance = {
        "attribute": attribute,
        "tvd": None,
        "tvd_judgments": None,
        "n_annotators": n_pool,
        "n_groups_missing": None,
        "n_groups_unnamed": None,
    }
    if target is not None:
        t = np.array([target.get(r["group"], 0.0) for r in rows])
        p = np.array([r["n_annotators"] for r in rows], dtype=float) / n_pool
        t = t / t.sum()
        distance["tvd"] = total_variation_distance(*_bucketed(p, t, hidden_rows))
        if j_total > 0:
            q = np.array([r["n_judgments"] for r in rows], dtype=float) / j_total
            distance["tvd_judgments"] = total_variation_distance(*_bucketed(q, t, hidden_rows))
        distance["n_groups_missing"] = sum(
            1 for r in rows if r["n_annotators"] == 0 and (r["target_share"] or 0) > 0
        )
        distance["n_groups_unnamed"] = sum(1 for r in rows if not r["in_target"])
    return rows, distance


def _bucketed(p: np.ndarray, t: np.ndarray, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge the hidden groups into one bucket on both sides (a lower bound on the TVD)."""
    if not hidden.any():
        return p, t
    return (
        np.append(p[~hidden], p[hidden].sum()),
        np.append(t[~hidden], t[hidden].sum()),
    )


# ------------------------------------------------------------ concentration
def _concentration(scopes: list[tuple[str | None, np.ndarray, np.ndarray]], k: int) -> pd.DataFrame:
    """Top-10% share and Gini of judgments per annotator; null for pools under ``k``.

    Below ``k`` annotators the top decile is one or two people, so the figure would
    describe individuals.
    """
    rows = []
    for f, pool, counts in scopes:
        x = counts[pool].astype(float)
        row = {
            "field": f,
            "n_annotators": int(pool.sum()),
            "top10_share": None,
            "gini": None,
            "n_top": None,
        }
        if x.size >= k and x.sum() > 0:
            row["top10_share"], row["n_top"] = top_share(x, TOP_FRACTION)
            row["gini"] = gini(x)
        rows.append(row)
    table = metric_table("concentration", rows)
    return table.astype({"n_top": "Int64"})


# -------------------------------------------------------- perspective diversity
def _perspective(bundle: Bundle, attrs: list[str], fields: list[str]) -> pd.DataFrame:
    """Per field and attribute: items judged by one group only, effective groups per item.

    Only items with at least two judgments by annotators who disclosed the attribute
    count (one judgment is single-group by construction). ``expected_single_group_share``
    is what random assignment from the same judgment shares would give:
    the mean over items of ``sum_g p_g ** m`` (m judgments on the item). The groups the
    privacy plan hides count as one group here (a sum of powers of their shares would give
    their shares back).
    """
    item_codes, ann_codes = bundle.row_codes
    # scored rows of each field, ascending: the rows a boolean mask would select
    by_field = {f: (item_codes[r], ann_codes[r]) for f in fields for r in [bundle.field_rows(f)]}
    rows = []
    for attr in attrs:
        hidden = bundle.hidden_groups(attr)
        values = _values(bundle, attr)
        if hidden:
            values = values.map(lambda v, h=hidden: "\0hidden" if v in h else v)
        codes, _ = pd.factorize(values, use_na_sentinel=True)
        for f in fields:
            f_items, f_anns = by_field[f]
            g = codes[f_anns]
            it = f_items[g >= 0]
            g = g[g >= 0]
            n_judg, n_groups, eff = effective_groups_per_item(it, g, "shannon")
            keep = n_judg >= 2
            if not keep.any():
                continue
            p = np.bincount(g) / g.size
            # sum_g p_g^m depends on the item only through m: compute it once per size
            # (item sizes are small whole numbers: the distinct ones by counting, not sorting)
            m_item = n_judg[keep]
            sizes = np.flatnonzero(np.bincount(m_item))
            expected = np.zeros(sizes[-1] + 1)
            # exactly rounded sums (fsum): the same figures whatever order rows came in
            expected[sizes] = [math.fsum(p**m) for m in sizes]
            expected = expected[m_item]
            rows.append(
                {
                    "attribute": attr,
                    "field": f,
                    "n_items": int(keep.sum()),
                    "single_group_share": float(np.mean(n_groups[keep] == 1)),
                    "mean_effective_groups": math.fsum(eff[keep]) / int(keep.sum()),
                    "expected_single_group_share": math.fsum(expected) / expected.size,
                }
            )
    return metric_table("perspective_diversity", rows)


# ------------------------------------------------------------ completeness
def _completeness(bundle: Bundle, pool: np.ndarray) -> pd.DataFrame:
    if bundle.annotators is None:
        return metric_table("metadata_completeness")
    table = bundle.annotators
    table = table[~table["annotator_id"].duplicated()].set_index("annotator_id")
    ids = bundle.annotator_ids[pool]
    rows = []
    for col in [c for c in table.columns if c != "annotator_id"]:
        vals = table[col].reindex(ids)
        n_missing = int(sum(is_undisclosed(v) for v in vals))
        rows.append(
            {
                "attribute": col,
                "n_annotators": len(ids),
                "n_missing": n_missing,
                "missing_share": n_missing / len(ids) if len(ids) else None,
            }
        )
    return metric_table("metadata_completeness", rows)


# ------------------------------------------------------------------ methods
def _methods(target: Target | None, k: int) -> list[dict[str, str]]:
    return render_methods(
        "representation",
        {
            "has_target": target is not None,
            "target_name": None if target is None else target.name,
            "has_source": bool(target is not None and target.source),
            "target_source": None if target is None else target.source,
            "has_year": bool(target is not None and target.year),
            "target_year": None if target is None else target.year,
            "min_group_size": k,
            "top_share": f"{TOP_FRACTION:.0%}",
        },
    )
