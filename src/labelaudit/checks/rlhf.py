"""Checks on RLHF preference data: position bias (LA601), group flips (LA602), tie/skip
usage (LA603). They read the ``position_bias``, ``preference_divergence`` and
``tie_skip_usage`` tables; suppressed rows never produce findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import figure, visible_rows
from labelaudit.checks.significance import support_note, test_evidence, test_text


def label(row: dict, col: str) -> Any:
    """A text cell, or None for missing / null / NaN."""
    v = row.get(col)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def who(row: dict) -> str:
    """'region=Asia' for a group row, 'all raters' for an overall row."""
    attr, group = label(row, "attribute"), label(row, "group")
    return "all raters" if attr is None else f"{attr}={group}"


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


@check("LA601")
def position_bias(ctx: CheckContext) -> Iterable[Finding]:
    min_effect = float(ctx.param("min_effect"))
    min_n = int(ctx.param("min_judgments"))
    need = ("field", "n_judgments", "rate", "ci_low", "ci_high")
    rows = list(visible_rows(ctx.metric("position_bias"), need))

    def biased(row: dict, reference: float = 0.5) -> bool:
        n, rate = figure(row, "n_judgments"), figure(row, "rate")
        lo, hi = figure(row, "ci_low"), figure(row, "ci_high")
        if n is None or rate is None or lo is None or hi is None or n < min_n:
            return False
        return not (lo <= reference <= hi) and abs(rate - reference) >= min_effect

    overall = {r["field"]: r for r in rows if label(r, "attribute") is None}
    for row in rows:
        n = figure(row, "n_judgments")
        if None not in (n, *(figure(row, c) for c in need[2:])) and n >= min_n:
            ctx.judged("first-position rates")
        if not biased(row):
            continue
        ref = overall.get(row["field"])
        if label(row, "attribute") is not None and ref is not None and biased(ref):
            # the overall finding covers it, unless this group departs from the overall rate too
            ref_rate = figure(ref, "rate")
            if ref_rate is None or not biased(row, ref_rate):
                continue
        n, rate = figure(row, "n_judgments"), figure(row, "rate")
        lo, hi = figure(row, "ci_low"), figure(row, "ci_high")
        side = "first" if rate > 0.5 else "second"
        yield ctx.hit(
            f"In {row['field']!r}, the response shown first won {pct(rate)} of the "  # type: ignore[arg-type]
            f"{int(n)} decided comparisons by {who(row)} (95% interval {pct(lo)}-{pct(hi)}, "  # type: ignore[arg-type]
            f"excludes 50%); raters favour the {side}-shown response by at least the "
            f"{min_effect:g} minimum effect (rule parameter min_effect, a labelaudit "
            "convention).",
            subject={
                "field": row["field"],
                "attribute": label(row, "attribute"),
                "group": label(row, "group"),
            },
            evidence={
                "rate": rate,
                "ci_low": lo,
                "ci_high": hi,
                "n_judgments": int(n),  # type: ignore[arg-type]
                "first_wins": figure(row, "first_wins"),
                "tie_rate": figure(row, "tie_rate"),
                "min_effect": min_effect,
                "effect": abs(rate - 0.5),  # type: ignore[operator]
            },
            measure="effect",
            threshold=min_effect,
        )


@check("LA602")
def group_preference_flips(ctx: CheckContext) -> Iterable[Finding]:
    alpha = float(ctx.param("alpha"))
    min_ratio = float(ctx.param("min_ratio_to_null"))
    need = ("field", "attribute", "group", "n_items_compared", "flip_share")
    visible = list(visible_rows(ctx.metric("preference_divergence"), need))
    for row in visible:
        m, share = figure(row, "n_items_compared"), figure(row, "flip_share")
        null, test = figure(row, "null_flip_share"), test_evidence(row)
        if m is None or share is None or null is None or test is None:
            continue
        ctx.judged("groups")
        if test["p_adjusted"] >= alpha or share < min_ratio * null:
            continue
        decisive = figure(row, "decisive_share")
        extra = (
            f" Leaving the group out changes the pooled decision on {pct(decisive)} of them."
            if decisive is not None
            else ""
        )
        yield ctx.hit(
            f"In {row['field']!r}, raters with {who(row)} prefer the other response than the "
            f"pooled majority on {pct(share)} of the {int(m)} comparisons they share with "
            f"other raters, against {pct(null)} for random groups of as many raters (at "
            f"least {min_ratio:g} times that, rule parameter min_ratio_to_null; "
            f"{test_text(test, 'LA602', 'one-sided')} < {alpha:g}).{extra}",
            subject={"field": row["field"], "attribute": row["attribute"], "group": row["group"]},
            evidence={
                "flip_share": share,
                "n_items_compared": int(m),
                "n_flipped": figure(row, "n_flipped"),
                "agrees_with_pooled_share": figure(row, "agrees_with_pooled_share"),
                "decisive_share": decisive,
                "null_flip_share": null,
                **test,
                "alpha": alpha,
            },
            measure="flip_share",
            threshold=min_ratio * null,  # judged against chance (random groups of its size)
        )
    yield from support_note(ctx, visible, "group", {"min_items": "n_items_compared"})


def _disparity(rate: float, rest: float, tau: float, min_diff: float) -> bool:
    if abs(rate - rest) < min_diff:
        return False
    if rest == 0:
        return rate > 0
    ratio = rate / rest
    return ratio < tau or ratio > 1 / tau


@check("LA603")
def tie_skip_usage(ctx: CheckContext) -> Iterable[Finding]:
    tau = float(ctx.param("tau"))
    min_diff = float(ctx.param("min_difference"))
    min_n = int(ctx.param("min_judgments"))
    need = ("field", "attribute", "group", "n_judgments")
    for row in visible_rows(ctx.metric("tie_skip_usage"), need):
        n = figure(row, "n_judgments")
        if label(row, "attribute") is None or n is None or n < min_n:
            continue
        ctx.judged("groups")
        for kind in ("tie", "skip"):
            rate, rest = figure(row, f"{kind}_rate"), figure(row, f"rest_{kind}_rate")
            if rate is None or rest is None or not _disparity(rate, rest, tau, min_diff):
                continue
            more = "more" if rate > rest else "less"
            yield ctx.hit(
                f"In {row['field']!r}, raters with {who(row)} {kind} {more} often than the "
                f"other raters: {pct(rate)} vs {pct(rest)} of {int(n)} judgments (flagged "
                f"outside the {tau:g}-{1 / tau:.3g} ratio band of the four-fifths rule, with a "
                f"difference of at least {pct(min_diff)}).",
                subject={
                    "field": row["field"],
                    "attribute": row["attribute"],
                    "group": row["group"],
                    "value": kind,
                },
                evidence={
                    f"{kind}_rate": rate,
                    f"rest_{kind}_rate": rest,
                    "n_judgments": int(n),
                    "tau": tau,
                    f"{kind}_ratio": rate / rest if rest else None,
                },
                measure=f"{kind}_ratio" if rest else None,
                threshold=(tau if rate < rest else 1 / tau) if rest else None,
            )
