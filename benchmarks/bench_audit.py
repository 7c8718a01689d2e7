"""Benchmark: the full ``labelaudit audit`` at 1M and 10M judgments, the straightforward
pandas + ``krippendorff`` alternative beside it, and the Dask engine vs the local engine.

Run from the repo root (the 10M run takes a while; the machine should be otherwise idle):

    .venv/bin/python benchmarks/bench_audit.py --sizes 1000000 10000000 --dask

Bundles come from ``benchmarks/make_bundle.py`` (5,000 annotators, 3 attributes, 3
fields, ~5 judgments per item and field) and are written under ``--data`` once.
Each audit runs in its own subprocess through the real CLI code path
(``labelaudit.cli.main(["audit", ...])``: HTML and JSON written) with the default
settings (1,000 bootstrap replicates, 1,000 permutations, early stopping on). The child
reports per-stage wall times (``result.context["timings"]`` plus rendering, timed by
wrapping ``AuditResult.to_json``/``to_html``) and its own peak RSS
(``getrusage(RUSAGE_SELF)``; for the Dask engine also the worker processes',
``RUSAGE_CHILDREN``). Results go to ``--out`` (Markdown) and ``--json``.

The straightforward alternative: per field, ``pd.crosstab`` item x label per group (the
value-count form of the reliability data; an annotator x item pivot of 5,000 x 200,000+
would not fit in memory) and ``krippendorff.alpha`` per group, per bootstrap replicate
(items resampled) and per permutation (annotator attribute values shuffled, within-group
alpha recomputed). A few replicates and permutations are timed and extrapolated linearly
to 1,000 each (each costs the same); it computes less than labelaudit (no kappa_x, no
group-vs-rest difference intervals, no early stopping).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


# ------------------------------------------------------------------ child side
def child(argv: list[str]) -> None:
    """Run ``labelaudit audit`` in this process, timing every stage; print one JSON line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("out")
    ap.add_argument("--dask-workers", type=int, default=0)
    ap.add_argument("--config")
    args = ap.parse_args(argv)

    from labelaudit.cli import main
    from labelaudit.report import AuditReport

    timings: dict[str, float] = {}
    seen: dict[str, Any] = {}
    original_write = AuditReport.write

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0

        return wrapper

    def write(report, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if "timings" not in seen:  # the whole run's (split reports are written after it)
            seen["timings"] = dict(report.context.get("timings", {}))
            seen["peaks"] = dict(report.context.get("peak_rss_mib", {}))
            seen["summary"] = report.summary
        return original_write(report, *args, **kwargs)

    AuditReport.write = write
    AuditReport.to_json = timed("render:json", AuditReport.to_json)
    AuditReport.to_html = timed("render:html", AuditReport.to_html)
    cli = ["audit", args.bundle, "--out", args.out, "--quiet", "--fail-on", "high"]
    if args.config:
        cli += ["-c", args.config]
    cluster = None
    if args.dask_workers:
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=args.dask_workers, threads_per_worker=1, processes=True,
            dashboard_address=":0",
        )  # fmt: skip
        cli += ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    t0 = time.perf_counter()
    rc = main(cli)
    wall = time.perf_counter() - t0
    if cluster is not None:
        cluster.close()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "rc": rc,
                "wall_in_process": wall,
                "peak_rss_bytes": me.ru_maxrss * 1024,
                "worker_peak_rss_bytes": kids.ru_maxrss * 1024,
                "cpu_s": me.ru_utime + me.ru_stime,
                "timings": {**seen.get("timings", {}), **timings},
                "peak_rss_mib_after": seen.get("peaks", {}),
                "summary": seen.get("summary"),
            }
        )
    )


