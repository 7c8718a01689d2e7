"""Representativeness rules LA401-LA403: the rater pool against the target population.

The pool's own composition (judgment shares, concentration, single-perspective items,
metadata, groups the target doesn't name: LA404-LA408) is judged in
:mod:`labelaudit.checks.pool`.

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


def table_rows(table: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Table rows as dicts with NaN read as None."""
    if table is None or table.empty:
        return
    for rec in table.to_dict("records"):
        yield {k: (None if _is_nan(v) else v) for k, v in rec.items()}


def _is_nan(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def pct(x: float) -> str:
    return f"{x:.1%}" if abs(x) < 0.1 else f"{x:.0%}"


def is_false(v: object) -> bool:
    """Strictly False (a missing flag is unknown, not False)."""
    return isinstance(v, (bool, np.bool_)) and not v


def visible(row: dict) -> bool:
    return not bool(row.get("suppressed"))


def _target_phrase(ctx: CheckContext) -> str:
    target = ctx.facts.get("target")
    name = getattr(target, "name", None) or (ctx.facts.get("representation") or {}).get(
        "target_name"
    )
    return f"the target population ({name})" if name else "the target population"


def _interval(row: dict) -> str:
    lo, hi = _num(row, "pool_ci_low"), _num(row, "pool_ci_high")
    return (
        "" if lo is None or hi is None else f"; 95% interval for the pool share {pct(lo)}-{pct(hi)}"
    )


# ------------------------------------------------------- overall, then by field
def _scoped_rows(ctx: CheckContext, flagged: set) -> Iterator[tuple[dict, str | None]]:
    """Overall rows, then by-field rows of groups not already flagged overall.

    RLHF preference fields often have their own pool: a group can be fine overall and
    missing from one field. Reporting only what differs keeps findings from repeating.
    """
    for r in table_rows(ctx.metric("representation")):
        yield r, None
    for r in table_rows(ctx.metric("representation_by_field")):
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
        for r in table_rows(ctx.metric("representation_distance"))
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
        if ts is not None and ts >= floor and (not visible(r) or None not in (n, ps, ratio)):
            ctx.judged("groups")  # a suppressed group is judged by its largest possible count
        if not visible(r):
            pool = pools.get((r.get("attribute"), field))
            hit = _suppressed_under(ctx, r, field, k, pool, tau, high, floor)
        elif None in (n, ps, ts, ratio) or n <= 0 or ts < floor or ratio >= tau:
            hit = None
        else:
            hit = ctx.hit(
                f"{_where(field)}{r['attribute']}={r['group']} is {pct(ps)} of raters "
                f"(n={int(n)}) but {pct(ts)} of {_target_phrase(ctx)}: ratio {ratio:.2f} < "
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
                measure="ratio",
                threshold=tau,
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
    if is_false(r.get("in_target")):
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
        f"{_where(field)}{attr}={group} {why}: at most {pct(most)} of raters against "
        f"{pct(ts)} of {_target_phrase(ctx)}, a ratio of at most {bound:.2f} < {tau} "
        f"({FOUR_FIFTHS}).",
        subject=_subject(r, field),
        evidence={"target_share": ts, "ratio_upper_bound": bound, "tau": tau, "min_group_size": k},
        severity="high" if bound < high else "medium",
        measure="ratio_upper_bound",
        threshold=tau,
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
        if not visible(r) or None in (n, ps, ts, ratio) or n <= 0 or ts < floor:
            continue
        ctx.judged("groups")
        if ratio > 1 / tau:
            if field is None:
                flagged.add((r.get("attribute"), r.get("group")))
            yield ctx.hit(
                f"{_where(field)}{r['attribute']}={r['group']} is {pct(ps)} of raters "
                f"(n={int(n)}) but {pct(ts)} of {_target_phrase(ctx)}: ratio {ratio:.2f} > "
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
                measure="ratio",
                threshold=1 / tau,
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
        absent = is_false(r.get("in_pool")) or n == 0
        if ts is not None and ts >= floor:
            ctx.judged("target groups")
        if not absent or ts is None or ts < floor:
            continue
        if field is None:
            flagged.add((r.get("attribute"), r.get("group")))
        size = pools.get((r.get("attribute"), field))
        among = f" among {int(size)} raters who disclosed {r['attribute']}" if size else ""
        text = (
            f"{_where(field)}no rater belongs to {r['attribute']}={r['group']}{among}, a group "
            f"that is {pct(ts)} of {_target_phrase(ctx)} (groups at or above {pct(floor)} of "
            "the target are reported; labelaudit convention)."
        )
        yield ctx.hit(
            text[0].upper() + text[1:],
            subject=_subject(r, field),
            evidence={"n_annotators": 0, "target_share": ts, "min_target_share": floor},
            severity="high" if ts >= high else "medium",
            measure="target_share",  # the larger the missing group, the worse
            threshold=floor,
        )
