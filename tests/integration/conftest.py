"""Fixtures for tests against a real Label Studio server (no mocks)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import ls_server
import pytest

#: timings shown at the end of the run (for the project's notes on CI cost)
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def ls_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Label Studio data dir, made once (and cached in .ls-template/)."""
    if not ls_server.LS_BIN.exists():
        pytest.fail(
            f"Label Studio is not installed at {ls_server.LS_VENV}: {ls_server.INSTALL_HINT}",
            pytrace=False,
        )
    data, seconds = ls_server.cached_template(tmp_path_factory.mktemp("ls-template"))
    TIMINGS["template init (s, 0 = cached)"] = seconds
    return data


@pytest.fixture(scope="session")
def ls_server_session(
    ls_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ls_server.LabelStudioServer]:
    """One server shared by the tests that only read what they create themselves."""
    TIMINGS.setdefault("suite start", time.monotonic())
    root = tmp_path_factory.mktemp("ls-run")
    server = ls_server.start_server(ls_template, root / "data")
    TIMINGS["server start (s)"] = server.start_seconds
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ls_server_fresh(ls_template: Path, tmp_path: Path) -> Iterator[ls_server.LabelStudioServer]:
    """A server of the test's own (for tests that change server-wide state)."""
    server = ls_server.start_server(ls_template, tmp_path / "ls-data")
    TIMINGS["fresh server start (s)"] = server.start_seconds
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    shown = {k: v for k, v in TIMINGS.items() if k != "suite start"}
    if "suite start" in TIMINGS:
        shown["tests from first server start, wall (s)"] = time.monotonic() - TIMINGS["suite start"]
    terminalreporter.write_sep("-", "Label Studio timings")
    for key, value in shown.items():
        terminalreporter.write_line(f"{key}: {value:.1f}")
