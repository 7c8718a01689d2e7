"""The agreement bootstrap by count patterns equals the per-item bootstrap it replaced.

The reference below is the straightforward computation: every item's contributions for
every group stacked side by side, each replicate one ``weights @ contributions``
product. The analysis computes contributions once per (group counts, rest counts)
pattern instead; intervals must agree to rounding, on every level of measurement,
multi-choice options, undisclosed attribute values, strata and intersections, with
either kernel. alpha_rest, which the analysis takes from the GRASP kernel's pair walk,
must equal the reference's alpha of the rest's per-item counts.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from labelaudit.analyses.agreement import (
    _distinct_annotators,
    _group_figures,
    agreement_analysis,
    prepare_unit,
)
from labelaudit.analyses.agreement_bootstrap import _rebatch
from labelaudit.analyses.base import audited_attributes
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.stats.alpha import (
    alpha_from_contributions,
    bootstrap_weights,
    item_contributions,
    percentile_interval,
)
from labelaudit.stats.counts import indicator_matrix
from labelaudit.stats.crossrep import kappa_x_from_contributions, kappa_x_item_contributions


def _bundle(seed: int, n_items: int = 90, n_ann: int = 24) -> Bundle:
    rng = np.random.default_rng(seed)
    region = rng.choice(
        np.array(["n", "s", "e", None], dtype=object), n_ann, p=[0.4, 0.3, 0.2, 0.1]
    )
    gender = rng.choice(["f", "m", "x"], n_ann, p=[0.5, 0.4, 0.1])
    site = rng.choice(["a", "b"], n_ann)
    rows = []
    for i in range(n_items):
        for a in rng.choice(n_ann, rng.integers(1, 8), replace=False):
            rows.append((f"i{i}", f"a{a}", "tox", str(rng.choice(["no", "yes", "maybe"]))))
            rows.append((f"i{i}", f"a{a}", "sev", str(rng.integers(1, 6))))
            if rng.random() < 0.8:
                rows.append((f"i{i}", f"a{a}", "score", str(rng.choice([0, 1, 2.5, 7]))))
            rows.append((f"i{i}", f"a{a}", "rat", str(rng.choice([0, 1, 3, 10]))))
            topics = [t for t, p in (("sp", 0.3), ("po", 0.5)) if rng.random() < p]
            rows.append((f"i{i}", f"a{a}", "topics", topics))
            if rng.random() < 0.05:  # a repeated judgment: only the first counts
                rows.append((f"i{i}", f"a{a}", "sev", str(rng.integers(1, 6))))
    judgments = pd.DataFrame(rows, columns=["item_id", "annotator_id", "field", "label"])
    judgments["skipped"] = False
    annotators = pd.DataFrame(
        {"annotator_id": [f"a{a}" for a in range(n_ann)], "region": region, "gender": gender,
         "site": site}
    )  # fmt: skip
    schema = {
        "tox": FieldSpec("tox", "nominal", ["no", "yes", "maybe"]),
        "sev": FieldSpec("sev", "ordinal", ["1", "2", "3", "4", "5"]),
        "score": FieldSpec("score", "interval", ["0", "1", "2.5", "7"]),
        "rat": FieldSpec("rat", "ratio", ["0", "1", "3", "10"]),
        "topics": FieldSpec("topics", "nominal", ["sp", "po"], kind="multi"),
    }
    return Bundle(judgments=judgments, schema=schema, annotators=annotators)


def _reference(bundle: Bundle, cfg: AuditConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-item contributions of every group, one weights @ contributions per replicate."""
    attrs = audited_attributes(bundle, cfg)
    agreement, difference = [], []
    # items are numbered in the order of their ids (as strings)
    rank = np.empty(len(bundle.item_ids), dtype=np.int64)
    rank[np.argsort(bundle.item_ids.astype(str), kind="stable")] = np.arange(rank.size)
    for name, option in bundle.scored_units():
        unit = prepare_unit(bundle.coded(name, option), 0, rank)
        level, num, nv = unit.level, unit.numeric, unit.total.shape[1]
        ind = indicator_matrix(
            unit.items, unit.values, unit.annotators, unit.n_items, nv, len(bundle.annotator_ids)
        )
        parts = [item_contributions(unit.total, level, num)]
        for attr in attrs:
            codes, labels = bundle.group_codes(attr)
            counts, _ = _group_figures(unit, ind, codes, len(labels))
            for k in range(len(labels)):
                rest = unit.total - counts[k]
                parts += [
                    item_contributions(counts[k], level, num),
                    item_contributions(rest, level, num),
                    kappa_x_item_contributions(counts[k], rest, level, num),
                ]
        reps = []
        seed = [cfg.seed, zlib.crc32(unit.name.encode())]
        for w in bootstrap_weights(unit.n_items, cfg.n_boot, seed=seed):
            row = [alpha_from_contributions(w @ parts[0], level, num)]
            for i in range(1, len(parts), 3):
                row += [
                    alpha_from_contributions(w @ parts[i], level, num),
                    alpha_from_contributions(w @ parts[i + 1], level, num),
                    kappa_x_from_contributions(w @ parts[i + 2], level, num),
                ]
            reps.append(np.column_stack(row))
        r = np.vstack(reps)
        agreement.append(percentile_interval(r[:, 0], cfg.ci_level))
        for i in range(1, r.shape[1], 3):
            agreement.append(percentile_interval(r[:, i], cfg.ci_level))
            agreement.append(percentile_interval(r[:, i + 2], cfg.ci_level))
            difference.append(alpha_from_contributions(parts[i + 1].sum(axis=0), level, num)[0])
    return (
        pd.DataFrame(agreement, columns=["ci_low", "ci_high"]),
        pd.DataFrame({"alpha_rest": difference}),
    )


