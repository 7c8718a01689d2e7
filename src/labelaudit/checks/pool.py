"""Representativeness rules LA404-LA408: the rater pool's own composition.

Judgment share against headcount, concentration in a few prolific raters, items seen by
one group only, undisclosed metadata and pool groups the target doesn't name. Like the
target comparisons (:mod:`labelaudit.checks.representation`), they never report a
figure from a suppressed row.
"""

from __future__ import annotations

from collections.abc import Iterable

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.representation import is_false, pct, table_rows, visible
from labelaudit.checks.rows import figure as _num
from labelaudit.wording import counted


def _group_subject(row: dict) -> dict:
    return {
        "attribute": row.get("attribute"),
        "group": None if row.get("group") is None else str(row["group"]),
    }


# ------------------------------------------------------------------ LA404
@check("LA404")
def judgment_share_below_headcount(ctx: CheckContext) -> Iterable[Finding]:
    """LA404: a group's judgment share is far below its headcount share."""
    limit = float(ctx.param("min_ratio"))
    for r in table_rows(ctx.metric("representation")):
        n, ps, js = (_num(r, k) for k in ("n_annotators", "pool_share", "judgment_share"))
        if not visible(r) or None in (n, ps, js) or n <= 0 or ps <= 0:
            continue
        weight = js / ps
        ctx.judged("groups")
        if weight < limit:
            yield ctx.hit(
                f"{r['attribute']}={r['group']} is {pct(ps)} of raters (n={int(n)}) but made "
                f"only {pct(js)} of the judgments: its raters count {weight:.2f} times their "
                f"headcount (< {limit}, labelaudit convention).",
                subject=_group_subject(r),
                evidence={
                    "n_annotators": int(n),
                    "pool_share": ps,
                    "judgment_share": js,
                    "judgment_to_headcount": weight,
                    "min_ratio": limit,
                },
                measure="judgment_to_headcount",
                threshold=limit,
            )


# ------------------------------------------------------------------ LA405
@check("LA405")
def judgment_concentration(ctx: CheckContext) -> Iterable[Finding]:
    """LA405: top-decile share or Gini of judgments per annotator too high."""
    max_top = float(ctx.param("max_top10_share"))
    max_gini = float(ctx.param("max_gini"))
    for r in table_rows(ctx.metric("concentration")):
        top, g, n = _num(r, "top10_share"), _num(r, "gini"), _num(r, "n_annotators")
        if top is not None or g is not None:
            ctx.judged("fields")
        reasons = []
        if top is not None and top > max_top:
            reasons.append(
                f"the top 10% of annotators made {pct(top)} of the judgments (> {pct(max_top)})"
            )
        if g is not None and g > max_gini:
            reasons.append(
                f"the Gini coefficient of judgments per annotator is {g:.2f} (> {max_gini})"
            )
        if not reasons:
            continue
        where = f"On field {r['field']}" if r.get("field") is not None else "Across all fields"
        n_txt = f" ({int(n)} annotators)" if n is not None else ""
        yield ctx.hit(
            f"{where}{n_txt}, " + " and ".join(reasons) + " (thresholds: labelaudit convention).",
            subject={"field": r.get("field")},
            evidence={
                "n_annotators": None if n is None else int(n),
                "top10_share": top,
                "gini": g,
                "max_top10_share": max_top,
                "max_gini": max_gini,
            },
            # ranked by the top-decile share when it is past its cut, else by the Gini
            measure="top10_share" if top is not None and top > max_top else "gini",
            threshold=max_top if top is not None and top > max_top else max_gini,
        )


