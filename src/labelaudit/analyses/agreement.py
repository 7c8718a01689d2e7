"""Agreement analysis: alpha overall / within groups, kappa_x across groups, GRASP.

Tables (see findings.json ``metrics``):

- ``agreement``: Krippendorff's alpha over all annotators (``overall``), among each
  group's annotators (``within``) and kappa_x between each group and everyone else
  (``cross``), each with an item-bootstrap percentile interval;
- ``group_association``: GRASP IRR, XRR, GAI, permutation p-value and
  Benjamini-Hochberg p_adjusted over every group tested in the run;
- ``agreement_difference``: within-group alpha minus the alpha of everyone else, with
  a bootstrap interval of the difference (both computed on the same resampled items).

Multi-choice fields are audited one option at a time (``field:option``), as binary
nominal fields. Facts: ``facts["agreement"]`` (excluded and scored item counts).

Counts on grouped rows describe the group's side: ``within`` rows count the items the
group judged at least twice and the group's judgments and annotators on them; ``cross``
rows count the items judged by the group and by someone else, and the group's judgments
and annotators on them. ``group_association`` and ``agreement_difference`` carry every
group annotator behind any of the group's figures, so small-group suppression is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import CodedField
from labelaudit.config import AuditConfig
from labelaudit.progress import track
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.alpha import (
    alpha_from_contributions,
    alpha_from_counts,
    item_contributions,
    percentile_interval,
)
from labelaudit.stats.bootstrap import bootstrap_pattern_counts
from labelaudit.stats.contingency import benjamini_hochberg
from labelaudit.stats.counts import (
    first_judgments,
    indicator_matrix,
    row_patterns,
    value_counts,
)
from labelaudit.stats.crossrep import kappa_x_from_contributions, kappa_x_item_contributions
from labelaudit.stats.grasp_permutation import grasp_test


@dataclass
class Unit:
    """One scored unit (a field, or one option of a multi-choice field), pairable items only."""

    name: str
    level: str
    numeric: np.ndarray
    items: np.ndarray  # compact item code per judgment (0..n_items-1)
    annotators: np.ndarray  # bundle annotator code per judgment
    values: np.ndarray  # value code per judgment
    total: np.ndarray  # (n_items, n_values) counts over all annotators
    n_excluded: int  # items of the field with fewer than 2 pairable judgments

    @property
    def n_items(self) -> int:
        return self.total.shape[0]


def prepare_unit(coded: CodedField, n_field_items: int) -> Unit:
    """Keep first judgments on items with >= 2 scored judgments, compactly coded."""
    keep = first_judgments(coded.item_codes, coded.annotator_codes)
    items, anns, vals = coded.item_codes[keep], coded.annotator_codes[keep], coded.value_codes[keep]
    uniq, inv = np.unique(items, return_inverse=True)
    per_item = np.bincount(inv, minlength=uniq.size)
    pairable = per_item >= 2
    new_code = np.cumsum(pairable) - 1
    j = pairable[inv]
    items = new_code[inv[j]]
    nv = len(coded.values)
    total = value_counts(items, vals[j], int(pairable.sum()), nv)
    return Unit(
        name=coded.field,
        level=coded.level,
        numeric=np.asarray(coded.numeric, dtype=np.float64),
        items=items,
        annotators=anns[j],
        values=vals[j],
        total=total,
        n_excluded=int(n_field_items - pairable.sum()),
    )


@dataclass
class GroupSlices:
    """One attribute's bootstrap inputs: per group, contributions of each count pattern.

    Group k's items are coded by the pattern of (group counts, rest counts) they show,
    ``codes[k]`` (offset into the unit's shared pattern range); ``contributions[k]``
    holds one item's contributions per pattern: within alpha (``width_alpha`` columns),
    rest alpha (``width_alpha``), kappa_x (the remaining columns).
    """

    attribute: str
    labels: list[str]
    width_alpha: int = 0
    codes: list[np.ndarray] = field(default_factory=list)
    contributions: list[np.ndarray] = field(default_factory=list)


def _group_figures(unit: Unit, indicator: sp.spmatrix, codes: np.ndarray, n_groups: int):
    """Per-group counts, and honest n's per scope (items, judgments, annotators)."""
    one_hot = np.zeros((codes.size, n_groups))
    present = codes >= 0
    one_hot[np.flatnonzero(present), codes[present]] = 1.0
    counts = np.asarray(indicator @ one_hot).T.reshape(n_groups, unit.n_items, -1)
    gm = counts.sum(axis=2)  # (g, items)
    rm = unit.total.sum(axis=1)[None, :] - gm
    jg = codes[unit.annotators]
    has = jg >= 0
    g_j, item_j, ann_j = jg[has], unit.items[has], unit.annotators[has]
    within_ok = gm[g_j, item_j] >= 2
    cross_ok = rm[g_j, item_j] >= 1
    figures = {}
    for scope, ok, n_items in (
        ("within", within_ok, (gm >= 2).sum(axis=1)),
        ("cross", cross_ok, ((gm >= 1) & (rm >= 1)).sum(axis=1)),
    ):
        n_judg = np.bincount(g_j[ok], minlength=n_groups)
        n_ann = _distinct_annotators(g_j[ok], ann_j[ok], n_groups)
        figures[scope] = (n_items, n_judg, n_ann)
    # every group annotator behind any figure of the group (privacy counts these)
    figures["any"] = _distinct_annotators(g_j, ann_j, n_groups)
    return counts, figures


def _distinct_annotators(groups: np.ndarray, anns: np.ndarray, n_groups: int) -> np.ndarray:
    """Distinct annotators per group, from one integer key per (group, annotator)."""
    if not groups.size:
        return np.zeros(n_groups, dtype=np.int64)
    span = int(anns.max()) + 1
    keys = groups.astype(np.int64) * span + anns
    if n_groups * span <= max(4 * keys.size, 1 << 20):
        # a presence table over every (group, annotator) beats sorting millions of keys
        seen = np.bincount(keys, minlength=n_groups * span).reshape(n_groups, span) > 0
        return seen.sum(axis=1)
    keys = np.unique(keys)
    return np.bincount(keys // span, minlength=n_groups)


def _unit_tables(
    unit: Unit, bundle: Bundle, cfg: AuditConfig, unit_index: int, attrs: list[str], eps: float
):
    nv = unit.total.shape[1]
    level, num = unit.level, unit.numeric
    agreement: list[dict] = []
    association: list[dict] = []
    difference: list[dict] = []
    base = {"field": unit.name}
    alpha_all = alpha_from_counts(unit.total, level, num) if unit.n_items else float("nan")
    overall = {
        **base, "scope": "overall", "attribute": None, "group": None, "level": level,
        "alpha": alpha_all, "ci_low": np.nan, "ci_high": np.nan, "n_items": unit.n_items,
        "n_judgments": int(unit.items.size), "n_annotators": int(np.unique(unit.annotators).size),
        "suppressed": False,
    }  # fmt: skip
    agreement.append(overall)
    if unit.n_items == 0:
        return agreement, association, difference
    indicator = indicator_matrix(
        unit.items, unit.values, unit.annotators, unit.n_items, nv, len(bundle.annotator_ids)
    )
    stacks: list[GroupSlices] = []
    overall_codes, overall_distinct = row_patterns(unit.total)
    n_patterns = overall_distinct.shape[0]
    strata = None
    if cfg.stratify_by and bundle.annotators is not None and cfg.stratify_by in bundle.annotators:
        strata = bundle.group_codes(cfg.stratify_by)[0]
    n_unit_annotators = int(np.unique(unit.annotators).size)
    for attr_index, attr in track(
        list(enumerate(attrs)), desc=f"agreement {unit.name}", total=len(attrs)
    ):
        codes, labels = bundle.group_codes(attr)
        g = len(labels)
        if g == 0:  # nobody disclosed it (e.g. in a split): no group to compare
            continue
        counts, figs = _group_figures(unit, indicator, codes, g)
        stack = GroupSlices(attr, labels)
        alpha_rest = []
        for k in range(g):
            rows = np.concatenate([counts[k], unit.total - counts[k]], axis=1)
            pattern, distinct = row_patterns(rows)
            mine, theirs = distinct[:, :nv], distinct[:, nv:]
            stack.codes.append((pattern + n_patterns).astype(np.int32))
            n_patterns += distinct.shape[0]
            rest_c = item_contributions(theirs, level, num)
            stack.width_alpha = rest_c.shape[1]
            stack.contributions.append(
                np.hstack([
                    item_contributions(mine, level, num), rest_c,
                    kappa_x_item_contributions(mine, theirs, level, num),
                ])
            )  # fmt: skip
            freq = np.bincount(pattern, minlength=distinct.shape[0]).astype(np.float64)
            alpha_rest.append(alpha_from_contributions(freq @ rest_c, level, num)[0])
        del counts
        stacks.append(stack)
        n_ann_within = figs["within"][2]
        n_ann_any = figs["any"]
        testable = (n_ann_within >= cfg.min_group_size) & (n_ann_any.sum() - n_ann_any >= 2)
        res = grasp_test(
            indicator, codes, g, unit.total, level, num,
            n_permutations=cfg.n_permutations,
            seed=np.random.SeedSequence([cfg.seed, unit_index, attr_index]),
            strata=None if (strata is None or attr == cfg.stratify_by) else strata,
            test=testable, early_stop=cfg.early_stop, xrr_epsilon=eps, kernel=cfg.kernel,
        )  # fmt: skip
        for k, label in enumerate(labels):
            row = {**base, "attribute": attr, "group": label, "level": level, "suppressed": False}
            for scope, value in (("within", res.irr[k]), ("cross", res.xrr[k])):
                n_items, n_judg, n_ann = figs[scope]
                agreement.append({
                    **row, "scope": scope, "alpha": value, "ci_low": np.nan, "ci_high": np.nan,
                    "n_items": int(n_items[k]), "n_judgments": int(n_judg[k]),
                    "n_annotators": int(n_ann[k]),
                })  # fmt: skip
            association.append({
                **base, "attribute": attr, "group": label, "irr": res.irr[k], "xrr": res.xrr[k],
                "gai": res.gai[k], "p_value": res.p_value[k], "p_adjusted": np.nan,
                "suppressed": False, "n_annotators": int(n_ann_any[k]),
                "n_permutations": int(res.n_permutations[k]),
            })  # fmt: skip
            # the rest can be a handful of people too (a group that is nearly everyone):
            # its alpha would then describe them, so it is left out
            n_rest = n_unit_annotators - int(n_ann_any[k])
            a_rest = alpha_rest[k] if n_rest >= cfg.min_group_size else np.nan
            difference.append({
                **base, "attribute": attr, "group": label, "alpha_group": res.irr[k],
                "alpha_rest": a_rest, "difference": res.irr[k] - a_rest,
                "ci_low": np.nan, "ci_high": np.nan, "n_annotators": int(n_ann_any[k]),
                "n_annotators_rest": n_rest, "suppressed": False,
            })  # fmt: skip
    _bootstrap(
        unit, cfg, unit_index, (overall_codes, overall_distinct), n_patterns, stacks,
        agreement, difference,
    )  # fmt: skip
    return agreement, association, difference


def _bootstrap(unit, cfg, unit_index, overall, n_patterns, stacks, agreement, difference) -> None:
    """Fill ci_low/ci_high of every row of this unit from one set of resampled items."""
    if cfg.n_boot < 1:
        return
    level, num = unit.level, unit.numeric
    overall_codes, overall_distinct = overall
    overall_c = item_contributions(overall_distinct, level, num)
    # one row of pattern codes per (overall or group) scope, all int32
    codes = [overall_codes.astype(np.int32), *(c for stack in stacks for c in stack.codes)]
    patterns = np.stack(codes)
    reps_overall: list[np.ndarray] = []
    reps: list[list[np.ndarray]] = [[] for _ in stacks]
    blocks = bootstrap_pattern_counts(
        patterns, n_patterns, cfg.n_boot, seed=[cfg.seed, unit_index],
        kernel=cfg.kernel,
    )  # fmt: skip
    del patterns
    n0 = overall_c.shape[0]
    # the products per group are small (a few thousand patterns): a few hundred
    # replicates per product keep BLAS efficient where 15 rows (10M judgments) do not
    rows = max(1, min(cfg.n_boot, 16_000_000 // max(n_patterns, 1)))
    for h in track(_rebatch(blocks, rows, n_patterns), desc=f"bootstrap {unit.name}"):
        reps_overall.append(alpha_from_contributions(h[:, :n0] @ overall_c, level, num))
        start = n0
        for s, stack in enumerate(stacks):
            wa = stack.width_alpha
            cols = []
            for contributions in stack.contributions:
                agg = h[:, start : start + contributions.shape[0]] @ contributions
                start += contributions.shape[0]
                cols += [
                    alpha_from_contributions(agg[:, :wa], level, num),
                    alpha_from_contributions(agg[:, wa : 2 * wa], level, num),
                    kappa_x_from_contributions(agg[:, 2 * wa :], level, num),
                ]
            if cols:
                reps[s].append(np.column_stack(cols))
    ci = cfg.ci_level
    agreement[0]["ci_low"], agreement[0]["ci_high"] = percentile_interval(
        np.concatenate(reps_overall), ci
    )
    # rows after the overall one come in (within, cross) pairs in stack/label order
    row = 1
    drow = 0
    for s, stack in enumerate(stacks):
        if not reps[s]:
            continue
        r = np.vstack(reps[s])
        for k in range(len(stack.labels)):
            within, rest, cross = r[:, 3 * k], r[:, 3 * k + 1], r[:, 3 * k + 2]
            agreement[row]["ci_low"], agreement[row]["ci_high"] = percentile_interval(within, ci)
            agreement[row + 1]["ci_low"], agreement[row + 1]["ci_high"] = percentile_interval(
                cross, ci
            )
            if np.isfinite(difference[drow]["alpha_rest"]):
                lo, hi = percentile_interval(within - rest, ci)
                difference[drow]["ci_low"], difference[drow]["ci_high"] = lo, hi
            row += 2
            drow += 1


def _rebatch(blocks, rows: int, width: int):
    """The rows of ``blocks`` again, ``rows`` at a time (the last batch may be shorter).

    Each batch is a view of one reused buffer: use it before asking for the next.
    """
    buf = np.empty((rows, width))
    filled = 0
    for block in blocks:
        start = 0
        while start < block.shape[0]:
            take = min(rows - filled, block.shape[0] - start)
            buf[filled : filled + take] = block[start : start + take]
            filled += take
            start += take
            if filled == rows:
                yield buf
                filled = 0
    if filled:
        yield buf[:filled]


@analysis("agreement", order=20)
def agreement_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Alpha overall, within and across groups, GRASP association, group-vs-rest difference."""
    attrs = audited_attributes(bundle, cfg)
    agreement: list[dict] = []
    association: list[dict] = []
    difference: list[dict] = []
    excluded: dict[str, int] = {}
    scored: dict[str, int] = {}
    units = [
        (f, o) for f, o in bundle.scored_units() if bundle.schema[f].kind not in ("ranking", "text")
    ]
    row_items = bundle.row_codes[0]
    # |XRR| below LA009's threshold makes GAI undefined (null, and untested)
    eps = float(rulebook.param("LA009", "xrr_epsilon"))
    for unit_index, (field_name, option) in enumerate(units):
        # items with any judgment of the field, skipped ones included, on integer codes
        rows = bundle.field_rows(field_name, scored_only=False)
        n_field_items = int(np.count_nonzero(np.bincount(row_items[rows], minlength=1)))
        unit = prepare_unit(bundle.coded(field_name, option), n_field_items)
        excluded[unit.name] = unit.n_excluded
        scored[unit.name] = unit.n_items
        a, g, d = _unit_tables(unit, bundle, cfg, unit_index, attrs, eps)
        agreement += a
        association += g
        difference += d
    assoc = metric_table("group_association", association)
    if len(assoc):
        assoc["p_adjusted"] = benjamini_hochberg(assoc["p_value"].to_numpy(dtype=float))
    facts = {
        "agreement": {
            "excluded_items": excluded,
            "scored_items": scored,
            "attributes": attrs,
            "n_boot": cfg.n_boot,
            "ci_level": cfg.ci_level,
            "n_permutations": cfg.n_permutations,
            "xrr_epsilon": eps,
            "stratify_by": cfg.stratify_by,
        }
    }
    return AnalysisOutput(
        tables={
            "agreement": metric_table("agreement", agreement),
            "group_association": assoc,
            "agreement_difference": metric_table("agreement_difference", difference),
        },
        facts=facts,
        methods=methods_notes(cfg, eps),
    )


def methods_notes(cfg: AuditConfig, eps: float) -> list[dict[str, str]]:
    """Methods section entries for the report (words in ``rules/methods/agreement.yaml``)."""
    return render_methods(
        "agreement",
        {
            "ci": f"{cfg.ci_level:.0%}",
            "n_boot": cfg.n_boot,
            "seed": cfg.seed,
            "eps": eps,
            "n_permutations": cfg.n_permutations,
            "stratify_by": cfg.stratify_by,
            "stratified": bool(cfg.stratify_by),
            "early_stop": bool(cfg.early_stop),
        },
    )
