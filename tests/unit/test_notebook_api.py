"""The Python API as a notebook uses it: one audit, its rich display and typed tables."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import labelaudit
from labelaudit.sample.generate import write_sample_bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    bundle = write_sample_bundle(tmp_path_factory.mktemp("nb"), seed=0)
    return bundle, labelaudit.audit(bundle, group_by="region", n_boot=200)


def test_a_notebook_cell_shows_verdict_counts_and_top_findings(session):
    bundle, result = session
    html = result._repr_html_()
    assert html.startswith('<div class="labelaudit-result"')
    assert f"CI gate: {result.verdict().text()}" in html
    counts = result.counts_by_severity()
    assert f"{counts['high']} high, {counts['medium']} medium" in html
    high = [f for f in result.findings if f.severity == "high"]
    assert html.count(">HIGH</span>") == len(high)  # every high finding, nothing hidden
    assert "<script" not in html and ".to_html()" in html
    assert repr(result) == f"<AuditReport {bundle.name}: {result.verdict().text()}>"


def test_a_string_group_by_is_one_attribute(session):
    _, result = session
    assert result.context["group_by"] == ["region"]
    assert set(result.metrics["agreement"]["attribute"].dropna()) == {"region"}


def test_every_metric_table_keeps_numbers_numeric_with_gaps(session):
    _, result = session
    for name, df in result.metrics.items():
        for col in df.columns:
            values = [v for v in df[col] if not pd.isna(v)] if df[col].dtype == object else []
            numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            assert not values or len(numbers) < len(values), (name, col)  # no numbers as object
    agreement = result.metrics["agreement"]
    assert agreement["alpha"].dtype == "float64" and str(agreement["n_annotators"].dtype) == "Int64"
    suppressed = agreement[agreement["suppressed"]]
    assert len(suppressed) and suppressed["alpha"].isna().all()
    assert agreement["n_annotators"].sum() > 0  # arithmetic works across the gaps
    rep = result.metrics["representation"]
    assert rep["pool_share"].dtype == "float64" and str(rep["in_target"].dtype) in (
        "bool",
        "boolean",
    )


def test_a_library_call_prints_nothing_unless_asked(session, capfd, caplog):
    bundle, _ = session
    with caplog.at_level(logging.INFO, logger="labelaudit"):
        labelaudit.audit(bundle, group_by="region", n_boot=50, n_permutations=50,
                         select=["representativeness"])  # fmt: skip
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert any("analysis:" in r.getMessage() for r in caplog.records)  # steps are logged
    labelaudit.audit(bundle, group_by="region", n_boot=50, n_permutations=50,
                     select=["representativeness"], progress=True)  # fmt: skip
    assert "labelaudit: analysis:" in capfd.readouterr().err


def test_public_api_has_docstrings():
    from labelaudit.checks.finding import Finding
    from labelaudit.config import AuditConfig
    from labelaudit.report import AuditReport
    from labelaudit.result import AuditResult, Verdict

    missing = [labelaudit.audit.__name__] if not labelaudit.audit.__doc__ else []
    for cls in (AuditReport, AuditResult, Verdict, Finding, AuditConfig):
        assert cls.__doc__, cls
        for name, member in vars(cls).items():
            if name.startswith("_") or not (callable(member) or isinstance(member, property)):
                continue
            if not getattr(member, "__doc__", None):
                missing.append(f"{cls.__name__}.{name}")
    assert missing == []
    assert "group_by" in labelaudit.audit.__doc__ and "progress=True" in labelaudit.audit.__doc__
