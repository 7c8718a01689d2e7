"""The loader's integer-coded validation equals the row-by-row path it replaces.

``build_bundle`` validates labels, duplicates and cross-table ids on integer codes kept
from normalisation and primes the bundle's code caches from them. Here the same raw
tables go through both paths (the row-by-row one by withholding the codes): same data
issues (counts, first rows, examples), same blocking problems, same judgments, and the
primed caches equal the ones a fresh bundle computes lazily. The process,
representation and coverage analyses then give identical tables with and without the
label codes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import labelaudit.bundle.build as load
import labelaudit.bundle.judgments as judgments
import labelaudit.bundle.validate as validate
from labelaudit.analyses.coverage import coverage
from labelaudit.analyses.process import process_analysis
from labelaudit.analyses.representation import representation_analysis
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.sources.base import RawTables

SCHEMA = {
    "fields": {
        "tox": {"level": "nominal", "values": ["yes", "no", "unsure"]},
        "sev": {"level": "ordinal", "values": [1, 2, 3, 4, 5]},
        "pref": {"level": "ordinal", "kind": "pairwise", "values": ["a", "tie", "b"]},
        "score": {"level": "interval"},
    }
}


def _raw(seed: int, *, bad_numeric: bool = False, categorical: bool = False) -> RawTables:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(150, 400))
    items = [f"i{k}" for k in range(int(rng.integers(5, 40)))] + [7, 7.0, " i3 ", "", None]
    anns = [f"r{k}" for k in range(int(rng.integers(3, 15)))] + [12, " r1", "ghost", None]
    item_col = rng.choice(np.array(items, dtype=object), n, p=_p(len(items), rng))
    ann_col = rng.choice(np.array(anns, dtype=object), n, p=_p(len(anns), rng))
    fields = np.array(["tox", "sev", "pref", "score", "stale", None], dtype=object)
    field_col = rng.choice(fields, n, p=[0.3, 0.3, 0.15, 0.1, 0.1, 0.05])
    pools = {
        "tox": ["yes", "no", "unsure", " no ", "maybe", None, ""],
        "sev": [1, 2, "3", 4.0, 5, 7, None],
        "pref": ["a", "tie", "b", "c", None],
        "score": [0.5, "1.5", 2, -3.25, None],
        "stale": ["x", None],
        None: ["yes", 3, None],
    }
    if bad_numeric:
        pools["sev"] = [*pools["sev"], "high"]
    label_col = np.empty(n, dtype=object)
    for i, f in enumerate(field_col):
        pool = pools[f]
        label_col[i] = pool[int(rng.integers(len(pool)))]
    j = pd.DataFrame(
        {
            "item_id": item_col,
            "annotator_id": ann_col,
            "field": field_col,
            "label": label_col,
            "lead_time_s": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2.0, 5.0, n)),
        }
    )
    # exact repeats of some rows: duplicates the loader must find
    j = pd.concat([j, j.sample(int(rng.integers(0, 12)), random_state=seed)], ignore_index=True)
    if categorical:  # as the Parquet reader delivers text columns
        for c in ("item_id", "annotator_id", "field", "label"):
            if all(v is None or isinstance(v, str) for v in j[c]):
                j[c] = j[c].astype("category")
    ann_ids = [a for a in anns if a not in ("ghost", None, " r1")]  # " r1" is r1
    annotators = pd.DataFrame(
        {
            "annotator_id": ann_ids,
            "region": rng.choice(["Africa", "Asia", "Europe", "prefer not to say"], len(ann_ids)),
        }
    )
    known_items = [i for i in items if isinstance(i, str) and i.startswith("i")][:-2] + [7]
    item_table = pd.DataFrame({"item_id": known_items, "language": "en"})
    return RawTables(
        judgments=j,
        annotators=annotators.drop_duplicates("annotator_id"),
        items=item_table,
        schema=SCHEMA,
        files={"judgments": "judgments.csv", "annotators": "a.csv", "items": "i.csv"},
    )


def _p(k: int, rng: np.random.Generator) -> np.ndarray:
    w = rng.random(k) + 0.05
    return w / w.sum()


def _rowwise(raw: RawTables, cfg: AuditConfig, monkeypatch: pytest.MonkeyPatch) -> Bundle:
    coded = judgments._normalise_coded
    with monkeypatch.context() as m:
        m.setattr(judgments, "_normalise_coded", lambda df: (coded(df)[0], None))
        return load.build_bundle(raw, cfg)


def _issues(bundle: Bundle) -> list[dict]:
    return [dataclasses.asdict(i) for i in bundle.issues]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("categorical", [False, True])
def test_coded_validation_equals_rowwise(seed: int, categorical: bool, monkeypatch) -> None:
    cfg = AuditConfig()
    raw = _raw(seed, categorical=categorical)
    fast = load.build_bundle(raw, cfg)
    slow = _rowwise(raw, cfg, monkeypatch)
    assert _issues(fast) == _issues(slow)
    assert {i["code"] for i in _issues(fast)} >= {"LA002", "LA004", "LA011", "LA012"}
    pd.testing.assert_frame_equal(fast.judgments, slow.judgments)
    # primed caches equal what a fresh bundle computes from the judgments
    fresh = dataclasses.replace(fast)
    assert "_row_codes" in fast.__dict__ and "_row_codes" not in fresh.__dict__
    np.testing.assert_array_equal(fast.item_ids, fresh.item_ids)
    np.testing.assert_array_equal(fast.annotator_ids, fresh.annotator_ids)
    for a, b in zip(fast._row_codes, fresh._row_codes, strict=True):
        np.testing.assert_array_equal(a, b)
    for rows in ("_field_rows", "_all_field_rows"):
        got, want = getattr(fast, rows), getattr(fresh, rows)
        assert list(got) == list(want)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    by_label = dataclasses.replace(fast)
    by_label.__dict__["_label_codes"] = None  # coded() then looks labels up field by field
    for name in fast.fields:
        a = fast.coded(name)
        for b in (fresh.coded(name), by_label.coded(name)):
            for attr in ("item_codes", "annotator_codes", "value_codes", "numeric"):
                np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
                assert getattr(a, attr).dtype == getattr(b, attr).dtype
            assert a.values == b.values


@pytest.mark.parametrize("seed", range(4))
def test_coded_validation_raises_the_same_problems(seed: int, monkeypatch) -> None:
    cfg = AuditConfig()
    raw = _raw(seed, bad_numeric=True)
    with pytest.raises(InputError) as fast:
        load.build_bundle(raw, cfg)
    with pytest.raises(InputError) as slow:
        _rowwise(raw, cfg, monkeypatch)
    assert [dataclasses.asdict(p) for p in fast.value.problems] == [
        dataclasses.asdict(p) for p in slow.value.problems
    ]
    assert any("non-numeric" in p.message for p in fast.value.problems)


def test_repeats_equal_pandas_duplicated() -> None:
    rng = np.random.default_rng(5)
    for size in (0, 1, 50, 2000):
        key = rng.integers(0, max(size // 3, 1), size)
        want = pd.Series(key).duplicated(keep="first").to_numpy()
        np.testing.assert_array_equal(validate._repeats(key), want)


def test_map_coded_codes_follow_first_appearance() -> None:
    s = pd.Series([None, " b", "a", "b", None, 3, 3.0, "3"], dtype=object)
    out, (codes, uniques) = judgments._map_coded(s, judgments._norm_id)
    assert out.tolist() == [None, "b", "a", "b", None, "3", "3", "3"]
    assert codes.tolist() == [-1, 0, 1, 0, -1, 2, 2, 2]
    assert uniques.tolist() == ["b", "a", "3"]
    # a missing field becomes "label": it takes its place in order of appearance
    out, (codes, uniques) = judgments._map_coded(
        pd.Series([None, "x", None]), lambda v: "label" if v is None else v
    )
    assert codes.tolist() == [0, 1, 0] and uniques.tolist() == ["label", "x"]


def _tables_equal(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


@pytest.mark.parametrize("seed", range(6))
def test_analyses_equal_without_label_codes(seed: int, monkeypatch) -> None:
    """Code-based analyses equal their row-by-row fallback (labels unhashable/uncoded)."""
    cfg = AuditConfig(group_by=["region"], n_permutations=30, seed=seed, min_group_size=1)
    raw = _raw(seed)
    fast = load.build_bundle(raw, cfg)
    slow = _rowwise(raw, cfg, monkeypatch)
    slow.__dict__["_label_codes"] = None  # the path taken when labels hold lists
    for fn in (process_analysis, representation_analysis, coverage):
        a, b = fn(fast, cfg), fn(slow, cfg)
        _tables_equal(a.tables, b.tables)
        assert a.facts == b.facts


def test_derived_region_keeps_the_judgment_caches() -> None:
    """Region derived from country: the bundle copy reuses the row codes, same tables."""
    cfg = AuditConfig(n_permutations=20, min_group_size=1)
    raw = _raw(3)
    countries = np.resize(["KE", "DE", "BR", "IN", "prefer not to say"], len(raw.annotators))
    raw.annotators = raw.annotators.drop(columns="region").assign(country=countries)
    fast = load.build_bundle(raw, cfg)
    # the loader derives region itself; without it the analysis derives it again
    fast.annotators = fast.annotators.drop(columns="region")
    fresh = dataclasses.replace(fast)
    with_region = fast.with_annotator_columns(fast.annotators.assign(region="x"))
    assert with_region._row_codes is fast._row_codes
    assert "_row_codes" not in fresh.__dict__
    a, b = representation_analysis(fast, cfg), representation_analysis(fresh, cfg)
    _tables_equal(a.tables, b.tables)
    with pytest.raises(ValueError):
        fast.with_annotator_columns(fast.annotators.iloc[1:])
