"""Checks on agreement: low alpha (LA101), group vs rest (LA102), GRASP (LA103), LA009,
LA010, permutation resolution (LA104), alpha undefined (LA018).

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
from labelaudit.checks.rows import visible_rows
from labelaudit.checks.significance import support_note, test_evidence, test_text


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
    max_p = float(ctx.param("max_p_adjusted"))
    visible = list(visible_rows(ctx.metric("agreement_difference"), ("field", "difference")))
    groups: dict[tuple, set] = {}
    for row in visible:
        groups.setdefault((row["field"], row.get("attribute")), set()).add(row.get("group"))
    for row in visible:
        test = test_evidence(row)
        diff = _num(row.get("difference"))
        if test is None or diff is None:
            continue
        ctx.judged("groups")
        if test["p_adjusted"] >= max_p or abs(diff) < min_diff:
            continue
        if len(groups[(row["field"], row.get("attribute"))]) == 2 and diff < 0:
            continue  # two groups: the other row says the same thing the other way round
        direction = "more" if diff > 0 else "less"
        yield ctx.hit(
            f"{_who(row)} agrees {direction} among themselves on '{row['field']}' than the "
            f"other annotators do: alpha {row['alpha_group']:.3f} within the group vs "
            f"{row['alpha_rest']:.3f} among everyone else (difference {diff:+.3f}, at least "
            f"{min_diff:g}; {test_text(test, 'LA102')} < {max_p:g}; "
            f"{_int(row.get('n_annotators'))} annotators in the group, "
            f"{_int(row.get('n_annotators_rest'))} outside it).",
            subject={
                "field": row["field"],
                "attribute": row.get("attribute"),
                "group": row.get("group"),
            },
            evidence={
                "alpha_group": float(row["alpha_group"]),
                "alpha_rest": float(row["alpha_rest"]),
                "difference": diff,
                **test,
                "n_annotators": _int(row.get("n_annotators")),
                "n_annotators_rest": _int(row.get("n_annotators_rest")),
                "min_difference": min_diff,
            },
            measure="difference",
            threshold=math.copysign(min_diff, diff),  # past the cut on the side it lies
        )
    yield from support_note(ctx, visible, "group")


@check("LA103")
def group_association(ctx: CheckContext) -> Iterator[Finding]:
    max_p = float(ctx.param("max_p_adjusted"))
    min_gai = float(ctx.param("min_gai"))
    visible = list(visible_rows(ctx.metric("group_association"), ("field", "gai")))
    for row in visible:
        test, gai = test_evidence(row), _num(row.get("gai"))
        if test is None or gai is None:
            continue
        ctx.judged("groups")
        if not (test["p_adjusted"] < max_p and gai > min_gai):
            continue
        yield ctx.hit(
            f"{_who(row)} reads '{row['field']}' items its own way: agreement within the group "
            f"(IRR {row['irr']:.3f}) is {gai:.2f} times its agreement with everyone else "
            f"(XRR {row['xrr']:.3f}); GAI {gai:.2f} > {min_gai:g} with a "
            f"{test_text(test, 'LA103')} < {max_p:g} (GRASP, Prabhakaran et al. 2024; "
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
                **test,
                "n_annotators": _int(row.get("n_annotators")),
                "min_gai": min_gai,
            },
            measure="gai",
            threshold=min_gai,
        )
    # an undefined GAI is LA009's; the rest lacked support
    yield from support_note(ctx, [r for r in visible if _num(r.get("gai")) is not None], "group")


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
    """Say when tests still sat at the resolution floor after max_permutations."""
    df = ctx.metric("group_association")
    families = [
        (analysis, name, fam)
        for analysis, facts in sorted(ctx.facts.items())
        if isinstance(facts, dict)
        for name, fam in sorted((facts.get("families") or {}).items())
    ]
    ctx.judged("test families", len(families))
    level = float(ctx.param("alpha"))
    if not df.empty and "n_annotators" in df.columns:
        yield from _few_relabellings(ctx, df, level)
    for analysis, name, fam in families:
        n = int(fam.get("unresolved") or 0)
        if not n:
            continue
        used = int(fam.get("max_permutations_used") or 0)
        yield ctx.hit(
            f"{n} of the {fam['size']} tests of family {name} ({analysis}) still had their "
            f"p-value at the resolution floor after {used:,} permutations, the most "
            "max_permutations allows: the +1 correction, not the data, keeps them above "
            f"the Benjamini-Hochberg threshold at {fam['alpha']:g}, so a real effect "
            f"there would go unreported. Raise max_permutations (e.g. to {2 * used:,}) "
            "or test fewer attributes.",
            subject={"value": name},
            evidence={"family": name, "family_size": int(fam["size"]), "unresolved": n,
                      "max_permutations_used": used, "alpha": float(fam["alpha"])},
        )  # fmt: skip


def _few_relabellings(ctx: CheckContext, df, level: float) -> Iterator[Finding]:
    """With few raters there are few distinct relabellings, whatever the permutation count.

    Every group the table shows counts, tested or not (a group below LA103's support is
    not tested, and would not be decidable either). The pool is the number of raters who
    disclosed the attribute, as released (a total, never a hidden group's size).
    """
    disclosed = (ctx.facts.get("privacy") or {}).get("disclosed") or {}
    seen: set[str] = set()
    for row in df.to_dict(orient="records"):
        attr, n = row.get("attribute"), _int(row.get("n_annotators"))
        if attr in seen or disclosed.get(attr) is None or n is None or bool(row.get("suppressed")):
            continue
        ctx.judged("groups")
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
