"""Start and stop a real Label Studio server for the integration tests.

Label Studio lives in its own venv (``.venv-ls``, made by ``.ci/install-labelstudio.sh``)
so its pins stay out of labelaudit's environment. The first ``init`` spends a while on
database migrations: it is done once into a template data dir, which each server copies.
The server is told to make no outbound calls (Sentry, analytics, version check).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LS_VENV = REPO / ".venv-ls"
LS_BIN = LS_VENV / "bin" / "label-studio"
INSTALL_HINT = "run .ci/install-labelstudio.sh (it installs Label Studio into .venv-ls)"

ADMIN_EMAIL = "admin@labelaudit.test"
ADMIN_PASSWORD = "labelaudit-admin-pw"
#: legacy token of the admin user; tests assert it never leaks into outputs
ADMIN_TOKEN = "la-test-token-5f3c9a1e7b"


def ls_env(data_dir: Path) -> dict[str, str]:
    """Environment for ``label-studio``: local data dir, fixed admin, no outbound calls."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            "LABEL_STUDIO_USERNAME": ADMIN_EMAIL,
            "LABEL_STUDIO_PASSWORD": ADMIN_PASSWORD,
            "LABEL_STUDIO_USER_TOKEN": ADMIN_TOKEN,
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def require_install() -> None:
    """Fail (never skip) when Label Studio is not installed."""
    if not LS_BIN.exists():
        raise RuntimeError(f"Label Studio is not installed at {LS_VENV}: {INSTALL_HINT}")


def init_template(data_dir: Path, log_path: Path, timeout: float = 600.0) -> float:
    """Run ``label-studio init`` into ``data_dir`` (migrations, admin user); return seconds."""
    require_install()
    data_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.run(
            [str(LS_BIN), "init", "--no-browser", "--data-dir", str(data_dir)],
            env=ls_env(data_dir),
            cwd=data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"label-studio init failed ({proc.returncode}):\n{tail}")
    return time.monotonic() - start


def installed_version() -> str:
    """Version of the Label Studio in ``.venv-ls`` (read from its package metadata)."""
    found = sorted(LS_VENV.glob("lib/python*/site-packages/label_studio-*.dist-info"))
    if not found:
        return "unknown"
    return found[-1].name.removeprefix("label_studio-").removesuffix(".dist-info")


def cached_template(log_dir: Path) -> tuple[Path, float]:
    """A migrated data dir, cached under ``.ls-template/`` (git-ignored) across runs.

    The first ``init`` (database migrations) costs minutes on a busy 2-core machine; the
    cache is keyed by the Label Studio version and the admin settings, so a new version
    or other credentials make a new one. Returns the dir and the seconds spent on init
    (0 when cached).
    """
    key = hashlib.sha256(f"{ADMIN_EMAIL}|{ADMIN_TOKEN}".encode()).hexdigest()[:10]
    cache = REPO / ".ls-template" / f"{installed_version()}-{key}"
    if (cache / ".complete").exists():
        return cache / "data", 0.0
    work = Path(tempfile.mkdtemp(prefix="ls-template-", dir=log_dir))
    seconds = init_template(work / "data", log_dir / "init.log")
    (work / ".complete").write_text(f"label-studio init in {seconds:.1f} s\n")
    cache.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(work, cache.with_name(cache.name + ".partial"), dirs_exist_ok=True)
        os.replace(cache.with_name(cache.name + ".partial"), cache)
    except OSError:
        return work / "data", seconds  # another run filled the cache first: use ours
    return cache / "data", seconds


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (Label Studio silently moves off a busy one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabelStudioServer:
    url: str
    token: str
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen
    start_seconds: float

    def stop(self) -> None:
        """Stop the server's whole process group (by its PID), waiting for it to exit."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_server(template: Path, data_dir: Path, timeout: float = 240.0) -> LabelStudioServer:
    """Copy the template data dir and start a server on a free port of 127.0.0.1."""
    require_install()
    shutil.copytree(template, data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                str(LS_BIN),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            env=ls_env(data_dir),
            cwd=data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: stopped as one by its PID
        )
    server = LabelStudioServer(url, ADMIN_TOKEN, data_dir, log_path, proc, 0.0)
    deadline = start + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Label Studio exited ({proc.returncode}) while starting:\n{tail}")
        if _healthy(url):
            server.start_seconds = time.monotonic() - start
            return server
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"Label Studio did not answer /health on {url} within {timeout:g} s")
