"""The release: every table and fact, as the checks and every output may see them.

Runs once per report, after the analyses and before the checks. What it returns is all a
check, a renderer or a serialiser ever reads, so the HTML, findings.json and every other
format built from the result are covered by construction:

* grouped tables go through :func:`labelaudit.privacy.groups.release_grouped`;
* side columns that sum over groups are recomputed over shown groups by the analyses (the
  plan is known before they run) or nulled here when a table's own suppression makes them
  a difference away from a hidden count;
* speaker counts below k (``languages``), and what they would give away in
  ``guideline_stats``, are hidden;
* per-annotator tables carry keyed pseudonyms (internal) or are left out (vendor);
* the vendor edition shows pay by region only;
* ``facts["privacy"]`` holds only released sizes: shown groups' sizes, the names and
  reasons of hidden groups that may be named, and what a reader can work out anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelaudit.privacy.audit import hidden_in, joint_audit
from labelaudit.privacy.dtypes import typed
from labelaudit.privacy.groups import Grouped, finish, prepare
from labelaudit.privacy.keys import pseudonymise
from labelaudit.privacy.plan import POOL, Plan
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.disclosure import COMPLEMENTARY, SMALL

#: attributes a vendor sees pay by (vendors set pay by region, not by gender or age)
VENDOR_PAY_ATTRIBUTES = ("region",)


@dataclass
class Release:
    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]
    #: what was hidden and withheld, for the report's edition notes and findings.json
    summary: dict[str, Any]
    methods: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Report:
    """One report's analysed tables and facts, and its view of the run's plan."""

    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]
    plan: Plan


def release(
    tables: dict[str, pd.DataFrame],
    facts: dict[str, Any],
    plan: Plan,
    *,
    audience: str,
    key: Callable[[], bytes],
) -> Release:
    """One report's tables and facts as every output may show them."""
    return release_reports({None: Report(tables, facts, plan)}, audience=audience, key=key)[None]


def release_reports(
    reports: dict[Any, Report], *, audience: str, key: Callable[[], bytes]
) -> dict[Any, Release]:
    """Every report of a run released together: their tables are audited as one set."""
    staged: dict[Any, tuple] = {}
    grouped: list[Grouped] = []
    for rid, rep in reports.items():
        out: dict[str, Any] = {}
        withheld_tables: list[str] = []
        pay_withheld: list[str] = []
        pseudonymised = False
        for name, table in rep.tables.items():
            if "annotator_id" in table.columns:
                if audience == "vendor":
                    withheld_tables.append(name)
                    continue
                table = table.copy()
                table["annotator_id"] = pseudonymise(table["annotator_id"], key())
                pseudonymised = True
            if name == "pay_by_group" and audience == "vendor" and "attribute" in table.columns:
                keep = table["attribute"].isna() | table["attribute"].isin(VENDOR_PAY_ATTRIBUTES)
                pay_withheld = sorted({str(a) for a in table.loc[~keep, "attribute"].dropna()})
                table = table[keep].reset_index(drop=True)
            g = prepare(name, table, rep.plan)
            if g is None:
                out[name] = table
            else:
                out[name] = g
                grouped.append(g)
        staged[rid] = (out, withheld_tables, pay_withheld, pseudonymised)
    extra = joint_audit(grouped)
    pool_counts = hidden_in("representation", extra)
    released: dict[Any, Release] = {}
    for rid, rep in reports.items():
        if rep.plan.prefix and rep.plan.prefix in pool_counts:
            continue  # the split's own group had to be hidden: its report is not written
        out, withheld_tables, pay_withheld, pseudonymised = staged[rid]
        newly: dict[str, set[str]] = {}  # table -> attributes with a group hidden late
        tables: dict[str, pd.DataFrame] = {}
        for name, item in out.items():
            if isinstance(item, Grouped):
                more = hidden_in(name, extra)
                newly[name] = {
                    str(item.table.at[i, "attribute"])
                    for i in item.rows()
                    if i not in item.hidden and item.key(i) in more
                }
                tables[name] = finish(item, more)
            else:
                tables[name] = item
        plan = rep.plan.with_hidden({c: COMPLEMENTARY for c in pool_counts})
        _side_columns(tables, plan, newly)
        tables = {name: typed(t) for name, t in tables.items()}
        facts = dict(rep.facts)
        facts["privacy"] = privacy_facts(plan)
        info = dict(facts.get("representation") or {})
        if "unrecognised_countries" in info:  # values as raters typed them: counted, not listed
            info["n_unrecognised_countries"] = len(info["unrecognised_countries"] or [])
            info["unrecognised_countries"] = []
            facts["representation"] = info
        summary = _summary(plan, audience, withheld_tables, pay_withheld, pseudonymised)
        released[rid] = Release(tables, facts, summary, _methods(plan, audience, summary))
    return released


