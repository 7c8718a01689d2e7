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

import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import CodedField
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats import contingency as ct
from labelaudit.stats import majority as mj
from labelaudit.stats import majority_permutation as mp
from labelaudit.stats.proportions import wilson_interval

#: scales with more distinct values than this are continuous: plurality labels and
#: chi-square tables make no sense there (alpha covers them)
MAX_VALUES = 20
#: a group's majority on an item needs at least this many of its judgments
MIN_GROUP_JUDGMENTS = 2
#: leave-one-out agreement needs at least this many other judgments on the item
MIN_OTHERS = 2
#: cap on the permutations behind the contested-items chance baseline (each one
#: recomputes every group's majority on every item it judged)
MAX_CONTESTED_PERMUTATIONS = 200
#: Besag-Clifford early stopping of the contested-items baseline (with ``early_stop``):
#: a group's test stops once this many permuted shares reached the observed one
STOP_AFTER = 10
#: LA112's parameters that define the simulated QC cut (defaults and sources in its YAML)
QC_PARAMETERS = ("qc_bottom_share", "qc_min_agreement", "qc_min_items")
TEXT_CHARS = 280

#: the tables this analysis builds (columns in :mod:`labelaudit.analyses.tables`)
TABLE_NAMES = (
    "label_shares",
    "label_shift",
    "contested_items",
    "contested_examples",
    "annotator_agreement",
    "qc_by_group",
)


def _rng(cfg: AuditConfig, *key: str) -> np.random.Generator:
    # keyed by what is tested, so a result does not depend on which other tests ran first
    return np.random.default_rng([cfg.seed, zlib.crc32("|".join(key).encode())])


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
    strat_attr = cfg.stratify_by
    strata_codes = None
    if strat_attr and bundle.annotators is not None and strat_attr in bundle.annotators.columns:
        strata_codes = bundle.group_codes(strat_attr)[0]
    units: list[tuple[CodedField, np.ndarray]] = []
    for field, option in bundle.scored_units():
        coded = bundle.coded(field, option)
        reason = _unscorable(coded)
        if reason:
            skipped.append({"field": coded.field, "reason": reason})
            continue
        k = len(coded.values)
        units.append(
            (coded, mj.label_counts(coded.item_codes, coded.value_codes, coded.n_items, k))
        )
    baselines = _contested_baselines(bundle, units, attributes, cfg)
    for u, (coded, pooled) in enumerate(units):
        flagged = _annotator_agreement(bundle, coded, pooled, qc, rows["annotator_agreement"])
        for attr in attributes:
            codes, labels = bundle.group_codes(attr)
            strata = None if strat_attr in attr.split("×") else strata_codes
            hidden = bundle.hidden_groups(attr)
            shown = np.array([name not in hidden for name in labels], dtype=bool)
            _shares_and_shift(coded, codes, labels, attr, cfg, strata, rows, shown)
            _contested(
                coded, pooled, codes, labels, attr, cfg, bundle.item_ids, texts, rows,
                baselines[u, attr],
            )  # fmt: skip
            _qc_by_group(coded.field, flagged, codes, labels, attr, cfg, rows["qc_by_group"])
    tables = {name: metric_table(name, rows[name]) for name in TABLE_NAMES}
    shift = tables["label_shift"]
    shift["p_adjusted"] = ct.benjamini_hochberg(shift["p_value"].to_numpy(float))
    shift["p_adjusted_annotators"] = ct.benjamini_hochberg(
        shift["p_value_annotators"].to_numpy(float)
    )
    contested = tables["contested_items"]
    contested["p_adjusted"] = ct.benjamini_hochberg(contested["p_value"].to_numpy(float))
    qc_table = tables["qc_by_group"]
    qc_table["p_adjusted"] = ct.benjamini_hochberg(qc_table["p_value"].to_numpy(float))
    facts = {
        "disagreement": {
            "attributes": attributes,
            "skipped_fields": skipped,
            "n_resamples": cfg.n_permutations,
            "contested_stop_after": STOP_AFTER if cfg.early_stop else None,
            "min_group_judgments": MIN_GROUP_JUDGMENTS,
            "qc": {**qc, "description": describe_qc(qc)},
        }
    }
    return AnalysisOutput(tables=tables, facts=facts, methods=methods_notes(cfg, qc))


