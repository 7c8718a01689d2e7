"""Rules on what the rater metadata says: LA409 (minors), LA410 (dropdown defaults).

LA409 reads the ``rater_ages`` fact (the pool grouped by the ages its values allow) and
applies its own ``adult_age``; LA410 reads the privacy-filtered ``list_defaults`` table,
so a value held by fewer raters than the minimum group size is never named.
"""

from __future__ import annotations

from collections.abc import Iterable

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import figure, visible_rows
from labelaudit.wording import counted, verb


@check("LA409")
def minor_raters(ctx: CheckContext) -> Iterable[Finding]:
    """LA409: raters whose age is below ``adult_age`` (high), or may be (medium)."""
    adult = float(ctx.param("adult_age"))
    for col in ctx.facts.get("rater_ages") or []:
        bounds = col.get("bounds") or []
        ctx.judged("raters", sum(int(b["n_annotators"]) for b in bounds))
        sure = [b for b in bounds if b.get("hi") is not None and b["hi"] < adult]
        maybe = [b for b in bounds if b["lo"] < adult and (b.get("hi") is None or b["hi"] >= adult)]
        hit = sure or maybe
        if not hit:
            continue
        n = sum(int(b["n_annotators"]) for b in hit)
        judged = sum(int(b["n_judgments"]) for b in hit)
        total = int(col.get("n_judgments") or 0)
        share = judged / total if total else None
        fields = sorted({f for b in hit for f in b.get("fields") or []})
        attr = col["attribute"]
        how = "" if sure else "may be "
        share_txt = f" ({share:.1%} of all judgments)" if share is not None else ""
        yield ctx.hit(
            f"{counted(n, 'rater')} {verb(n, 'is', 'are')} {how}under {adult:g} by their "
            f"{attr!r} value{'' if sure else ' (a band that straddles the age)'}: "
            f"{verb(n, 'this rater', 'these raters')} made {counted(judged, 'judgment')}"
            f"{share_txt} on {', '.join(repr(f) for f in fields) or 'no field'}. Check how age "
            "was verified, and whether minors were shown harmful content (threshold "
            f"{adult:g}, UN Convention on the Rights of the Child, Art. 1).",
            subject={"attribute": attr},
            evidence={
                "n_annotators": n,
                "n_judgments": judged,
                "judgment_share": share,
                "fields": fields,
                "adult_age": adult,
                "certain": bool(sure),
                "n_possibly_minor": sum(int(b["n_annotators"]) for b in maybe) if sure else n,
            },
            severity="high" if sure else "medium",
        )


@check("LA410")
def dropdown_default(ctx: CheckContext) -> Iterable[Finding]:
    """LA410: a first alphabetical option (or an uninhabited place) held far too often."""
    min_ratio, alpha = float(ctx.param("min_ratio")), float(ctx.param("alpha"))
    table = ctx.metric("list_defaults")
    lists = set(ctx.facts.get("list_attributes") or [])
    if "attribute" in table.columns:
        lists |= set(table["attribute"].dropna())
    if lists:  # each list's first options were looked for among the raters' values
        ctx.judged("country or language lists", len(lists))
    else:
        ctx.not_applicable("no rater attribute is a country or language list")
    for r in visible_rows(table, ["attribute", "group", "basis"]):
        n, share = figure(r, "n_annotators"), figure(r, "pool_share")
        if not n or share is None:
            continue
        value, attr = str(r["group"]), str(r["attribute"])
        if r["basis"] == "no permanent population":
            why = f"{r['option']} has no permanent population"
        else:
            ratio, p = figure(r, "ratio"), figure(r, "p_value")
            if ratio is None or p is None or ratio < min_ratio or p > alpha:
                continue
            against = "the target population" if r["basis"] == "target" else "the rest of the list"
            why = (
                f"it is entry {int(r['position'])} of the alphabetical {r['list']} list, and "
                f"{ratio:.1f} times as frequent as expected from {against} "
                f"({figure(r, 'expected_share'):.1%}; one-sided binomial p = {p:.2g}; thresholds "
                f"{min_ratio:g}x and p < {alpha:g})"
            )
        yield ctx.hit(
            f"{attr}={value!r} is held by {counted(int(n), 'rater')} ({share:.1%} of the raters "
            f"who gave a value): {why}. This is where a default or careless answer lands; "
            f"check the recruitment records before trusting {attr} groups.",
            subject={"attribute": attr, "group": value},
            evidence={
                "n_annotators": int(n),
                "pool_share": share,
                "expected_share": figure(r, "expected_share"),
                "basis": r["basis"],
                "ratio": figure(r, "ratio"),
                "p_value": figure(r, "p_value"),
                "position": figure(r, "position"),
            },
        )
