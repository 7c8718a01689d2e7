"""Every worked example in a docstring, across the whole package, is checked."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import labelaudit

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(labelaudit.__path__, prefix="labelaudit.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} doctest(s) failed"


def test_the_numeric_core_has_worked_examples():
    """Style rule: every stats module carries checked examples."""
    stats = [n for n in MODULES if n.startswith("labelaudit.stats.") and not n.endswith("__init__")]
    for name in stats:
        finder = doctest.DocTestFinder()
        examples = sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
        assert examples > 0, f"{name} has no worked examples"