# ------------------------------------------------------------ label shares / shift
def _shares_and_shift(
    coded: CodedField,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    strata: np.ndarray | None,
    rows: dict[str, list[dict]],
    shown: np.ndarray | None = None,
) -> None:
    """Label shares of every group; the shift test over the groups the report shows.

    Groups the privacy plan hides (``shown`` False) are left out of the test, so its counts
    (judgments, annotators tested) and statistic are sums over shown groups only and give
    no hidden group back.
    """
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
    if shown is not None:
        tested &= shown
    sub = table[tested][:, table[tested].sum(axis=0) > 0]
    row: dict[str, Any] = {
        "field": coded.field, "attribute": attr, "test": None, "n_judgments": int(sub.sum()),
        "n_groups_tested": int(tested.sum()), "n_groups_excluded": int((present & ~tested).sum()),
        "n_resamples": 0, "n_annotators_tested": int(n_ann[tested].sum()),
    }  # fmt: skip
    if sub.shape[0] >= 2 and sub.shape[1] >= 2:
        res = ct.chi2_independence(sub)
        row.update(
            statistic=res.statistic,
            dof=res.dof,
            p_value=res.p_value,
            min_expected=res.min_expected,
            cramers_v=ct.cramers_v(sub),
            test="chi-square",
        )
        if res.min_expected < 5 and cfg.n_permutations > 0:
            row["test"] = "monte-carlo exact"
            row["p_value"] = ct.chi2_monte_carlo(
                sub, n_resamples=cfg.n_permutations, seed=_rng(cfg, "exact", coded.field, attr)
            )
        if cfg.n_permutations > 0:
            row["p_value_annotators"] = _annotator_permutation(
                coded, codes, tested, attr, cfg, strata
            )
            row["n_resamples"] = cfg.n_permutations
    rows["label_shift"].append(row)


