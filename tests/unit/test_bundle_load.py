"""Bundle loading: formats, normalisation, survivable problems counted, config precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelaudit.config import AuditConfig
from labelaudit.pipeline import load_bundle, resolve_config

ROWS = [
    {"item_id": 1, "annotator_id": "a", "field": "tox", "label": "toxic"},
    {"item_id": 1, "annotator_id": "b", "field": "tox", "label": "toxic"},
    {"item_id": 1, "annotator_id": "c", "field": "tox", "label": "not_toxic"},
    {"item_id": 2, "annotator_id": "a", "field": "tox", "label": "not_toxic"},
    {"item_id": 2, "annotator_id": "b", "field": "tox", "label": "not_toxic"},
    {"item_id": 3, "annotator_id": "a", "field": "sev", "label": 3},
    {"item_id": 3, "annotator_id": "b", "field": "sev", "label": 4},
]


def _bundle(folder: Path, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(ROWS)
    if fmt == "jsonl":
        (folder / "judgments.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    elif fmt == "csv":
        df.to_csv(folder / "judgments.csv", index=False)
    elif fmt == "parquet":
        df2 = df.assign(label=df["label"].astype(str))
        pq.write_table(
            pa.Table.from_pandas(df2, preserve_index=False), folder / "judgments.parquet"
        )
    elif fmt == "parquet-folder":
        df2 = df.assign(label=df["label"].astype(str))
        (folder / "judgments").mkdir()
        for i, part in enumerate((df2.iloc[:4], df2.iloc[4:])):
            pq.write_table(
                pa.Table.from_pandas(part, preserve_index=False),
                folder / "judgments" / f"part-{i}.parquet",
            )
    (folder / "schema.yaml").write_text(
        "fields:\n  tox:\n    level: nominal\n    values: [toxic, not_toxic, unsure]\n"
        "  sev:\n    level: ordinal\n    values: [1, 2, 3, 4, 5]\n"
    )
    return folder


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "parquet-folder"])
def test_every_table_format_gives_the_same_bundle(tmp_path, fmt):
    b = load_bundle(AuditConfig(bundle=_bundle(tmp_path / fmt, fmt)))
    assert len(b.judgments) == 7
    assert sorted(b.item_ids) == ["1", "2", "3"]
    assert sorted(b.annotator_ids) == ["a", "b", "c"]
    assert b.schema["tox"].escape_values == ["unsure"] and b.schema["tox"].escape_inferred
    tox = b.coded("tox")
    assert sorted(tox.value_codes.tolist()) == [0, 0, 1, 1, 1]
    sev = b.coded("sev")
    assert sev.values == [1, 2, 3, 4, 5] and sorted(sev.value_codes.tolist()) == [2, 3]
    assert b.inputs[0].rows == 7 and len(b.inputs[0].sha256) == 64


def test_survivable_problems_are_counted_not_dropped(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "judgments.csv").write_text(
        "item_id,annotator_id,label\n"
        "1,a,yes\n1,b,no\n1,b,no\n"  # duplicate (row 3)
        "2,a,maybe\n2,b,yes\n"  # outside schema (row 4)
        "3,a,yes\n"  # single judgment
        "4,a,\n4,b,no\n4,ghost,no\n"  # skipped (row 7), unknown annotator (row 9)
    )
    (d / "annotators.csv").write_text("annotator_id,gender\na,f\nb,m\n")
    (d / "schema.yaml").write_text("fields:\n  label:\n    level: nominal\n    values: [yes, no]\n")
    b = load_bundle(AuditConfig(bundle=d))
    issues = {i.code: i for i in b.issues}
    assert issues["LA001"].count == 1 and issues["LA001"].rows == [3]
    assert issues["LA004"].count == 1 and issues["LA004"].evidence["values"] == ["maybe"]
    assert issues["LA005"].count == 1
    assert issues["LA002"].count == 1 and issues["LA002"].evidence["annotators"] == 1
    assert (
        issues["LA003"].count == 2
    )  # item 3, and item 2 (one in-schema judgment... counted as rows)
    assert b.rows_read == 9 and len(b.judgments) == 8


def test_ids_are_strings_and_7_equals_7_0(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    pd.DataFrame({"item_id": [7.0, 7.0], "annotator_id": [1, 2], "label": ["x", "y"]}).to_parquet(
        d / "judgments.parquet"
    )
    (d / "annotators.csv").write_text("annotator_id,team\n1,red\n2,blue\n")
    b = load_bundle(AuditConfig(bundle=d))
    assert list(b.item_ids) == ["7"]
    assert set(b.annotator_ids) == {"1", "2"}
    assert not any(i.code == "LA002" for i in b.issues)


def test_schema_is_inferred_and_said_so(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "judgments.jsonl").write_text(
        '{"item_id": 1, "annotator_id": "a", "field": "stars", "label": 4}\n'
        '{"item_id": 1, "annotator_id": "b", "field": "stars", "label": 5}\n'
        '{"item_id": 1, "annotator_id": "a", "field": "time", "label": 12.25}\n'
        '{"item_id": 1, "annotator_id": "b", "field": "time", "label": 30.5}\n'
        '{"item_id": 1, "annotator_id": "a", "field": "tags", "label": ["cat", "other"]}\n'
        '{"item_id": 1, "annotator_id": "b", "field": "tags", "label": ["dog"]}\n'
    )
    b = load_bundle(AuditConfig(bundle=d))
    assert b.schema_inferred
    assert b.schema["stars"].level == "ordinal" and b.schema["stars"].values == [4, 5]
    assert b.schema["time"].level == "interval"
    assert b.schema["tags"].kind == "multi" and b.schema["tags"].escape_values == ["other"]
    assert any(i.code == "LA008" for i in b.issues)
    assert b.coded("tags", option="cat").value_codes.tolist() == [1, 0]


def test_multiple_values_on_single_choice_are_reported(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "judgments.jsonl").write_text(
        '{"item_id": 1, "annotator_id": "a", "label": ["yes", "no"]}\n'
        '{"item_id": 1, "annotator_id": "b", "label": "yes"}\n'
        '{"item_id": 1, "annotator_id": "c", "label": ["no"]}\n'
    )
    (d / "schema.yaml").write_text("fields:\n  label:\n    level: nominal\n    values: [yes, no]\n")
    b = load_bundle(AuditConfig(bundle=d))
    issue = next(i for i in b.issues if i.code == "LA006")
    assert issue.count == 1 and issue.rows == [1]
    assert b.coded("label").value_codes.tolist() == [0, 1]  # ["no"] unwrapped to "no"


def test_column_mapping(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "judgments.csv").write_text("post,worker,answer\n1,a,yes\n1,b,no\n")
    (d / "labelaudit.toml").write_text(
        '[columns]\nitem_id = "post"\nannotator_id = "worker"\nlabel = "answer"\n'
    )
    cfg = resolve_config(d)
    b = load_bundle(cfg)
    assert list(b.judgments["annotator_id"]) == ["a", "b"]


def test_precedence_cli_over_toml_over_defaults(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "labelaudit.toml").write_text("seed = 7\nmin_group_size = 3\n")
    cfg = resolve_config(d, seed=11)
    assert cfg.seed == 11  # command line beats the file
    assert cfg.min_group_size == 3  # the file beats the default
    assert cfg.n_boot == 1000  # default


def test_attributes_that_split_raters_identically_are_grouped_once():
    from labelaudit.bundle.model import Bundle

    j = pd.DataFrame(
        {
            "item_id": ["1"],
            "annotator_id": ["a"],
            "field": ["l"],
            "label": ["x"],
            "skipped": [False],
        }
    )
    ann = pd.DataFrame(
        {
            "annotator_id": ["a", "b", "c", "d"],
            "country": ["US", "GB", "US", None],
            "nationality": ["United States", "United Kingdom", "United States", None],
            "region": ["Northern America", "Europe", "Northern America", "Europe"],  # differs on d
            "gender": ["f", "f", "m", "m"],
        }
    )
    b = Bundle(judgments=j, schema={}, annotators=ann)
    assert b.group_attributes() == ["country", "region", "gender"]
    assert b.equivalent_attributes() == {"nationality": "country"}
