"""Benchmark: the agreement analysis vs the krippendorff package, on 1M judgments.

Run from the repo root:  .venv/bin/python benchmarks/bench_agreement.py [--judgments N]

Data: synthetic nominal labels (3 values), 8 judgments per item, 2,000 annotators with
3 attributes (region: 6 groups, gender: 2, age_band: 4); one region reads a quarter of
the items differently. Settings are the defaults: 1,000 bootstrap replicates, 1,000
permutations (early stopping on, as by default), seed 0.

The straightforward alternative computes the same bootstrap intervals for overall and
within-group alpha by resampling items and calling ``krippendorff.alpha`` once per
group per replicate, on per-item value counts (its fastest input; a reliability matrix
of 2,000 annotators x 125,000 items would not fit in memory). It is timed on a subset
of replicates and extrapolated linearly to 1,000 (each replicate costs the same).
It has no kappa_x and no permutation test; those are timed for labelaudit only.
Writes benchmarks/RESULTS-agreement.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from labelaudit.analyses.agreement import agreement_analysis, prepare_unit
from labelaudit.analyses.significance import id_order
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.progress import set_quiet
from labelaudit.stats.alpha import (
    alpha_from_contributions,
    bootstrap_weights,
    item_contributions,
    percentile_interval,
)
from labelaudit.stats.counts import group_value_counts, indicator_matrix

PER_ITEM = 8
N_ANNOTATORS = 2000


def synthetic_bundle(n_judgments: int, seed: int = 0) -> Bundle:
    rng = np.random.default_rng(seed)
    n_items = n_judgments // PER_ITEM
    annotators = pd.DataFrame(
        {
            "annotator_id": [f"a{i}" for i in range(N_ANNOTATORS)],
            "region": rng.choice(["AF", "AS", "EU", "LA", "NA", "OC"], N_ANNOTATORS),
            "gender": rng.choice(["female", "male"], N_ANNOTATORS),
            "age_band": rng.choice(["18-29", "30-44", "45-59", "60+"], N_ANNOTATORS),
        }
    )
    truth = rng.integers(0, 3, n_items)
    items = np.repeat(np.arange(n_items), PER_ITEM)
    # each item gets PER_ITEM distinct annotators: a random offset walk modulo the pool
    start = rng.integers(0, N_ANNOTATORS, n_items)
    step = np.arange(PER_ITEM) * 97
    anns = (start[:, None] + step[None, :]).ravel() % N_ANNOTATORS
    noise = rng.random(items.size) < 0.25
    labels = np.where(noise, rng.integers(0, 3, items.size), truth[items])
    planted = (annotators["region"].to_numpy()[anns] == "AF") & (items % 4 == 0)
    labels = np.where(planted, (labels + 1) % 3, labels)
    values = np.array(["low", "mid", "high"], dtype=object)
    judgments = pd.DataFrame(
        {
            "item_id": pd.Series(items).map("i{}".format),
            "annotator_id": pd.Series(anns).map("a{}".format),
            "field": "harm",
            "label": values[labels],
            "skipped": False,
        }
    )
    schema = {"harm": FieldSpec("harm", "nominal", ["low", "mid", "high"])}
    return Bundle(judgments=judgments, schema=schema, annotators=annotators)


class Clock:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a shared machine)."""

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def labelaudit_bootstrap_only(bundle: Bundle, cfg: AuditConfig) -> None:
    """Like-for-like: overall + within-group alpha intervals only, via reweighting."""
    rank = np.empty(bundle.item_ids.size, dtype=np.int64)
    rank[id_order(bundle.item_ids)] = np.arange(rank.size)  # items in id order, as the analysis
    unit = prepare_unit(bundle.coded("harm"), bundle.item_ids.size, rank)
    m = indicator_matrix(unit.items, unit.values, unit.annotators, unit.n_items, 3,
                         bundle.annotator_ids.size)  # fmt: skip
    parts = [item_contributions(unit.total, "nominal", unit.numeric)]
    for attr in ("region", "gender", "age_band"):
        codes, labels = bundle.group_codes(attr)
        counts = group_value_counts(m, np.eye(len(labels))[codes], 3)
        parts += [item_contributions(c, "nominal", unit.numeric) for c in counts]
    stack = np.hstack(parts)
    reps = []
    for w in bootstrap_weights(unit.n_items, cfg.n_boot, seed=[cfg.seed, 0]):
        agg = w @ stack
        reps.append(
            np.column_stack(
                [
                    alpha_from_contributions(agg[:, 4 * k : 4 * k + 4], "nominal", unit.numeric)
                    for k in range(len(parts))
                ]
            )
        )
    r = np.vstack(reps)
    [percentile_interval(r[:, k], cfg.ci_level) for k in range(r.shape[1])]


