"""Checks: disagreement beyond alpha (LA110 label shift, LA111 contested items, LA112 QC bias).

Each check reads the plain tables written by :mod:`labelaudit.analyses.disagreement`
(already privacy-filtered), so suppressed rows are skipped and missing columns mean
"no data", never an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import finite as _num
from labelaudit.checks.rows import visible_rows
from labelaudit.checks.significance import support_note, test_evidence, test_text


def _rows(table: pd.DataFrame, *required: str) -> Iterator[dict]:
    """Rows that are not suppressed and carry every required column."""
    return visible_rows(table, required)


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
    min_gap = float(ctx.param("min_share_gap"))
    shares = ctx.metric("label_shares")
    untested = []
    for row in _rows(ctx.metric("label_shift"), "field", "attribute"):
        v, test = _num(row.get("cramers_v")), test_evidence(row)
        gap = _num(row.get("max_share_gap"))
        if test is None:
            untested.append(row)
            continue
        ctx.judged("field-attribute pairs")
        big = (v is not None and v >= min_v) or (gap is not None and gap >= min_gap)
        if v is None or test["p_adjusted"] >= max_p or not big:
            continue
        n = row.get("n_judgments")
        excluded = int(_num(row.get("n_groups_excluded")) or 0)
        size = (
            f"Cramér's V {v:.2f} (at least {min_v:g}, Cohen's 1988 small effect)"
            if v >= min_v
            else f"Cramér's V {v:.2f}, but one group's label share is {100 * gap:.0f} points "
            f"away from everyone else's (at least {100 * min_gap:g})"
        )
        msg = (
            f"Labels on '{row['field']}' depend on {row['attribute']}: {size} with a "
            f"{test_text(test, 'LA110', 'one-sided')} < {max_p:g} (chi-square statistic), "
            f"over {row.get('n_groups_tested')} groups and {n} judgments"
        )
        msg += f"; {excluded} group(s) too small to test were left out." if excluded else "."
        top = _largest_shift(shares, row["field"], row["attribute"])
        if top is not None:
            msg += (
                f" Largest difference: {row['attribute']}={top['group']} chose "
                f"'{top['value']}' in {top['share']:.0%} of its judgments against "
                f"{top['pooled_share']:.0%} overall."
            )
        evidence = {"cramers_v": round(v, 4), "max_share_gap": gap, **test, "n_judgments": n,
                    "n_groups_tested": row.get("n_groups_tested"),
                    "n_groups_excluded": excluded}  # fmt: skip
        yield ctx.hit(
            msg,
            subject=_subject(row, "field", "attribute"),
            evidence=evidence,
            severity="high" if v >= high_v else None,
            # ranked by the effect that made it a finding: V, or the one group's gap
            measure="cramers_v" if v >= min_v else "max_share_gap",
            threshold=min_v if v >= min_v else min_gap,
        )
    yield from _too_few_groups(ctx, untested)


def _too_few_groups(ctx: CheckContext, rows: list[dict]) -> Iterator[Finding]:
    """One info line: attributes whose groups were too small for a label-shift test."""
    short = [r for r in rows if (_num(r.get("n_groups_tested")) or 0) < 2
             and (_num(r.get("n_groups_excluded")) or 0) > 0]  # fmt: skip
    if not short:
        return
    ctx.judged("field-attribute pairs", len(short))
    names = ", ".join(sorted({f"{r['field']}/{r['attribute']}" for r in short}))
    finding = ctx.hit(
        f"{len(short)} field/attribute pair(s) could not be tested for a label shift "
        f"({names}): fewer than two groups have at least {ctx.param('min_annotators')} "
        f"raters and {ctx.param('min_judgments')} judgments (rule parameters min_annotators, "
        "min_judgments, and the run's min_group_size).",
        evidence={"untested": len(short), "min_annotators": ctx.param("min_annotators"),
                  "min_judgments": ctx.param("min_judgments")},
    )  # fmt: skip
    yield dataclasses.replace(finding, severity="info")


# ------------------------------------------------------------------------ LA111
@check("LA111")
def contested_items(ctx: CheckContext) -> Iterator[Finding]:
    """A group's majority would relabel many more items than chance explains."""
    min_excess, max_p = float(ctx.param("min_excess")), float(ctx.param("max_p_adjusted"))
    visible = list(_rows(ctx.metric("contested_items"), "field", "attribute", "group"))
    for row in visible:
        share, n_items = _num(row.get("share_contested")), _num(row.get("n_items_compared"))
        expected, test = _num(row.get("expected_share")), test_evidence(row)
        if share is None or n_items is None or expected is None or test is None:
            continue
        ctx.judged("groups")
        if share - expected < min_excess or test["p_adjusted"] >= max_p:
            continue
        n_contested = int(_num(row.get("n_contested")) or round(share * n_items))
        msg = (
            f"{row['attribute']}={row['group']}'s own majority differs from the overall "
            f"majority on {n_contested} of {int(n_items)} items compared ({share:.0%}) "
            f"for '{row['field']}', against {expected:.0%} for random groups of as many "
            f"raters: {100 * (share - expected):.1f} points more (at least "
            f"{100 * min_excess:g}, labelaudit convention; "
            f"{test_text(test, 'LA111', 'one-sided')} < {max_p:g}). Training on the pooled "
            "majority overrides this group's reading of these items."
        )
        evidence = {"n_contested": n_contested, "n_items_compared": int(n_items),
                    "share_contested": round(share, 4), "expected_share": expected, **test,
                    "n_annotators": row.get("n_annotators")}  # fmt: skip
        yield ctx.hit(msg, subject=_subject(row, "field", "attribute", "group"),
                      evidence={k: v for k, v in evidence.items() if v is not None},
                      measure="share_contested", threshold=expected + min_excess)  # fmt: skip
    yield from support_note(ctx, visible, "group", {"min_items": "n_items_compared"})


# ------------------------------------------------------------------------ LA112
@check("LA112")
def qc_bias(ctx: CheckContext) -> Iterator[Finding]:
    """An agreement-based QC cut would drop one group's annotators disproportionately."""
    min_ratio, max_p = float(ctx.param("min_ratio")), float(ctx.param("max_p_adjusted"))
    high_ratio = float(ctx.param("high_ratio"))
    qc = (ctx.facts.get("disagreement") or {}).get("qc") or {}
    cut = qc.get("description") or "the low-agreement QC cut"
    visible = list(_rows(ctx.metric("qc_by_group"), "field", "attribute", "group"))
    for row in visible:
        ratio, test = _num(row.get("ratio")), test_evidence(row)
        if ratio is None or test is None:
            continue
        ctx.judged("groups")
        if ratio <= min_ratio or test["p_adjusted"] >= max_p:
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
            f" (ratio above {min_ratio:g}, the inverse of the four-fifths rule; "
            f"{test_text(test, 'LA112', 'one-sided')} < {max_p:g}). Filtering on agreement "
            "with the majority would silently remove this group's perspective, not just "
            "careless work."
        )
        evidence = {"ratio": round(ratio, 4), "n_flagged": n_flag, "n_annotators": n,
                    "share_of_flagged": share_of_flagged, "pool_share": pool_share, **test,
                    "qc_rule": cut}  # fmt: skip
        yield ctx.hit(
            msg,
            subject=_subject(row, "field", "attribute", "group"),
            evidence={k: v for k, v in evidence.items() if v is not None},
            severity="high" if ratio >= high_ratio else None,
            measure="ratio",
            threshold=min_ratio,
        )
    yield from support_note(ctx, visible, "group")
