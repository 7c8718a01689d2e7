"""Checks: disagreement beyond alpha (LA110 label shift, LA111 contested items, LA112 QC bias).

Each check reads the plain tables written by :mod:`labelaudit.analyses.disagreement`
(already privacy-filtered), so suppressed rows are skipped and missing columns mean
"no data", never an error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import finite as _num
from labelaudit.checks.rows import visible_rows


def _rows(table: pd.DataFrame, *required: str) -> Iterator[dict]:
    """Rows that are not suppressed and carry every required column."""
    return visible_rows(table, required)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _subject(row: dict, *keys: str) -> dict:
    return {k: row.get(k) for k in keys if row.get(k) is not None}


# ------------------------------------------------------------------------ LA110
def _largest_shift(shares: pd.DataFrame, field: str, attribute: str) -> dict | None:
    """The (group, value) whose share differs most from the pooled share, if known."""
    best = None
    for row in _rows(shares, "field", "attribute", "group", "value", "share", "pooled_share"):
        if row["field"] != field or row["attribute"] != attribute:
            continue
        share, pooled = _num(row["share"]), _num(row["pooled_share"])
        if share is None or pooled is None:
            continue
        if best is None or abs(share - pooled) > abs(best["share"] - best["pooled_share"]):
            best = {"group": row["group"], "value": row["value"], "share": share,
                    "pooled_share": pooled, "n": row.get("group_judgments")}  # fmt: skip
    return best


@check("LA110")
def label_shift(ctx: CheckContext) -> Iterator[Finding]:
    """Labels depend on the annotators' group: significant and at least a small effect."""
    max_p, min_v = float(ctx.param("max_p_adjusted")), float(ctx.param("min_cramers_v"))
    high_v = float(ctx.param("high_cramers_v"))
    shares = ctx.metric("label_shares")
    for row in _rows(ctx.metric("label_shift"), "field", "attribute", "cramers_v"):
        v = _num(row.get("cramers_v"))
        p = _num(row.get("p_adjusted_annotators"))
        basis = "annotator-level permutation test"
        if p is None:
            p, basis = _num(row.get("p_adjusted")), f"{row.get('test') or 'judgment-level'} test"
        if v is None or p is None:
            continue
        ctx.judged("field-attribute pairs")
        if p >= max_p or v < min_v:
            continue
        n = row.get("n_judgments")
        excluded = int(_num(row.get("n_groups_excluded")) or 0)
        msg = (
            f"Labels on '{row['field']}' depend on {row['attribute']}: Cramér's V {v:.2f} "
            f"(at least {min_v:g}, Cohen's 1988 small effect) with a Benjamini-Hochberg "
            f"adjusted p {_p(p)} (below {max_p:g}, {basis}), over "
            f"{row.get('n_groups_tested')} groups and {n} judgments"
        )
        msg += f"; {excluded} group(s) too small to test were left out." if excluded else "."
        top = _largest_shift(shares, row["field"], row["attribute"])
        if top is not None:
            msg += (
                f" Largest difference: {row['attribute']}={top['group']} chose "
                f"'{top['value']}' in {top['share']:.0%} of its judgments against "
                f"{top['pooled_share']:.0%} overall."
            )
        evidence = {"cramers_v": round(v, 4), "p_adjusted": p, "p_basis": basis,
                    "n_judgments": n, "n_groups_tested": row.get("n_groups_tested"),
                    "n_groups_excluded": excluded, "test": row.get("test")}  # fmt: skip
        yield ctx.hit(
            msg,
            subject=_subject(row, "field", "attribute"),
            evidence=evidence,
            severity="high" if v >= high_v else None,
            measure="cramers_v",
            threshold=min_v,
        )


