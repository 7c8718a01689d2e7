"""Checks on agreement: low alpha (LA101), group vs rest (LA102), GRASP (LA103), LA009, LA010,
alpha undefined (LA018).

They read the ``agreement``, ``agreement_difference`` and ``group_association`` tables
and ``facts["agreement"]``. Rows the privacy step suppressed never produce findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from labelaudit.checks.finding import Finding
from labelaudit.checks.registry import CheckContext, check
from labelaudit.checks.rows import finite as _num


def _rows(ctx: CheckContext, table: str, needed: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Non-suppressed rows of a table that has every needed column with a finite figure."""
    df = ctx.metric(table)
    if df.empty or any(c not in df.columns for c in needed):
        return
    for row in df.to_dict(orient="records"):
        if bool(row.get("suppressed", False)):
            continue
        if any(_num(row.get(c)) is None for c in needed if c not in ("field", "scope")):
            continue
        yield row


def _ci_text(ctx: CheckContext) -> str:
    level = (ctx.facts.get("agreement") or {}).get("ci_level", 0.95)
    return f"{float(level):.0%}"


def _who(row: dict) -> str:
    return f"{row.get('attribute')}={row.get('group')}"


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(f)


@check("LA101")
def low_overall_alpha(ctx: CheckContext) -> Iterator[Finding]:
    discard = float(ctx.param("discard_below"))
    tentative = float(ctx.param("tentative_below"))
    for row in _rows(ctx, "agreement", ("field", "scope", "alpha")):
        if row["scope"] != "overall":
            continue
        alpha = float(row["alpha"])
        ctx.judged("fields")
        if alpha >= tentative:
            continue
        high = alpha < discard
        lo, hi = _num(row.get("ci_low")), _num(row.get("ci_high"))
        interval = (
            f", {_ci_text(ctx)} CI {lo:.2f} to {hi:.2f}"
            if lo is not None and hi is not None
            else ""
        )
        verdict = (
            f"below {discard:g}, where Krippendorff (2004) advises discarding the data as unreliable"
            if high
            else f"between {discard:g} and {tentative:g}, where Krippendorff (2004) allows only "
            "tentative conclusions"
        )
        yield ctx.hit(
            f"Overall Krippendorff's alpha for '{row['field']}' is {alpha:.3f}{interval} "
            f"({_int(row.get('n_items'))} items, {_int(row.get('n_annotators'))} annotators): "
            f"{verdict}.",
            subject={"field": row["field"]},
            evidence={
                "alpha": alpha,
                "ci_low": lo,
                "ci_high": hi,
                "n_items": _int(row.get("n_items")),
                "n_annotators": _int(row.get("n_annotators")),
                "level": row.get("level"),
            },
            severity="high" if high else "medium",
            measure="alpha",
            threshold=discard if high else tentative,
        )


@check("LA102")
def group_alpha_differs(ctx: CheckContext) -> Iterator[Finding]:
    min_diff = float(ctx.param("min_difference"))
    min_ann = int(ctx.param("min_annotators"))
    needed = ("field", "alpha_group", "alpha_rest", "difference", "ci_low", "ci_high")
    rows = list(_rows(ctx, "agreement_difference", needed))
    groups: dict[tuple, set] = {}
    for row in rows:
        groups.setdefault((row["field"], row.get("attribute")), set()).add(row.get("group"))
    for row in rows:
        lo, hi, diff = float(row["ci_low"]), float(row["ci_high"]), float(row["difference"])
        ctx.judged("groups")
        if not (lo > 0 or hi < 0) or abs(diff) < min_diff:
            continue
        if (_int(row.get("n_annotators")) or 0) < min_ann:
            continue
        if len(groups[(row["field"], row.get("attribute"))]) == 2 and diff < 0:
            continue  # two groups: the other row says the same thing the other way round
        direction = "more" if diff > 0 else "less"
        yield ctx.hit(
            f"{_who(row)} agrees {direction} among themselves on '{row['field']}' than the "
            f"other annotators do: alpha {row['alpha_group']:.3f} within the group vs "
            f"{row['alpha_rest']:.3f} among everyone else (difference {diff:+.3f}, "
            f"{_ci_text(ctx)} paired bootstrap interval {lo:+.3f} to {hi:+.3f}, which excludes 0; "
            f"{_int(row.get('n_annotators'))} annotators in the group).",
            subject={
                "field": row["field"],
                "attribute": row.get("attribute"),
                "group": row.get("group"),
            },
            evidence={
                "alpha_group": float(row["alpha_group"]),
                "alpha_rest": float(row["alpha_rest"]),
                "difference": diff,
                "ci_low": lo,
                "ci_high": hi,
                "n_annotators": _int(row.get("n_annotators")),
                "min_difference": min_diff,
            },
            measure="difference",
            threshold=math.copysign(min_diff, diff),  # past the cut on the side it lies
        )


