"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public annotation sets in ../shared/data (never copied into the repo)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: CI lays shared/ beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key_home(tmp_path_factory):
    """Keep the per-user pseudonym key (``$XDG_DATA_HOME/labelaudit``) out of the real home.

    Subprocesses inherit it, so CLI runs in tests share one throwaway key.
    """
    import os

    old = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if old is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = old