# ------------------------------------------------------------------ LA406
@check("LA406")
def single_perspective_items(ctx: CheckContext) -> Iterable[Finding]:
    """LA406: too many items judged by annotators of one group only."""
    limit = float(ctx.param("max_single_group_share"))
    min_items = int(ctx.param("min_items"))
    for r in table_rows(ctx.metric("perspective_diversity")):
        share, n_items = _num(r, "single_group_share"), _num(r, "n_items")
        if share is None or n_items is None or n_items < min_items:
            continue
        ctx.judged("field-attribute pairs")
        if share <= limit:
            continue
        expected = _num(r, "expected_single_group_share")
        eff = _num(r, "mean_effective_groups")
        context = ""
        if expected is not None:
            cause = (
                "assignment appears segregated by group"
                if share > expected + 0.1
                else "the pool's composition explains most of it"
            )
            context = (
                f"; random assignment from the same pool would give {pct(expected)}, so {cause}"
            )
        eff_txt = (
            f" Mean effective number of groups per item: {eff:.2f}." if eff is not None else ""
        )
        yield ctx.hit(
            f"{pct(share)} of {int(n_items)} multiply-judged items on field {r.get('field')} "
            f"were judged only by annotators of one {r['attribute']} group (> {pct(limit)}, "
            f"labelaudit convention){context}.{eff_txt}",
            subject={"attribute": r.get("attribute"), "field": r.get("field")},
            evidence={
                "n_items": int(n_items),
                "single_group_share": share,
                "expected_single_group_share": expected,
                "mean_effective_groups": eff,
                "max_single_group_share": limit,
            },
            measure="single_group_share",
            threshold=limit,
        )


# ------------------------------------------------------------------ LA407
@check("LA407")
def incomplete_metadata(ctx: CheckContext) -> Iterable[Finding]:
    """LA407: an attribute is often undisclosed."""
    limit = float(ctx.param("max_missing_share"))
    medium = float(ctx.param("medium_above"))
    for r in table_rows(ctx.metric("metadata_completeness")):
        share, n = _num(r, "missing_share"), _num(r, "n_annotators")
        if share is None:
            continue
        ctx.judged("attributes")
        if share <= limit:
            continue
        n_txt = f" of {int(n)} annotators" if n is not None else " of annotators"
        codes = (ctx.facts.get("undisclosed_codes") or {}).get(r["attribute"]) or {}
        seen = ", ".join(
            f"{'blank' if c == '(blank)' else repr(c)} ({counted(int(k), 'rater')})"
            for c, k in codes.items()
        )
        yield ctx.hit(
            f"{pct(share)}{n_txt} have no usable {r['attribute']} (empty, undisclosed or "
            f"expired{'; codes in the annotators table: ' + seen if seen else ''}; > "
            f"{pct(limit)}, labelaudit convention). Figures by {r['attribute']} cover only "
            "those who disclosed it, and missingness is rarely random.",
            subject={"attribute": r.get("attribute")},
            evidence={
                "n_annotators": None if n is None else int(n),
                "missing_share": share,
                "n_missing": _num(r, "n_missing"),
                "max_missing_share": limit,
                "codes": dict(codes),
            },
            severity="medium" if share > medium else "low",
            measure="missing_share",
            threshold=limit,
        )


# ------------------------------------------------------------------ LA408
@check("LA408")
def groups_not_in_target(ctx: CheckContext) -> Iterable[Finding]:
    """LA408: pool groups the target does not name (small ones counted, not named)."""
    named: dict[str, list[str]] = {}
    hidden: dict[str, int] = {}
    unnamed = (ctx.facts.get("privacy") or {}).get("unnamed") or {}
    for r in table_rows(ctx.metric("representation")):
        if r.get("in_target") is not None:
            ctx.judged("groups")
        if not is_false(r.get("in_target")):
            continue
        attr = str(r.get("attribute"))
        if visible(r) and (_num(r, "n_annotators") or 0) > 0:
            named.setdefault(attr, []).append(str(r["group"]))
        elif not visible(r):
            # small groups are counted, never named: the release folds them into one row
            # ("N other values"), whose N the privacy facts carry
            folded = r.get("suppressed_reason") == "small" and attr in unnamed
            hidden[attr] = hidden.get(attr, 0) + (int(unnamed[attr]) if folded else 1)
    for attr in sorted(set(named) | set(hidden)):
        groups = named.get(attr, [])
        extra = hidden.get(attr, 0)
        listed = ", ".join(groups[:20]) + (" ..." if len(groups) > 20 else "")
        parts = []
        if groups:
            parts.append(
                f"{len(groups)} {attr} group(s) in the pool are not named by the target: {listed}"
            )
        if extra:
            which = "smaller" if groups else ""
            parts.append(
                f"{extra} {which + ' ' if which else ''}{attr} group(s) with fewer raters than "
                "the minimum group size (not named, for privacy) are not in the target"
                + (" either" if groups else "")
            )
        yield ctx.hit(
            "; ".join(parts) + ". They are compared with a target share of 0.",
            subject={"attribute": attr},
            evidence={"groups": groups, "n_small_groups": extra},
        )