# ------------------------------------------------------------------------ LA111
@check("LA111")
def contested_items(ctx: CheckContext) -> Iterator[Finding]:
    """A group's majority would relabel many more items than chance explains."""
    max_share, min_excess = float(ctx.param("max_share_contested")), float(ctx.param("min_excess"))
    min_items, max_p = int(ctx.param("min_items")), float(ctx.param("max_p_adjusted"))
    for row in _rows(
        ctx.metric("contested_items"), "field", "attribute", "group", "share_contested"
    ):
        share, n_items = _num(row.get("share_contested")), _num(row.get("n_items_compared"))
        if share is None or n_items is None or n_items < min_items:
            continue
        ctx.judged("groups")
        expected, p = _num(row.get("expected_share")), _num(row.get("p_adjusted"))
        n_contested = int(_num(row.get("n_contested")) or round(share * n_items))
        head = (
            f"{row['attribute']}={row['group']}'s own majority differs from the overall "
            f"majority on {n_contested} of {int(n_items)} items compared ({share:.0%}) "
            f"for '{row['field']}'"
        )
        if expected is not None and p is not None:
            # a chance baseline exists: judge the excess over it, not the raw share
            if share - expected < min_excess or p >= max_p:
                continue
            msg = (
                f"{head}, against {expected:.0%} for random subsets of the same size on the "
                f"same items: {100 * (share - expected):.1f} points more (at least "
                f"{100 * min_excess:g}, labelaudit convention; adjusted p {_p(p)} < {max_p:g})."
            )
        else:
            if share <= max_share:
                continue
            msg = f"{head}, above the {max_share:.0%} labelaudit convention (no chance baseline)."
        msg += " Training on the pooled majority overrides this group's reading of these items."
        evidence = {"n_contested": n_contested, "n_items_compared": int(n_items),
                    "share_contested": round(share, 4), "expected_share": expected,
                    "p_adjusted": p, "n_annotators": row.get("n_annotators")}  # fmt: skip
        # judged against chance when there is a baseline, else against the fixed share
        cut = expected + min_excess if expected is not None and p is not None else max_share
        yield ctx.hit(msg, subject=_subject(row, "field", "attribute", "group"),
                      evidence={k: v for k, v in evidence.items() if v is not None},
                      measure="share_contested", threshold=cut)  # fmt: skip


# ------------------------------------------------------------------------ LA112
@check("LA112")
def qc_bias(ctx: CheckContext) -> Iterator[Finding]:
    """An agreement-based QC cut would drop one group's annotators disproportionately."""
    min_ratio, max_p = float(ctx.param("min_ratio")), float(ctx.param("max_p_adjusted"))
    high_ratio = float(ctx.param("high_ratio"))
    qc = (ctx.facts.get("disagreement") or {}).get("qc") or {}
    cut = qc.get("description") or "the low-agreement QC cut"
    for row in _rows(ctx.metric("qc_by_group"), "field", "attribute", "group", "ratio"):
        ratio, p = _num(row.get("ratio")), _num(row.get("p_adjusted"))
        if ratio is None or p is None:
            continue
        ctx.judged("groups")
        if ratio <= min_ratio or p >= max_p:
            continue
        n_flag, n = row.get("n_flagged"), row.get("n_annotators")
        share_of_flagged, pool_share = (
            _num(row.get("share_of_flagged")),
            _num(row.get("pool_share")),
        )
        msg = (
            f"A QC cut on '{row['field']}' that removes {cut} would remove "
            f"{row['attribute']}={row['group']} annotators at {ratio:.2f} times their share "
            f"of the pool: {n_flag} of their {n} annotators are flagged"
        )
        if share_of_flagged is not None and pool_share is not None:
            msg += (
                f", making up {share_of_flagged:.0%} of all flagged annotators against "
                f"{pool_share:.0%} of the pool"
            )
        msg += (
            f" (ratio above {min_ratio:g}, the inverse of the four-fifths rule; one-sided "
            f"hypergeometric test, adjusted p {_p(p)}). Filtering on agreement with the "
            "majority would silently remove this group's perspective, not just careless work."
        )
        evidence = {"ratio": round(ratio, 4), "n_flagged": n_flag, "n_annotators": n,
                    "share_of_flagged": share_of_flagged, "pool_share": pool_share,
                    "p_adjusted": p, "qc_rule": cut}  # fmt: skip
        yield ctx.hit(
            msg,
            subject=_subject(row, "field", "attribute", "group"),
            evidence={k: v for k, v in evidence.items() if v is not None},
            severity="high" if ratio >= high_ratio else None,
            measure="ratio",
            threshold=min_ratio,
        )
