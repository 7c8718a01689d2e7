"""End to end on the sample bundle: the rendered report never carries an annotator id."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from labelaudit.pipeline import run_audit
from labelaudit.render.html import render_html
from labelaudit.sample.generate import write_sample_bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_sample_bundle(
        tmp_path_factory.mktemp("bundle"), seed=3, n_items=200, n_annotators=40
    )


@pytest.mark.parametrize("audience", ["internal", "vendor"])
def test_no_raw_annotator_id_in_report(bundle, audience):
    raw_ids = pd.read_parquet(bundle / "annotators.parquet")["annotator_id"].astype(str)
    result = run_audit(bundle, audience=audience, n_boot=20, n_permutations=20, quiet=True, seed=3)
    html = render_html(result)
    leaked = [a for a in raw_ids if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", html)]
    assert leaked == []
    per_annotator = [n for n, df in result.metrics.items() if "annotator_id" in df.columns]
    if audience == "vendor":
        assert '<th scope="col">annotator id</th>' not in html
    else:
        assert per_annotator  # the internal edition keeps pseudonymised per-annotator tables
        shown = set(result.metrics[per_annotator[0]]["annotator_id"].astype(str))
        assert not shown & set(raw_ids)
        assert any(p in html for p in shown)
    # determinism end to end: rendering the same result twice gives the same bytes
    assert render_html(result) == html