def release_grouped(name: str, table: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """One grouped table alone through the release (its own rows audited, no other table)."""
    g = prepare(name, table, plan)
    return table if g is None else finish(g, hidden_in(name, joint_audit([g])))


# ---------------------------------------------------------------- side columns
def _side_columns(tables: dict[str, pd.DataFrame], plan: Plan, newly: dict[str, set[str]]) -> None:
    """Columns outside the grouped rows that would give a hidden count back."""
    k = plan.k
    # figures pooled over groups were computed before the joint audit hid ``newly``'s
    # extra groups: where one is among them, the pooled figure is withheld
    for name, (source, cols) in POOLED.items():
        t = tables.get(name)
        late = newly.get(source) or set()
        if t is not None and not t.empty and late and "attribute" in t.columns:
            rows = t["attribute"].isin(sorted(late))
            tables[name] = _null(t, rows, cols)
    langs = tables.get("languages")
    if langs is not None and "n_annotators_speaking" in langs.columns and not langs.empty:
        n = pd.to_numeric(langs["n_annotators_speaking"], errors="coerce").astype(float)
        few = ((n > 0) & (n < k)).fillna(False).astype(bool)
        langs = _null(langs, few, ["n_annotators_speaking"])
        langs["suppressed_reason"] = [SMALL if f else None for f in few]
        tables["languages"] = langs
    stats = tables.get("guideline_stats")
    if stats is not None and "n_annotators_not_reading" in stats.columns and not stats.empty:
        known = pd.to_numeric(stats["n_annotators_known"], errors="coerce").astype(float)
        not_reading = pd.to_numeric(stats["n_annotators_not_reading"], errors="coerce")
        readers = known - not_reading.astype(float)
        few = ((readers > 0) & (readers < k)).fillna(False).astype(bool)
        # the share of non-readers gives the readers back; what is left is a lower bound
        bound = [
            (kn - (k - 1)) / kn if f and kn else None for f, kn in zip(few, known, strict=True)
        ]
        stats = _null(stats, few, ["n_annotators_not_reading", "share_not_reading"])
        stats["share_not_reading_at_least"] = bound
        tables["guideline_stats"] = stats
    meta = tables.get("metadata_completeness")
    if meta is not None and not meta.empty:
        gone = meta["attribute"].map(lambda a: ((a, None),) in plan.hidden).astype(bool)
        tables["metadata_completeness"] = _null(meta, gone, ["n_missing", "missing_share"])
    dist = tables.get("representation_distance")
    if dist is not None and not dist.empty:
        gone = (
            dist["attribute"]
            .map(lambda a: ("@disclosed", plan.prefix, a) in plan.hidden)
            .astype(bool)
        )
        tables["representation_distance"] = _null(
            dist, gone, ["n_annotators", "tvd", "tvd_judgments"]
        )


#: figures pooled over the groups of an attribute (computed with the plan's hidden groups
#: left out or bucketed): withheld when the joint audit hides a further group
POOLED = {
    "label_shift": ("label_shares", [
        "n_judgments", "n_annotators_tested", "statistic", "dof", "cramers_v", "min_expected",
        "p_value", "p_adjusted", "p_value_annotators", "p_adjusted_annotators",
    ]),
    "representation_distance": ("representation", ["tvd", "tvd_judgments"]),
    "perspective_diversity": (
        "representation", ["mean_effective_groups", "expected_single_group_share"]
    ),
}  # fmt: skip


def _null(table: pd.DataFrame, rows: pd.Series, columns: list[str]) -> pd.DataFrame:
    if not rows.any():
        return table
    t = table.copy()
    for col in columns:
        if col in t.columns:
            t[col] = t[col].astype(object)
            t.loc[rows.to_numpy(dtype=bool), col] = None
    return t


# ----------------------------------------------------------------------- facts
def _report_cells(plan: Plan) -> dict[str, dict[str, Any]]:
    """attribute -> {group label: cell} of this plan's report, both spellings."""
    out: dict[str, dict[str, Any]] = {}
    for table in (plan.labels, plan.target_labels):
        for (prefix, attr, label), cell in table.items():
            if prefix == plan.prefix:
                out.setdefault(attr, {})[label] = cell
    return out


def privacy_facts(plan: Plan) -> dict[str, Any]:
    """What checks may know about group sizes: only what the released tables show."""
    hidden: dict[str, dict[str, str]] = {}
    sizes: dict[str, dict[str, int]] = {}
    unnamed: dict[str, int] = {}
    named_hidden = []
    for attr, groups in _report_cells(plan).items():
        folded = set()
        for label, cell in groups.items():
            if cell in plan.hidden:
                if plan.is_named(cell):
                    hidden.setdefault(attr, {})[label] = plan.reason(cell) or SMALL
                    named_hidden.append((attr, label, cell))
                else:
                    folded.add(cell)
            else:
                sizes.setdefault(attr, {})[label] = plan.size(cell)
        if folded:
            unnamed[attr] = len(folded)
    ranges = plan.bounds(POOL, [c for _, _, c in named_hidden])
    bounds: dict[str, dict[str, list[float]]] = {}
    for attr, label, cell in named_hidden:
        if cell in ranges:
            lo, hi = ranges[cell]
            bounds.setdefault(attr, {})[label] = [lo, hi]
    attrs = set(hidden) | set(sizes) | set(unnamed)
    disclosed = {}
    for attr in attrs:
        d = ("@disclosed", plan.prefix, attr)
        disclosed[attr] = None if d in plan.hidden else plan.size(d)
    return {
        "min_group_size": plan.k,
        "hidden": hidden,
        "unnamed": unnamed,
        "sizes": sizes,
        "disclosed": disclosed,
        "bounds": bounds,
        "all_hidden": sorted(a for a in attrs if not sizes.get(a)),
        # said once, in the whole-pool report (split reports carry no data findings)
        "identifier_columns": {} if plan.prefix else dict(plan.identifier_columns),
    }


# -------------------------------------------------------------------- summary
def _summary(plan, audience, withheld_tables, pay_withheld, pseudonymised) -> dict[str, Any]:
    counts = {"small": 0, "complementary": 0}
    unnamed = 0
    for groups in _report_cells(plan).values():
        for cell in set(groups.values()):
            if cell in plan.hidden:
                counts[plan.reason(cell) or SMALL] += 1
                unnamed += not plan.is_named(cell)
    splits_hidden = {"named": [], "unnamed": 0}
    if plan.split_by is not None and not plan.prefix:
        for s in plan.split_values:
            cell = ((plan.split_by, s),)
            if cell in plan.hidden:
                if plan.is_named(cell):
                    splits_hidden["named"].append({"value": s, "reason": plan.reason(cell)})
                else:
                    splits_hidden["unnamed"] += 1
    out: dict[str, Any] = {
        "audience": audience,
        "min_group_size": plan.k,
        "hidden_groups": counts,
        "unnamed_groups": unnamed,
        "pseudonyms": "keyed" if pseudonymised else None,
        "identifier_columns": sorted(plan.identifier_columns),
    }
    if plan.split_by is not None and not plan.prefix:
        out["splits_not_written"] = splits_hidden
    if audience == "vendor":
        out["withheld"] = {"tables": withheld_tables, "pay_attributes": pay_withheld}
    return out


def _methods(plan: Plan, audience: str, summary: dict) -> list[dict[str, str]]:
    counts = summary["hidden_groups"]
    return render_methods(
        "privacy",
        {
            "k": plan.k,
            "vendor": audience == "vendor",
            "n_small": counts["small"],
            "n_complementary": counts["complementary"],
            "any_hidden": bool(counts["small"] or counts["complementary"]),
            "split": plan.split_by is not None,
        },
    )
