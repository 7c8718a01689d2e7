"""Power of the group tests: share of simulated audits that find a planted group effect.

Synthetic audits (tests/unit/planted.py: 200 raters with three attributes, 800 items x
6 judgments, raters of varying care) with region R0 of ``size`` raters carrying a planted
effect; all three attributes are audited, so every family holds 11 tests. Per cell, 20
audits with different seeds; "found" means the rule's finding on the planted group
(adjusted p < 0.05 and past the practical-size threshold):

- reading: R0 reads a share of the items the other way; found = LA103 on region=R0
  (the cell also gives the mean GAI of R0);
- shift: R0 says "yes" that many points more often; found = LA110 on region.

Run from the repo root (a few minutes):

    .venv/bin/python benchmarks/power.py --out benchmarks/RESULTS-power.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "unit"))

READING = (0.1, 0.15, 0.2, 0.3)
SHIFT = (0.05, 0.1, 0.15, 0.2)
SIZES = (10, 20, 40)


def one(effect: str, strength: float, size: int, seed: int) -> tuple[bool, float, bool]:
    """(found, GAI of R0, any group-difference finding on another group) of one audit."""
    from planted import planted_bundle

    from labelaudit.config import AuditConfig
    from labelaudit.progress import set_quiet
    from labelaudit.stages import audit_bundle

    set_quiet(True)
    b = planted_bundle(seed, effect=effect, strength=strength, group_size=size)
    r = audit_bundle(b, AuditConfig(n_boot=0, seed=seed))
    assoc = r.metrics["group_association"]
    gai = float(
        assoc.loc[(assoc["attribute"] == "region") & (assoc["group"] == "R0"), "gai"].iloc[0]
    )
    if effect == "reading":
        found = any(f.rule == "LA103" and f.subject.get("group") == "R0" for f in r.findings)
    else:
        found = any(f.rule == "LA110" and f.subject.get("attribute") == "region"
                    for f in r.findings)  # fmt: skip
    return found, gai, False


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    out = [f"Share of {args.runs} simulated audits that find the planted effect "
           "(adjusted p < 0.05 and the practical-size threshold), three attributes audited.",
           ""]  # fmt: skip
    for effect, grid, what in (("reading", READING, "share of items read the other way"),
                               ("shift", SHIFT, "label shift (points of 'yes')")):  # fmt: skip
        rule = "LA103 (GRASP)" if effect == "reading" else "LA110 (label shift)"
        out += [f"**{effect}**: {what}; found by {rule}", "",
                "| group size | " + " | ".join(f"{s:g}" for s in grid) + " |",
                "|---:|" + "---:|" * len(grid)]  # fmt: skip
        for size in SIZES:
            cells = []
            for strength in grid:
                res = [one(effect, strength, size, seed) for seed in range(args.runs)]
                share = np.mean([r[0] for r in res])
                gai = np.mean([r[1] for r in res])
                cells.append(f"{share:.2f}" + (f" (GAI {gai:.2f})" if effect == "reading" else ""))
            out.append(f"| {size} | " + " | ".join(cells) + " |")
            print(out[-1], flush=True)
        out.append("")
    text = "\n".join(out)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
