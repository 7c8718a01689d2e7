"""Benchmark: the client's peak memory with ``--engine dask --scheduler`` on a real cluster,
against the local engine, as the export grows.

    .venv/bin/python benchmarks/bench_dask_memory.py --sizes 2000000 4000000 \\
        --out benchmarks/RESULTS-dask-memory.md --json benchmarks/RESULTS-dask-memory.json

For every size: one local-engine audit, then one against a fresh cluster of a ``dask
scheduler`` and two ``dask worker`` processes (one thread each) on 127.0.0.1, started
with the ``dask`` CLI by ``tests/e2e/dask_cluster.py`` (the test suite's helper) and
stopped after the run, so the workers' peaks are that run's. Each audit runs in its own
subprocess through the CLI (``bench_audit.py``'s child: HTML and JSON written, default
settings unless ``--set``); the client's peak RSS is that process's
``getrusage(RUSAGE_SELF)``, the workers' their own, read through ``Client.run``.
Bundles come from ``make_bundle.py`` (under ``--data``, written when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

from bench_audit import machine, run_child  # noqa: E402
from dask_cluster import start_cluster  # noqa: E402
from make_bundle import write_bundle  # noqa: E402


def _worker_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def dask_run(bundle: Path, out: Path, settings: dict[str, Any]) -> dict[str, Any]:
    from distributed import Client

    with tempfile.TemporaryDirectory(prefix="la-cluster-") as tmp:
        cluster = start_cluster(Path(tmp), n_workers=2)
        try:
            r = run_child(bundle, out, settings=settings, scheduler=cluster.address)
            with Client(cluster.address, timeout="20s") as client:
                peaks = client.run(_worker_peak, nanny=False)
        finally:
            cluster.stop()
    r["worker_peak_rss_bytes"] = sorted(peaks.values())
    return r


def markdown(results: list[dict[str, Any]]) -> str:
    mib = 2**20
    lines = [
        "# Client memory, Dask engine on a real 2-worker cluster vs the local engine",
        "",
        f"Machine: {machine()}; load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        "| judgments | engine | wall s | client peak RSS MiB | workers' peak RSS MiB "
        "| after load MiB | findings.json equal |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        workers = r.get("worker_peak_rss_bytes")
        wtext = ", ".join(f"{w / mib:,.0f}" for w in workers) if workers else ""
        load = (r.get("peak_rss_mib_after") or {}).get("load") or float("nan")
        lines.append(
            f"| {r['judgments']:,} | {r['engine']} | {r['wall_s']:.1f} "
            f"| {r['peak_rss_bytes'] / mib:,.0f} | {wtext} | {load:,.0f} "
            f"| {r.get('same_findings', '')} |"
        )
    lines += ["", "Client peak RSS (MiB) after each stage:", ""]
    for r in results:
        peaks = ", ".join(
            f"{k} {v:,.0f}" for k, v in (r.get("peak_rss_mib_after") or {}).items() if v
        )
        lines.append(f"- {r['judgments']:,} {r['engine']}: {peaks}")
    by = {(r["judgments"], r["engine"]): r["peak_rss_bytes"] for r in results}
    sizes = sorted({r["judgments"] for r in results})
    lines += ["", "Ratios of client peak RSS:", ""]
    for eng in ("local", "dask"):
        got = [by[(n, eng)] for n in sizes if (n, eng) in by]
        if len(got) > 1:
            lines.append(
                f"- {eng}: {sizes[-1]:,} / {sizes[0]:,} judgments = {got[-1] / got[0]:.2f}"
            )
    for n in sizes:
        if (n, "dask") in by and (n, "local") in by:
            lines.append(
                f"- {n:,} judgments: dask client / local = {by[(n, 'dask')] / by[(n, 'local')]:.2f}"
            )
    return "\n".join(lines) + "\n"


def _same_findings(a: Path, b: Path) -> bool:
    docs = [json.loads((p / "findings.json").read_text()) for p in (a, b)]
    for d in docs:
        d["run"].pop("created_at")
        d["run"]["config"].pop("engine")
        d["run"]["config"].pop("scheduler")
    return docs[0] == docs[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 4_000_000])
    ap.add_argument("--data", type=Path, default=Path("/tmp/labelaudit-bench"))
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=N")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS-dask-memory.md")
    ap.add_argument("--json", type=Path, default=HERE / "RESULTS-dask-memory.json")
    args = ap.parse_args()
    settings = {k: int(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    results: list[dict[str, Any]] = []
    for n in args.sizes:
        bundle = args.data / f"b{n}"
        if not (bundle / "judgments").is_dir():
            write_bundle(bundle, n)
        outs = {}
        for engine in ("local", "dask"):
            print(f"audit {n:,} judgments, {engine} ...", file=sys.stderr, flush=True)
            out = outs[engine] = args.data / f"mem-{n}-{engine}"
            t0 = time.perf_counter()
            if engine == "local":
                r = run_child(bundle, out, settings=settings)
            else:
                r = dask_run(bundle, out, settings)
            r.update(judgments=n, engine=engine, settings=settings)
            r["bench_wall_s"] = time.perf_counter() - t0
            results.append(r)
        results[-1]["same_findings"] = _same_findings(outs["local"], outs["dask"])
        args.json.write_text(json.dumps(results, indent=1))
        args.out.write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
