"""Chart view-models: metric tables turned into inline SVG figures for the report.

One chart per field for alpha and GAI (rows labelled ``attribute: group``), one per
attribute for pool vs target and for label shares. Suppressed groups and groups
without judgments are folded into one row per attribute so small groups add no length
and never show a figure. The SVG itself is drawn (and escaped) by
:mod:`labelaudit.render.svg`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from labelaudit.render import svg
from labelaudit.render.sections import (
    Block,
    format_value,
    is_missing,
    split_rows,
    suppressed_text,
)

SIGNIFICANCE = 0.05  # colour only: the rules apply their own thresholds to findings


def _num(v: Any) -> float | None:
    return None if is_missing(v) or isinstance(v, str) else float(v)


def _n(v: Any) -> str:
    return "?" if is_missing(v) else f"{int(v):,}"


def _group_label(r: pd.Series) -> str:
    attr = r.get("attribute")
    return f"{attr}: {r.get('group')}" if not is_missing(attr) else str(r.get("group"))


NO_JUDGMENTS = "no judgments from this group"


def hidden_text(r: Any, k: int | None) -> str:
    """The reason a row's bar is empty: fewer than k raters, or protecting a smaller group."""
    return suppressed_text(k, r.get("suppressed_reason")) if bool(r.get("suppressed")) else ""


def fold_suppressed(bars: list[svg.Bar], attrs: list[Any]) -> list[svg.Bar]:
    """One row per attribute and reason for its suppressed groups, where the first one stood.

    Suppressed groups carry no figures, so a row each only adds length; their names (only
    ever the names the release lets through) are kept in the folded row's label and text
    alternative. Groups without any judgment (no figure to draw) are folded the same way.
    """

    def kind(b: svg.Bar) -> str | None:
        if b.suppressed:
            return "suppressed:" + b.hidden_text
        return "empty" if b.value is None and b.note == NO_JUDGMENTS else None

    hidden: dict[tuple, list[svg.Bar]] = {}
    for b, a in zip(bars, attrs, strict=True):
        if kind(b):
            hidden.setdefault((a, kind(b)), []).append(b)
    out: list[svg.Bar] = []
    for b, a in zip(bars, attrs, strict=True):
        k = kind(b)
        if k is None:
            out.append(b)
            continue
        same = hidden[(a, k)]
        if len(same) == 1:  # a suppressed row keeps its name and nothing else
            if k == "empty":
                out.append(b)
            else:
                out.append(
                    svg.Bar(label=b.label, value=None, suppressed=True, hidden_text=b.hidden_text)
                )
        elif same[0] is b:
            if k == "empty":
                what = "groups without judgments"
            elif "can't be derived" in b.hidden_text:
                what = "groups hidden to protect smaller ones"
            else:
                what = "small groups"
            label = f"{a}: {len(same)} {what}" if not is_missing(a) else f"{len(same)} {what}"
            names = ", ".join(x.label.split(": ", 1)[-1] for x in same)
            out.append(
                svg.Bar(
                    label=label,
                    value=None,
                    note=names,
                    suppressed=k != "empty",
                    hidden_text=b.hidden_text,
                )
            )
    return out


def representation_charts(df: pd.DataFrame, k: int | None) -> list[Block]:
    blocks = []
    for (attr,), part in split_rows(df, ["attribute"]):
        bars = []
        for _, r in part.iterrows():
            ratio = _num(r.get("ratio"))
            pool = _num(r.get("pool_share"))
            target = _num(r.get("target_share"))
            note = f"n={_n(r.get('n_annotators'))}"
            if ratio is not None:
                note = f"ratio {ratio:.2f}, {note}"
            elif target is None:
                note = f"no target, {note}"
            bars.append(
                svg.Bar(
                    label=str(r.get("group")),
                    value=pool,
                    low=_num(r.get("pool_ci_low")),
                    high=_num(r.get("pool_ci_high")),
                    reference=target,
                    note=note,
                    suppressed=bool(r.get("suppressed", False)),
                    hidden_text=hidden_text(r, k),
                )
            )
        bars = fold_suppressed(bars, [attr] * len(bars))
        title = f"Rater pool vs target by {attr}: share of raters (95% Wilson interval)"
        chart = svg.share_bars(title, bars, suppressed_text=suppressed_text(k))
        blocks.append(Block("chart", title=title, svg=chart))
    return blocks


