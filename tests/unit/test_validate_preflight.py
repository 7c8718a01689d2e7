"""``labelaudit validate`` refuses what ``audit`` refuses, every problem in one message,
and ``audit`` refuses it before any statistic runs."""

from __future__ import annotations

import re

import pytest

import labelaudit.pipeline
from labelaudit.cli import main
from labelaudit.sample.generate import write_sample_bundle

BROKEN = """\
group_by = ["regoin"]
select = ["LA4O1", "disagreemnt", "LA401", "disagreement"]

[rules.LA999]
tau = 1

[rules.LA401]
tua = 0.7
high_below = "half"
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_sample_bundle(
        tmp_path_factory.mktemp("v") / "bundle", n_items=100, n_annotators=40
    )


@pytest.fixture
def broken(bundle, tmp_path):
    config = tmp_path / "labelaudit.toml"
    config.write_text(f'bundle = "{bundle}"\n' + BROKEN)
    return config


def _problems(err: str) -> list[str]:
    return re.findall(r"^  - (.*)$", err, flags=re.MULTILINE)


def test_validate_names_every_problem_in_one_message(broken, capsys):
    assert main(["validate", "-c", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("labelaudit: bad input or usage, 6 problems\n")
    found = _problems(err)
    assert any("'rules.LA999'" in p and "unknown rule 'LA999'" in p for p in found)
    assert any("'rules.LA401.tua'" in p and "no parameter 'tua'" in p for p in found)
    assert "did you mean 'tau'?" in err
    assert any("rules.LA401.high_below must be a number, got 'half'" in p for p in found)
    assert "did you mean 'LA401'?" in err and "did you mean 'disagreement'?" in err
    assert any("'regoin'" in p and "annotators" in p for p in found)  # a bundle-stage problem


def test_audit_refuses_the_same_inputs_before_any_statistic(broken, monkeypatch, capsys):
    def refuse(*a, **k):
        raise AssertionError("statistics ran on inputs validate refuses")

    monkeypatch.setattr(labelaudit.pipeline, "analyse", refuse)  # the first statistic
    assert main(["audit", "-c", str(broken), "--out", str(broken.parent / "out"), "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("labelaudit: bad input or usage, 6 problems\n")


def test_validate_takes_the_audit_options(bundle, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    code = main(
        ["validate", str(bundle), "--group-by", "gender", "--out", str(tmp_path / "file" / "x")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "the output folder cannot be created" in err
    assert not (tmp_path / "x").exists()


def test_validate_passes_a_good_bundle_and_says_what_would_run(bundle, tmp_path, capsys):
    out = tmp_path / "new" / "out"
    assert main(["validate", str(bundle), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert re.search(r": valid — \d+ judgment rows.*; \d+ rules will run$", stdout.splitlines()[0])
    assert not (tmp_path / "new").exists()  # the writability probe leaves nothing behind


def test_a_rule_parameter_of_the_wrong_type_is_named_with_its_default(bundle, tmp_path, capsys):
    config = tmp_path / "labelaudit.toml"
    config.write_text(f'bundle = "{bundle}"\n[rules.LA305]\nmin_examples = "two"\n')
    assert main(["validate", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "rules.LA305.min_examples must be a whole number, got 'two'" in err
    assert "min_examples = 2 (its default)" in err


@pytest.mark.parametrize("value", ["yesterday", "1.5e9"])
def test_source_date_epoch_must_be_whole_seconds(bundle, monkeypatch, capsys, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert main(["validate", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert "SOURCE_DATE_EPOCH must be a whole number" in err and "Traceback" not in err