@check("LA103")
def group_association(ctx: CheckContext) -> Iterator[Finding]:
    max_p = float(ctx.param("max_p_adjusted"))
    min_gai = float(ctx.param("min_gai"))
    for row in _rows(ctx, "group_association", ("field", "irr", "xrr", "gai", "p_adjusted")):
        gai, p_adj = float(row["gai"]), float(row["p_adjusted"])
        ctx.judged("groups")
        if not (p_adj < max_p and gai > min_gai):
            continue
        p = _num(row.get("p_value"))
        yield ctx.hit(
            f"{_who(row)} reads '{row['field']}' items its own way: agreement within the group "
            f"(IRR {row['irr']:.3f}) is {gai:.2f} times its agreement with everyone else "
            f"(XRR {row['xrr']:.3f}); GAI {gai:.2f} > {min_gai:g} with permutation p = "
            f"{p if p is not None else float('nan'):.3g}, Benjamini-Hochberg adjusted "
            f"p = {p_adj:.3g} < {max_p:g} (GRASP, Prabhakaran et al. 2024; "
            f"{_int(row.get('n_annotators'))} annotators in the group).",
            subject={
                "field": row["field"],
                "attribute": row.get("attribute"),
                "group": row.get("group"),
            },
            evidence={
                "irr": float(row["irr"]),
                "xrr": float(row["xrr"]),
                "gai": gai,
                "p_value": p,
                "p_adjusted": p_adj,
                "n_annotators": _int(row.get("n_annotators")),
            },
            measure="gai",
            threshold=min_gai,
        )


@check("LA009")
def gai_undefined(ctx: CheckContext) -> Iterator[Finding]:
    eps = float(ctx.param("xrr_epsilon"))
    for row in _rows(ctx, "group_association", ("field", "xrr")):
        xrr = float(row["xrr"])
        ctx.judged("groups")
        if abs(xrr) >= eps:
            continue
        yield ctx.hit(
            f"The group association index of {_who(row)} on '{row['field']}' is undefined: "
            f"its cross-group reliability XRR is {xrr:.3f}, within {eps:g} of 0, so IRR / XRR "
            "would explode. XRR near 0 means the group's judgments and everyone else's share "
            "almost no signal beyond chance (typical of random or near-random labels).",
            subject={
                "field": row["field"],
                "attribute": row.get("attribute"),
                "group": row.get("group"),
            },
            evidence={"xrr": xrr, "irr": _num(row.get("irr")), "xrr_epsilon": eps},
        )


