"""write_bundle: a folder the folder loader reads, lossless labels, no scripts, no key."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from labelaudit.errors import InputError
from labelaudit.sources.base import RawGuideline, RawTables
from labelaudit.sources.bundle_writer import sanitize_html
from labelaudit.sources.labelstudio import read_export, write_bundle

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"


def small_raw() -> RawTables:
    judgments = pd.DataFrame(
        {
            "item_id": ["1", "1", "2", "2"],
            "annotator_id": ["7", "8", "7", "8"],
            "field": ["tox", "tox", "topics", "stars"],
            "label": ["toxic", None, ["a", "b"], 4.0],
            "created_at": pd.to_datetime(
                ["2026-01-01T00:00:00Z", None, "2026-01-02T12:30:00Z", None], utc=True
            ),
            "lead_time_s": [1.5, float("nan"), 2.0, 3.25],
            "on_behalf": [False, True, False, False],
        }
    )
    items = pd.DataFrame({"item_id": ["1", "2"], "text": ["a", "b"], "n": [3, "three"]})
    annotators = pd.DataFrame({"annotator_id": ["7", "8"], "country": ["GH", None]})
    return RawTables(
        judgments=judgments,
        annotators=annotators,
        items=items,
        schema={
            "fields": {"tox": {"level": "nominal", "values": ["toxic", "ok"], "kind": "single"}}
        },
        guidelines=[
            RawGuideline(
                "instructions.html",
                '<p onmouseover="x()">Read <a href="javascript:evil()">this</a></p>'
                "<script>steal()</script><style>p{}</style><img src=x onerror=y()>",
                "html",
            )
        ],
        source={"kind": "labelstudio", "project_id": 3, "notes": ["n"]},
        skipped_rows={"textarea_result": 2},
    )


def test_labels_of_every_type_round_trip_exactly(tmp_path):
    out = write_bundle(small_raw(), tmp_path / "b")
    recs = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert recs == [
        {
            "item_id": "1",
            "annotator_id": "7",
            "field": "tox",
            "label": "toxic",
            "created_at": "2026-01-01T00:00:00+00:00",
            "lead_time_s": 1.5,
            "on_behalf": False,
        },
        {
            "item_id": "1",
            "annotator_id": "8",
            "field": "tox",
            "label": None,
            "created_at": None,
            "lead_time_s": None,
            "on_behalf": True,
        },
        {
            "item_id": "2",
            "annotator_id": "7",
            "field": "topics",
            "label": ["a", "b"],
            "created_at": "2026-01-02T12:30:00+00:00",
            "lead_time_s": 2.0,
            "on_behalf": False,
        },
        {
            "item_id": "2",
            "annotator_id": "8",
            "field": "stars",
            "label": 4.0,
            "created_at": None,
            "lead_time_s": 3.25,
            "on_behalf": False,
        },
    ]


def test_tables_schema_guideline_and_source_files(tmp_path):
    out = write_bundle(small_raw(), tmp_path / "b")
    items = pd.read_parquet(out / "items.parquet")
    assert items.to_dict("records") == [
        {"item_id": "1", "text": "a", "n": "3"},  # a column mixing types is written as text
        {"item_id": "2", "text": "b", "n": "three"},
    ]
    ann = pd.read_parquet(out / "annotators.parquet")
    assert ann["annotator_id"].tolist() == ["7", "8"] and ann["country"][0] == "GH"
    assert yaml.safe_load((out / "schema.yaml").read_text())["fields"]["tox"]["values"] == [
        "toxic",
        "ok",
    ]
    html = (out / "guidelines" / "instructions.html").read_text()
    assert html == '<p>Read <a rel="noopener noreferrer">this</a></p>'
    source = json.loads((out / "source.json").read_text())
    assert source == {
        "kind": "labelstudio",
        "project_id": 3,
        "notes": ["n"],
        "skipped_rows": {"textarea_result": 2},
    }


def test_sanitize_html_keeps_structure_and_drops_active_content():
    assert sanitize_html("<h1>T</h1><ul><li><b>a</b></li></ul><script>x</script>") == (
        "<h1>T</h1><ul><li><b>a</b></li></ul>"
    )


def test_an_earlier_pull_is_replaced_but_foreign_tables_are_refused(tmp_path):
    out = tmp_path / "b"
    write_bundle(small_raw(), out)
    raw = small_raw()
    raw.judgments = raw.judgments.iloc[:1]
    write_bundle(raw, out)
    assert len((out / "judgments.jsonl").read_text().splitlines()) == 1
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "judgments.csv").write_text("item_id,annotator_id,label\n1,2,x\n")
    with pytest.raises(InputError, match="not written by a pull"):
        write_bundle(small_raw(), foreign)
    assert (foreign / "judgments.csv").exists()


def test_export_written_as_bundle_reads_back_the_same_judgments(tmp_path):
    raw = read_export(
        FIXTURES / "export_json.json",
        label_config=(FIXTURES / "label_config.xml").read_text(),
    )
    out = write_bundle(raw, tmp_path / "b")
    back = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert [r["label"] for r in back] == raw.judgments["label"].tolist()
    assert [r["item_id"] for r in back] == raw.judgments["item_id"].tolist()
    created = pd.to_datetime([r["created_at"] for r in back], utc=True)
    assert list(created) == list(raw.judgments["created_at"])
