"""The real-data converters keep every raw judgment, item and annotator.

Expected counts are computed here straight from the raw files with ``csv``/``json``,
independently of the converters, then compared with the converted bundle's tables and
with what :func:`labelaudit.bundle.load.load_bundle` makes of the bundle.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from realdata.converters import (
    armis_bundle,
    crehate_bundle,
    hsbrexit_bundle,
    multipico_bundle,
)

pytestmark = pytest.mark.realdata


# ------------------------------------------------------------------ raw counts
def _raw_crehate(shared: Path) -> dict:
    with open(shared / "crehate" / "CREHate_raw_annotations.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = Counter((r["ID"], r["annotator_id"]) for r in rows)
    return {
        "judgments": len(rows),
        "items": len({r["ID"] for r in rows}),
        "annotators": len({r["annotator_id"] for r in rows}),
        "duplicate_rows": sum(n - 1 for n in pairs.values()),
        "duplicate_pairs": sum(1 for n in pairs.values() if n > 1),
        "codes": Counter(r["annotation"] for r in rows),
        "nationalities": {r["nationality"] for r in rows},
    }


def _raw_multipico(shared: Path) -> dict:
    judgments, items, anns = 0, set(), set()
    for split in ("dev", "test"):
        with open(shared / "multipico" / f"MP__MP_{split}.json") as fh:
            data = json.load(fh)
        for key, rec in data.items():
            items.add(key)
            judgments += len(rec["annotations"])
            anns.update(rec["annotations"])
    with open(shared / "multipico" / "MP__MP_annotators_meta.json") as fh:
        meta = json.load(fh)
    return {"judgments": judgments, "items": len(items), "annotators": anns, "meta": meta}


def _raw_lewidi(shared: Path, name: str) -> dict:
    items, anns, pairs = 0, set(), Counter()
    for split in ("train", "dev", "test"):
        with open(shared / "lewidi2023" / f"{name}_dataset__{name}_{split}.json") as fh:
            data = json.load(fh)
        for key, rec in data.items():
            items += 1
            for ann in rec["annotators"].split(","):
                anns.add(ann)
                pairs[(split, key, ann)] += 1
    return {
        "items": items,
        "annotators": len(anns),
        "judgments_per_field": sum(pairs.values()),
        "duplicate_rows": sum(n - 1 for n in pairs.values()),
    }


# ------------------------------------------------------------------ converted bundles
@pytest.fixture(scope="module")
def converted(shared_data, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("realdata")
    return {
        "crehate": crehate_bundle(shared_data, root / "crehate"),
        "multipico": multipico_bundle(shared_data, root / "multipico"),
        "hsbrexit": hsbrexit_bundle(shared_data, root / "hsbrexit"),
        "armis": armis_bundle(shared_data, root / "armis"),
    }


def _tables(folder: Path):
    return tuple(
        pd.read_parquet(folder / f"{t}.parquet") for t in ("judgments", "annotators", "items")
    )


def _duplicate_rows(j: pd.DataFrame) -> int:
    return int(j.duplicated(["item_id", "annotator_id", "field"]).sum())


def test_crehate_keeps_every_row_and_duplicate(shared_data, converted):
    raw = _raw_crehate(shared_data)
    # the data README's figures, as a check on the raw reading itself
    assert (raw["judgments"], raw["items"], raw["annotators"]) == (42546, 1580, 1064)
    j, a, i = _tables(converted["crehate"])
    assert len(j) == raw["judgments"]
    assert j["item_id"].nunique() == len(i) == raw["items"]
    assert j["annotator_id"].nunique() == len(a) == raw["annotators"]
    assert _duplicate_rows(j) == raw["duplicate_rows"] == 19
    dup_pairs = j[j.duplicated(["item_id", "annotator_id"], keep=False)]
    assert len(dup_pairs.groupby(["item_id", "annotator_id"])) == raw["duplicate_pairs"] == 14
    assert j["label"].value_counts().to_dict() == {
        "not_hate": raw["codes"]["0"],
        "hate": raw["codes"]["1"],
        "unsure": raw["codes"]["2"],
    }
    assert set(a["nationality"]) == raw["nationalities"]
    assert set(a["country"]) == {"US", "GB", "AU", "ZA", "SG"}
    # rater 647's blank rows do not blank out their attributes
    r647 = a.set_index("annotator_id").loc["647"]
    assert (r647["gender"], r647["age"], r647["education"]) == ("male", 22.0, "4")
    assert i["text"].notna().all()


def test_multipico_maps_annotator_ids_onto_the_metadata(shared_data, converted):
    raw = _raw_multipico(shared_data)
    j, a, i = _tables(converted["multipico"])
    assert len(j) == raw["judgments"] == 33871
    assert len(i) == j["item_id"].nunique() == raw["items"] == 6761
    assert len(a) == len(raw["meta"]) == len(raw["annotators"]) == 506
    assert set(j["annotator_id"]) == set(a["annotator_id"]) == raw["annotators"]
    assert _duplicate_rows(j) == 0
    # "Ann<k>" in the annotations is key "<k>" in the metadata file
    ann0 = a.set_index("annotator_id").loc["Ann0"]
    assert ann0["gender"] == raw["meta"]["0"]["Gender"]
    assert ann0["country_of_residence"] == raw["meta"]["0"]["Country of residence"]
    withheld = sum(v == "DATA_EXPIRED" for m in raw["meta"].values() for v in m.values())
    assert int((a == "DATA_EXPIRED").sum().sum()) == withheld > 0
    assert a["country"].notna().all() and a["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert i["language"].nunique() == 9 and i["country"].str.fullmatch(r"[A-Z]{2}").all()


def test_hsbrexit_splits_and_groups(shared_data, converted):
    raw = _raw_lewidi(shared_data, "HS-Brexit")
    j, a, i = _tables(converted["hsbrexit"])
    assert len(i) == i["item_id"].nunique() == raw["items"] == 1120
    assert len(a) == raw["annotators"] == 6
    assert j.groupby("field").size().to_dict() == {
        f: raw["judgments_per_field"] for f in ("hate", "aggressive", "offensive")
    }
    assert _duplicate_rows(j) == raw["duplicate_rows"] == 0
    assert a.set_index("annotator_id")["group"].to_dict() == {
        "Ann1": "target",
        "Ann2": "target",
        "Ann3": "target",
        "Ann4": "control",
        "Ann5": "control",
        "Ann6": "control",
    }
    assert int((j["label"] == "No").sum()) == 3  # raw quirk kept for the audit to report


def test_armis_annotators_by_leaning_and_gender(shared_data, converted):
    raw = _raw_lewidi(shared_data, "ArMIS")
    j, a, i = _tables(converted["armis"])
    assert len(i) == raw["items"] == 943
    assert len(j) == raw["judgments_per_field"] == 2829
    assert _duplicate_rows(j) == raw["duplicate_rows"] == 0
    assert a.set_index("annotator_id")[["political_leaning", "gender"]].to_dict("index") == {
        "Ann1": {"political_leaning": "Moderate", "gender": "female"},
        "Ann2": {"political_leaning": "Liberal", "gender": "female"},
        "Ann3": {"political_leaning": "Conservative", "gender": "male"},
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", ["crehate", "multipico", "hsbrexit", "armis"])
def test_load_bundle_accepts_converted_bundle(shared_data, converted, name):
    from labelaudit.pipeline import load_bundle, resolve_config

    j, a, i = _tables(converted[name])
    b = load_bundle(resolve_config(converted[name]))
    duplicates = sum(x.count for x in b.issues if x.code == "LA001")
    assert duplicates == _duplicate_rows(j)
    # the loader keeps the first judgment of each duplicate set
    assert len(b.judgments) + duplicates == len(j)
    assert len(b.item_ids) == j["item_id"].nunique() == len(i)
    assert len(b.annotator_ids) == len(set(j["annotator_id"]) | set(a["annotator_id"]))
    assert not b.schema_inferred and set(b.schema) == set(j["field"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["crehate", "multipico", "hsbrexit", "armis"])
def test_cli_validate_reports_the_raw_counts(converted, name, capsys):
    from labelaudit.cli import main

    j, a, i = _tables(converted[name])
    assert main(["validate", str(converted[name])]) == 0
    out = capsys.readouterr().out
    kept = len(j) - _duplicate_rows(j)
    n_annotators = len(set(j["annotator_id"]) | set(a["annotator_id"]))
    # validate counts judgments either as kept (first of each duplicate set) or as read
    rows = f"{len(j)} judgment rows" + (
        f" ({kept} after setting duplicates aside)" if kept != len(j) else ""
    )
    assert f"{rows}, {len(i)} items, {n_annotators} annotators" in out, out
