"""Null calibration: group-difference findings on real data with the attributes shuffled.

Each annotator keeps their own judgments; the rows of the annotators table (every
attribute together) are shuffled across annotators (tests/realdata/null_shuffle.py), so
no group can truly read the items differently. Every group-difference finding (severity
low or above) on such an audit is a false alarm. Default settings. Run from the repo root:

    .venv/bin/python benchmarks/null_calibration.py --shuffles 6 --out benchmarks/RESULTS-calibration.md

The bundles are converted from ``../shared/data`` (tests/realdata/converters.py) into
``--work`` once.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

CONVERTERS = {"crehate": "crehate_bundle", "multipico": "multipico_bundle"}


def audit_findings(bundle: Path) -> list[dict]:
    """The group-difference findings (low and above) of one audit with the defaults."""
    from labelaudit.pipeline import run_audit
    from realdata.null_shuffle import group_findings

    result = run_audit(bundle, quiet=True)
    return group_findings([f.to_dict() for f in result.findings])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shuffles", type=int, default=6)
    ap.add_argument("--datasets", nargs="+", default=list(CONVERTERS))
    ap.add_argument("--shared", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--work", default="/tmp/labelaudit-calibration")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    import realdata.converters as conv
    from realdata.null_shuffle import shuffled_bundle

    work = Path(args.work)
    lines = ["| data set | shuffle seed | group-difference findings | by rule | audit s |",
             "|---|---:|---:|---|---:|"]  # fmt: skip
    totals: dict[str, list[int]] = {}
    for name in args.datasets:
        source = work / f"{name}-bundle"
        if not source.exists():
            getattr(conv, CONVERTERS[name])(Path(args.shared), source)
        for seed in range(1, args.shuffles + 1):
            bundle = shuffled_bundle(source, work / f"{name}-shuffled", seed)
            t0 = time.perf_counter()
            hits = audit_findings(bundle)
            took = time.perf_counter() - t0
            by_rule = Counter(f["rule"] for f in hits)
            totals.setdefault(name, []).append(len(hits))
            lines.append(f"| {name} | {seed} | {len(hits)} | "
                         f"{', '.join(f'{k} {v}' for k, v in sorted(by_rule.items())) or '-'} "
                         f"| {took:.0f} |")  # fmt: skip
            print(lines[-1], flush=True)
    lines += ["", "| data set | audits | findings per audit |", "|---|---:|---:|"]
    for name, counts in totals.items():
        lines.append(f"| {name} | {len(counts)} | {np.mean(counts):.2f} |")
    all_counts = [c for v in totals.values() for c in v]
    lines.append(f"| all | {len(all_counts)} | {np.mean(all_counts):.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
