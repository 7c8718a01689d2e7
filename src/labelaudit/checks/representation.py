"""Representativeness rules LA401-LA408: verdicts over the representation tables.

Each check reads plain metric tables (columns may be missing: then there is nothing to
judge) and never reports a figure from a suppressed row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import figure as _num

FOUR_FIFTHS = "the four-fifths rule, 29 CFR 1607.4(D)"


def _rows(table: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Table rows as dicts with NaN read as None."""
    if table is None or table.empty:
        return
    for rec in table.to_dict("records"):
        yield {k: (None if _is_nan(v) else v) for k, v in rec.items()}


def _is_nan(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _pct(x: float) -> str:
    return f"{x:.1%}" if abs(x) < 0.1 else f"{x:.0%}"


def _is_false(v: object) -> bool:
    """Strictly False (a missing flag is unknown, not False)."""
    return isinstance(v, (bool, np.bool_)) and not v


def _visible(row: dict) -> bool:
    return not bool(row.get("suppressed"))


def _target_phrase(ctx: CheckContext) -> str:
    target = ctx.facts.get("target")
    name = getattr(target, "name", None) or (ctx.facts.get("representation") or {}).get(
        "target_name"
    )
    return f"the target population ({name})" if name else "the target population"


def _group_subject(row: dict) -> dict:
    return {
        "attribute": row.get("attribute"),
        "group": None if row.get("group") is None else str(row["group"]),
    }


def _interval(row: dict) -> str:
    lo, hi = _num(row, "pool_ci_low"), _num(row, "pool_ci_high")
    return (
        ""
        if lo is None or hi is None
        else f"; 95% interval for the pool share {_pct(lo)}-{_pct(hi)}"
    )


# ------------------------------------------------------- overall, then by field
def _scoped_rows(ctx: CheckContext, flagged: set) -> Iterator[tuple[dict, str | None]]:
    """Overall rows, then by-field rows of groups not already flagged overall.

    RLHF preference fields often have their own pool: a group can be fine overall and
    missing from one field. Reporting only what differs keeps findings from repeating.
    """
    for r in _rows(ctx.metric("representation")):
        yield r, None
    for r in _rows(ctx.metric("representation_by_field")):
        if r.get("field") is not None and (r.get("attribute"), r.get("group")) not in flagged:
            yield r, str(r["field"])


def _where(field: str | None) -> str:
    return "" if field is None else f"On field {field!r}, "


def _subject(row: dict, field: str | None) -> dict:
    group = None if row.get("group") is None else str(row["group"])
    return {"attribute": row.get("attribute"), "group": group, "field": field}


def _pool_sizes(ctx: CheckContext) -> dict:
    """Annotators who disclosed each attribute, by (attribute, field or None)."""
    return {
        (r.get("attribute"), r.get("field")): _num(r, "n_annotators")
        for r in _rows(ctx.metric("representation_distance"))
    }


def _figures(r: dict) -> tuple[float | None, ...]:
    return tuple(_num(r, c) for c in ("n_annotators", "pool_share", "target_share", "ratio"))


# ------------------------------------------------------------------ LA401
@check("LA401")
def under_represented(ctx: CheckContext) -> Iterable[Finding]:
    """LA401: representation ratio below tau (the four-fifths rule)."""
    tau = float(ctx.param("tau"))
    high = float(ctx.param("high_below"))
    floor = float(ctx.param("min_target_share"))
    k = ctx.facts.get("min_group_size")
    pools = _pool_sizes(ctx)
    flagged: set = set()
    for r, field in _scoped_rows(ctx, flagged):
        n, ps, ts, ratio = _figures(r)
        if not _visible(r):
            pool = pools.get((r.get("attribute"), field))
            hit = _suppressed_under(ctx, r, field, k, pool, tau, high, floor)
        elif None in (n, ps, ts, ratio) or n <= 0 or ts < floor or ratio >= tau:
            hit = None
        else:
            hit = ctx.hit(
                f"{_where(field)}{r['attribute']}={r['group']} is {_pct(ps)} of raters "
                f"(n={int(n)}) but {_pct(ts)} of {_target_phrase(ctx)}: ratio {ratio:.2f} < "
                f"{tau} ({FOUR_FIFTHS}){_interval(r)}.",
                subject=_subject(r, field),
                evidence={
                    "n_annotators": int(n),
                    "pool_share": ps,
                    "target_share": ts,
                    "ratio": ratio,
                    "tau": tau,
                    "pool_ci_low": _num(r, "pool_ci_low"),
                    "pool_ci_high": _num(r, "pool_ci_high"),
                },
                severity="high" if ratio < high else "medium",
            )
        if hit is not None:
            if field is None:
                flagged.add((r.get("attribute"), r.get("group")))
            yield hit


def _suppressed_under(
    ctx: CheckContext,
    r: dict,
    field: str | None,
    k: object,
    pool: float | None,
    tau: float,
    high: float,
    floor: float,
) -> Finding | None:
    """A hidden group is under-represented even at its largest possible count.

    A group with fewer than k raters has at most k - 1. A group hidden so that a smaller
    one can't be derived has k or more, and at most what the shown figures leave for it
    (``facts["privacy"]["bounds"]``, what any reader can work out). The finding states
    only that bound, never the count.
    """
    ts = _num(r, "target_share")
    if not isinstance(k, int) or k < 2 or not pool or ts is None or ts < floor:
        return None
    if _is_false(r.get("in_target")):
        return None
    privacy = ctx.facts.get("privacy") or {}
    attr, group = r.get("attribute"), r.get("group")
    reason = r.get("suppressed_reason") or ((privacy.get("hidden") or {}).get(attr) or {}).get(
        group
    )
    if reason == "complementary":
        if field is not None:
            return None
        upper = (((privacy.get("bounds") or {}).get(attr) or {}).get(group) or [None, None])[1]
        if upper is None or not math.isfinite(upper):
            return None
        most_n = int(math.floor(upper + 1e-9))
        why = (
            f"has {k} or more raters but its figures are hidden so that a smaller group's "
            f"can't be derived; the figures shown leave it at most {most_n} of the {int(pool)} "
            f"raters who disclosed {attr}"
        )
    else:
        most_n = k - 1
        why = (
            f"has fewer than {k} raters (figures suppressed for privacy) among {int(pool)} who "
            f"disclosed {attr}"
        )
    most = most_n / pool
    bound = most / ts
    if bound >= tau:
        return None
    return ctx.hit(
        f"{_where(field)}{attr}={group} {why}: at most {_pct(most)} of raters against "
        f"{_pct(ts)} of {_target_phrase(ctx)}, a ratio of at most {bound:.2f} < {tau} "
        f"({FOUR_FIFTHS}).",
        subject=_subject(r, field),
        evidence={"target_share": ts, "ratio_upper_bound": bound, "tau": tau, "min_group_size": k},
        severity="high" if bound < high else "medium",
    )


# ------------------------------------------------------------------ LA402
@check("LA402")
def over_represented(ctx: CheckContext) -> Iterable[Finding]:
    """LA402: representation ratio above 1/tau."""
    tau = float(ctx.param("tau"))
    medium = float(ctx.param("medium_above"))
    floor = float(ctx.param("min_target_share"))
    flagged: set = set()
    for r, field in _scoped_rows(ctx, flagged):
        n, ps, ts, ratio = _figures(r)
        if not _visible(r) or None in (n, ps, ts, ratio) or n <= 0 or ts < floor:
            continue
        if ratio > 1 / tau:
            if field is None:
                flagged.add((r.get("attribute"), r.get("group")))
            yield ctx.hit(
                f"{_where(field)}{r['attribute']}={r['group']} is {_pct(ps)} of raters "
                f"(n={int(n)}) but {_pct(ts)} of {_target_phrase(ctx)}: ratio {ratio:.2f} > "
                f"{1 / tau:.2f} (1/{tau}, {FOUR_FIFTHS}){_interval(r)}.",
                subject=_subject(r, field),
                evidence={
                    "n_annotators": int(n),
                    "pool_share": ps,
                    "target_share": ts,
                    "ratio": ratio,
                    "tau": tau,
                },
                severity="medium" if ratio > medium else "low",
            )


# ------------------------------------------------------------------ LA403
@check("LA403")
def missing_group(ctx: CheckContext) -> Iterable[Finding]:
    """LA403: a target group with a meaningful share has no raters."""
    floor = float(ctx.param("min_target_share"))
    high = float(ctx.param("high_at"))
    pools = _pool_sizes(ctx)
    flagged: set = set()
    for r, field in _scoped_rows(ctx, flagged):
        ts = _num(r, "target_share")
        n = _num(r, "n_annotators")
        # absent = no raters at all; such a row describes nobody, so it is never suppressed
        absent = _is_false(r.get("in_pool")) or n == 0
        if not absent or ts is None or ts < floor:
            continue
        if field is None:
            flagged.add((r.get("attribute"), r.get("group")))
        size = pools.get((r.get("attribute"), field))
        among = f" among {int(size)} raters who disclosed {r['attribute']}" if size else ""
        text = (
            f"{_where(field)}no rater belongs to {r['attribute']}={r['group']}{among}, a group "
            f"that is {_pct(ts)} of {_target_phrase(ctx)} (groups at or above {_pct(floor)} of "
            "the target are reported; labelaudit convention)."
        )
        yield ctx.hit(
            text[0].upper() + text[1:],
            subject=_subject(r, field),
            evidence={"n_annotators": 0, "target_share": ts, "min_target_share": floor},
            severity="high" if ts >= high else "medium",
        )


# ------------------------------------------------------------------ LA404
@check("LA404")
def judgment_share_below_headcount(ctx: CheckContext) -> Iterable[Finding]:
    """LA404: a group's judgment share is far below its headcount share."""
    limit = float(ctx.param("min_ratio"))
    for r in _rows(ctx.metric("representation")):
        n, ps, js = (_num(r, k) for k in ("n_annotators", "pool_share", "judgment_share"))
        if not _visible(r) or None in (n, ps, js) or n <= 0 or ps <= 0:
            continue
        weight = js / ps
        if weight < limit:
            yield ctx.hit(
                f"{r['attribute']}={r['group']} is {_pct(ps)} of raters (n={int(n)}) but made "
                f"only {_pct(js)} of the judgments: its raters count {weight:.2f} times their "
                f"headcount (< {limit}, labelaudit convention).",
                subject=_group_subject(r),
                evidence={
                    "n_annotators": int(n),
                    "pool_share": ps,
                    "judgment_share": js,
                    "judgment_to_headcount": weight,
                    "min_ratio": limit,
                },
            )


# ------------------------------------------------------------------ LA405
@check("LA405")
def judgment_concentration(ctx: CheckContext) -> Iterable[Finding]:
    """LA405: top-decile share or Gini of judgments per annotator too high."""
    max_top = float(ctx.param("max_top10_share"))
    max_gini = float(ctx.param("max_gini"))
    for r in _rows(ctx.metric("concentration")):
        top, g, n = _num(r, "top10_share"), _num(r, "gini"), _num(r, "n_annotators")
        reasons = []
        if top is not None and top > max_top:
            reasons.append(
                f"the top 10% of annotators made {_pct(top)} of the judgments (> {_pct(max_top)})"
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
        )


# ------------------------------------------------------------------ LA406
@check("LA406")
def single_perspective_items(ctx: CheckContext) -> Iterable[Finding]:
    """LA406: too many items judged by annotators of one group only."""
    limit = float(ctx.param("max_single_group_share"))
    min_items = int(ctx.param("min_items"))
    for r in _rows(ctx.metric("perspective_diversity")):
        share, n_items = _num(r, "single_group_share"), _num(r, "n_items")
        if share is None or n_items is None or n_items < min_items or share <= limit:
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
                f"; random assignment from the same pool would give {_pct(expected)}, so {cause}"
            )
        eff_txt = (
            f" Mean effective number of groups per item: {eff:.2f}." if eff is not None else ""
        )
        yield ctx.hit(
            f"{_pct(share)} of {int(n_items)} multiply-judged items on field {r.get('field')} "
            f"were judged only by annotators of one {r['attribute']} group (> {_pct(limit)}, "
            f"labelaudit convention){context}.{eff_txt}",
            subject={"attribute": r.get("attribute"), "field": r.get("field")},
            evidence={
                "n_items": int(n_items),
                "single_group_share": share,
                "expected_single_group_share": expected,
                "mean_effective_groups": eff,
                "max_single_group_share": limit,
            },
        )


