"""Benchmark: the full audit of one bundle by two (or more) code versions, alternating.

Run from the repo root, e.g. this branch against a worktree of an older commit:

    git worktree add /tmp/la-old a297eaa
    .venv/bin/python benchmarks/bench_compare.py --size 2000000 --rounds 3 \\
        --code old=/tmp/la-old/src --code new=src --code new-w1=src:workers=1 \\
        --out benchmarks/RESULTS-speed-2M.md

Each ``--code NAME=SRC[:KEY=N,...]`` runs ``bench_audit.py``'s child (the real CLI, HTML
and JSON written, default settings plus the given integer settings) with ``PYTHONPATH``
set to SRC, in its own process; the versions alternate within each round so that the
machine's load falls on all of them alike. Before timing, every version audits the
bundle once with few replicates, untimed, so numba's on-disk cache holds its kernels.
Reported: wall seconds, peak RSS, CPU seconds, per-analysis seconds, the load average
before each run, and whether each run's findings.json (``created_at`` removed) equals the
first version's of the same round byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(src: Path, bundle: Path, out: Path, settings: dict[str, int]) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(HERE / "bench_audit.py"), "--child", str(bundle), str(out)]
    if settings:
        toml = out.parent / f"{out.name}.toml"
        toml.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        cmd += ["--config", str(toml)]
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"audit failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if r["rc"] not in (0, 1):
        raise RuntimeError(f"audit failed ({r['rc']}):\n{proc.stderr[-3000:]}")
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    doc["run"].pop("created_at", None)
    r.update(wall_s=wall, load_before=load, findings=json.dumps(doc, sort_keys=True))
    return r


def parse_code(text: str) -> tuple[str, Path, dict[str, int]]:
    name, rest = text.split("=", 1)
    src, _, opts = rest.partition(":")
    settings = {k: int(v) for k, v in (kv.split("=", 1) for kv in opts.split(",") if kv)}
    return name, Path(src), settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=2_000_000)
    ap.add_argument("--data", type=Path, default=Path("/tmp/labelaudit-bench"))
    ap.add_argument("--code", action="append", required=True, metavar="NAME=SRC[:K=N,...]")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-warmup", action="store_true")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from make_bundle import write_bundle

    bundle = args.data / f"b{args.size}"
    if not (bundle / "judgments").is_dir():
        write_bundle(bundle, args.size)
    codes = [parse_code(c) for c in args.code]
    if not args.no_warmup:
        for name, src, settings in codes:
            print(f"warm-up {name} ...", file=sys.stderr, flush=True)
            run(
                src,
                bundle,
                args.data / f"warm-{name}",
                {**settings, "n_boot": 10, "n_permutations": 20, "max_permutations": 20},
            )
    rows = []
    for rnd in range(1, args.rounds + 1):
        first = None
        for name, src, settings in codes:
            print(f"round {rnd}: {name} ...", file=sys.stderr, flush=True)
            r = run(src, bundle, args.data / f"cmp-{args.size}-{name}", settings)
            first = first if first is not None else r["findings"]
            r.update(round=rnd, code=name, same=r["findings"] == first)
            rows.append(r)
            args.out.with_suffix(".json").write_text(
                json.dumps(
                    [{k: v for k, v in x.items() if k != "findings"} for x in rows], indent=1
                )
            )
    args.out.write_text(markdown(rows, args.size, codes))
    print(args.out.read_text())


def markdown(rows: list[dict], size: int, codes) -> str:
    gib = 2**30
    names = [c[0] for c in codes]
    lines = [
        f"| round | code | wall s | peak RSS GiB | CPU s | load avg before | agreement s "
        f"| disagreement s | rlhf s | findings = {names[0]}'s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        t = r["timings"]
        lines.append(
            f"| {r['round']} | {r['code']} | {r['wall_s']:.1f} | {r['peak_rss_bytes'] / gib:.2f} "
            f"| {r['cpu_s']:.1f} | {r['load_before']:.2f} | {t.get('analysis:agreement', 0):.2f} "
            f"| {t.get('analysis:disagreement', 0):.2f} | {t.get('analysis:rlhf', 0):.2f} "
            f"| {'yes' if r['same'] else 'NO'} |"
        )
    lines += ["", f"{size:,} judgments. Mean wall s: " + ", ".join(
        f"{n} {sum(r['wall_s'] for r in rows if r['code'] == n) / max(1, sum(r['code'] == n for r in rows)):.1f}"
        for n in names
    )]  # fmt: skip
    base = [r["wall_s"] for r in rows if r["code"] == names[0]]
    for n in names[1:]:
        mine = [r["wall_s"] for r in rows if r["code"] == n]
        ratios = [m / b for m, b in zip(mine, base, strict=False)]
        if ratios:
            lines.append(f"- {n} / {names[0]}: mean {sum(mine) / sum(base):.2f}, per round "
                         + ", ".join(f"{x:.2f}" for x in ratios))  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
