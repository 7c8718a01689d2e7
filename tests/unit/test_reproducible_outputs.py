"""Same inputs, same bytes: with SOURCE_DATE_EPOCH set, two runs write identical files.

The two runs are separate processes with different ``PYTHONHASHSEED`` values, so any
output that depended on the iteration order of a set or of a dict built from one (group
names, rule codes, file names) would differ between them. The sample bundle has every
kind of input (guidelines, items, a target, an RLHF field), and the split reports are
compared too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labelaudit.sample.generate import write_sample_bundle

SRC = Path(__file__).resolve().parents[2] / "src"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


def _audit(bundle: Path, out: Path, hash_seed: str) -> None:
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": EPOCH,
        "PYTHONHASHSEED": hash_seed,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelaudit",
            "audit",
            str(bundle),
            "--out",
            str(out),
            "--quiet",
            "--split-by",
            "region",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr


@pytest.mark.slow
def test_two_runs_are_byte_identical(tmp_path):
    bundle = write_sample_bundle(tmp_path / "bundle", seed=3, n_items=100, n_annotators=120)
    (bundle / "labelaudit.toml").write_text("n_boot = 40\nn_permutations = 40\n")
    _audit(bundle, tmp_path / "a", "1")
    _audit(bundle, tmp_path / "b", "2")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.*"))
    assert files_a == files_b and len(files_a) >= 4, files_a  # report + findings, and splits
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    doc = json.loads((tmp_path / "a" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["created_at"] == "2023-11-14T22:13:20+00:00"
    assert "2023-11-14T22:13:20+00:00" in (tmp_path / "a" / "report.html").read_text()
