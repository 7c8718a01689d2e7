"""Agreement analysis: alpha overall / within groups, kappa_x across groups, GRASP.

Tables (see findings.json ``metrics``):

- ``agreement``: Krippendorff's alpha over all annotators (``overall``), among each
  group's annotators (``within``) and kappa_x between each group and everyone else
  (``cross``), each with an item-bootstrap percentile interval;
- ``group_association``: GRASP IRR, XRR, GAI and the permutation test that relabels raters
  (family LA103);
- ``agreement_difference``: within-group alpha minus the alpha of everyone else, tested
  by the same relabellings (family LA102).

Both tests run through :mod:`labelaudit.analyses.significance` (families over the whole
run). Multi-choice fields are audited one option at a time (``field:option``), as binary
nominal fields. Facts: ``facts["agreement"]`` (excluded and scored item counts, families).

Counts on grouped rows describe the group's side: ``within`` rows count the items the
group judged at least twice and the group's judgments and annotators on them; ``cross``
rows count the items judged by the group and by someone else, and the group's judgments
and annotators on them. ``group_association`` and ``agreement_difference`` carry every
group annotator behind any of the group's figures (``n_annotators``, so small-group
suppression is exact) and the within items and judgments their support is judged on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from labelaudit.analyses.agreement_bootstrap import GroupSlices, bootstrap_intervals, slices
from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.significance import (
    family_facts,
    id_order,
    run_tests,
    shown_groups,
    strata_for,
    supported,
    test_columns,
)
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import CodedField
from labelaudit.config import AuditConfig
from labelaudit.progress import track
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.alpha import alpha_from_counts
from labelaudit.stats.counts import first_judgments, indicator_matrix, value_counts
from labelaudit.stats.grasp_statistic import GraspJudgments, GraspStatistic
from labelaudit.stats.significance import Contrast

#: the two families tested here and the rule parameter that sets each one's level
FAMILIES = {"LA102": "max_p_adjusted", "LA103": "max_p_adjusted"}


@dataclass
class Unit:
    """One scored unit (a field, or one option of a multi-choice field), pairable items only.

    Items are numbered in the order of their ids (sorted as strings), so every sum over
    items and every resampled item follows the data, not the order rows arrived in.
    """

    name: str
    level: str
    numeric: np.ndarray
    items: np.ndarray  # compact item code per judgment (0..n_items-1, by id)
    annotators: np.ndarray  # bundle annotator code per judgment
    values: np.ndarray  # value code per judgment
    total: np.ndarray  # (n_items, n_values) counts over all annotators
    n_excluded: int  # items of the field with fewer than 2 pairable judgments

    @property
    def n_items(self) -> int:
        return self.total.shape[0]


def prepare_unit(coded: CodedField, n_field_items: int, item_rank: np.ndarray) -> Unit:
    """Keep first judgments on items with >= 2 scored judgments, coded in id order.

    ``item_rank`` gives each bundle item code its position among the ids sorted.
    """
    keep = first_judgments(coded.item_codes, coded.annotator_codes)
    items, anns, vals = coded.item_codes[keep], coded.annotator_codes[keep], coded.value_codes[keep]
    uniq, inv = np.unique(item_rank[items], return_inverse=True)
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


@dataclass
class _Pending:
    """One (unit, attribute) contrast and the rows its results go into."""

    contrast: Contrast
    association: list[dict]
    difference: list[dict]


def _unit_tables(
    unit: Unit, bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook, attrs: list[str], eps: float
):
    """The unit's rows, its bootstrap intervals, and its contrasts (tested later)."""
    nv = unit.total.shape[1]
    level, num = unit.level, unit.numeric
    agreement: list[dict] = []
    pending: list[_Pending] = []
    base = {"field": unit.name}
    alpha_all = alpha_from_counts(unit.total, level, num) if unit.n_items else float("nan")
    n_unit_annotators = int(np.unique(unit.annotators).size)
    agreement.append({
        **base, "scope": "overall", "attribute": None, "group": None, "level": level,
        "alpha": alpha_all, "ci_low": np.nan, "ci_high": np.nan, "n_items": unit.n_items,
        "n_judgments": int(unit.items.size), "n_annotators": n_unit_annotators,
        "suppressed": False,
    })  # fmt: skip
    if unit.n_items == 0:
        return agreement, pending
    n_ann = len(bundle.annotator_ids)
    indicator = indicator_matrix(unit.items, unit.values, unit.annotators, unit.n_items, nv, n_ann)
    # relabellings shuffle the unit's annotators, listed by id
    order = id_order(bundle.annotator_ids, np.unique(unit.annotators))
    judgments = GraspJudgments(indicator, unit.total, level, num, kernel=cfg.kernel)
    stacks: list[GroupSlices] = []
    for attr in track(attrs, desc=f"agreement {unit.name}", total=len(attrs)):
        codes, labels = bundle.group_codes(attr)
        g = len(labels)
        if g == 0:  # nobody disclosed it (e.g. in a split): no group to compare
            continue
        counts, figs = _group_figures(unit, indicator, codes, g)
        stacks.append(slices(unit.total, counts, attr, labels, level, num))
        stat = GraspStatistic(judgments, g, eps)
        irr, xrr, rest = stat.figures(codes)
        n_items_w, n_judg_w, _ = figs["within"]
        n_any = figs["any"]
        n_rest = n_unit_annotators - n_any
        gai_ok, diff_ok = np.zeros(g, dtype=bool), np.zeros(g, dtype=bool)
        rows_a, rows_d = [], []
        for k, label in enumerate(labels):
            row = {**base, "attribute": attr, "group": label, "level": level, "suppressed": False}
            for scope, value in (("within", irr[k]), ("cross", xrr[k])):
                n_items, n_judg, n_a = figs[scope]
                agreement.append({
                    **row, "scope": scope, "alpha": value, "ci_low": np.nan, "ci_high": np.nan,
                    "n_items": int(n_items[k]), "n_judgments": int(n_judg[k]),
                    "n_annotators": int(n_a[k]),
                })  # fmt: skip
            support = {"n_annotators": int(n_any[k]), "n_items": int(n_items_w[k]),
                       "n_judgments": int(n_judg_w[k])}  # fmt: skip
            big = n_any[k] >= cfg.min_group_size
            gai_ok[k] = big and n_rest[k] >= 2 and supported(rulebook, "LA103", **support)
            # the rest can be a handful of people too (a group that is nearly everyone):
            # its alpha would then describe them, so it is left out
            rest_ok = n_rest[k] >= cfg.min_group_size
            a_rest = rest[k] if rest_ok else np.nan
            diff_ok[k] = (
                big
                and rest_ok
                and supported(rulebook, "LA102", **support)
                and (supported(rulebook, "LA102", n_annotators=int(n_rest[k])))
            )
            rows_a.append({
                **base, "attribute": attr, "group": label, "irr": irr[k], "xrr": xrr[k],
                "gai": np.nan, "suppressed": False, **support,
            })  # fmt: skip
            rows_d.append({
                **base, "attribute": attr, "group": label, "alpha_group": irr[k],
                "alpha_rest": a_rest, "difference": irr[k] - a_rest, "suppressed": False,
                "n_annotators_rest": int(n_rest[k]), **support,
            })  # fmt: skip
        contrast = Contrast(
            f"agreement|{unit.name}|{attr}", codes, order, stat, ["LA103"] * g + ["LA102"] * g,
            ["two-sided"] * (2 * g), np.tile(shown_groups(bundle, attr, labels), 2) & np.concatenate([gai_ok, diff_ok]),
            strata_for(bundle, cfg, attr), stat.block,
        )  # fmt: skip
        pending.append(_Pending(contrast, rows_a, rows_d))
        del counts
    bootstrap_intervals(unit.name, unit.total, level, num, cfg, stacks, agreement)
    return agreement, pending


