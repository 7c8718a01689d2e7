"""Disagreement beyond alpha: label shares by group, contested items, QC bias.

For every scored unit (a field, or one option of a multi-choice field) and every
group-by attribute this analysis answers three questions:

* do groups give different labels? (``label_shares``, ``label_shift``)
* which items would get another label if only one group's judgments counted?
  (``contested_items``, ``contested_examples``)
* would the usual "drop low-agreement annotators" QC cut drop one group more than
  others? (``annotator_agreement``, ``qc_by_group``)

Numbers come from :mod:`labelaudit.stats.contingency` and :mod:`labelaudit.stats.majority`;
decisions (what is a finding) are made in :mod:`labelaudit.checks.disagreement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.disagreement_qc import MIN_OTHERS as MIN_OTHERS_QC
from labelaudit.analyses.disagreement_qc import (
    QC_PARAMETERS,
    annotator_agreement,
    describe_qc,
    qc_by_group,
)
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
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import CodedField
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats import contingency as ct
from labelaudit.stats import majority as mj
from labelaudit.stats.contested import ContestedStatistic
from labelaudit.stats.proportions import wilson_interval
from labelaudit.stats.rater_sums import ChiSquare
from labelaudit.stats.significance import Contrast

#: scales with more distinct values than this are continuous: plurality labels and
#: chi-square tables make no sense there (alpha covers them)
MAX_VALUES = 20
#: a group's majority on an item needs at least this many of its judgments
MIN_GROUP_JUDGMENTS = 2
TEXT_CHARS = 280
#: the families tested here and the rule parameter that sets each one's level
FAMILIES = {"LA110": "max_p_adjusted", "LA111": "max_p_adjusted", "LA112": "max_p_adjusted"}

#: the tables this analysis builds (columns in :mod:`labelaudit.analyses.tables`)
TABLE_NAMES = (
    "label_shares",
    "label_shift",
    "contested_items",
    "contested_examples",
    "annotator_agreement",
    "qc_by_group",
)


@dataclass
class _Unit:
    """What every test of one scored unit shares: its judgments, the raters' order."""

    coded: CodedField
    pooled: np.ndarray  # (U, V) label counts of every judgment
    order: np.ndarray  # the unit's annotators in id order (relabellings shuffle these)
    strata: np.ndarray | None
    per_rater: np.ndarray  # (n_annotators, V) label counts of each rater
    contested: ContestedStatistic  # prepared once, re-grouped per attribute