def run_child(
    bundle: Path,
    out: Path,
    dask_workers: int = 0,
    settings: dict[str, Any] | None = None,
    ignore: list[str] | None = None,
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(bundle), str(out)]
    if dask_workers:
        cmd += ["--dask-workers", str(dask_workers)]
    if settings or ignore:
        out.mkdir(parents=True, exist_ok=True)
        toml = out.parent / f"{out.name}.toml"
        text = "".join(f"{k} = {json.dumps(v)}\n" for k, v in (settings or {}).items())
        if ignore:
            text += "ignore = [" + ", ".join(f'"{c}"' for c in ignore) + "]\n"
        toml.write_text(text)
        cmd += ["--config", str(toml)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"audit failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


# -------------------------------------------------------- the straightforward way
def straightforward(bundle_dir: Path, n_boot: int, n_perm: int, timed: int) -> dict[str, Any]:
    """pandas crosstab + krippendorff.alpha per group, per replicate, per permutation.

    Timed in CPU seconds of this process (steadier than wall time on a shared machine;
    labelaudit's stages are wall times, so the ratio is on the conservative side).
    """
    import krippendorff
    import numpy as np
    import pandas as pd

    from labelaudit.config import AuditConfig
    from labelaudit.pipeline import load_bundle
    from labelaudit.progress import set_quiet

    set_quiet(True)
    bundle = load_bundle(AuditConfig(bundle=bundle_dir))  # not timed: both sides load
    j = bundle.judgments[~bundle.judgments["skipped"]]
    ann = bundle.annotators.set_index("annotator_id")
    attrs = bundle.group_attributes()
    rng = np.random.default_rng(0)
    clock = {"point": 0.0, "bootstrap": 0.0, "permutation": 0.0}

    def counts_by_group(rows: pd.DataFrame, attr_values: pd.Series | None, values: list):
        label = pd.Categorical(rows["label"].astype(str), categories=[str(v) for v in values])
        item = pd.Categorical(rows["item_id"])
        if attr_values is None:
            return {None: pd.crosstab(item, label, dropna=False).to_numpy()}
        group = rows["annotator_id"].map(attr_values)
        out = {}
        for g in sorted(group.dropna().unique()):
            sel = (group == g).to_numpy()
            out[g] = pd.crosstab(item[sel], label[sel], dropna=False).to_numpy()
        return out

    def alphas(tables: dict, level: str, idx: np.ndarray | None = None) -> list[float]:
        return [
            krippendorff.alpha(
                value_counts=t if idx is None else t[idx], level_of_measurement=level
            )
            for t in tables.values()
        ]

    for name, spec in bundle.schema.items():
        rows = j[j["field"] == name]
        level = "ordinal" if spec.level == "ordinal" else spec.level
        t0 = time.process_time()
        tables = counts_by_group(rows, None, spec.values)
        for attr in attrs:
            tables.update(
                {(attr, g): t for g, t in counts_by_group(rows, ann[attr], spec.values).items()}
            )
        alphas(tables, level)
        clock["point"] += time.process_time() - t0
        n_items = next(iter(tables.values())).shape[0]
        t0 = time.process_time()
        for _ in range(timed):
            alphas(tables, level, rng.integers(0, n_items, n_items))
        clock["bootstrap"] += (time.process_time() - t0) * n_boot / timed
        t0 = time.process_time()
        for _ in range(timed):
            for attr in attrs:
                shuffled = pd.Series(rng.permutation(ann[attr].to_numpy()), index=ann.index)
                alphas(counts_by_group(rows, shuffled, spec.values), level)
        clock["permutation"] += (time.process_time() - t0) * n_perm / timed
    clock["total"] = clock["point"] + clock["bootstrap"] + clock["permutation"]
    clock["timed"] = timed
    return clock


# ------------------------------------------------------------------ report
def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} logical CPUs, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def markdown(results: list[dict[str, Any]]) -> str:
    gib = 2**30
    lines = [
        "# Full-audit benchmark",
        "",
        f"Machine: {machine()}; load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        "| judgments | engine | wall s | peak RSS GiB | load s | agreement s "
        "| other analyses s | checks s | render s | straightforward agreement s | ratio |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        t = r["timings"]
        analyses = {k: v for k, v in t.items() if k.startswith("analysis:")}
        agree = analyses.get("analysis:agreement", float("nan"))
        other = sum(analyses.values()) - agree
        render = t.get("render:json", 0.0) + t.get("render:html", 0.0)
        alt = r.get("straightforward", {}).get("total")
        rss = r["peak_rss_bytes"] / gib
        if r.get("worker_peak_rss_bytes") and not r["engine"].startswith("local"):
            rss_text = f"{rss:.2f} (+ workers {r['worker_peak_rss_bytes'] / gib:.2f})"
        else:
            rss_text = f"{rss:.2f}"
        lines.append(
            f"| {r['judgments']:,} | {r['engine']} | {r['wall_s']:.1f} | {rss_text} "
            f"| {t.get('load', 0):.1f} | {agree:.1f} | {other:.1f} | {t.get('checks', 0):.2f} "
            f"| {render:.2f} | {'' if alt is None else f'{alt:,.0f}'} "
            f"| {'' if alt is None else f'{alt / agree:.0f}x'} |"
        )
    lines += ["", "Per-stage wall seconds:", ""]
    for r in results:
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["timings"].items())
        peaks = ", ".join(
            f"{k} {v:,.0f}" for k, v in (r.get("peak_rss_mib_after") or {}).items() if v
        )
        note = f" (settings {r['settings']})" if r.get("settings") else ""
        note += f" (rules left out: {', '.join(r['ignore'])})" if r.get("ignore") else ""
        lines.append(f"- {r['judgments']:,} {r['engine']}{note}: {stages}")
        if peaks:
            lines.append(f"  - peak RSS (MiB) after: {peaks}")
        if "straightforward" in r:
            s = r["straightforward"]
            lines.append(
                f"  - straightforward ({s['timed']} replicates/permutations timed, "
                f"extrapolated to 1,000 each): point {s['point']:.1f}, "
                f"bootstrap {s['bootstrap']:,.0f}, permutations {s['permutation']:,.0f}"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--data", type=Path, default=Path("/tmp/labelaudit-bench"))
    ap.add_argument("--dask", action="store_true", help="also run the Dask engine (2 workers)")
    ap.add_argument("--timed", type=int, default=3, help="alternative replicates actually timed")
    ap.add_argument("--no-alternative", action="store_true")
    ap.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=N",
        help="override integer settings, e.g. n_permutations=100 (say so in the README)",
    )
    ap.add_argument(
        "--kernels",
        nargs="+",
        default=["numba", "numpy"],
        choices=["numba", "numpy"],
        help="local-engine runs, one per kernel, side by side (the Dask run uses the first)",
    )
    ap.add_argument("--ignore", nargs="*", default=[], help="rule codes left out of the run")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS-audit.md")
    ap.add_argument("--json", type=Path, default=HERE / "RESULTS-audit.json")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from make_bundle import write_bundle

    results = []
    for n in args.sizes:
        bundle = args.data / f"b{n}"
        if not (bundle / "judgments").is_dir():
            write_bundle(bundle, n)
        runs = [("local", 0, k) for k in args.kernels]
        runs += [("dask", 2, args.kernels[0])] if args.dask else []
        for i, (engine, workers, kernel) in enumerate(runs):
            label = f"{engine}, {kernel} kernels"
            print(f"audit {n:,} judgments, {label} ...", file=sys.stderr, flush=True)
            settings = {k: int(v) for k, v in (kv.split("=", 1) for kv in args.set)}
            settings["kernel"] = kernel
            out = args.data / f"out-{n}-{engine}-{kernel}"
            r = run_child(bundle, out, workers, settings, args.ignore)
            r.update(judgments=n, engine=label, settings=settings, ignore=args.ignore)
            args.json.write_text(json.dumps([*results, r], indent=1))  # kept if the rest fails
            if i == 0 and not args.no_alternative:
                print("straightforward alternative ...", file=sys.stderr, flush=True)
                r["straightforward"] = straightforward(bundle, 1000, 1000, args.timed)
            results.append(r)
            args.json.write_text(json.dumps(results, indent=1))
            args.out.write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