def _fill(pending: list[_Pending], results) -> tuple[list[dict], list[dict]]:
    """Rows with the engine's observed statistics and test columns."""
    association, difference = [], []
    for job, res in zip(pending, results, strict=True):
        g = len(job.association)
        for k in range(g):
            a, d = job.association[k], job.difference[k]
            a["gai"] = res.observed[k]
            a.update(test_columns(res, k))
            d.update(test_columns(res, g + k))
            association.append(a)
            difference.append(d)
    return association, difference


@analysis("agreement", order=20)
def agreement_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Alpha overall, within and across groups, GRASP association, group-vs-rest difference."""
    attrs = audited_attributes(bundle, cfg)
    agreement: list[dict] = []
    pending: list[_Pending] = []
    excluded: dict[str, int] = {}
    scored: dict[str, int] = {}
    units = [
        (f, o) for f, o in bundle.scored_units() if bundle.schema[f].kind not in ("ranking", "text")
    ]
    row_items = bundle.row_codes[0]
    item_rank = np.empty(len(bundle.item_ids), dtype=np.int64)
    item_rank[id_order(bundle.item_ids)] = np.arange(item_rank.size)
    # |XRR| below LA009's threshold makes GAI undefined (null, and untested)
    eps = float(rulebook.param("LA009", "xrr_epsilon"))
    for field_name, option in units:
        # items with any judgment of the field, skipped ones included, on integer codes
        rows = bundle.field_rows(field_name, scored_only=False)
        n_field_items = int(np.count_nonzero(np.bincount(row_items[rows], minlength=1)))
        unit = prepare_unit(bundle.coded(field_name, option), n_field_items, item_rank)
        excluded[unit.name] = unit.n_excluded
        scored[unit.name] = unit.n_items
        a, p = _unit_tables(unit, bundle, cfg, rulebook, attrs, eps)
        agreement += a
        pending += p
    alphas = {code: float(rulebook.param(code, name)) for code, name in FAMILIES.items()}
    results, families = run_tests([p.contrast for p in pending], alphas, cfg)
    association, difference = _fill(pending, results)
    facts = {
        "agreement": {
            "excluded_items": excluded,
            "scored_items": scored,
            "attributes": attrs,
            "n_boot": cfg.n_boot,
            "ci_level": cfg.ci_level,
            "n_permutations": cfg.n_permutations,
            "max_permutations": cfg.max_permutations,
            "xrr_epsilon": eps,
            "stratify_by": cfg.stratify_by,
            "families": family_facts(families),
        }
    }
    return AnalysisOutput(
        tables={
            "agreement": metric_table("agreement", agreement),
            "group_association": metric_table("group_association", association),
            "agreement_difference": metric_table("agreement_difference", difference),
        },
        facts=facts,
        methods=methods_notes(cfg, eps, {k: f.size for k, f in families.items()}),
    )


def methods_notes(cfg: AuditConfig, eps: float, sizes: dict[str, int]) -> list[dict[str, str]]:
    """Methods section entries for the report (words in ``rules/methods/agreement.yaml``)."""
    return render_methods(
        "agreement",
        {
            "ci": f"{cfg.ci_level:.0%}",
            "n_boot": cfg.n_boot,
            "seed": cfg.seed,
            "eps": eps,
            "n_permutations": cfg.n_permutations,
            "max_permutations": max(cfg.max_permutations, cfg.n_permutations),
            "stratify_by": cfg.stratify_by,
            "stratified": bool(cfg.stratify_by),
            "early_stop": bool(cfg.early_stop),
            "la102_family": sizes.get("LA102", 0),
            "la103_family": sizes.get("LA103", 0),
        },
    )