def _annotators_per_group(ann_codes: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Annotators of each group with at least one judgment in the unit."""
    g = codes[np.flatnonzero(np.bincount(ann_codes, minlength=codes.size))]
    return np.bincount(g[g >= 0], minlength=n_groups)


def _annotator_permutation(
    coded: CodedField,
    codes: np.ndarray,
    tested: np.ndarray,
    attr: str,
    cfg: AuditConfig,
    strata: np.ndarray | None,
) -> float:
    per_ann = mj.label_counts(
        coded.annotator_codes, coded.value_codes, coded.n_annotators, len(coded.values)
    )
    keep = (per_ann.sum(axis=1) > 0) & (codes >= 0)
    keep &= tested[np.where(codes >= 0, codes, 0)]
    remap = np.cumsum(tested) - 1  # tested group code -> 0..G'-1
    _, p = ct.chi2_cluster_permutation(
        per_ann[keep], remap[codes[keep]], n_resamples=cfg.n_permutations,
        seed=_rng(cfg, "annotators", coded.field, attr),
        strata=None if strata is None else strata[keep],
    )  # fmt: skip
    return p


# ------------------------------------------------------------------ contested items
def _contested_baselines(
    bundle: Bundle,
    units: list[tuple[CodedField, np.ndarray]],
    attributes: list[str],
    cfg: AuditConfig,
) -> dict[tuple[int, str], mp.FlipBaseline]:
    """The chance baseline of every (unit, attribute), two at a time.

    Each one draws from its own generator (keyed by field and attribute), so running
    them side by side gives exactly the sequential results; the numba kernel releases
    the GIL, so the two threads use both cores. All units are queued at once: one
    attribute's baseline can take most of a unit's time, and two such run together.
    """
    n_perm = min(cfg.n_permutations, MAX_CONTESTED_PERMUTATIONS)

    def one(task: tuple[int, str]) -> mp.FlipBaseline:
        coded, pooled = units[task[0]]
        codes, labels = bundle.group_codes(task[1])
        return mp.flips_permutation_baseline(
            coded.item_codes, coded.value_codes, codes[coded.annotator_codes], pooled,
            n_groups=len(labels), n_resamples=n_perm,
            seed=_rng(cfg, "contested", coded.field, task[1]),
            min_group_judgments=MIN_GROUP_JUDGMENTS,
            stop_after=STOP_AFTER if cfg.early_stop else None,
            kernel=cfg.kernel,
        )  # fmt: skip

    for attr in attributes:  # cached group codes, built before the threads share them
        bundle.group_codes(attr)
    tasks = [(u, attr) for u in range(len(units)) for attr in attributes]
    if len(tasks) < 2:
        return {t: one(t) for t in tasks}
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(tasks, pool.map(one, tasks), strict=True))


def _contested(
    coded: CodedField,
    pooled: np.ndarray,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    item_ids: np.ndarray,
    texts: dict[str, str],
    rows: dict[str, list[dict]],
    baseline: mp.FlipBaseline,
) -> None:
    k = len(coded.values)
    jg = codes[coded.annotator_codes]
    n_ann = _annotators_per_group(coded.annotator_codes, codes, len(labels))
    expected, p_values, used, n_cmp_all, n_flip_all = baseline
    candidates: list[dict] = []
    for g, name in enumerate(labels):
        mine = jg == g
        if not mine.any():
            continue
        n_cmp, n_flip = int(n_cmp_all[g]), int(n_flip_all[g])
        lo, hi = wilson_interval(n_flip, n_cmp, cfg.ci_level) if n_cmp else (np.nan, np.nan)
        small = n_ann[g] < cfg.min_group_size
        rows["contested_items"].append({
            "field": coded.field, "attribute": attr, "group": name, "n_items_compared": n_cmp,
            "n_contested": n_flip, "share_contested": n_flip / n_cmp if n_cmp else np.nan,
            "n_annotators": int(n_ann[g]), "suppressed": False, "ci_low": lo, "ci_high": hi,
            "expected_share": expected[g], "p_value": np.nan if small else p_values[g],
            "p_adjusted": np.nan, "n_resamples": int(used[g]),
        })  # fmt: skip
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


# ----------------------------------------------------------------------- QC bias
def _annotator_agreement(
    bundle: Bundle, coded: CodedField, pooled: np.ndarray, qc: dict[str, Any], out: list[dict]
) -> pd.DataFrame:
    """Per-annotator agreement with the others' majority, and the QC flag; returns the rows."""
    comparable, agrees = mj.leave_one_out_agreement(
        coded.item_codes, coded.value_codes, pooled, min_others=MIN_OTHERS
    )
    n = np.bincount(coded.annotator_codes[comparable], minlength=coded.n_annotators)
    hits = np.bincount(coded.annotator_codes[agrees], minlength=coded.n_annotators)
    ann = np.flatnonzero(n > 0)
    agreement = hits[ann] / n[ann]
    evaluated = n[ann] >= int(qc["qc_min_items"])
    flagged = np.zeros(len(ann), dtype=bool)
    flagged[evaluated] = mj.low_agreement_flags(
        agreement[evaluated], bottom_share=qc["qc_bottom_share"], below=qc["qc_min_agreement"]
    )
    frame = pd.DataFrame({
        "annotator_id": bundle.annotator_ids[ann].astype(str), "field": coded.field,
        "n_items": n[ann], "agreement": agreement, "flagged": flagged, "evaluated": evaluated,
        "annotator_code": ann,
    })  # fmt: skip
    out.extend(frame.drop(columns="annotator_code").to_dict(orient="records"))
    return frame


def _qc_by_group(
    field: str,
    frame: pd.DataFrame,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    out: list[dict],
) -> None:
    ev = frame[frame["evaluated"].to_numpy()]
    g = codes[ev["annotator_code"].to_numpy()]
    known = g >= 0
    g, flagged = g[known], ev["flagged"].to_numpy()[known]
    total, total_flagged = len(g), int(flagged.sum())
    size = np.bincount(g, minlength=len(labels))
    n_flag = np.bincount(g[flagged], minlength=len(labels))
    for i, name in enumerate(labels):
        if size[i] == 0:
            continue
        pool_share = size[i] / total
        share_flagged = n_flag[i] / total_flagged if total_flagged else np.nan
        p = np.nan
        if total_flagged and size[i] >= cfg.min_group_size:
            p = ct.hypergeom_over_p(int(n_flag[i]), total, int(size[i]), total_flagged)
        out.append({
            "field": field, "attribute": attr, "group": name, "n_annotators": int(size[i]),
            "n_flagged": int(n_flag[i]), "flagged_share": n_flag[i] / size[i],
            "pool_share": pool_share, "share_of_flagged": share_flagged,
            "ratio": share_flagged / pool_share, "p_value": p, "p_adjusted": np.nan,
            "suppressed": False,
        })  # fmt: skip


def describe_qc(qc: dict[str, Any]) -> str:
    """The QC cut in words, for messages and the methods section."""
    if qc["qc_min_agreement"] is not None:
        cut = f"agreement with the others' majority below {qc['qc_min_agreement']:g}"
    else:
        cut = f"the lowest-agreeing {qc['qc_bottom_share']:.0%} of annotators"
    return f"{cut} (annotators with at least {qc['qc_min_items']} comparable items)"


def methods_notes(cfg: AuditConfig, qc: dict[str, Any]) -> list[dict[str, str]]:
    """Methods section entries (words in ``rules/methods/disagreement.yaml``)."""
    return render_methods(
        "disagreement",
        {
            "min_group_size": cfg.min_group_size,
            "n_permutations": cfg.n_permutations,
            "stratify_by": cfg.stratify_by,
            "stratified": bool(cfg.stratify_by),
            "early_stop": bool(cfg.early_stop),
            "max_values": MAX_VALUES,
            "min_group_judgments": MIN_GROUP_JUDGMENTS,
            "max_contested_permutations": MAX_CONTESTED_PERMUTATIONS,
            "stop_after": STOP_AFTER,
            "min_others": MIN_OTHERS,
            "qc_cut": describe_qc(qc),
        },
    )
