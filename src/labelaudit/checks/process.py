"""Checks on the labeling process: fast judgments (LA501), a group rushing (LA502),
fatigue (LA503), pay below floor (LA504), time per judgment by group (LA505).

They read ``fast_judgments``, ``session_fatigue``, ``pay_by_group`` and
``timing_by_group``. Suppressed rows never produce findings; pay findings are about
groups, never people.
"""

from __future__ import annotations

from collections.abc import Iterable

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rlhf import label, pct, who
from labelaudit.checks.rows import figure, visible_rows
from labelaudit.checks.significance import support_note, test_evidence, test_text


def _subject(row: dict) -> dict:
    return {k: label(row, k) for k in ("field", "attribute", "group")}


@check("LA501")
def fast_judgments(ctx: CheckContext) -> Iterable[Finding]:
    max_share = float(ctx.param("max_fast_share"))
    min_n = int(ctx.param("min_judgments"))
    floor_s, rel = ctx.param("min_seconds"), ctx.param("relative_to_median")
    for row in visible_rows(ctx.metric("fast_judgments"), ("field", "n_judgments", "fast_share")):
        if label(row, "attribute") is not None:
            continue  # overall rows only; groups are LA502's
        n, share = figure(row, "n_judgments"), figure(row, "fast_share")
        if n is None or share is None or n < min_n:
            continue
        ctx.judged("fields")
        if share <= max_share:
            continue
        fa, oa = figure(row, "fast_agreement"), figure(row, "other_agreement")
        agree = (
            f" Fast judgments match the other raters' majority {pct(fa)} of the time, "
            f"other judgments {pct(oa)}."
            if fa is not None and oa is not None
            else ""
        )
        yield ctx.hit(
            f"In {row['field']!r}, {pct(share)} of {int(n)} timed judgments were fast (under "
            f"{floor_s} s or under {rel} x the field's median time); the threshold is "
            f"{pct(max_share)} (rule parameter max_fast_share, a labelaudit convention).{agree}",
            subject=_subject(row),
            evidence={
                "fast_share": share,
                "n_judgments": int(n),
                "n_fast": figure(row, "n_fast"),
                "fast_agreement": fa,
                "other_agreement": oa,
                "max_fast_share": max_share,
            },
            measure="fast_share",
            threshold=max_share,
        )


@check("LA502")
def group_rushes(ctx: CheckContext) -> Iterable[Finding]:
    ratio_limit = float(ctx.param("ratio"))
    min_diff = float(ctx.param("min_difference"))
    max_p = float(ctx.param("max_p_adjusted"))
    need = ("field", "attribute", "group", "fast_share", "rest_fast_share")
    visible = [r for r in visible_rows(ctx.metric("fast_judgments"), need)
               if label(r, "attribute") is not None]  # fmt: skip
    for row in visible:
        share, rest, test = figure(row, "fast_share"), figure(row, "rest_fast_share"), None
        if share is None or rest is None or (test := test_evidence(row)) is None:
            continue
        ctx.judged("groups")
        if share - rest < min_diff or (rest > 0 and share / rest < ratio_limit):
            continue
        if test["p_adjusted"] >= max_p:
            continue
        ratio = share / rest if rest > 0 else None
        times = f"{ratio:.2g} times" if ratio is not None else "far more than"
        yield ctx.hit(
            f"In {row['field']!r}, {pct(share)} of the judgments by raters with {who(row)} "
            f"were fast, {times} the {pct(rest)} of the other raters (n = "
            f"{int(figure(row, 'n_judgments') or 0)} judgments; threshold ratio "
            f"{ratio_limit:g}, the inverse of the four-fifths rule, and a difference of at "
            f"least {pct(min_diff)}; {test_text(test, 'LA502', 'one-sided')} < {max_p:g}).",
            subject=_subject(row),
            evidence={
                "fast_share": share,
                "rest_fast_share": rest,
                "ratio": ratio,
                "n_judgments": figure(row, "n_judgments"),
                **test,
            },
            # no rest-of-pool fast judgments: ranked by the difference in points instead
            measure="ratio" if ratio is not None else "fast_share",
            threshold=ratio_limit if ratio is not None else rest + min_diff,
        )
    yield from support_note(ctx, visible, "group")


@check("LA503")
def session_fatigue(ctx: CheckContext) -> Iterable[Finding]:
    min_drop = float(ctx.param("min_drop"))
    min_n = int(ctx.param("min_judgments"))
    table = ctx.metric("session_fatigue")
    need = ("field", "bucket_start_min", "n_judgments", "agreement")
    per_field: dict[str, list[float]] = {}
    for row in visible_rows(table, need):
        start, n, a = (figure(row, c) for c in ("bucket_start_min", "n_judgments", "agreement"))
        if start is None or n is None or a is None:
            continue
        acc = per_field.setdefault(str(row["field"]), [0.0, 0.0, 0.0, 0.0])
        late = 2 if start >= 60 else 0  # first hour vs after it
        acc[late] += n
        acc[late + 1] += n * a
    if not per_field:
        ctx.not_applicable("no session timing (created_at) to place judgments in a session")
    elif all(min(acc[0], acc[2]) < min_n for acc in per_field.values()):
        ctx.not_applicable(
            f"no field has {min_n} or more judgments both in and after the first hour of a session"
        )
    for field, (n_early, s_early, n_late, s_late) in per_field.items():
        if n_early < min_n or n_late < min_n:
            continue
        ctx.judged("fields")
        early, late = s_early / n_early, s_late / n_late
        if early - late < min_drop:
            continue
        yield ctx.hit(
            f"In {field!r}, judgments made after the first hour of a session match the other "
            f"raters' majority {pct(late)} of the time (n = {int(n_late)}), against "
            f"{pct(early)} in the first hour (n = {int(n_early)}); the drop exceeds "
            f"{min_drop:g} (rule parameter min_drop, a labelaudit convention).",
            subject={"field": field},
            evidence={
                "agreement_first_hour": early,
                "agreement_later": late,
                "n_first_hour": int(n_early),
                "n_later": int(n_late),
                "min_drop": min_drop,
                "drop": early - late,
            },
            measure="drop",
            threshold=min_drop,
        )