@check("LA010")
def unpairable_items(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts.get("agreement") or {}
    excluded = facts.get("excluded_items") or {}
    scored = facts.get("scored_items") or {}
    ctx.judged("fields", len(set(excluded) | set(scored)))
    for field_name, count in sorted(excluded.items()):
        count = int(count or 0)
        if count <= 0:
            continue
        total = count + int(scored.get(field_name, 0) or 0)
        share = count / total if total else None
        share_text = f" ({share:.0%} of {total})" if share is not None else ""
        yield ctx.hit(
            f"{count} item(s){share_text} of '{field_name}' have fewer than 2 scored judgments "
            "and are left out of every agreement figure for that field: agreement needs at "
            "least two judgments of the same item to compare.",
            subject={"field": field_name},
            evidence={"excluded_items": count, "items": total, "share": share},
        )


@check("LA018")
def alpha_undefined(ctx: CheckContext) -> Iterator[Finding]:
    """A field with pairable items but no alpha: every pairable value is the same."""
    df = ctx.metric("agreement")
    if df.empty or "alpha" not in df.columns:
        return
    overall = [r for r in df.to_dict(orient="records") if r.get("scope") == "overall"]
    ctx.judged("fields", len(overall))
    for row in overall:
        n_items = _int(row.get("n_items")) or 0
        if n_items < 1 or _num(row.get("alpha")) is not None:
            continue
        yield ctx.hit(
            f"Krippendorff's alpha for '{row['field']}' is undefined: on the {n_items} items "
            f"with two or more judgments ({_int(row.get('n_judgments'))} judgments by "
            f"{_int(row.get('n_annotators'))} annotators) every judgment has the same value, "
            "so there is no variation to compare agreement against (0/0). The agreement "
            "figures and checks for this field are empty for that reason, not because "
            "agreement is fine.",
            subject={"field": row["field"]},
            evidence={
                "n_items": n_items,
                "n_judgments": _int(row.get("n_judgments")),
                "n_annotators": _int(row.get("n_annotators")),
                "level": row.get("level"),
            },
        )


@check("LA104")
def permutation_resolution(ctx: CheckContext) -> Iterator[Finding]:
    """Say when the permutation count can't let any single group reach significance."""
    df = ctx.metric("group_association")
    if df.empty or "p_value" not in df.columns:
        return
    tested = int(df["p_value"].notna().sum())
    n_perm = (ctx.facts.get("agreement") or {}).get("n_permutations")
    if not tested or not n_perm:
        return
    ctx.judged("tested groups", tested)
    level = float(ctx.param("alpha"))
    yield from _few_relabellings(ctx, df, level)
    floor = min(1.0, 2.0 / (int(n_perm) + 1))  # smallest two-sided permutation p
    adjusted_floor = min(1.0, floor * tested)  # BH for one group alone at the floor
    if adjusted_floor < level:
        return
    needed = math.ceil(2 * tested / level) * 2  # margin: twice the bare minimum
    yield ctx.hit(
        f"{tested} groups were tested with {n_perm} permutations: the smallest possible "
        f"p-value is {floor:.4f}, so after the Benjamini-Hochberg correction a single group "
        f"can reach at best p_adjusted = {adjusted_floor:.3f}, not below {level}. Group "
        f"association can only be detected when several groups are extreme together. "
        f"Use n_permutations = {needed} or more to let one group reach significance.",
        evidence={
            "groups_tested": tested,
            "n_permutations": int(n_perm),
            "min_p_value": floor,
            "min_p_adjusted_single": adjusted_floor,
            "suggested_n_permutations": needed,
        },
    )


def _few_relabellings(ctx: CheckContext, df, level: float) -> Iterator[Finding]:
    """With few raters there are few distinct relabellings, whatever the permutation count."""
    # how many disclosed each attribute (released: a total, never a hidden group's size)
    disclosed = (ctx.facts.get("privacy") or {}).get("disclosed") or {}
    seen: set[str] = set()
    for row in df.to_dict(orient="records"):
        attr, n = row.get("attribute"), _int(row.get("n_annotators"))
        if attr in seen or disclosed.get(attr) is None or n is None:
            continue
        if _num(row.get("p_value")) is None or bool(row.get("suppressed")):
            continue
        pool = int(disclosed[attr])
        if not 0 < n < pool or _log_comb(pool, n) > math.log(2.0 / level):
            continue  # enough distinct relabellings (this also avoids huge integers)
        distinct = math.comb(pool, n)
        if 2.0 / distinct >= level:
            seen.add(attr)
            yield ctx.hit(
                f"{attr}: with {pool} raters, a group of {n} can be relabelled in only "
                f"{distinct} distinct ways, so the smallest possible two-sided permutation "
                f"p-value is {2.0 / distinct:.3f}: no group of {attr} can reach p < {level}, "
                "however strongly it differs. Read its GAI and label shares as descriptive.",
                subject={"attribute": attr},
                evidence={
                    "raters": pool,
                    "group_size": n,
                    "distinct_relabellings": distinct,
                    "min_p_value": 2.0 / distinct,
                },
            )


def _log_comb(n: int, k: int) -> float:
    """log of n choose k, without building the (possibly huge) integer."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
