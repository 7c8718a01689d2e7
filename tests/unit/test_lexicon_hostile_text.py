"""The shipped lexicons (Python's ``re``) on hostile guideline lines: linear, no hang.

A guideline is user input. The shipped unit and currency patterns once read numbers as
``\\d[\\d,.]*``: on a 20,000-character line of ``1,1,1,...`` each start re-scanned the
rest of the line, and one line took 47 s. Number runs are bounded now (24 characters
is longer than any written amount); the timeout is a hang guard, not a benchmark.
"""

from __future__ import annotations

import pytest

from labelaudit.bundle.types import Guideline
from labelaudit.text.lexicon import load_lexicons, scan_guideline

UNITS = ["1,", "1.", "1/", "1-", "1 ", "1'", "1:", "$1", "£1", "a ", "A.", "-(", "1"]


@pytest.mark.timeout(60)
def test_shipped_lexicons_scan_long_runs_of_digits_and_separators():
    lexicons = load_lexicons()
    lines = [unit * (20_000 // len(unit)) for unit in UNITS]
    found = scan_guideline(Guideline("hostile.md", lines), lexicons)
    # a 24-character cap still flags real amounts of money and units
    normal = Guideline("ok.md", ["Spend $1,250,000.00 on 3,000 gallons, 2.5 miles away."])
    terms = {m.term for m in scan_guideline(normal, lexicons)}
    assert {"$1,250,000.00", "3,000 gallons", "2.5 miles"} <= terms
    assert all(len(m.term) < 40 for m in found)
