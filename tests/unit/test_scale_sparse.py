"""Scale: a sparse bundle whose dense annotator x item matrix would not fit in memory.

200,000 items x 20,000 annotators, each item judged by 3 annotators (600,000
judgments). A dense float64 reliability matrix would need 200k x 20k x 8 B = 32 GB;
the audit must run without building it. It runs in a subprocess so its peak RSS is
its own (``ru_maxrss`` of the child, read by the child itself at the end).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import krippendorff
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

N_ITEMS, N_ANNOTATORS, PER_ITEM = 200_000, 20_000, 3
DENSE_BYTES = N_ITEMS * N_ANNOTATORS * 8

CHILD = """
import json, resource, sys
from pathlib import Path
from labelaudit.report import AuditReport
from labelaudit.pipeline import resolve_config, run_audit

cfg = resolve_config(Path(sys.argv[1]), quiet=True, n_boot=20, n_permutations=20)
result = run_audit(cfg)
AuditReport.of(result).write(Path(sys.argv[2]))
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"peak_bytes": peak_kib * 1024, "summary": result.summary}))
"""


def _write_sparse_bundle(out: Path) -> np.ndarray:
    """Write the bundle; returns the (items, values) count table for a reference alpha."""
    rng = np.random.default_rng(0)
    out.mkdir()
    pq.write_table(
        pa.table(
            {
                "annotator_id": [f"a{i}" for i in range(N_ANNOTATORS)],
                "region": rng.choice(["north", "south", "east", "west"], N_ANNOTATORS),
                "gender": rng.choice(["f", "m"], N_ANNOTATORS),
            }
        ),
        out / "annotators.parquet",
    )
    items = np.repeat(np.arange(N_ITEMS), PER_ITEM)
    # three distinct annotators per item: offsets 0, 7919, 15838 modulo the pool
    first = rng.integers(0, N_ANNOTATORS, N_ITEMS)
    anns = (first[:, None] + np.arange(PER_ITEM)[None, :] * 7919).ravel() % N_ANNOTATORS
    truth = rng.integers(0, 3, N_ITEMS)
    labels = np.where(rng.random(items.size) < 0.2, rng.integers(0, 3, items.size), truth[items])
    values = np.array(["low", "mid", "high"])
    (out / "schema.yaml").write_text(
        "fields:\n  harm:\n    level: nominal\n    values: [low, mid, high]\n"
    )
    jdir = out / "judgments"
    jdir.mkdir()
    for part, rows in enumerate(np.array_split(np.arange(items.size), 4)):
        pq.write_table(
            pa.table(
                {
                    "item_id": np.char.add("i", items[rows].astype(str)),
                    "annotator_id": np.char.add("a", anns[rows].astype(str)),
                    "field": np.full(rows.size, "harm"),
                    "label": values[labels[rows]],
                }
            ),
            jdir / f"part-{part}.parquet",
        )
    counts = np.zeros((N_ITEMS, 3), dtype=np.int64)
    np.add.at(counts, (items, labels), 1)
    return counts


@pytest.mark.slow
def test_sparse_bundle_audits_far_below_the_dense_matrix_size(tmp_path: Path) -> None:
    bundle = tmp_path / "sparse"
    counts = _write_sparse_bundle(bundle)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(bundle), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["summary"]["judgments"] == N_ITEMS * PER_ITEM
    assert report["summary"]["items"] == N_ITEMS
    assert report["summary"]["annotators"] == N_ANNOTATORS
    # 32 GB dense; the audit must stay under 3 GB (about a tenth)
    assert DENSE_BYTES == 32_000_000_000
    assert report["peak_bytes"] < 3 * 1024**3
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    overall = [
        r
        for r in findings["metrics"]["agreement"]
        if r["scope"] == "overall" and r["field"] == "harm"
    ]
    assert overall[0]["n_items"] == N_ITEMS
    assert overall[0]["n_judgments"] == N_ITEMS * PER_ITEM
    expected = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    assert overall[0]["alpha"] == pytest.approx(expected, abs=1e-9)
