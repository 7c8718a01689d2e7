"""`labelaudit pull labelstudio --export FILE`: an export file becomes an auditable bundle."""

from __future__ import annotations

import json
from pathlib import Path

from labelaudit.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"


def test_export_file_to_bundle_to_audit(tmp_path, capsys):
    out = tmp_path / "bundle"
    code = main(
        [
            "pull",
            "labelstudio",
            "--export",
            str(FIX / "export_json.json"),
            "--label-config",
            str(FIX / "label_config.xml"),
            "--annotators",
            str(FIX / "annotators_by_id.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert (out / "judgments.jsonl").is_file() and (out / "source.json").is_file()
    code = main(["audit", str(out), "--out", str(tmp_path / "report"), "--quiet"])
    assert code in (0, 1)
    doc = json.loads((tmp_path / "report" / "findings.json").read_text())
    data = {
        f["rule"]: f["evidence"]["count"]
        for f in doc["findings"]
        if f["category"] == "data" and "count" in f["evidence"]
    }
    # what the export holds that breaks its own label config is reported, not dropped
    assert data["LA004"] == 1  # unknown choice
    assert data["LA006"] == 1  # two values on a single choice
    assert data["LA011"] == 1  # unknown from_name
    assert data["LA012"] == 1  # TextArea result, not scored (from source.json skipped_rows)
    assert data["LA005"] == 4  # cancelled/skipped annotations


def test_pull_needs_a_source(capsys):
    assert main(["pull", "labelstudio", "--out", "x"]) == 2
    assert "--url and --project" in capsys.readouterr().err


def test_malformed_export_names_the_task(tmp_path, capsys):
    code = main(
        [
            "pull",
            "labelstudio",
            "--export",
            str(FIX / "malformed_task.json"),
            "--out",
            str(tmp_path / "b"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "malformed_task.json" in err and "task 1" in err and "Traceback" not in err
