"""The layout tells the data flow: no module imports one that (directly or not) imports it.

The stage order itself (sources → bundle → rulebook → analyses → privacy → checks →
result → render) is the import-linter contract in pyproject.toml, which ``make test``
runs; this test adds what a layers contract cannot see: cycles between modules of one
stage, and modules grown past one concept.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "labelaudit"
MAX_LINES = 450


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("labelaudit", include_external_packages=False)


def test_no_import_cycle_between_modules(graph) -> None:
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == module or imported == "labelaudit":
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None and module not in ("labelaudit",):
                cycles.append(" -> ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_stage_contract_holds() -> None:
    """The same check ``make test`` runs first, so a back-arrow also fails the suite."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=SRC.parents[1])
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 kept, 0 broken" in done.stdout


def test_modules_hold_one_concept() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