def agreement_charts(df: pd.DataFrame, k: int | None) -> list[Block]:
    blocks = []
    scope = df["scope"] if "scope" in df.columns else pd.Series("within", index=df.index)
    overall = df[scope == "overall"]
    within = df[scope == "within"]
    for (fld,), part in split_rows(within, ["field"]):
        ref = None
        o = overall[overall["field"] == fld] if "field" in overall.columns else overall
        if len(o):
            ref = _num(o.iloc[0].get("alpha"))
        bars = []
        for _, r in part.iterrows():
            a = _num(r.get("alpha"))
            n_a = r.get("n_annotators")
            if a is None and (is_missing(n_a) or n_a == 0):
                note = NO_JUDGMENTS
            else:
                note = f"α {a:.2f}" if a is not None else "α –"
                note += f", n={_n(n_a)} raters, {_n(r.get('n_items'))} items"
            bars.append(
                svg.Bar(
                    label=_group_label(r),
                    value=a,
                    low=_num(r.get("ci_low")),
                    high=_num(r.get("ci_high")),
                    note=note,
                    suppressed=bool(r.get("suppressed", False)),
                    hidden_text=hidden_text(r, k),
                )
            )
        bars = fold_suppressed(bars, list(part.get("attribute", pd.Series(None, index=part.index))))
        title = f"{fld}: Krippendorff's alpha within each rater group, with confidence interval"
        ref_label = f"all raters α={ref:.2f}" if ref is not None else ""
        chart = svg.dot_whisker(
            title,
            bars,
            reference=ref,
            reference_label=ref_label,
            suppressed_text=suppressed_text(k),
        )
        blocks.append(Block("chart", title=title, svg=chart))
    return blocks


def gai_charts(df: pd.DataFrame, agreement: pd.DataFrame | None, k: int | None) -> list[Block]:
    sizes: dict[tuple, Any] = {}
    if agreement is not None and {"field", "attribute", "group", "n_annotators"} <= set(
        agreement.columns
    ):
        w = agreement[agreement.get("scope", "within") == "within"]
        for _, r in w.iterrows():
            sizes[(r["field"], r["attribute"], r["group"])] = r["n_annotators"]
    blocks = []
    for (fld,), part in split_rows(df, ["field"]):
        bars = []
        for _, r in part.iterrows():
            g = _num(r.get("gai"))
            p = _num(r.get("p_adjusted"))
            note = f"GAI {g:.2f}" if g is not None else "GAI –"
            if p is not None:
                note += f", p adj {format_value('p_adjusted', p)}"
            n = sizes.get((fld, r.get("attribute"), r.get("group")))
            if n is not None:
                note += f", n={_n(n)} raters"
            bars.append(
                svg.Bar(
                    _group_label(r),
                    g,
                    note=note,
                    suppressed=bool(r.get("suppressed", False)),
                    highlight=p is not None and p < SIGNIFICANCE,
                    hidden_text=hidden_text(r, k),
                )
            )
        bars = fold_suppressed(bars, list(part.get("attribute", pd.Series(None, index=part.index))))
        title = f"{fld}: group association index (GAI = IRR / XRR) by rater group"
        chart = svg.ratio_bars(
            title,
            bars,
            reference=1.0,
            reference_label="1 = no group effect",
            suppressed_text=suppressed_text(k),
            legend=(f"adjusted p < {SIGNIFICANCE:g}", "not significant"),
        )
        blocks.append(Block("chart", title=title, svg=chart))
    return blocks


def label_share_charts(df: pd.DataFrame, schema: dict, k: int | None) -> list[Block]:
    blocks = []
    if not {"group", "value", "share"} <= set(df.columns):
        return blocks
    for (fld, attr), part in split_rows(df, ["field", "attribute"]):
        declared = [str(v) for v in (schema.get(fld, {}) or {}).get("values") or []]
        seen = [str(v) for v in dict.fromkeys(part["value"].dropna().astype(str))]
        values = [v for v in declared if v in seen] + [v for v in seen if v not in declared]
        bars = []
        for (grp,), g in split_rows(part, ["group"]):
            sup = bool(g["suppressed"].any()) if "suppressed" in g.columns else False
            shares = {str(r["value"]): _num(r["share"]) for _, r in g.iterrows()}
            n_j = g["n_judgments"].sum() if "n_judgments" in g.columns else None
            n_a = g["n_annotators"].max() if "n_annotators" in g.columns else None
            note = "" if sup else f"n={_n(n_j)} judgments, {_n(n_a)} raters"
            why = hidden_text(g.iloc[0], k) if sup else ""
            bars.append(svg.StackedBar(str(grp) or "all", shares, note, sup, hidden_text=why))
        title = f"{fld}: share of each label by {attr or 'group'}"
        chart = svg.stacked_shares(title, bars, values, suppressed_text=suppressed_text(k))
        blocks.append(Block("chart", title=title, svg=chart, collapsed=True))
    return blocks