@check("LA504")
def pay_below_floor(ctx: CheckContext) -> Iterable[Finding]:
    max_below = float(ctx.param("max_share_below"))
    table = ctx.metric("pay_by_group")
    need = ("attribute", "group", "currency", "share_below_floor")
    not_comparable: dict[str | None, int] = {}
    for row in visible_rows(table, need):
        attr = label(row, "attribute")
        nc = figure(row, "n_not_comparable")
        if nc and attr is not None:
            not_comparable[attr] = not_comparable.get(attr, 0) + 1
        share = figure(row, "share_below_floor")
        if attr is None:
            continue
        ctx.judged("groups")
        if share is None or share <= max_below:
            yield from _relative_pay(ctx, row)
            continue
        n_cmp = figure(row, "n_compared")
        med, floor = figure(row, "median_hourly_pay"), figure(row, "floor")
        cur = row["currency"]
        floor_txt = (
            f"the floor of {floor:g} {cur}" if floor is not None else "their country's floor"
        )
        median_txt = f" The group's median is {med:g} {cur} per hour." if med is not None else ""
        yield ctx.hit(
            f"{pct(share)} of the {int(n_cmp or 0)} raters with {who(row)} paid in "
            f"{cur} earn less per hour than {floor_txt} configured for their country or "
            f"region (rule LA504 floors, supplied by the auditing team).{median_txt}",
            subject={"attribute": attr, "group": label(row, "group"), "value": cur},
            evidence={
                "share_below_floor": share,
                "n_compared": n_cmp,
                "median_hourly_pay": med,
                "floor": floor,
                "currency": cur,
                "max_share_below": max_below,
            },
            measure="share_below_floor",
            threshold=max_below,
            # the group's typical rater below the floor is high; only some of them, medium
            severity="high" if med is not None and floor is not None and med < floor else "medium",
        )
    for attr, count in sorted(not_comparable.items()):
        yield ctx.hit(
            f"Pay of {count} {attr} group(s) is in a different currency from the configured "
            "floor, so it was not compared (labelaudit never converts currencies). Add floors "
            "in the pay currency to check them.",
            subject={"attribute": attr},
            evidence={"groups_not_comparable": count},
            severity="info",
        )


def _relative_pay(ctx: CheckContext, row: dict) -> Iterable[Finding]:
    tau = float(ctx.param("relative_tau"))
    med, rest = figure(row, "median_hourly_pay"), figure(row, "rest_median_hourly_pay")
    if med is None or not rest or med >= tau * rest:
        return
    cur = row["currency"]
    n = int(figure(row, "n_annotators") or 0)
    yield ctx.hit(
        f"Raters with {who(row)} (n = {n}) have a median hourly pay of {med:g} {cur}, "
        f"{med / rest:.2f} times the {rest:g} {cur} median of the other raters paid in {cur} "
        f"(threshold {tau:g}, rule parameter relative_tau, a labelaudit convention). Local "
        "wages may explain part of it; configure floors to compare with a minimum wage.",
        subject={
            "attribute": label(row, "attribute"),
            "group": label(row, "group"),
            "value": cur,
        },
        evidence={
            "median_hourly_pay": med,
            "rest_median_hourly_pay": rest,
            "ratio": med / rest,
            "n_annotators": n,
            "relative_tau": tau,
        },
        severity="medium",
        measure="ratio",
        threshold=tau,
    )


@check("LA505")
def time_differs_by_group(ctx: CheckContext) -> Iterable[Finding]:
    tau = float(ctx.param("tau"))
    max_p = float(ctx.param("max_p_adjusted"))
    table = ctx.metric("timing_by_group")
    need = ("field", "attribute", "group", "n_judgments", "median_s")
    rows = list(visible_rows(table, need))
    overall = {r["field"]: figure(r, "median_s") for r in rows if label(r, "attribute") is None}
    grouped = [r for r in rows if label(r, "attribute") is not None]
    for row in grouped:
        n, med, ref = figure(row, "n_judgments"), figure(row, "median_s"), overall.get(row["field"])
        test = test_evidence(row)
        if n is None or med is None or not ref or test is None:
            continue
        ctx.judged("groups")
        ratio = med / ref
        if tau <= ratio <= 1 / tau or test["p_adjusted"] >= max_p:
            continue
        speed = "faster" if ratio < 1 else "slower"
        yield ctx.hit(
            f"In {row['field']!r}, raters with {who(row)} take a median {med:.3g} s per "
            f"judgment against {ref:.3g} s overall (ratio {ratio:.2f}, {speed}; n = {int(n)} "
            f"judgments), outside the {tau:g}-{1 / tau:.3g} band of the four-fifths rule; "
            f"their share of judgments faster than the field's median differs from the other "
            f"raters' ({test_text(test, 'LA505')} < {max_p:g}).",
            subject=_subject(row),
            evidence={
                "median_s": med,
                "overall_median_s": ref,
                "ratio": ratio,
                "n_judgments": int(n),
                "tau": tau,
                **test,
            },
            measure="ratio",
            threshold=tau if ratio < 1 else 1 / tau,
        )
    yield from support_note(ctx, grouped, "group")
