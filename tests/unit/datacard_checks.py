"""Checks of a written ``datacard.md`` shared by the sample-bundle and real-data tests.

Group sizes are counted here from the bundle's own annotators table (not from the
audit), the way the report's privacy tests count them, so a card that printed a figure
for a small group would be caught even if the audit's own bookkeeping were wrong.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from labelaudit.bundle.ages import bin_ages
from labelaudit.bundle.attributes import is_undisclosed
from labelaudit.render.datacard import HEADINGS

#: columns that never form groups
NOT_GROUPS = {"annotator_id", "languages", "hourly_pay", "currency"}
_FINDING_LINE = re.compile(r"^- (?P<msg>.*) \(\[LA\d{3}, (high|medium|low|info)\]\(")
_LINK = re.compile(r"\]\((?P<file>[^)#\s]+)#(?P<anchor>[^)\s]+)\)")


def pool_sizes(bundle: Path) -> dict[str, dict[str, int]]:
    """Raters per group of every categorical attribute (ages in the audit's bands)."""
    table = pd.read_parquet(bundle / "annotators.parquet")
    table, _ = bin_ages(table)
    sizes = {}
    for col in table.columns:
        if col in NOT_GROUPS or pd.api.types.is_numeric_dtype(table[col]):
            continue
        values = table.drop_duplicates("annotator_id")[col]
        values = values[values.notna() & ~values.map(is_undisclosed)].astype(str)
        sizes[col] = {str(g): int(n) for g, n in values.value_counts().items()}
    return sizes


def hidden_names(sizes: dict[str, dict[str, int]], k: int, doc: dict) -> set[str]:
    """Names of the groups the card must not give a figure for: every group with fewer
    than k raters (counted here from the raw annotators table), and every group the
    report itself hides (its findings.json rows marked suppressed). A name that is a
    shown group of another attribute is left out (a cell could then be either)."""
    hidden = {g for groups in sizes.values() for g, n in groups.items() if 0 < n < k}
    shown: set[str] = set()
    for row in doc["metrics"].get("representation") or []:
        group = row.get("group")
        if group is None:
            continue
        (hidden if row.get("suppressed") else shown).add(str(group))
    shown |= {g for groups in sizes.values() for g, n in groups.items() if n >= k} - hidden
    return hidden - shown


def unescape(cell: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", cell.strip()))


def check_card(card: str, report_html: str, messages: list[str], hidden: set[str]) -> None:
    """Every section present; no figure for a hidden group; every link lands in the report."""
    for heading in HEADINGS.values():
        assert f"\n## {heading}\n" in card, heading
    assert hidden, "the data has small groups: the check would prove nothing"
    named_in_folds = set()
    for line in card.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = {unescape(c) for c in re.split(r"(?<!\\)\|", line.strip("|"))}
            assert not cells & hidden, f"a table row names a suppressed group: {line}"
        elif (m := _FINDING_LINE.match(line)) is not None:
            # findings are quoted verbatim: the card adds no figure to what findings.json says
            assert unescape(m["msg"]) in messages, line
        elif "not shown:" in line:
            assert line.startswith(("Suppressed: fewer than ", "Hidden so that a smaller")), line
            named_in_folds |= {h for h in hidden if unescape(h) in unescape(line)}
        elif re.search(r"\d", line):
            words = set(re.findall(r"[\w-]+", unescape(line)))
            assert not words & {h for h in hidden if re.fullmatch(r"[\w-]+", h)}, line
    assert named_in_folds, "suppressed groups are named (without figures), as in the report"
    for m in _LINK.finditer(card):
        assert m["file"] == "report.html", m.group(0)
        assert f'id="{m["anchor"]}"' in report_html, f"link to a missing anchor: {m.group(0)}"
