"""What a CI log needs from the command line: help on every option, suggestions for
typos, quiet exits into a closed pipe, and an unwritable --out refused up front."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import labelaudit
import labelaudit.pipeline
from labelaudit.cli import build_parser, main

SRC = Path(labelaudit.__file__).resolve().parents[1]


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise AssertionError("no sub-commands")


def test_every_option_of_every_subcommand_has_help():
    parser = build_parser()
    subs = _subparsers(parser)
    assert {a.dest for a in subs._choices_actions} == set(subs.choices)
    missing = [a.dest for a in subs._choices_actions if not a.help]
    for name, sub in [("labelaudit", parser), *subs.choices.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, missing


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["audti"], "did you mean 'audit'?"),
        (["audit", "--fial-on", "low"], "did you mean '--fail-on'?"),
        (["demo", "--formt", "sarif"], "did you mean '--format'?"),
        (["audit", "--fail-on", "hgh"], "did you mean 'high'?"),
        (["audit", "--format", "sarfi"], "did you mean 'sarif'?"),
        (["pull", "labelstuido", "--out", "x"], "did you mean 'labelstudio'?"),
        (["rules", "LA4O1"], "did you mean 'LA401'?"),
    ],
)
def test_mistyped_words_get_the_nearest_valid_one(argv, hint, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert hint in err and "Traceback" not in err


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }


def _into_closed_pipe(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run labelaudit with stdout a pipe whose reader is already gone (``| head`` done)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "labelaudit", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=cwd,
            timeout=120,
        )
    finally:
        os.close(write_end)


def test_rules_into_a_closed_pipe_exits_quietly():
    done = _into_closed_pipe(["rules"])
    assert (done.returncode, done.stderr) == (0, "")


def test_a_closed_pipe_does_not_hide_a_failing_diff_gate(tmp_path):
    finding = {"rule": "LA401", "category": "representativeness", "severity": "high",
               "title": "t", "message": "m", "subject": {"group": "g"}, "evidence": {},
               "fingerprint": "f" * 32}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps({"findings": []}))
    (tmp_path / "new.json").write_text(json.dumps({"findings": [finding]}))
    done = _into_closed_pipe(["diff", "old.json", "new.json", "--fail-on", "high"], cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "")


@pytest.fixture
def no_audit(monkeypatch):
    """Fail the test if the audit itself starts."""

    def refuse(*a, **k):
        raise AssertionError("the audit ran although --out was unwritable")

    monkeypatch.setattr(labelaudit.pipeline, "run_audit", refuse)


@pytest.mark.parametrize(
    ("out", "says"),
    [("report.txt/sub", "cannot be created or written to"), ("report.txt", "names a file")],
)
def test_an_unwritable_out_is_refused_before_the_audit_runs(tmp_path, no_audit, capsys, out, says):
    (tmp_path / "report.txt").write_text("not a folder")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    code = main(["audit", str(bundle), "--out", str(tmp_path / out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(tmp_path / out) in err and says in err and "--out" in err


def test_bad_input_leaves_no_new_output_folder(tmp_path, capsys):
    bundle = tmp_path / "empty-bundle"
    bundle.mkdir()
    out = tmp_path / "reports" / "run1"
    assert main(["audit", str(bundle), "--out", str(out), "--quiet"]) == 2
    assert "judgments" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()
