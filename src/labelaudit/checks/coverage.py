"""Checks: language, region and escape-option coverage (LA201-LA206)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import finite as num
from labelaudit.checks.significance import support_note, test_evidence, test_text


def table_rows(table: pd.DataFrame, needed: Iterable[str]) -> Iterator[dict]:
    """Rows of ``table`` as dicts; nothing when a needed column is missing (= no data)."""
    if table is None or table.empty or any(c not in table.columns for c in needed):
        return iter(())
    return iter(table.to_dict(orient="records"))


def pct(v: float) -> str:
    return f"{v:.0%}" if v >= 0.01 or v == 0 else f"{v:.1%}"


def is_suppressed(row: dict) -> bool:
    return bool(row.get("suppressed")) is True


@check("LA201")
def language_nobody_speaks(ctx: CheckContext) -> Iterator[Finding]:
    for r in table_rows(ctx.metric("languages"), ["language", "n_items", "n_annotators_speaking"]):
        speakers, n = num(r["n_annotators_speaking"]), num(r["n_items"])
        if r["language"] == "und" or speakers is None or n is None:
            continue
        ctx.judged("languages")
        if speakers == 0 and n >= ctx.param("min_items"):
            share = num(r.get("item_share"))
            yield ctx.hit(
                f"{int(n)} items{f' ({pct(share)} of items)' if share is not None else ''} are in "
                f"language '{r['language']}', and no annotator declares it.",
                subject={"language": str(r["language"])},
                evidence={"n_items": int(n), "item_share": share, "n_annotators_speaking": 0},
            )


@check("LA202")
def language_mismatch(ctx: CheckContext) -> Iterator[Finding]:
    limit = ctx.param("max_mismatch_rate")
    min_items, min_pairs = ctx.param("min_items"), ctx.param("min_judgments")
    thin: list[str] = []
    for r in table_rows(
        ctx.metric("languages"), ["language", "mismatch_rate", "n_annotators_speaking"]
    ):
        rate, speakers = num(r["mismatch_rate"]), num(r["n_annotators_speaking"])
        n_known, n_items = num(r.get("n_judgments_known")), num(r.get("n_items"))
        # the release hides speaker counts below min_group_size (reason "small")
        few = speakers is None and r.get("suppressed_reason") == "small"
        if rate is None or (speakers in (None, 0.0) and not few) or r["language"] == "und":
            continue  # nobody speaks it: LA201 already reports the language
        if (n_known is not None and n_known < min_pairs) or (
            n_items is not None and n_items < min_items
        ):
            if rate > limit:
                thin.append(str(r["language"]))
                ctx.judged("languages")  # looked at: too little evidence to judge its rate
            continue
        ctx.judged("languages")
        if rate > limit:
            n_txt = f" of {int(n_known)} annotator-item pairs" if n_known is not None else ""
            k = ctx.facts.get("min_group_size")
            declare = (
                f"although fewer than {k} annotators declare it"
                if few
                else f"although {int(speakers)} annotators declare it"
            )
            yield ctx.hit(
                f"{pct(rate)}{n_txt} on '{r['language']}' items ({int(n_items or 0)} items) were "
                f"made by annotators who do not declare '{r['language']}' (threshold "
                f"{pct(limit)}, a labelaudit convention), {declare}.",
                subject={"language": str(r["language"])},
                evidence={"mismatch_rate": rate, "n_judgments_known": n_known,
                          "n_items": n_items,
                          "n_annotators_speaking": None if few else int(speakers)},
                measure="mismatch_rate", threshold=limit,
            )  # fmt: skip
    if thin:
        finding = ctx.hit(
            f"{len(thin)} language(s) ({', '.join(sorted(thin))}) have a mismatch rate above "
            f"{pct(limit)} on too little evidence to judge: a rate needs at least {min_items} "
            f"items and {min_pairs} annotator-item pairs with known languages (rule parameters "
            "min_items, min_judgments). Check whether these items are in that language at all "
            "(language detection misreads short texts).",
            evidence={"languages": sorted(thin), "min_items": min_items,
                      "min_judgments": min_pairs},
        )  # fmt: skip
        yield dataclasses.replace(finding, severity="info")


@check("LA203")
def guideline_language(ctx: CheckContext) -> Iterator[Finding]:
    limit = ctx.param("max_share_not_reading")
    for r in table_rows(
        ctx.metric("guideline_stats"), ["guideline", "language", "share_not_reading"]
    ):
        share = num(r["share_not_reading"])
        # fewer than min_group_size read it: the release shows only a lower bound
        at_least = num(r.get("share_not_reading_at_least"))
        if share is None and at_least is not None:
            share = at_least
        if share is None:
            continue
        ctx.judged("guidelines")
        if share <= limit:
            continue
        n_not, n_known = num(r.get("n_annotators_not_reading")), num(r.get("n_annotators_known"))
        counts = f" ({int(n_not)} of {int(n_known)})" if n_not is not None and n_known else ""
        if at_least is not None and num(r["share_not_reading"]) is None:
            k = ctx.facts.get("min_group_size")
            counts = f" (all but fewer than {k} of {int(n_known)})" if n_known else ""
            share_txt = f"at least {pct(share)}"
        else:
            share_txt = pct(share)
        yield ctx.hit(
            f"Guideline {r['guideline']} is written in '{r['language']}', which {share_txt} of "
            f"annotators who declare their languages{counts} do not list (threshold {pct(limit)}, "
            "a labelaudit convention).",
            subject={"guideline": str(r["guideline"]), "language": str(r["language"])},
            evidence={"share_not_reading": share, "n_annotators_not_reading": n_not,
                      "n_annotators_known": n_known},
            measure="share_not_reading", threshold=limit,
        )  # fmt: skip


@check("LA204")
def region_coverage(ctx: CheckContext) -> Iterator[Finding]:
    tau = ctx.param("tau")
    for r in table_rows(ctx.metric("item_regions"), ["region", "n_items", "target_share"]):
        target, n = num(r["target_share"]), num(r["n_items"])
        if not target or n is None:
            continue
        ctx.judged("regions")
        ratio = num(r.get("ratio"))
        share = num(r.get("item_share"))
        if n == 0:
            yield ctx.hit(
                f"No items come from {r['region']}, which is {pct(target)} of the target population.",
                subject={"attribute": "item_region", "group": str(r["region"])},
                evidence={
                    "n_items": 0,
                    "item_share": 0.0,
                    "target_share": target,
                    "ratio": 0.0,
                    "tau": tau,
                },
                severity="high",
                measure="ratio",
                threshold=tau,
            )
        elif ratio is not None and ratio < tau:
            yield ctx.hit(
                f"{r['region']} has {int(n)} items ({pct(share or 0)} of items with a known region) "
                f"against {pct(target)} of the target population: ratio {ratio:.2f} < {tau} "
                "(the four-fifths rule).",
                subject={"attribute": "item_region", "group": str(r["region"])},
                evidence={"n_items": int(n), "item_share": share, "target_share": target,
                          "ratio": ratio, "tau": tau},
                measure="ratio", threshold=tau,
            )  # fmt: skip


@check("LA205")
def missing_escape(ctx: CheckContext) -> Iterator[Finding]:
    for r in table_rows(ctx.metric("escape_options"), ["field", "has_escape"]):
        ctx.judged("fields")
        if bool(r["has_escape"]):
            continue
        n_values = num(r.get("n_values"))
        binary = n_values == 2
        yield ctx.hit(
            f"Field {r['field']} offers {int(n_values) if n_values else 'its'} options and no "
            "'none of these fit' option (no escape value declared or found by name)."
            + (
                " On a yes/no question this matters less, but raters still need a way to say "
                "the item can't be judged."
                if binary
                else ""
            ),
            subject={"field": str(r["field"])},
            evidence={"n_values": None if n_values is None else int(n_values)},
            # a binary question is the common, milder case
            severity="low" if binary else None,
        )


@check("LA206")
def escape_overuse(ctx: CheckContext) -> Iterator[Finding]:
    min_ratio, alpha = ctx.param("min_ratio"), ctx.param("alpha")
    needed = ["field", "attribute", "group", "escape_rate", "rest_rate", "ratio"]
    visible = [r for r in table_rows(ctx.metric("escape_usage"), needed) if not is_suppressed(r)]
    for r in visible:
        ratio, test = num(r["ratio"]), test_evidence(r)
        rate, rest = num(r["escape_rate"]), num(r["rest_rate"])
        if None in (ratio, rate, rest) or test is None:
            continue
        ctx.judged("groups")
        if ratio < min_ratio or test["p_adjusted"] >= alpha:
            continue
        n = num(r.get("n_judgments"))
        n_txt = f" of {int(n)} judgments" if n is not None else ""
        yield ctx.hit(
            f"{r['attribute']}={r['group']} chose the escape option on field {r['field']} in "
            f"{pct(rate)}{n_txt}, against {pct(rest)} for everyone else (ratio {ratio:.2f} >= "
            f"{min_ratio}, a labelaudit convention; {test_text(test, 'LA206', 'one-sided')} "
            f"< {alpha}): the options may not fit this group's reading of the items.",
            subject={"field": str(r["field"]), "attribute": str(r["attribute"]), "group": str(r["group"])},
            evidence={"escape_rate": rate, "rest_rate": rest, "ratio": ratio, **test,
                      "n_judgments": n, "n_annotators": num(r.get("n_annotators"))},
            measure="ratio", threshold=min_ratio,
        )  # fmt: skip
    yield from support_note(ctx, visible, "group")
