"""The seed-0 demo audit finds the answer key's effects and names no suppressed group."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import labelaudit
from labelaudit.sample.generate import ANSWER_KEY, write_sample_bundle


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    bundle = write_sample_bundle(tmp_path_factory.mktemp("demo"), seed=0)
    # fewer bootstrap replicates keep the test short; permutations stay at the default
    # because the GRASP p-values sit at their floor and BH needs it
    return bundle, labelaudit.audit(bundle, n_boot=200, quiet=True)


@pytest.mark.slow
def test_demo_audit_reports_every_planted_finding(demo):
    _, result = demo
    got = [(f.rule, f.subject) for f in result.findings]
    missing = [
        (rule, subject)
        for rule, subject in ANSWER_KEY["findings_seed0"]
        if (rule, subject) not in got
    ]
    assert missing == []


@pytest.mark.slow
def test_demo_findings_name_no_suppressed_group_and_no_rater(demo):
    bundle, result = demo
    tiny = ANSWER_KEY["suppressed"]["group"]
    assert all(f.subject.get("group") != tiny for f in result.findings)
    text = json.dumps([f.message for f in result.findings] + [f.subject for f in result.findings])
    ids = pd.read_parquet(bundle / "annotators.parquet")["annotator_id"]
    assert not any(i in text for i in ids)
