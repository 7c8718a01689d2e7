"""Privacy: what the reports may print, decided once for the whole run.

Two steps, around the analyses (pipeline order: bundle → plan → analyses → release →
checks):

* :func:`make_plan` reads only group sizes. It lays out every count the run's reports
  print (each attribute's groups, intersections, each field, split reports, the
  undisclosed) as linked cells and picks the cells to hide so that no hidden one can be
  recovered by adding and subtracting printed ones (:mod:`labelaudit.stats.disclosure`).
  Analyses see the hidden groups (``Bundle.hidden_groups``) so that figures pooled over
  groups leave them out.
* :func:`release` applies it to every metric table and fact: the checks and every
  renderer read its output and nothing else. Small groups' figures and names, hidden
  groups' figures, per-annotator ids (keyed pseudonyms, :mod:`labelaudit.privacy.keys`),
  and for vendors per-annotator tables and pay other than by region, never leave it.

Settings that weaken this are refused for vendors and echoed on the terminal
(:func:`k_notice`).
"""

from __future__ import annotations

from labelaudit.config import AuditConfig
from labelaudit.privacy.groups import folded_label
from labelaudit.privacy.keys import pseudonym_key, pseudonymise
from labelaudit.privacy.plan import Plan, make_plan
from labelaudit.privacy.release import (
    Release,
    Report,
    privacy_facts,
    release,
    release_grouped,
    release_reports,
)

__all__ = [
    "Plan",
    "release_tables",
    "Release",
    "folded_label",
    "k_notice",
    "make_plan",
    "privacy_facts",
    "pseudonym_key",
    "pseudonymise",
    "release",
    "release_grouped",
    "release_reports",
    "Report",
]

#: the default minimum group size (and the floor for vendor reports)
DEFAULT_K = AuditConfig().min_group_size


def k_notice(cfg: AuditConfig, origin: str) -> str | None:
    """The line the terminal shows when a setting lowers the minimum group size.

    >>> k_notice(AuditConfig(min_group_size=3), "labelaudit.toml")
    'min_group_size = 3 (set in labelaudit.toml) is below the default 5: groups of 3 to 4 raters are shown'
    >>> k_notice(AuditConfig(min_group_size=5), "labelaudit.toml") is None
    True
    """
    k = cfg.min_group_size
    if k >= DEFAULT_K:
        return None
    if k <= 1:
        shown = "no group is suppressed, even one rater's figures are shown"
    elif k == DEFAULT_K - 1:
        shown = f"groups of {k} raters are shown"
    else:
        shown = f"groups of {k} to {DEFAULT_K - 1} raters are shown"
    return f"min_group_size = {k} (set in {origin}) is below the default {DEFAULT_K}: {shown}"


def release_tables(
    tables: dict, *, k: int, audience: str = "internal", key: bytes = b"labelaudit"
) -> dict:
    """Metric tables released without a bundle (rows judged by their own counts): for tests
    and notebooks that build tables by hand."""
    plan = Plan.from_rows(k)
    return release(tables, {}, plan, audience=audience, key=lambda: key).tables
