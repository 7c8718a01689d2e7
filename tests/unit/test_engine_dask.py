"""The Dask engine: same findings.json as the local engine; clear errors when unusable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelaudit.bundle.judgments import normalise_judgment_columns
from labelaudit.errors import InputError
from labelaudit.pipeline import run_audit
from labelaudit.sources import dask_engine
from labelaudit.sources.dask_engine import merge_partitions, normalise_partition

SCHEMA = """fields:
  harm:
    level: nominal
    values: [low, mid, high, unsure]
  score:
    level: ordinal
    values: [1, 2, 3, 4, 5]
"""


def _write_bundle(out: Path, n_items: int = 240, n_annotators: int = 40) -> Path:
    """A partitioned bundle with ids written as numbers in one part, skips and a duplicate."""
    rng = np.random.default_rng(3)
    out.mkdir()
    pq.write_table(
        pa.table(
            {
                "annotator_id": [f"r{i}" for i in range(n_annotators)],
                "region": rng.choice(["north", "south", "east"], n_annotators, p=[0.5, 0.3, 0.2]),
                "gender": rng.choice(["f", "m"], n_annotators),
            }
        ),
        out / "annotators.parquet",
    )
    (out / "schema.yaml").write_text(SCHEMA)
    rows = []
    truth = rng.integers(0, 3, n_items)
    for item in range(n_items):
        for a in rng.choice(n_annotators, 5, replace=False):
            harm = ["low", "mid", "high", "unsure"][
                truth[item] if rng.random() > 0.3 else rng.integers(0, 4)
            ]
            rows.append((f"i{item}", f"r{a}", "harm", harm))
            score = int(np.clip(truth[item] + 1 + rng.integers(-1, 2), 1, 5))
            rows.append((f"i{item}", f"r{a}", "score", str(score)))
    df = pd.DataFrame(rows, columns=["item_id", "annotator_id", "field", "label"])
    df.loc[::97, "label"] = None  # skipped judgments
    df = pd.concat([df, df.iloc[[10]]], ignore_index=True)  # one duplicate
    jdir = out / "judgments"
    jdir.mkdir()
    for part, rows in enumerate(np.array_split(np.arange(len(df)), 3)):
        chunk = df.iloc[rows]
        pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), jdir / f"p{part}.parquet")
    return out


def test_partition_normalisation_matches_the_whole_table() -> None:
    raw = pd.DataFrame(
        {
            "item": [7, 7.0, "8", None, " 9 "],
            "annotator_id": ["a", "b", "a", "c", "b"],
            "label": ["x", " ", '["p", "q"]', "y", 3.0],
        }
    )
    whole = normalise_judgment_columns(raw.rename(columns={"item": "item_id"}))
    parts = [normalise_partition(raw.iloc[:2], {"item": "item_id"}, normalise_judgment_columns)]
    parts.append(normalise_partition(raw.iloc[2:], {"item": "item_id"}, normalise_judgment_columns))
    merged = merge_partitions(parts)
    assert merged["item_id"].tolist() == ["7", "7", "8", None, "9"]
    assert merged["label"].tolist() == ["x", None, ["p", "q"], "y", 3.0]
    assert merged["field"].tolist() == ["label"] * 5
    pd.testing.assert_frame_equal(merged, whole.reset_index(drop=True))


def test_merged_rows_share_one_object_per_distinct_value() -> None:
    """Decoding a partition makes one object per category, not one per row (as the local
    loader's normalisation does), so the client does not hold a string per judgment."""
    raw = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i1", "i1"],
            "annotator_id": ["a", "a", "b", None],
            "label": ["x", "y", "x", None],
        }
    )
    part = normalise_partition(raw, {}, normalise_judgment_columns)
    assert isinstance(part["item_id"].dtype, pd.CategoricalDtype)
    merged = merge_partitions([part, part])
    items = merged["item_id"].tolist()
    assert items == ["i1", "i2", "i1", "i1"] * 2
    assert len({id(v) for v in items[:4]}) == 2  # within a partition
    assert merged["annotator_id"].tolist()[3] is None and merged["label"].tolist()[3] is None
    assert len({id(v) for v in merged["label"].tolist()[:4] if v is not None}) == 2


def test_partition_missing_a_required_column_comes_back_only_renamed() -> None:
    raw = pd.DataFrame({"item": ["1"], "label": ["x"]})
    out = normalise_partition(raw, {"item": "item_id"}, normalise_judgment_columns)
    assert list(out.columns) == ["item_id", "label"]
    assert out["item_id"].tolist() == ["1"]


def test_missing_dask_is_a_usage_error(monkeypatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    bundle = _write_bundle(tmp_path / "b", n_items=20, n_annotators=10)
    with pytest.raises(InputError) as exc:
        run_audit(bundle, engine="dask", quiet=True)
    assert exc.value.problems[0].setting == "engine"
    assert "labelaudit[dask]" in exc.value.problems[0].fix


@pytest.mark.slow
def test_unreachable_scheduler_exits_2(monkeypatch, tmp_path: Path, capsys) -> None:
    from labelaudit.cli import main

    monkeypatch.setattr(dask_engine, "_CONNECT_TIMEOUT", "2s")
    bundle = _write_bundle(tmp_path / "b", n_items=20, n_annotators=10)
    rc = main(
        ["audit", str(bundle), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--quiet"]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_dask_engine_on_a_local_cluster_matches_the_local_engine(tmp_path: Path) -> None:
    from distributed import LocalCluster

    bundle = _write_bundle(tmp_path / "b")
    opts = {"quiet": True, "n_boot": 40, "n_permutations": 40, "seed": 7}
    local = run_audit(bundle, **opts).to_dict()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        dist = run_audit(
            bundle, engine="dask", scheduler=cluster.scheduler_address, **opts
        ).to_dict()
    assert dist["metrics"] == local["metrics"]
    assert dist["findings"] == local["findings"]
    assert dist["summary"] == local["summary"]
    # the bundle's own problems survive the partitioned read: one duplicate, the skips
    rules = {f["rule"] for f in dist["findings"]}
    assert {"LA001", "LA005"} <= rules
    assert dist["summary"]["judgments"] == 240 * 5 * 2 + 1
    assert json.dumps(dist["metrics"], sort_keys=True) == json.dumps(
        local["metrics"], sort_keys=True
    )


def test_local_engine_never_imports_dask(tmp_path: Path) -> None:
    import subprocess
    import sys

    bundle = _write_bundle(tmp_path / "b", n_items=20, n_annotators=10)
    code = (
        "import sys; from labelaudit.pipeline import run_audit; "
        "r = run_audit(sys.argv[1], quiet=True, n_boot=5, n_permutations=5); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(bundle)], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"
