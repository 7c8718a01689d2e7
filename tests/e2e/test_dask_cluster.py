"""``--engine dask --scheduler`` against a real cluster: a ``dask scheduler`` and two
``dask worker`` processes on 127.0.0.1, started and stopped by the fixture.

The audit runs through the CLI on a partitioned Parquet export of the built-in sample
(every analysis has something to compute: groups, RLHF pairs, timings, guidelines,
data issues) whose files cut items across partitions, and is compared with the local
engine on the same export: the same findings.json except ``run.created_at`` (the clock)
and ``run.config.engine`` / ``run.config.scheduler`` (the options that differ), the same
metric tables, row for row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dask_cluster import DaskCluster, start_cluster

from labelaudit.cli import main
from labelaudit.sample.generate import write_sample_bundle

pytestmark = pytest.mark.slow
N_PARTS = 4
#: what may differ between the two runs, and why: the clock, and the options compared
RUN_SPECIFIC = (("run", "created_at"), ("run", "config", "engine"), ("run", "config", "scheduler"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    c = start_cluster(tmp_path_factory.mktemp("dask-cluster"), n_workers=2)
    pids = c.pids()
    try:
        yield c
    finally:
        c.stop()
        left = [p for p in pids if psutil.pid_exists(p)]
        assert left == [], f"dask processes still running after the fixture: {left}"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample bundle with its judgments as N_PARTS Parquet files, cut by row position.

    The sample's rows follow the raters' sessions, so an item's judgments sit in several
    files: the engine can't assume a partition holds whole items.
    """
    bundle = write_sample_bundle(tmp_path_factory.mktemp("export") / "bundle", seed=3)
    src = bundle / "judgments.jsonl"
    table = pa.Table.from_pylist([json.loads(line) for line in src.open()])
    src.unlink()
    parts = bundle / "judgments"
    parts.mkdir()
    n = table.num_rows
    for i in range(N_PARTS):
        lo, hi = i * n // N_PARTS, (i + 1) * n // N_PARTS
        pq.write_table(table.slice(lo, hi - lo), parts / f"part-{i}.parquet")
    (bundle / "labelaudit.toml").write_text("n_boot = 100\nn_permutations = 100\n")
    return bundle


def _audit(bundle: Path, out: Path, *extra: str) -> dict:
    rc = main(["audit", str(bundle), "--out", str(out), "--quiet", "--format", "markdown", *extra])
    assert rc in (0, 1), f"audit exited {rc}"
    return json.loads((out / "findings.json").read_text())


def _without(doc: dict, paths: tuple[tuple[str, ...], ...]) -> dict:
    doc = json.loads(json.dumps(doc))
    for path in paths:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])
    return doc


def test_audit_on_a_real_cluster_matches_the_local_engine(
    cluster: DaskCluster, export: Path, tmp_path: Path
) -> None:
    local = _audit(export, tmp_path / "local")
    dist = _audit(export, tmp_path / "dask", "--engine", "dask", "--scheduler", cluster.address)
    assert dist["run"]["config"]["engine"] == "dask"
    assert dist["run"]["config"]["scheduler"] == cluster.address
    assert local["run"]["config"]["engine"] == "local"
    # every metric table, compared one by one so a failure names the table
    assert sorted(dist["metrics"]) == sorted(local["metrics"])
    for name, table in local["metrics"].items():
        assert dist["metrics"][name] == table, name
    assert _without(dist, RUN_SPECIFIC) == _without(local, RUN_SPECIFIC)
    # the export's own problems came through the partitioned read: duplicates, the
    # unknown annotator; and every row read was counted
    rules = {f["rule"] for f in dist["findings"]}
    assert {"LA001", "LA002"} <= rules, rules
    n_rows = sum(pq.read_metadata(p).num_rows for p in (export / "judgments").glob("*.parquet"))
    assert dist["summary"]["judgments"] == n_rows
    # the markdown summary too, but for the run's time in its header
    md = [re.sub(r"run \S+\+00:00", "run T", (tmp_path / w / "summary.md").read_text())
          for w in ("local", "dask")]  # fmt: skip
    assert md[0] == md[1]


def test_the_cluster_did_the_reading(cluster: DaskCluster, export: Path, tmp_path: Path) -> None:
    """The partitions were read by the two worker processes, not by the client."""
    from distributed import Client

    _audit(export, tmp_path / "dask", "--engine", "dask", "--scheduler", cluster.address)
    with Client(cluster.address, timeout="20s") as client:
        done = client.run(lambda dask_worker: len(dask_worker.state.log), nanny=False)
    assert len(done) == 2
    assert all(n > 0 for n in done.values()), done
