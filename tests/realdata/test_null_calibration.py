"""Null calibration on real data: shuffled attributes give (almost) no group findings.

CREHate and MultiPICo with every annotator attribute shuffled across annotators (each
keeps their own judgments): the group tests must stay quiet, at most one group-difference
finding per audit (the issue's bar is 0.25 per audit on average over six or more
shuffles; ``benchmarks/null_calibration.py`` measures that, RESULTS-calibration.md holds
it). The same bundles unshuffled do give group findings, so the quiet is the tests'
calibration, not their deafness. Default statistics settings, except fewer bootstrap
replicates (they touch no group test).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from realdata.converters import crehate_bundle, multipico_bundle
from realdata.null_shuffle import group_findings, shuffled_bundle

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

CONVERTERS = {"crehate": crehate_bundle, "multipico": multipico_bundle}


def _audit(bundle: Path, out: Path) -> list[dict]:
    (bundle / "labelaudit.toml").write_text("n_boot = 50\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "labelaudit", "audit", str(bundle), "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]


@pytest.fixture(scope="module")
def audits(shared_data, tmp_path_factory) -> dict[tuple[str, bool], list[dict]]:
    root = tmp_path_factory.mktemp("calibration")
    jobs = []
    for name, convert in CONVERTERS.items():
        source = convert(shared_data, root / name / "bundle")
        null = shuffled_bundle(source, root / name / "shuffled", seed=1)
        jobs += [((name, False), source), ((name, True), null)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda job: _audit(job[1], job[1].parent / f"out-{job[0][1]}"), jobs)
        return {key: f for (key, _), f in zip(jobs, found, strict=True)}


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_shuffled_attributes_give_at_most_one_group_finding(audits, name):
    hits = group_findings(audits[name, True])
    assert len(hits) <= 1, [
        (f["rule"], f["subject"], f["evidence"].get("p_adjusted")) for f in hits
    ]


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_the_same_data_unshuffled_gives_group_findings(audits, name):
    hits = group_findings(audits[name, False])
    assert len(hits) >= 2
    for f in hits:  # each one states its test
        assert {"p_value", "p_adjusted", "n_permutations", "family_size"} <= set(f["evidence"])
        assert f["evidence"]["p_adjusted"] < 0.05
