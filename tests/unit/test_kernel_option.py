"""The ``kernel`` setting: resolved once, recorded with the run, and refused when unusable."""

from __future__ import annotations

import json

import pytest

import labelaudit.config as config_module
from labelaudit.cli import main
from labelaudit.pipeline import resolve_config
from labelaudit.stats import kernel


def test_auto_resolves_to_the_kernel_actually_used(tmp_path):
    cfg = resolve_config(None, kernel="auto")
    assert cfg.kernel == ("numba" if kernel.numba_available() else "numpy")
    assert resolve_config(None, kernel="numpy").kernel == "numpy"


def test_numba_requested_but_missing_is_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(config_module, "numba_available", lambda: False)
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "judgments.csv").write_text("item_id,annotator_id,label\n1,a,x\n1,b,y\n")
    code = main(
        ["audit", str(bundle), "--out", str(tmp_path / "o"), "--quiet", "--kernel", "numba"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "kernel = 'numba' but numba is not installed" in err
    assert "labelaudit[fast]" in err and "Traceback" not in err


def test_resolve_rejects_unknown_names():
    with pytest.raises(ValueError, match="auto, numba, numpy"):
        kernel.resolve("gpu")


def test_findings_json_records_the_resolved_kernel(tmp_path):
    bundle = tmp_path / "b"
    bundle.mkdir()
    rows = "\n".join(f"{i},{a},{'x' if (i + ord(a)) % 3 else 'y'}" for i in range(6) for a in "abc")
    (bundle / "judgments.csv").write_text("item_id,annotator_id,label\n" + rows + "\n")
    out = tmp_path / "o"
    assert main(["audit", str(bundle), "--out", str(out), "--quiet", "--kernel", "numpy"]) in (0, 1)
    run = json.loads((out / "findings.json").read_text())["run"]
    assert run["config"]["kernel"] == "numpy"
    assert "local engine, numpy kernels" in (out / "report.html").read_text()


def test_every_accelerated_analysis_follows_the_setting(tmp_path, monkeypatch):
    """--kernel numpy reaches each stats call that has a numba kernel."""
    from labelaudit.analyses import agreement, agreement_bootstrap, disagreement, rlhf
    from labelaudit.pipeline import load_bundle
    from labelaudit.sample.generate import write_sample_bundle

    seen: dict[str, set[str]] = {}

    def spy(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            seen.setdefault(name, set()).add(kwargs.get("kernel"))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(agreement, "GraspJudgments")
    spy(agreement_bootstrap, "bootstrap_pattern_counts")
    spy(disagreement, "ContestedStatistic")
    spy(rlhf, "FlipShareStatistic")
    cfg = resolve_config(write_sample_bundle(tmp_path / "demo", seed=0), quiet=True, kernel="numpy")
    bundle = load_bundle(cfg)
    for analysis in (agreement.agreement_analysis, disagreement.disagreement, rlhf.rlhf_analysis):
        analysis(bundle, cfg)
    assert seen == {
        "GraspJudgments": {"numpy"},
        "bootstrap_pattern_counts": {"numpy"},
        "ContestedStatistic": {"numpy"},
        "FlipShareStatistic": {"numpy"},
    }
