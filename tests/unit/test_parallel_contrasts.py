"""Contrasts side by side (``workers``): the same results whatever the number of threads.

- the engine: the same p-values, permutation counts, null means and families with one
  worker and with three, while the statistics really ran in more than one thread;
- the audit: findings.json and the report byte for byte the same with ``--workers 1``
  and ``--workers 2`` (``workers`` is not recorded with the run);
- the setting: a bad value is one clear message (exit 2); numba's ``workqueue`` layer,
  which cannot launch kernels from two threads, gets one worker.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from labelaudit.analyses import significance as analysis_significance
from labelaudit.cli import main
from labelaudit.config import AuditConfig
from labelaudit.sample.generate import write_sample_bundle
from labelaudit.stats import kernel
from labelaudit.stats.significance import Contrast, run_contrasts


class _MeanGap:
    """Per group: mean score of its members minus everyone else's; notes its threads."""

    def __init__(self, scores: np.ndarray, n_groups: int, threads: set[int]) -> None:
        self.scores, self.n_groups, self.threads = scores, n_groups, threads

    def __call__(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        self.threads.add(threading.get_ident())
        out = np.empty((rows.shape[0], cols.size))
        for j, g in enumerate(cols):
            member = rows == g
            n_in = member.sum(axis=1)
            s_in = (member * self.scores).sum(axis=1)
            total, n = self.scores.sum(), self.scores.size
            out[:, j] = s_in / n_in - (total - s_in) / (n - n_in)
        return out


def _contrasts(threads: set[int]) -> list[Contrast]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(6):
        n, g = 60 + 10 * i, 2 + i % 3
        codes = rng.integers(0, g, n)
        scores = rng.normal(size=n) + 0.8 * (codes == 0) * (i % 2)  # a real effect in some
        codes[rng.integers(0, n, 3)] = -1  # a few raters without the attribute
        family = ["A" if i < 3 else "B"] * g
        out.append(Contrast(f"c{i}", codes, np.arange(n), _MeanGap(scores, g, threads),
                            family, ["two-sided"] * g, np.ones(g, dtype=bool), block=16))  # fmt: skip
    return out


@pytest.mark.parametrize("stop_after", [10, None])
def test_engine_results_do_not_depend_on_the_number_of_workers(stop_after):
    runs = {}
    for workers in (1, 3):
        threads: set[int] = set()
        runs[workers] = run_contrasts(
            _contrasts(threads), {"A": 0.05, "B": 0.05}, n_permutations=300,
            max_permutations=2000, stop_after=stop_after, seed=11, workers=workers,
        )  # fmt: skip
        runs[workers] += (threads,)
    (res1, fam1, threads1), (res3, fam3, threads3) = runs[1], runs[3]
    assert len(threads1) == 1 and len(threads3) > 1  # the parallel run really was parallel
    for a, b in zip(res1, res3, strict=True):
        for name in ("observed", "p_value", "p_adjusted", "n_permutations", "null_mean",
                     "family_size"):  # fmt: skip
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert fam1 == fam3
    # the runs did something worth comparing: some tests stopped, some went on
    used = np.concatenate([r.n_permutations for r in res1])
    assert used.min() > 0 and (used.max() > used.min() or stop_after is None)


def test_engine_error_in_a_worker_reaches_the_caller():
    threads: set[int] = set()
    cs = _contrasts(threads)

    def broken(rows, cols):
        if rows.shape[0] > 1:  # the observed value works, the relabellings do not
            raise RuntimeError("statistic failed")
        return np.zeros((rows.shape[0], cols.size))

    cs[2].statistic = broken
    with pytest.raises(RuntimeError, match="statistic failed"):
        run_contrasts(cs, {"A": 0.05, "B": 0.05}, n_permutations=50, max_permutations=50,
                      stop_after=10, seed=0, workers=2)  # fmt: skip


@pytest.fixture(scope="module")
def sample_bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel")
    bundle = write_sample_bundle(root / "bundle", seed=5, n_items=120, n_annotators=90)
    (bundle / "labelaudit.toml").write_text("n_boot = 30\nn_permutations = 300\n")
    return bundle


def test_audit_bytes_do_not_depend_on_the_number_of_workers(sample_bundle, tmp_path,
                                                             monkeypatch):  # fmt: skip
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for w in ("1", "2"):
        code = main(["audit", str(sample_bundle), "--out", str(tmp_path / w), "--quiet",
                     "--workers", w])  # fmt: skip
        assert code in (0, 1)
    one = (tmp_path / "1" / "findings.json").read_bytes()
    two = (tmp_path / "2" / "findings.json").read_bytes()
    assert one == two
    assert (tmp_path / "1" / "report.html").read_bytes() == (
        tmp_path / "2" / "report.html"
    ).read_bytes()
    doc = json.loads(one)
    assert "workers" not in doc["run"]["config"]
    # permutation tests of several analyses ran, some stopping early, some not
    used = {(name, r["n_permutations"]) for name, rows in doc["metrics"].items()
            if isinstance(rows, list) for r in rows
            if isinstance(r, dict) and r.get("n_permutations")}  # fmt: skip
    assert len({name for name, _ in used}) >= 4 and len({n for _, n in used}) >= 5


@pytest.mark.parametrize("value", ["-1", "many"])
def test_bad_workers_is_one_clear_message(sample_bundle, tmp_path, capsys, value):
    if value == "many":  # only a config file can give a non-number
        cfg = tmp_path / "labelaudit.toml"
        cfg.write_text('workers = "many"\n')
        argv = ["audit", str(sample_bundle), "--out", str(tmp_path / "o"), "-c", str(cfg)]
    else:
        argv = ["audit", str(sample_bundle), "--out", str(tmp_path / "o"), "--workers", value]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "workers" in err and "Traceback" not in err


def test_workers_follow_the_setting_and_the_cpus(monkeypatch):
    monkeypatch.setattr(analysis_significance, "concurrent_kernels", lambda k: True)
    assert analysis_significance.test_workers(AuditConfig(workers=3)) == 3
    monkeypatch.setattr(analysis_significance.os, "sched_getaffinity", lambda pid: {0, 1, 5})
    assert analysis_significance.test_workers(AuditConfig(workers=0)) == 3


def test_unsafe_numba_threading_layer_gets_one_worker(monkeypatch):
    numba = pytest.importorskip("numba")
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    assert kernel.concurrent_kernels("numba") is False
    assert analysis_significance.test_workers(AuditConfig(kernel="numba", workers=2)) == 1
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    assert kernel.concurrent_kernels("numba") is True
    assert kernel.concurrent_kernels("numpy") is True
