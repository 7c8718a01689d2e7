"""Chart view-models: metric tables turned into inline SVG figures for the report.

One chart per field for alpha and GAI (rows labelled ``attribute: group``), one per
attribute for pool vs target and for label shares. Suppressed groups and groups
without judgments are folded into one row per attribute so small groups add no length
and never show a figure. Every chart is drawn twice, wide and for a phone (see
:mod:`labelaudit.render.svg`, which draws and escapes them).

One n per group: every chart names a group's raters in the pool (``n=12 raters``, the
count the representation table shows); where a figure rests on fewer raters (those
whose judgments could be paired with another rater's on the same item), that count
follows as a second, labelled figure (``10 with pairable judgments``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from labelaudit.render import svg
from labelaudit.render.findings import FindingView
from labelaudit.render.formatting import format_value, is_missing, suppressed_text
from labelaudit.render.sections import Block, split_rows

SIGNIFICANCE = 0.05  # colour only: the rules apply their own thresholds to findings
NO_JUDGMENTS = "no judgments from this group"

#: attribute -> group -> raters in the pool (shown groups only), from the result context
Sizes = dict[str, dict[str, int]]


def _num(v: Any) -> float | None:
    return None if is_missing(v) or isinstance(v, str) else float(v)


def _n(v: Any) -> str:
    return "?" if is_missing(v) else f"{int(v):,}"


def _group_label(r: pd.Series) -> str:
    attr = r.get("attribute")
    return f"{attr}: {r.get('group')}" if not is_missing(attr) else str(r.get("group"))


def raters(
    sizes: Sizes, r: pd.Series, own: Any = None, who: str = "with pairable judgments"
) -> str:
    """``n=12 raters`` (the group's pool), and ``(10 with pairable judgments)`` when the
    figure rests on fewer of them (``own``: the row's own rater count, ``who`` says
    which raters it counts)."""
    pool = (sizes.get(str(r.get("attribute"))) or {}).get(str(r.get("group")))
    if pool is None:  # a table about groups the pool sizes don't cover (e.g. item language)
        return f"n={_n(own)} raters"
    text = f"n={pool:,} raters"
    if not is_missing(own) and int(own) != pool:
        text += f" ({int(own):,} {who})"
    return text


def _drawn(title: str, about: Any, draw: Callable[..., str], collapsed: bool = False) -> Block:
    """A chart block with both layouts of the same chart (``about``: its field or attribute)."""
    return Block(
        "chart",
        title=title,
        svg=draw(layout=svg.WIDE),
        svg_narrow=draw(layout=svg.NARROW),
        collapsed=collapsed,
        about="" if is_missing(about) else str(about),
    )


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


def open_one(blocks: list[Block], key: str, views: list[FindingView]) -> list[Block]:
    """Keep open only the chart about the most important finding's ``key`` (its field or
    attribute; the first chart when no finding names one); fold the others."""
    about = next((str(v.keys[key]) for v in views if v.keys.get(key) is not None), None)
    chosen = next((b for b in blocks if b.about == about), blocks[0] if blocks else None)
    for b in blocks:
        b.collapsed = b is not chosen
    return blocks


def representation_charts(df: pd.DataFrame, k: int | None, sizes: Sizes) -> list[Block]:
    blocks = []
    for (attr,), part in split_rows(df, ["attribute"]):
        bars = []
        for _, r in part.iterrows():
            ratio = _num(r.get("ratio"))
            pool = _num(r.get("pool_share"))
            target = _num(r.get("target_share"))
            note = raters(sizes, r, r.get("n_annotators"))
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
        blocks.append(
            _drawn(
                title,
                attr,
                lambda layout, t=title, b=bars: svg.share_bars(
                    t, b, suppressed_text=suppressed_text(k), layout=layout
                ),
            )
        )
    return blocks


def agreement_charts(df: pd.DataFrame, k: int | None, sizes: Sizes) -> list[Block]:
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
                note += f", {raters(sizes, r, n_a)}, {_n(r.get('n_items'))} items"
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
        blocks.append(
            _drawn(
                title,
                fld,
                lambda layout, t=title, b=bars, ref=ref, rl=ref_label: svg.dot_whisker(
                    t,
                    b,
                    reference=ref,
                    reference_label=rl,
                    suppressed_text=suppressed_text(k),
                    layout=layout,
                ),  # fmt: skip
            )
        )
    return blocks


def gai_charts(df: pd.DataFrame, k: int | None, sizes: Sizes) -> list[Block]:
    blocks = []
    for (fld,), part in split_rows(df, ["field"]):
        bars = []
        for _, r in part.iterrows():
            g = _num(r.get("gai"))
            p = _num(r.get("p_adjusted"))
            note = f"GAI {g:.2f}" if g is not None else "GAI –"
            if p is not None:
                note += f", p adj {format_value('p_adjusted', p)}"
            note += f", {raters(sizes, r, r.get('n_annotators'))}"
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
        blocks.append(
            _drawn(
                title,
                fld,
                lambda layout, t=title, b=bars: svg.ratio_bars(
                    t,
                    b,
                    reference=1.0,
                    reference_label="1 = no group effect",
                    suppressed_text=suppressed_text(k),
                    legend=(f"adjusted p < {SIGNIFICANCE:g}", "not significant"),
                    layout=layout,
                ),  # fmt: skip
            )
        )
    return blocks


def label_share_charts(df: pd.DataFrame, schema: dict, k: int | None, sizes: Sizes) -> list[Block]:
    blocks: list[Block] = []
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
            row = pd.Series({"attribute": attr, "group": grp})
            note = "" if sup else f"{raters(sizes, row, n_a, 'judged it')}, {_n(n_j)} judgments"
            why = hidden_text(g.iloc[0], k) if sup else ""
            bars.append(svg.StackedBar(str(grp) or "all", shares, note, sup, hidden_text=why))  # type: ignore[arg-type]
        title = f"{fld}: share of each label by {attr or 'group'}"
        blocks.append(
            _drawn(
                title,
                fld,
                lambda layout, t=title, b=bars, v=values: svg.stacked_shares(
                    t, b, v, suppressed_text=suppressed_text(k), layout=layout
                ),
            )
        )
    if not blocks:
        return blocks
    # one fold for them all: label shares back up LA110, whose finding names the largest
    title = (
        f"Share of each label by rater group: {len(blocks)} chart{'s' if len(blocks) > 1 else ''}"
    )
    return [Block("fold", title=title, children=blocks)]