CONFIGS = [
    {"n_boot": 53, "seed": 3, "min_group_size": 1},
    {"n_boot": 40, "seed": 5, "stratify_by": "site", "intersections": [["region", "gender"]],
     "min_group_size": 1},
]  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("config", CONFIGS)
def test_intervals_equal_the_per_item_bootstrap(seed, config):
    bundle = _bundle(seed)
    cfg = AuditConfig(n_permutations=0, **config)
    tables = agreement_analysis(bundle, cfg).tables
    agreement, difference = tables["agreement"], tables["agreement_difference"]
    ref_agreement, ref_difference = _reference(bundle, cfg)
    assert agreement["level"].nunique() == 4
    assert agreement["ci_low"].notna().sum() > len(agreement) // 2
    pd.testing.assert_frame_equal(
        agreement[["ci_low", "ci_high"]], ref_agreement, rtol=1e-12, atol=1e-14
    )
    # alpha_rest is left out (NaN) when the rest has too few annotators
    shown = difference["alpha_rest"].notna().to_numpy()
    assert shown.sum() > len(difference) // 2
    pd.testing.assert_frame_equal(
        difference.loc[shown, ["alpha_rest"]].reset_index(drop=True),
        ref_difference.loc[shown].reset_index(drop=True),
        rtol=1e-10,
        atol=1e-12,
    )


def test_both_kernels_give_the_same_tables():
    bundle = _bundle(4)
    numpy_run = agreement_analysis(
        bundle, AuditConfig(n_boot=70, n_permutations=20, kernel="numpy")
    )
    numba_run = agreement_analysis(
        bundle, AuditConfig(n_boot=70, n_permutations=20, kernel="numba")
    )
    for name, table in numpy_run.tables.items():
        pd.testing.assert_frame_equal(table, numba_run.tables[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sizes,rows", [([3, 5, 1, 7], 4), ([10], 3), ([1, 1, 1], 5), ([2, 2], 2)])
def test_rebatch_gives_back_every_row_in_order(sizes, rows):
    rng = np.random.default_rng(len(sizes))
    blocks = [rng.random((k, 3)) for k in sizes]
    batches = [b.copy() for b in _rebatch(iter(blocks), rows, 3)]
    assert all(b.shape[0] == rows for b in batches[:-1]) and 0 < batches[-1].shape[0] <= rows
    np.testing.assert_array_equal(np.vstack(batches), np.vstack(blocks))


@pytest.mark.parametrize("n_annotators", [5, 500, 10**7])  # presence table, then sorting
def test_distinct_annotators_per_group(n_annotators):
    rng = np.random.default_rng(n_annotators)
    groups, anns = rng.integers(0, 4, 3000), rng.integers(0, n_annotators, 3000)
    expected = [np.unique(anns[groups == g]).size for g in range(5)]
    assert _distinct_annotators(groups, anns, 5).tolist() == expected
    assert _distinct_annotators(groups[:0], anns[:0], 5).tolist() == [0] * 5
