"""Label Studio export files (JSON, JSON_MIN, CSV/TSV, pre-1.0 completions) -> RawTables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from labelaudit.errors import InputError
from labelaudit.sources.labelstudio import read_export
from labelaudit.sources.labelstudio.export import detect_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"
CONFIG = (FIXTURES / "label_config.xml").read_text()
SCORED = ["toxicity", "topics", "offensiveness", "preference"]

#: export_json.json read with the label config, written out by hand from the fixture
JSON_ROWS = [
    ("101", "11", "toxicity", "toxic", 12.5, False),
    ("101", "11", "topics", ["politics", "religion"], 12.5, False),
    ("101", "11", "offensiveness", 3.0, 12.5, False),
    ("101", "12", "toxicity", "not_toxic", 8.0, True),  # updated_by 1: on behalf
    ("101", "12", "topics", ["sport"], 8.0, True),
    ("101", "12", "preference", "left", 8.0, True),
    ("102", "11", "toxicity", "rude", 4.25, False),  # unknown choice kept
    ("102", "11", "sentiment", "positive", 4.25, False),  # unknown from_name kept
    ("102", "11", "offensiveness", 1.0, 4.25, False),
    ("102", "12", "toxicity", ["toxic", "unsure"], 6.0, False),  # two values, single field
] + [("101", "13", f, None, 2.0, False) for f in SCORED]  # cancelled annotation

#: the flat exports hold what Label Studio keeps: no cancelled annotation, no unknown
#: from_name, no updated_by
FLAT_ROWS = [
    ("101", "12", "toxicity", "not_toxic", 8.0, False),
    ("101", "12", "topics", ["sport"], 8.0, False),
    ("101", "12", "preference", "left", 8.0, False),
    ("101", "11", "toxicity", "toxic", 12.5, False),
    ("101", "11", "topics", ["politics", "religion"], 12.5, False),
    ("101", "11", "offensiveness", 3.0, 12.5, False),
    ("102", "12", "toxicity", ["toxic", "unsure"], 6.0, False),
    ("102", "11", "toxicity", "rude", 4.25, False),
    ("102", "11", "offensiveness", 1.0, 4.25, False),
]


def rows(raw) -> list[tuple]:
    return [
        (r.item_id, r.annotator_id, r.field, r.label, r.lead_time_s, r.on_behalf)
        for r in raw.judgments.itertuples()
    ]


def key(row: tuple) -> tuple:
    return (row[0], row[1], row[2], repr(row[3]))


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("export_json.json", "JSON"),
        ("export_old_completions.json", "JSON"),
        ("export_json_min.json", "JSON_MIN"),
        ("export_csv.csv", "CSV"),
        ("export_tsv.tsv", "CSV"),
    ],
)
def test_format_is_found_from_content(name, fmt):
    assert detect_format((FIXTURES / name).read_text(encoding="utf-8")) == fmt


def test_full_json_export_with_label_config():
    raw = read_export(FIXTURES / "export_json.json", label_config=CONFIG)
    assert rows(raw) == JSON_ROWS
    created = raw.judgments["created_at"]
    assert str(created.dtype) == "datetime64[ns, UTC]"
    assert created.iloc[0] == pd.Timestamp("2026-05-01T10:00:00Z")
    assert created.iloc[-1] == pd.Timestamp("2026-05-01T12:00:00Z")
    assert raw.skipped_rows == {"textarea_result": 1}
    assert raw.source["counts"] == {
        "cancelled_annotations": 1,
        "multiple_values_on_single_choice": 1,
        "unknown_from_name": 1,
        "unknown_value": 1,
    }
    assert raw.source["format"] == "JSON" and raw.source["kind"] == "labelstudio-export"
    assert raw.schema["fields"]["toxicity"]["values"] == ["toxic", "not_toxic", "unsure"]
    assert raw.items["item_id"].tolist() == ["101", "102", "103"]
    assert raw.items["language"].tolist() == ["en", "de", "es"]
    assert raw.items.loc[1, "meta"] == '{"source": "forum"}'
    assert pd.isna(raw.items.loc[0, "meta"])
    assert raw.annotators["annotator_id"].tolist() == ["11", "12", "13"]
    assert raw.source["annotators_without_metadata"] == 3
    assert raw.guidelines == []


def test_full_json_export_without_config_leaves_the_schema_to_inference():
    raw = read_export(FIXTURES / "export_json.json")
    assert raw.schema is None
    # a field that ever holds several choices gets list labels throughout
    tox = raw.judgments.loc[raw.judgments["field"] == "toxicity", "label"].tolist()
    assert tox == [["toxic"], ["not_toxic"], ["rude"], ["toxic", "unsure"], None]
    # the cancelled annotation skips every field seen in the file
    cancelled = raw.judgments[raw.judgments["annotator_id"] == "13"]
    assert cancelled["field"].tolist() == [*SCORED, "sentiment"]
    assert cancelled["label"].isna().all()
    assert raw.source["counts"] == {"cancelled_annotations": 1}


@pytest.mark.parametrize("name", ["export_json_min.json", "export_csv.csv", "export_tsv.tsv"])
def test_flat_exports_with_config_and_id_metadata(name):
    raw = read_export(
        FIXTURES / name,
        label_config=CONFIG,
        annotators_file=FIXTURES / "annotators_by_id.csv",
    )
    assert sorted(rows(raw), key=key) == sorted(FLAT_ROWS, key=key)
    assert raw.skipped_rows == {"textarea_result": 1}
    assert raw.source["counts"] == {"multiple_values_on_single_choice": 1, "unknown_value": 1}
    assert sorted(raw.items["item_id"]) == ["101", "102", "103"]
    items = raw.items.set_index("item_id")
    assert items.loc["102", "text"] == "Wie geht's?"
    assert items.loc["102", "meta"] == '{"source": "forum"}'
    notes = " ".join(raw.source["notes"])
    assert "leaves cancelled (skipped) annotations out" in notes
    assert "single choices are flattened" in notes
    assert "'updated_by' is not exported" in notes
    assert raw.judgments["created_at"].notna().all()


def test_json_min_annotator_email_without_mapping_becomes_a_stand_in_id():
    raw = read_export(FIXTURES / "export_json_min.json", label_config=CONFIG)
    stand_in = "user-" + hashlib.sha256(b"ana@example.org").hexdigest()[:12]
    assert sorted(set(raw.judgments["annotator_id"])) == ["11", "12", stand_in]
    assert any("1 annotator(s) are named only by email" in n for n in raw.source["notes"])
    assert "example.org" not in raw.judgments.to_csv() + raw.annotators.to_csv()


def test_json_min_without_config_finds_labels_from_how_keys_vary():
    raw = read_export(FIXTURES / "export_json_min.json")
    by = {(r[1], r[0], r[2]): r[3] for r in rows(raw)}
    stand_in = "user-" + hashlib.sha256(b"ana@example.org").hexdigest()[:12]
    assert by[(stand_in, "101", "toxicity")] == ["not_toxic"]
    assert by[("11", "101", "offensiveness")] == 3.0
    # the free-text answer cannot be told from a choice without the config
    assert by[("11", "101", "comment")] == "rude"
    assert set(raw.items.columns) == {"item_id", "text", "language", "meta"}
    assert any("read without the label config" in n for n in raw.source["notes"])


def test_old_completions_export():
    raw = read_export(FIXTURES / "export_old_completions.json")
    assert rows(raw) == [
        ("7", "2", "sentiment", ["Positive"], 3.5, False),
        ("8", "2", "sentiment", ["Negative", "Neutral"], 2.0, False),
        ("7", "3", "sentiment", None, 1.0, False),
    ]
    created = raw.judgments["created_at"]
    assert created.iloc[0] == pd.Timestamp("2020-04-27T15:06:40Z")  # Unix seconds 1588000000
    assert created.iloc[1:].isna().all()
    assert raw.source["counts"] == {"cancelled_annotations": 1}
    assert "old export format: 'completions' read as annotations" in raw.source["notes"]


def test_metadata_by_id_keeps_pool_members_and_drops_emails():
    raw = read_export(
        FIXTURES / "export_json.json",
        label_config=CONFIG,
        annotators_file=FIXTURES / "annotators_by_id.csv",
    )
    ann = raw.annotators
    assert ann.columns.tolist() == ["annotator_id", "country", "region", "languages"]
    assert ann["annotator_id"].tolist() == ["11", "12", "13", "99"]
    assert ann["country"].tolist()[:2] == ["GH", "MX"] and pd.isna(ann["country"][2])
    assert ann["languages"][0] == "en;tw"
    assert raw.source["annotators_without_metadata"] == 1
    assert raw.source["metadata_rows_unmatched"] == 0
    assert raw.files["annotators"].endswith("annotators_by_id.csv")


def test_metadata_by_email_uses_emails_seen_in_completed_by():
    raw = read_export(
        FIXTURES / "export_json.json",
        label_config=CONFIG,
        annotators_file=FIXTURES / "annotators_by_email.csv",
    )
    ann = raw.annotators.set_index("annotator_id")
    assert raw.annotators.columns.tolist() == ["annotator_id", "country", "gender"]
    assert ann.loc["12"].tolist() == ["MX", "female"]
    assert ann.loc[["11", "13"]].isna().all().all()
    # KOFI@... and nobody@... match no user object in the export
    assert raw.source["metadata_rows_unmatched"] == 2
    assert raw.source["annotators_without_metadata"] == 2
    assert "example.org" not in raw.annotators.to_csv()


def test_truncated_json_names_file_and_position():
    with pytest.raises(InputError) as info:
        read_export(FIXTURES / "malformed_truncated.json")
    (problem,) = info.value.problems
    assert problem.where.endswith("malformed_truncated.json")
    assert problem.message.startswith("not valid JSON (line ")
    assert "re-export" in problem.fix


def test_malformed_tasks_are_all_named_by_position():
    with pytest.raises(InputError) as info:
        read_export(FIXTURES / "malformed_task.json")
    msgs = [p.message for p in info.value.problems]
    assert msgs == [
        "task 1 (0-based position in the file): the task has no 'id'",
        "task 2 (0-based position in the file): 'data' is not an object",
    ]


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="the export file is empty"):
        read_export(empty)
    with pytest.raises(InputError, match="cannot read the export file"):
        read_export(tmp_path / "missing.json")