def _unscorable(coded: CodedField) -> str | None:
    """Why a unit cannot be analysed here, or None when it can."""
    k = len(coded.values)
    if coded.value_codes.size == 0:
        return "no scored judgments"
    if k > MAX_VALUES:
        return f"{k} distinct values (a continuous scale: see alpha instead)"
    return "fewer than 2 values" if k < 2 else None


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@analysis("disagreement", order=30)
def disagreement(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Label shares and shift tests, contested items and QC bias by annotator group."""
    rows: dict[str, list[dict]] = {name: [] for name in TABLE_NAMES}
    attributes = audited_attributes(bundle, cfg)
    qc = {k: rulebook.param("LA112", k) for k in QC_PARAMETERS}
    skipped: list[dict] = []
    texts = _item_texts(bundle)
    pending: list[Pending] = []
    for field, option in bundle.scored_units():
        coded = bundle.coded(field, option)
        reason = _unscorable(coded)
        if reason:
            skipped.append({"field": coded.field, "reason": reason})
            continue
        k = len(coded.values)
        pooled = mj.label_counts(coded.item_codes, coded.value_codes, coded.n_items, k)
        order = id_order(bundle.annotator_ids, np.unique(coded.annotator_codes))
        flagged = annotator_agreement(bundle, coded, pooled, qc, rows["annotator_agreement"])
        per_rater = mj.label_counts(coded.annotator_codes, coded.value_codes,
                                    len(bundle.annotator_ids), k)  # fmt: skip
        contested = ContestedStatistic(coded.item_codes, coded.value_codes, coded.annotator_codes,
                                       pooled, 1, MIN_GROUP_JUDGMENTS, kernel=cfg.kernel)  # fmt: skip
        for attr in attributes:
            codes, labels = bundle.group_codes(attr)
            unit = _Unit(coded, pooled, order, strata_for(bundle, cfg, attr), per_rater, contested)
            shown = shown_groups(bundle, attr, labels)
            pending.append(_shares_and_shift(unit, codes, labels, attr, cfg, rulebook, rows, shown))
            contested_test = _contested(unit, codes, labels, attr, cfg, rulebook,
                                        bundle.item_ids, texts, rows)  # fmt: skip
            contested_test[0].tested &= shown
            pending.append(contested_test)
            rows_q, contrast = qc_by_group(unit.coded.field, flagged, codes, labels, attr, cfg,
                                           rulebook, bundle.annotator_ids, unit.strata)  # fmt: skip
            contrast.tested &= shown
            rows["qc_by_group"] += [r for r in rows_q if r is not None]
            pending.append((contrast, rows_q))
    alphas = {code: float(rulebook.param(code, name)) for code, name in FAMILIES.items()}
    families = test_rows(pending, alphas, cfg, null_column="expected_share")
    tables = {name: metric_table(name, rows[name]) for name in TABLE_NAMES}
    facts = {
        "disagreement": {
            "attributes": attributes,
            "skipped_fields": skipped,
            "n_permutations": cfg.n_permutations,
            "min_group_judgments": MIN_GROUP_JUDGMENTS,
            "qc": {**qc, "description": describe_qc(qc)},
            "families": family_facts(families),
        }
    }
    sizes = {code: f.size for code, f in families.items()}
    return AnalysisOutput(tables=tables, facts=facts, methods=methods_notes(cfg, qc, sizes))


# ------------------------------------------------------------ label shares / shift
def _shares_and_shift(
    unit: _Unit,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    rulebook: Rulebook,
    rows: dict[str, list[dict]],
    shown: np.ndarray | None = None,
) -> Pending:
    """Label shares of every group; the shift test over the groups the report shows.

    Groups the privacy plan hides (``shown`` False) are left out of the test, so its counts
    (judgments, annotators tested) and statistic are sums over shown groups only and give
    no hidden group back.
    """
    coded = unit.coded
    k = len(coded.values)
    jg = codes[coded.annotator_codes]  # group of each judgment (-1 = unknown)
    known = jg >= 0
    flat = jg[known].astype(np.int64) * k + coded.value_codes[known]
    table = np.bincount(flat, minlength=len(labels) * k).reshape(len(labels), k).astype(float)
    n_ann = _annotators_per_group(coded.annotator_codes, codes, len(labels))
    col_tot = table.sum(axis=0)
    for g, name in enumerate(labels):
        total = int(table[g].sum())
        if total == 0:
            continue
        for v, value in enumerate(coded.values):
            lo, hi = wilson_interval(int(table[g, v]), total, cfg.ci_level)
            rows["label_shares"].append({
                "field": coded.field, "attribute": attr, "group": name, "value": _py(value),
                "n_judgments": int(table[g, v]), "share": table[g, v] / total,
                "n_annotators": int(n_ann[g]), "suppressed": False, "group_judgments": total,
                "ci_low": lo, "ci_high": hi, "pooled_share": col_tot[v] / col_tot.sum(),
            })  # fmt: skip
    present = table.sum(axis=1) > 0
    tested = present & (n_ann >= cfg.min_group_size)
    tested &= np.array([supported(rulebook, "LA110", n_annotators=int(n_ann[g]),
                                  n_judgments=float(table[g].sum())) for g in range(len(labels))],
                       dtype=bool)  # fmt: skip
    if shown is not None:
        tested &= shown
    sub = table[tested][:, table[tested].sum(axis=0) > 0]
    # a group's label share against everyone else's, the per-group effect size: an
    # omnibus V dilutes one small group's shift among many
    with np.errstate(divide="ignore", invalid="ignore"):
        mine = table / table.sum(axis=1, keepdims=True)
        rest = (col_tot[None, :] - table) / (col_tot.sum() - table.sum(axis=1, keepdims=True))
    gaps = np.abs(mine - rest)[tested]
    row: dict[str, Any] = {
        "field": coded.field, "attribute": attr, "test": None, "n_judgments": int(sub.sum()),
        "n_groups_tested": int(tested.sum()), "n_groups_excluded": int((present & ~tested).sum()),
        "n_annotators_tested": int(n_ann[tested].sum()),
        "max_share_gap": float(np.nanmax(gaps)) if np.isfinite(gaps).any() else np.nan,
    }  # fmt: skip
    ok = sub.shape[0] >= 2 and sub.shape[1] >= 2
    if ok:
        res = ct.chi2_independence(sub)
        row.update(statistic=res.statistic, dof=res.dof, p_value_judgments=res.p_value,
                   min_expected=res.min_expected, cramers_v=ct.cramers_v(sub),
                   test="chi-square, raters relabelled")  # fmt: skip
    rows["label_shift"].append(row)
    groups = np.flatnonzero(tested)
    # raters of untested groups stay out of the table and of the relabellings
    order = unit.order[np.isin(codes[unit.order], groups)]
    stat = ChiSquare(unit.per_rater, groups, len(labels))
    contrast = Contrast(f"label_shift|{coded.field}|{attr}", codes, order, stat, ["LA110"],
                        ["greater"], np.array([ok]), unit.strata, stat.block)  # fmt: skip
    return (contrast, [row])


def _annotators_per_group(ann_codes: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Annotators of each group with at least one judgment in the unit."""
    g = codes[np.flatnonzero(np.bincount(ann_codes, minlength=codes.size))]
    return np.bincount(g[g >= 0], minlength=n_groups)


# ------------------------------------------------------------------ contested items
def _contested(
    unit: _Unit,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    rulebook: Rulebook,
    item_ids: np.ndarray,
    texts: dict[str, str],
    rows: dict[str, list[dict]],
) -> Pending:
    coded, pooled = unit.coded, unit.pooled
    k = len(coded.values)
    jg = codes[coded.annotator_codes]
    n_ann = _annotators_per_group(coded.annotator_codes, codes, len(labels))
    stat = unit.contested.regrouped(len(labels))
    n_cmp_all, n_flip_all = stat.counts(codes)
    candidates: list[dict] = []
    out: list[dict | None] = []
    tested = np.zeros(len(labels), dtype=bool)
    for g, name in enumerate(labels):
        mine = jg == g
        if not mine.any():
            out.append(None)
            continue
        n_cmp, n_flip = int(n_cmp_all[g]), int(n_flip_all[g])
        lo, hi = wilson_interval(n_flip, n_cmp, cfg.ci_level) if n_cmp else (np.nan, np.nan)
        small = n_ann[g] < cfg.min_group_size
        tested[g] = (
            n_cmp > 0
            and not small
            and supported(rulebook, "LA111", n_annotators=int(n_ann[g]), n_items=n_cmp)
        )
        row = {
            "field": coded.field, "attribute": attr, "group": name, "n_items_compared": n_cmp,
            "n_contested": n_flip, "share_contested": n_flip / n_cmp if n_cmp else np.nan,
            "n_annotators": int(n_ann[g]), "suppressed": False, "ci_low": lo, "ci_high": hi,
            "expected_share": np.nan,
        }  # fmt: skip
        rows["contested_items"].append(row)
        out.append(row)
        if small or n_flip == 0:
            continue
        gc = mj.label_counts(coded.item_codes[mine], coded.value_codes[mine], coded.n_items, k)
        cmp = mj.compare_majorities(gc, pooled, min_group_judgments=MIN_GROUP_JUDGMENTS)
        # examples only from groups large enough to be shown at all: a bounded sample
        # should not be spent on rows the privacy step will drop
        flipped = np.flatnonzero(cmp.flipped)
        # the global top-N is among each group's own top-N: build only those rows
        top = sorted(flipped, key=lambda i: (-cmp.gap[i], str(item_ids[i])))[: cfg.max_examples]
        for i in top:
            candidates.append({
                "field": coded.field, "attribute": attr, "group": name,
                "item_id": str(item_ids[i]), "text": None,
                "pooled_majority": _py(coded.values[cmp.pooled_majority[i]]),
                "group_majority": _py(coded.values[cmp.group_majority[i]]),
                "group_judgments": _count_dict(coded.values, gc[i]),
                "other_judgments": _count_dict(coded.values, pooled[i] - gc[i]),
                "n_annotators": int(n_ann[g]), "suppressed": False, "gap": float(cmp.gap[i]),
            })  # fmt: skip
    # most contested first; ties broken by group and item id so output is reproducible
    candidates.sort(key=lambda r: (-r["gap"], r["group"], r["item_id"]))
    for r in candidates[: max(cfg.max_examples, 0)]:
        r["text"] = texts.get(r["item_id"])
        rows["contested_examples"].append(r)
    g = len(labels)
    contrast = Contrast(f"contested|{coded.field}|{attr}", codes, unit.order, stat,
                        ["LA111"] * g, ["greater"] * g, tested, unit.strata, stat.block)  # fmt: skip
    return (contrast, out)


def _count_dict(values: list, counts: np.ndarray) -> dict[str, int]:
    return {str(_py(v)): int(c) for v, c in zip(values, counts, strict=True)}


def _item_texts(bundle: Bundle) -> dict[str, str]:
    items = bundle.items
    if items is None:
        return {}
    cols = [c for c in ("text", "prompt") if c in items.columns]
    if not cols:
        return {}
    indexed = items.set_index(items["item_id"].astype(str))
    s = indexed[cols[0]]
    if len(cols) == 2:  # RLHF items may carry a prompt but no text
        s = s.where(s.notna(), indexed["prompt"])
    return {k: str(v)[:TEXT_CHARS] for k, v in s.dropna().items()}


def methods_notes(
    cfg: AuditConfig, qc: dict[str, Any], sizes: dict[str, int]
) -> list[dict[str, str]]:
    """Methods section entries (words in ``rules/methods/disagreement.yaml``)."""
    return render_methods(
        "disagreement",
        {
            "min_group_size": cfg.min_group_size,
            "max_values": MAX_VALUES,
            "min_group_judgments": MIN_GROUP_JUDGMENTS,
            "min_others": MIN_OTHERS_QC,
            "qc_cut": describe_qc(qc),
            "la110_family": sizes.get("LA110", 0),
            "la111_family": sizes.get("LA111", 0),
            "la112_family": sizes.get("LA112", 0),
        },
    )
