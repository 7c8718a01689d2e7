"""What every group-difference finding shares: its test's evidence and wording, and the
info line about groups left untested for lack of support.

A group-difference finding needs a permutation test that relabels raters behind it (the row's
``p_value``, ``p_adjusted``, ``n_permutations`` and ``family_size``, from
:mod:`labelaudit.stats.significance`); rows without one produce no finding. Rules that
ask for a minimum support (their ``min_annotators``, ``min_items``, ``min_judgments``
parameters) report the visible groups below it in one info line per rule, saying what
a test would need.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext
from labelaudit.checks.rows import figure

#: the test columns of a tested row, as they appear in a finding's evidence
TEST_COLUMNS = ("p_value", "p_adjusted", "n_permutations", "family_size")
#: support parameter -> (row column, what it counts)
SUPPORT = {
    "min_annotators": ("n_annotators", "raters"),
    "min_items": ("n_items", "items"),
    "min_judgments": ("n_judgments", "judgments"),
}


def test_evidence(row: dict) -> dict[str, float | int] | None:
    """The row's p_value, p_adjusted, n_permutations and family_size; None if untested.

    >>> test_evidence({"p_value": 0.001, "p_adjusted": 0.02, "n_permutations": 2000,
    ...                "family_size": 30})
    {'p_value': 0.001, 'p_adjusted': 0.02, 'n_permutations': 2000, 'family_size': 30}
    >>> test_evidence({"p_value": 0.001, "p_adjusted": None}) is None
    True
    """
    values = {c: figure(row, c) for c in TEST_COLUMNS}
    if any(v is None for v in values.values()) or not values["n_permutations"]:
        return None
    return {
        "p_value": values["p_value"],
        "p_adjusted": values["p_adjusted"],
        "n_permutations": int(values["n_permutations"]),  # type: ignore[arg-type]
        "family_size": int(values["family_size"]),  # type: ignore[arg-type]
    }


def test_text(test: dict, code: str, sides: str = "two-sided") -> str:
    """The test in words: p, its permutations, the adjusted p and the family.

    >>> test_text({"p_value": 0.0005, "p_adjusted": 0.015, "n_permutations": 3999,
    ...            "family_size": 30}, "LA103")
    'two-sided permutation p = 0.0005 (3,999 relabellings of the raters), Benjamini-Hochberg adjusted p = 0.015 over the 30 tests of family LA103'
    """
    return (
        f"{sides} permutation p = {test['p_value']:.2g} "
        f"({test['n_permutations']:,} relabellings of the raters), Benjamini-Hochberg adjusted p = "
        f"{test['p_adjusted']:.2g} over the {test['family_size']} tests of family {code}"
    )


def support_gaps(ctx: CheckContext, row: dict, columns: dict[str, str] | None = None) -> list[str]:
    """The rule's minimum support this row misses, in words (empty: enough support).

    ``columns`` maps a support parameter to the row's column where it is not the usual
    one (e.g. ``{"min_items": "n_items_compared"}``).
    """
    gaps = []
    for name, (column, noun) in SUPPORT.items():
        column = (columns or {}).get(name, column)
        if name not in ctx.params or column not in row:
            continue
        have, need = figure(row, column), ctx.param(name)
        if have is not None and need is not None and have < need:
            gaps.append(f"{noun} ({int(have)} < {need})")
    return gaps


def support_note(
    ctx: CheckContext, rows: Iterable[dict], what: str, columns: dict[str, str] | None = None
) -> Iterator[Finding]:
    """One info line: visible, untested rows below the rule's minimum support.

    ``what`` names a row (e.g. "group"); ``columns`` as for :func:`support_gaps`. Rows
    that were tested, and rows the privacy step suppressed (not in ``rows``), are not
    counted.
    """
    short: dict[str, int] = {}
    n = 0
    for row in rows:
        if test_evidence(row) is not None:
            continue
        gaps = support_gaps(ctx, row, columns)
        n += bool(gaps)
        for gap in gaps:
            noun = gap.split(" (")[0]
            short[noun] = short.get(noun, 0) + 1
    if not n:
        return
    ctx.judged(f"{what}s", n)  # looked at, and found short of the support a test needs
    need = ", ".join(
        f"{ctx.param(name)} {noun}" for name, (_, noun) in SUPPORT.items() if name in ctx.params
    )
    why = ", ".join(f"too few {noun} ({k})" for noun, k in short.items())
    finding = ctx.hit(
        f"{n} {what}(s) could not be tested for this rule: {why}. A test needs at least "
        f"{need} (rule parameters "
        f"{', '.join(name for name in SUPPORT if name in ctx.params)}); below that a "
        "difference describes a few raters or items, not a group.",
        evidence={"untested": n, **{f"too_few_{k}": v for k, v in short.items()},
                  **{name: ctx.param(name) for name in SUPPORT if name in ctx.params}},
    )  # fmt: skip
    # an info line stays one, whatever severity the rule's findings are configured to
    yield dataclasses.replace(finding, severity="info")
