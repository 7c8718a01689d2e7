"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` as subprocesses.

Everything listens on 127.0.0.1 on ports the OS picks (the scheduler writes its address
to a scheduler file). Each process runs in its own session, so :meth:`DaskCluster.stop`
ends it and its children by their process group, and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import labelaudit

DASK = Path(sys.executable).with_name("dask")
#: the labelaudit under test, importable by the workers (they unpickle its functions)
SRC = Path(labelaudit.__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0


@dataclass
class DaskCluster:
    address: str
    procs: list[subprocess.Popen] = field(default_factory=list)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        # workers first, then the scheduler; SIGTERM, then SIGKILL after 10 s
        for proc in reversed(self.procs):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)  # its own session: the group id is its pid


def start_cluster(workdir: Path, n_workers: int = 2, threads: int = 1) -> DaskCluster:
    """Start a scheduler and ``n_workers`` single-process workers; wait until all joined."""
    if not DASK.exists():
        raise RuntimeError(f"the dask CLI is missing ({DASK}): install the dev extras")
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    sched_file = workdir / "scheduler.json"
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    cluster = DaskCluster(address="")

    def spawn(args: list[str], name: str) -> subprocess.Popen:
        out = (logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [str(DASK), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=workdir,
        )  # fmt: skip
        out.close()
        cluster.procs.append(proc)
        return proc

    try:
        sched = spawn(
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(sched_file), "--idle-timeout", "3600"],
            "scheduler",
        )  # fmt: skip
        cluster.address = _wait_for_address(sched_file, sched, logs / "scheduler.log")
        for i in range(n_workers):
            spawn(
                ["worker", cluster.address, "--host", "127.0.0.1", "--nthreads", str(threads),
                 "--nworkers", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}",
                 "--death-timeout", "60", "--local-directory", str(workdir / f"w{i}")],
                f"worker-{i}",
            )  # fmt: skip
        _wait_for_workers(cluster, n_workers, logs)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_address(sched_file: Path, proc: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited ({proc.returncode}): {log.read_text()}")
        if sched_file.is_file():
            try:
                return json.loads(sched_file.read_text())["address"]
            except (ValueError, KeyError):
                pass  # being written
        time.sleep(0.1)
    raise RuntimeError(f"dask scheduler did not start in {START_TIMEOUT_S} s: {log.read_text()}")


def _wait_for_workers(cluster: DaskCluster, n: int, logs: Path) -> None:
    from distributed import Client

    with Client(cluster.address, timeout="20s") as client:
        try:
            client.wait_for_workers(n, timeout=START_TIMEOUT_S)
        except TimeoutError:
            text = "\n".join(p.read_text() for p in sorted(logs.glob("worker-*.log")))
            raise RuntimeError(f"{n} dask workers did not join: {text[-4000:]}") from None