def krippendorff_alternative(bundle: Bundle, cfg: AuditConfig, n_timed: int) -> int:
    """krippendorff.alpha per group per replicate, n_timed replicates; returns the calls."""
    rank = np.empty(bundle.item_ids.size, dtype=np.int64)
    rank[id_order(bundle.item_ids)] = np.arange(rank.size)  # items in id order, as the analysis
    unit = prepare_unit(bundle.coded("harm"), bundle.item_ids.size, rank)
    group_counts = [unit.total]
    for attr in ("region", "gender", "age_band"):
        codes, labels = bundle.group_codes(attr)
        jg = codes[unit.annotators]
        for g in range(len(labels)):
            sel = jg == g
            flat = np.bincount(unit.items[sel] * 3 + unit.values[sel], minlength=unit.n_items * 3)
            group_counts.append(flat.reshape(unit.n_items, 3))
    rng = np.random.default_rng(cfg.seed)
    calls = 0
    for _ in range(n_timed):
        idx = rng.integers(0, unit.n_items, unit.n_items)
        for counts in group_counts:
            krippendorff.alpha(value_counts=counts[idx], level_of_measurement="nominal")
            calls += 1
    return calls


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem_text = f", {mem:.0f} GiB RAM"
    except (ValueError, OSError):
        mem_text = ""
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs{mem_text}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, krippendorff {version('krippendorff')}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--judgments", type=int, default=1_000_000)
    ap.add_argument("--timed-replicates", type=int, default=20,
                    help="krippendorff replicates actually timed (extrapolated to n_boot)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS-agreement.md"))
    args = ap.parse_args()
    set_quiet(True)
    cfg = AuditConfig()  # n_boot=1000, n_permutations=1000, early_stop=True, seed=0
    bundle = synthetic_bundle(args.judgments)
    bundle.coded("harm")  # warm the id indexes so neither side pays for them

    with Clock() as full:
        out = agreement_analysis(bundle, cfg)
    with Clock() as boot:
        labelaudit_bootstrap_only(bundle, cfg)
    with Clock() as alt:
        calls = krippendorff_alternative(bundle, cfg, args.timed_replicates)
    scale = cfg.n_boot / args.timed_replicates
    assoc = out.tables["group_association"]
    perms = int(assoc["n_permutations"].sum())

    rows = [
        ("labelaudit: whole agreement analysis (alpha overall/within, kappa_x cross, all "
         "with 1,000 bootstrap replicates; GRASP and the group-vs-rest difference tested by "
         f"up to 1,000 relabellings per group, {perms:,} group-permutations run for GRASP)",
         full.wall, full.cpu, ""),
        ("labelaudit: like-for-like part (overall + within-group alpha intervals)",
         boot.wall, boot.cpu, ""),
        (f"krippendorff package, per group per replicate ({calls:,} calls = "
         f"{args.timed_replicates} replicates timed, extrapolated x{scale:g} to {cfg.n_boot})",
         alt.wall * scale, alt.cpu * scale,
         f" (measured {alt.wall:.1f} / {alt.cpu:.1f})"),
    ]  # fmt: skip
    t_alt_full = alt.cpu * scale
    ratio_like = t_alt_full / boot.cpu
    ratio_full = t_alt_full / full.cpu
    lines = [
        "# Agreement engine benchmark",
        "",
        f"Command: `{Path(sys.executable).name} benchmarks/bench_agreement.py"
        + (f" --judgments {args.judgments}" if args.judgments != 1_000_000 else "")
        + "` (from the repo root, venv python)",
        "",
        f"Machine: {machine()}",
        "",
        f"Data: {args.judgments:,} judgments, {bundle.item_ids.size:,} items, "
        f"{N_ANNOTATORS:,} annotators, 1 nominal field (3 values), 3 attributes "
        "(region 6 groups, gender 2, age_band 4). Settings: n_boot=1000, n_permutations=1000, "
        "early_stop=True, seed=0.",
        "",
        "| what | wall seconds | CPU seconds |",
        "|---|---:|---:|",
    ]
    for name, wall, cpu, measured in rows:
        lines.append(f"| {name} | {wall:.1f} | {cpu:.1f}{measured} |")
    lines += [
        "",
        "Ratios use CPU seconds (process time), steadier than wall-clock time on a shared "
        "machine; wall-clock times are shown beside them.",
        "",
        f"Speed-up, like for like (same intervals): **{ratio_like:.0f}x**.",
        f"Speed-up, whole labelaudit analysis (which also computes kappa_x, the differences "
        f"and the permutation tests) vs the alternative's bootstrap alone: **{ratio_full:.0f}x**.",
        "",
        "The krippendorff alternative is timed on a subset of replicates and extrapolated "
        "linearly (every replicate does the same work: resample the items, then one "
        "`krippendorff.alpha(value_counts=...)` call per group). It is given per-item value "
        "counts, its fastest input; a reliability-data matrix (annotators x items) of this "
        "size would need about 2 GB per call.",
    ]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
