"""`labelaudit pull prism`: a PRISM download becomes a bundle that audits.

Figures from tests/fixtures/prism by hand (see its README): c1 turn 0 has four rated
responses (C(4,2) = 6 pairs: five ``a``, one tie), c1 turn 1 two (one ``b``), c2 turn 0
three rated of four (3 pairs: ``b``, ``b``, ``a``), c2 turn 1 one (nothing to compare),
c3 turn 0 two with equal scores (one tie): 11 comparisons, 6 ``a`` / 3 ``b`` / 2 ties,
3 raters, one utterance and one turn not converted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from labelaudit.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "prism"
SRC = Path(__file__).resolve().parents[2] / "src"


def pull(out: Path, *extra: str, utterances: Path = FIX / "utterances.jsonl") -> int:
    """Run ``pull prism`` on the fixture (or on ``utterances``) into ``out``."""
    args = ["pull", "prism", "--utterances", str(utterances), *extra, "--out", str(out)]
    return main(args)


def test_pull_writes_a_pairwise_bundle(tmp_path, capsys):
    out = tmp_path / "bundle"
    assert pull(out, "--survey", str(FIX / "survey.jsonl")) == 0
    err = capsys.readouterr().err
    assert f"wrote bundle {out} (11 judgments)" in err
    # what could not be converted is said on the console, not only in source.json
    assert "1 not converted: utterance without a score" in err
    assert "1 not converted: turn with a single rated response" in err

    judgments = [json.loads(line) for line in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(judgments) == 11
    labels = pd.Series([j["label"] for j in judgments]).value_counts().to_dict()
    assert labels == {"a": 6, "b": 3, "tie": 2}
    assert {j["field"] for j in judgments} == {"preference"}
    assert {j["annotator_id"] for j in judgments} == {"user1", "user2", "user3"}

    schema = yaml.safe_load((out / "schema.yaml").read_text())
    assert schema["fields"]["preference"]["kind"] == "pairwise"
    assert schema["fields"]["preference"]["values"] == ["a", "tie", "b"]

    items = pd.read_parquet(out / "items.parquet").set_index("item_id")
    assert len(items) == 11
    assert {"prompt", "response_a", "response_b", "model_a", "model_b"} <= set(items.columns)
    assert (items.loc["c2:0:1-2", "model_a"], items.loc["c2:0:1-2", "model_b"]) == (
        "model-y",
        "model-z",
    )
    assert set(items["shown_first"]) == {"a"}

    ann = pd.read_parquet(out / "annotators.parquet").set_index("annotator_id")
    assert list(ann.index) == ["user1", "user2", "user3"]
    assert ann.loc["user2", "region"] == "Americas"
    assert ann.loc["user3", "gender"] == "Non-binary / third gender"

    source = json.loads((out / "source.json").read_text())
    assert source["format"] == "prism"
    assert source["skipped_rows"] == {
        "utterance without a score": 1,
        "turn with a single rated response (nothing to compare)": 1,
    }


def test_pulled_bundle_audits_with_the_rlhf_tables(tmp_path, capsys):
    out = tmp_path / "bundle"
    assert pull(out, "--survey", str(FIX / "survey.jsonl")) == 0
    code = main(["audit", str(out), "--out", str(tmp_path / "report"), "--quiet"])
    assert code in (0, 1)
    doc = json.loads((tmp_path / "report" / "findings.json").read_text())
    assert (doc["summary"]["judgments"], doc["summary"]["items"]) == (11, 11)
    assert doc["summary"]["annotators"] == 3
    metrics = doc["metrics"]
    for table in ("position_bias", "preference_divergence", "tie_skip_usage"):
        assert metrics[table], table
    overall = next(r for r in metrics["position_bias"] if r["group"] is None)
    assert (overall["n_judgments"], overall["first_wins"]) == (9, 6)  # ties left out
    ties = next(r for r in metrics["tie_skip_usage"] if r["group"] is None)
    assert ties["tie_rate"] == pytest.approx(2 / 11)
    # the source rows the pull could not convert reach the report as LA012
    skipped = {f["evidence"]["reason"] for f in doc["findings"] if f["rule"] == "LA012"}
    assert skipped == {
        "utterance without a score",
        "turn with a single rated response (nothing to compare)",
    }


def test_pull_runs_as_a_console_command(tmp_path):
    out = tmp_path / "bundle"
    done = subprocess.run(
        [sys.executable, "-m", "labelaudit", "pull", "prism", "--utterances",
         str(FIX / "utterances.jsonl"), "--out", str(out)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "judgments.jsonl").is_file() and not (out / "annotators.parquet").exists()


def test_balanced_only(tmp_path, capsys):
    rows = [json.loads(line) for line in (FIX / "utterances.jsonl").read_text().splitlines()]
    for r in rows:
        r["included_in_balanced_subset"] = r["conversation_id"] != "c3"
    utt = tmp_path / "utterances.jsonl"
    utt.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "bundle"
    assert pull(out, "--balanced-only", utterances=utt) == 0
    assert "2 left out: utterances outside the balanced subset" in capsys.readouterr().err
    assert len((out / "judgments.jsonl").read_text().splitlines()) == 10
    source = json.loads((out / "source.json").read_text())
    assert source["balanced_only"] is True
    assert source["left_out"] == {"utterances outside the balanced subset": 2}


def _bad(tmp_path: Path, capsys, *args: str, utterances: Path) -> str:
    """Pull bad input: exit 2, one message, no traceback; return the message."""
    assert pull(tmp_path / "b", *args, utterances=utterances) == 2
    err = capsys.readouterr().err
    assert err.startswith("labelaudit: bad input or usage, 1 problem") and "Traceback" not in err
    assert not (tmp_path / "b").exists()
    return err


def test_missing_file(tmp_path, capsys):
    err = _bad(tmp_path, capsys, utterances=tmp_path / "nope.jsonl")
    assert "nope.jsonl: PRISM utterances file not found" in err
    assert "fix: check the path; download utterances.jsonl" in err


def test_not_json_lines(tmp_path, capsys):
    bad = tmp_path / "utterances.jsonl"
    bad.write_text('{"user_id": "u1"}\n<html>rate limited</html>\n')
    err = _bad(tmp_path, capsys, utterances=bad)
    assert "utterances.jsonl, row 2: line 2 is not valid JSON" in err
    assert "fix: each line must be one JSON object" in err


def test_missing_required_keys(tmp_path, capsys):
    bad = tmp_path / "utterances.jsonl"
    bad.write_text('{"user_id": "u1", "score": 50}\n')
    err = _bad(tmp_path, capsys, utterances=bad)
    assert "column 'conversation_id': not the PRISM utterances layout: missing " in err
    assert "conversation_id, turn, within_turn_id" in err


def test_survey_swapped_for_utterances(tmp_path, capsys):
    utt = FIX / "utterances.jsonl"
    err = _bad(tmp_path, capsys, "--survey", str(utt), utterances=utt)
    assert "not the PRISM survey layout: no demographic keys" in err


def test_balanced_only_without_the_flag(tmp_path, capsys):
    rows = [json.loads(line) for line in (FIX / "utterances.jsonl").read_text().splitlines()]
    utt = tmp_path / "utterances.jsonl"
    utt.write_text(
        "".join(
            json.dumps({k: v for k, v in r.items() if k != "included_in_balanced_subset"}) + "\n"
            for r in rows
        )
    )
    err = _bad(tmp_path, capsys, "--balanced-only", utterances=utt)
    assert "column 'included_in_balanced_subset'" in err and "fix: drop --balanced-only" in err


def test_usage_errors(tmp_path, capsys):
    assert main(["pull", "prism", "--out", str(tmp_path / "b")]) == 2
    assert "pull prism needs --utterances" in capsys.readouterr().err
    # another source's flag is refused, not silently ignored
    err = _bad(tmp_path, capsys, "--export", "x.json", utterances=FIX / "utterances.jsonl")
    assert "--export belongs to pull labelstudio" in err
    assert main(["pull", "labelstudio", "--survey", "s.jsonl", "--out", "x"]) == 2
    assert "--survey belongs to pull prism" in capsys.readouterr().err
