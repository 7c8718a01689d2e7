"""Write a synthetic audit bundle of any size for the benchmarks (partitioned Parquet).

    python benchmarks/make_bundle.py --judgments 1000000 --out benchmarks/out/b1m

5,000 annotators with 3 attributes (region, gender, age_band), 3 fields (a nominal
field with an escape value, an ordinal 1-5 field, a graded pairwise preference), about
5 judgments per item and field. One region reads a fifth of the items differently, so
the group statistics have something real to find. Seeded and deterministic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REGIONS = [
    "Africa",
    "Asia",
    "Europe",
    "Latin America and the Caribbean",
    "Northern America",
    "Oceania",
]
REGION_P = [0.10, 0.30, 0.25, 0.12, 0.20, 0.03]
FIELDS = {
    "toxicity": ["toxic", "not_toxic", "unsure"],
    "severity": ["1", "2", "3", "4", "5"],
    "preference": ["a_much_better", "a_better", "tie", "b_better", "b_much_better"],
}
SCHEMA = """fields:
  toxicity:
    level: nominal
    values: [toxic, not_toxic, unsure]
  severity:
    level: ordinal
    values: [1, 2, 3, 4, 5]
  preference:
    level: ordinal
    kind: pairwise
    values: [a_much_better, a_better, tie, b_better, b_much_better]
"""


def write_bundle(
    out: Path,
    n_judgments: int,
    n_annotators: int = 5000,
    per_item: int = 5,
    seed: int = 0,
    parts: int = 8,
) -> Path:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    ann_ids = np.array([f"r{i:06d}x" for i in range(n_annotators)])
    region = rng.choice(len(REGIONS), size=n_annotators, p=REGION_P)
    ann = pa.table(
        {
            "annotator_id": ann_ids,
            "region": np.array(REGIONS)[region],
            "gender": rng.choice(
                ["female", "male", "nonbinary"], size=n_annotators, p=[0.48, 0.48, 0.04]
            ),
            "age_band": rng.choice(["18-29", "30-44", "45-59", "60+"], size=n_annotators),
        }
    )
    pq.write_table(ann, out / "annotators.parquet")
    n_fields = len(FIELDS)
    n_items = max(1, n_judgments // (per_item * n_fields))
    item_ids = np.array([f"item{i:08d}" for i in range(n_items)])
    truth = rng.integers(0, 5, size=n_items)
    contested = rng.random(n_items) < 0.2  # one region reads these differently
    pq.write_table(pa.table({"item_id": item_ids}), out / "items.parquet")
    (out / "schema.yaml").write_text(SCHEMA)
    jdir = out / "judgments"
    jdir.mkdir(exist_ok=True)
    rows_per_part = -(-n_judgments // parts)
    written = 0
    for part in range(parts):
        n = min(rows_per_part, n_judgments - written)
        if n <= 0:
            break
        idx = np.arange(written, written + n)
        item = (idx // (per_item * n_fields)) % n_items
        field = (idx // per_item) % n_fields
        ann_code = rng.integers(0, n_annotators, size=n)
        flip = contested[item] & (region[ann_code] == 1)
        noise = rng.random(n) < 0.25
        labels = np.empty(n, dtype=object)
        for f, values in enumerate(FIELDS.values()):
            m = field == f
            k = len(values)
            base = truth[item[m]] % k
            base = np.where(flip[m], (base + 1) % k, base)
            base = np.where(noise[m], rng.integers(0, k, size=int(m.sum())), base)
            labels[m] = np.array(values, dtype=object)[base]
        t = pa.table(
            {
                "item_id": item_ids[item],
                "annotator_id": ann_ids[ann_code],
                "field": np.array(list(FIELDS))[field],
                "label": pa.array(labels.astype(str)),
                "lead_time_s": rng.gamma(2.0, 8.0, size=n).round(1),
            }
        )
        pq.write_table(t, jdir / f"part-{part:03d}.parquet")
        written += n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--judgments", type=int, default=1_000_000)
    ap.add_argument("--annotators", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    write_bundle(args.out, args.judgments, args.annotators, seed=args.seed)
    print(args.out)


if __name__ == "__main__":
    main()