# ------------------------------------------------------------------ LA407
@check("LA407")
def incomplete_metadata(ctx: CheckContext) -> Iterable[Finding]:
    """LA407: an attribute is often undisclosed."""
    limit = float(ctx.param("max_missing_share"))
    medium = float(ctx.param("medium_above"))
    for r in _rows(ctx.metric("metadata_completeness")):
        share, n = _num(r, "missing_share"), _num(r, "n_annotators")
        if share is None or share <= limit:
            continue
        n_txt = f" of {int(n)} annotators" if n is not None else " of annotators"
        yield ctx.hit(
            f"{_pct(share)}{n_txt} have no usable {r['attribute']} (empty, undisclosed or "
            f"expired; > {_pct(limit)}, labelaudit convention). Figures by {r['attribute']} "
            "cover only those who disclosed it, and missingness is rarely random.",
            subject={"attribute": r.get("attribute")},
            evidence={
                "n_annotators": None if n is None else int(n),
                "missing_share": share,
                "n_missing": _num(r, "n_missing"),
                "max_missing_share": limit,
            },
            severity="medium" if share > medium else "low",
        )


# ------------------------------------------------------------------ LA408
@check("LA408")
def groups_not_in_target(ctx: CheckContext) -> Iterable[Finding]:
    """LA408: pool groups the target does not name (small ones counted, not named)."""
    named: dict[str, list[str]] = {}
    hidden: dict[str, int] = {}
    unnamed = (ctx.facts.get("privacy") or {}).get("unnamed") or {}
    for r in _rows(ctx.metric("representation")):
        if not _is_false(r.get("in_target")):
            continue
        attr = str(r.get("attribute"))
        if _visible(r) and (_num(r, "n_annotators") or 0) > 0:
            named.setdefault(attr, []).append(str(r["group"]))
        elif not _visible(r):
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
