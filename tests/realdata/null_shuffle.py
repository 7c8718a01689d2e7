"""Null versions of real bundles: the annotators' attribute rows shuffled across annotators.

Each annotator keeps their own judgments while the rows of the annotators table (every
attribute together) move to other annotators, so no group can truly read the items
differently: every group-difference finding on such a bundle is a false alarm. Used by
tests/realdata/test_null_calibration.py and benchmarks/null_calibration.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

#: rules whose findings say that one group differs from the rest
GROUP_RULES = ("LA102", "LA103", "LA110", "LA111", "LA112", "LA206", "LA502", "LA505", "LA602")


def shuffled_bundle(source: Path, dest: Path, seed: int) -> Path:
    """A copy of bundle folder ``source`` whose annotator attribute rows are shuffled."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    path = next(dest.glob("annotators.*"))
    ann = pd.read_parquet(path)
    rng = np.random.default_rng(seed)
    ann["annotator_id"] = ann["annotator_id"].to_numpy()[rng.permutation(len(ann))]
    ann.to_parquet(path, index=False)
    return dest


def group_findings(findings: list[dict]) -> list[dict]:
    """The group-difference findings of severity low or above."""
    return [f for f in findings if f["rule"] in GROUP_RULES and f["severity"] != "info"]
