"""The same data in another row order gives the same findings.json (same seed).

Every random draw (bootstrap items, relabelled raters) is made over ids in sorted order,
and sums that feed figures run in that order or are exactly rounded, so only what
*names* the input files may differ: their sha256 and row counts in ``run.inputs``, the
salted rater pseudonyms (the salt is derived from the input hashes), and the row numbers
that point at offending rows of the files (``first_rows`` evidence). Conflicting
duplicate judgments are removed first: "keep the first" depends on the order by design.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labelaudit.cli import main
from labelaudit.sample.generate import write_sample_bundle

pytestmark = pytest.mark.slow


def _shuffled_copy(source: Path, dest: Path, seed: int) -> Path:
    """``source`` with the rows of its judgments, annotators and items tables shuffled."""
    dest.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for path in source.iterdir():
        target = dest / path.name
        if path.name.startswith("judgments"):
            rows = path.read_text().splitlines()
            target.write_text("\n".join(rows[i] for i in rng.permutation(len(rows))) + "\n")
        elif path.name.startswith(("annotators", "items")):
            table = pd.read_parquet(path)
            table.iloc[rng.permutation(len(table))].to_parquet(target, index=False)
        else:
            target.write_bytes(path.read_bytes())
    return dest


def _comparable(out: Path) -> dict:
    """findings.json without what names the input files (see the module docstring)."""
    doc = json.loads((out / "findings.json").read_text())
    doc["run"].pop("created_at")
    for entry in doc["run"]["inputs"]:
        entry.pop("sha256")
    for row in doc["metrics"].get("annotator_agreement", []):
        row.pop("annotator_id")
    for finding in doc["findings"]:
        finding["evidence"].pop("first_rows", None)
    return doc


def test_row_shuffled_input_gives_identical_findings_json(tmp_path):
    bundle = write_sample_bundle(tmp_path / "sample", seed=1)
    judgments = pd.read_json(bundle / "judgments.jsonl", lines=True, dtype=False)
    # the sample plants conflicting duplicate judgments: which one is "first" is the row
    # order itself, so keep one of each before shuffling
    judgments = judgments.drop_duplicates(["item_id", "annotator_id", "field"], keep="first")
    judgments.to_json(bundle / "judgments.jsonl", orient="records", lines=True)
    shuffled = _shuffled_copy(bundle, tmp_path / "shuffled", seed=7)
    docs = []
    for name, source in (("a", bundle), ("b", shuffled)):
        out = tmp_path / f"out-{name}"
        main(["audit", str(source), "--out", str(out), "--quiet", "--seed", "5"])
        docs.append(_comparable(out))
    a, b = docs
    assert a["metrics"]["group_association"] and a["metrics"]["agreement_difference"]
    assert any(f["evidence"].get("n_permutations") for f in a["findings"])  # tests ran
    for name in a["metrics"]:
        assert a["metrics"][name] == b["metrics"][name], name
    assert a == b
