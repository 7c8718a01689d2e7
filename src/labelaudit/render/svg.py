"""Server-side inline SVG charts for the HTML report.

Charts are drawn as text so the report needs no JavaScript, no fonts and no network to
be read. Every string that reaches the SVG (group names, values, titles) is escaped
here, because the template inserts the finished SVG as markup. Each chart carries a
``<title>``, a ``<desc>`` that states every plotted figure with its ``n`` (the text
alternative), ``role="img"`` and an ``aria-label``. Colours come from the Okabe-Ito
palette, which stays distinguishable under the common colour-vision deficiencies.

Every chart is drawn in two layouts: :data:`WIDE` (labels left of the bars, figures
right of them, 840 units wide) and :data:`NARROW` for phones (labels and figures above
each bar, 360 units wide, so 12-unit text stays about 11 px on a 390 px screen). The
stylesheet shows one of the two.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

#: Okabe & Ito (2008), "Color Universal Design", colour-blind-safe qualitative palette
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
GREY = "#767676"
_ROW_H = 22
_FONT = 12
_CHAR_W = 6.6  # average width of a character at _FONT, for fitting text on one line


@dataclass(frozen=True)
class Layout:
    """Where a chart's labels, plot and figures go."""

    name: str
    label_w: float  # column left of the plot for the labels (0: labels above the bars)
    plot_w: float
    right_w: float  # column right of the plot for the figures (0: above the bars)
    margin: float = 0.0

    @property
    def narrow(self) -> bool:
        return self.label_w == 0

    @property
    def x0(self) -> float:
        """Left edge of the plot."""
        return self.label_w or self.margin

    @property
    def width(self) -> int:
        return int(self.x0 + self.plot_w + (self.right_w or self.margin))

    def line_chars(self) -> int:
        """Characters of label text that fit on one line above a bar."""
        return int(self.plot_w / _CHAR_W)


WIDE = Layout("wide", label_w=230, plot_w=360, right_w=250)
NARROW = Layout("narrow", label_w=0, plot_w=340, right_w=0, margin=10)
_LABEL_LINE = 15  # height of one label line above a bar (narrow layout)


@dataclass
class Bar:
    """One row of a horizontal chart; ``None`` figures are drawn as missing."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    reference: float | None = None  # e.g. the target share drawn as a second bar
    note: str = ""  # the figures beside the bar (ratio, n)
    suppressed: bool = False
    highlight: bool = False  # drawn in the accent colour (e.g. significant after adjustment)
    hidden_text: str = ""  # why a suppressed bar is empty, when not the chart's default


@dataclass
class StackedBar:
    label: str
    shares: dict[str, float] = field(default_factory=dict)  # value -> share, in order
    note: str = ""
    suppressed: bool = False
    hidden_text: str = ""  # why a suppressed bar is empty, when not the chart's default


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(f' {k}="{escape(str(v), quote=True)}"' for k, v in attrs.items())


def _text(x: float, y: float, s: str, **attrs: object) -> str:
    base = {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": _FONT}
    base.update({k.replace("_", "-"): v for k, v in attrs.items()})
    return f"<text{_attrs(base)}>{escape(s)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> str:
    base = {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{max(w, 0):.1f}", "height": f"{h:.1f}"}
    base["fill"] = fill
    base.update({k.replace("_", "-"): v for k, v in attrs.items()})
    return f"<rect{_attrs(base)}/>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> str:
    base = {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}"}
    base["stroke"] = stroke
    base.update({k.replace("_", "-"): v for k, v in attrs.items()})
    return f"<line{_attrs(base)}/>"


def _whisker(
    x_low: float, x_high: float, y: float, cap: float, stroke: str, width: float
) -> list[str]:
    """An interval: a horizontal line with end caps of half-height ``cap``."""
    return [
        _line(x_low, y, x_high, y, stroke, stroke_width=width),
        *(_line(x, y - cap, x, y + cap, stroke, stroke_width=width) for x in (x_low, x_high)),
    ]


def _shorten(s: str, limit: int = 34) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _svg(title: str, desc: str, layout: Layout, height: float, body: Iterable[str]) -> str:
    head = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {layout.width} {math.ceil(height)}",
        "width": layout.width,
        "height": math.ceil(height),
        "role": "img",
        "aria-label": title,
        "class": f"chart chart-{layout.name}",
        "font-family": "system-ui, sans-serif",
    }
    return (
        f"<svg{_attrs(head)}><title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        + "".join(body)
        + "</svg>"
    )


def _finite(v: float | None) -> bool:
    return v is not None and isinstance(v, int | float) and math.isfinite(v)


def _legend(items: Sequence[tuple[str, str]], layout: Layout, y: float) -> tuple[list[str], float]:
    """Colour swatches with their names, wrapped to the chart's width; returns the next y."""
    out: list[str] = []
    x = start = layout.x0
    for colour, label in items:
        w = 24 + 7 * len(label)
        if x > start and x + w > layout.width:
            x, y = start, y + 16
        out.append(_rect(x, y - 9, 10, 10, colour))
        out.append(_text(x + 14, y, label))
        x += w
    return out, y


def _axis(x_of, ticks: Sequence[float], y_top: float, y_bot: float, fmt) -> list[str]:
    out = []
    for t in ticks:
        x = x_of(t)
        out.append(_line(x, y_top, x, y_bot, "#dddddd"))
        out.append(_text(x, y_bot + 14, fmt(t), text_anchor="middle", fill=GREY))
    return out


def _rows(layout: Layout, bars: Sequence[Bar | StackedBar], plot_h: float, top: float):
    """Each bar's row: (bar, y where its plot starts, label lines); and the bottom y.

    Wide: label and figures share the plot's line. Narrow: the label and the figures go
    on one line above the plot when they fit, else on two.
    """
    out = []
    y = top
    for b in bars:
        lines = 0
        if layout.narrow:
            lines = 1 if not b.note or len(b.label) + len(b.note) + 3 <= layout.line_chars() else 2
        y += lines * _LABEL_LINE
        out.append((b, y, lines))
        y += plot_h
    return out, y


def _labels(layout: Layout, b: Bar | StackedBar, y: float, lines: int, plot_h: float) -> list[str]:
    """The bar's label and figures: beside the plot (wide) or above it (narrow)."""
    mid = y + plot_h / 2 + 4
    fill = {"fill": GREY} if b.suppressed else {}
    if not layout.narrow:
        out = [_text(layout.x0 - 6, mid, _shorten(b.label), text_anchor="end")]
        if b.note:
            note = _shorten(b.note, 40) if b.suppressed else b.note
            out.append(_text(layout.x0 + layout.plot_w + 8, mid, note, **fill))
        return out
    chars = layout.line_chars()
    top = y - lines * _LABEL_LINE + 11
    # a white halo keeps the text readable where a gridline or reference line crosses it
    halo = {"stroke": "#ffffff", "stroke_width": 3, "paint_order": "stroke", **fill}
    out = [_text(layout.x0, top, _shorten(b.label, chars), font_weight=600, **halo)]
    if b.note and lines == 1:
        out.append(_text(layout.x0 + layout.plot_w, top, b.note, text_anchor="end", **halo))
    elif b.note:
        out.append(_text(layout.x0, top + _LABEL_LINE, _shorten(b.note, chars), **halo))
    return out


def _desc(b: Bar | StackedBar, suppressed_text: str, figures: str | None = None) -> str:
    if b.suppressed:
        why = b.hidden_text or suppressed_text
        return f"{b.label}: {why}" + (f" ({b.note})" if b.note else "")
    return f"{b.label}: {figures if figures is not None else b.note}"


def share_bars(
    title: str, bars: Sequence[Bar], *, suppressed_text: str, layout: Layout = WIDE
) -> str:
    """Pool share (with its interval) beside the target share, one row per group.

    The main bar is the group's share of the rater pool with a whisker for its Wilson
    interval; the thinner bar beneath is the target share. ``note`` (ratio and ``n``)
    is written beside it.
    """
    body, y_legend = _legend([(OKABE_ITO[3], "rater pool"), (OKABE_ITO[0], "target")], layout, 14)
    top = y_legend + 20
    plot_h = 2 * _ROW_H - 6
    rows, y_bot = _rows(layout, bars, plot_h, top)
    hi = max([1e-9] + [v for b in bars for v in (b.value, b.high, b.reference) if _finite(v)])
    scale = min(1.0, math.ceil(hi * 5) / 5)  # a multiple of 20% so ticks fall on round shares

    def x_of(v: float) -> float:
        return layout.x0 + layout.plot_w * min(v, scale) / scale

    step = 0.1 if scale <= 0.6 else 0.2
    ticks = [i * step for i in range(round(scale / step) + 1)]
    body += _axis(x_of, ticks, top - 4, y_bot, lambda t: f"{t:.0%}")
    desc_parts = []
    for b, y, lines in rows:
        body += _labels(layout, b, y, lines, 20)  # level with the pool bar
        desc_parts.append(_desc(b, suppressed_text))
        if b.suppressed:
            body.append(_text(layout.x0 + 4, y + 14, b.hidden_text or suppressed_text, fill=GREY))
            continue
        if _finite(b.value):
            body.append(_rect(layout.x0, y + 3, x_of(b.value) - layout.x0, 14, OKABE_ITO[3]))
        if _finite(b.low) and _finite(b.high):
            body.extend(_whisker(x_of(b.low), x_of(b.high), y + 10, 5, "#000000", 1.5))
        if _finite(b.reference):
            body.append(_rect(layout.x0, y + 19, x_of(b.reference) - layout.x0, 8, OKABE_ITO[0]))
    return _svg(title, "; ".join(desc_parts), layout, y_bot + 30, body)


def dot_whisker(
    title: str,
    bars: Sequence[Bar],
    *,
    reference: float | None,
    reference_label: str,
    suppressed_text: str,
    domain: tuple[float, float] | None = None,
    layout: Layout = WIDE,
) -> str:
    """A dot per group with its confidence interval as a whisker (e.g. alpha by group).

    ``reference`` (e.g. the overall alpha) is drawn as a dashed vertical line.
    """
    top = 30
    rows, y_bot = _rows(layout, bars, _ROW_H, top)
    vals = [v for b in bars for v in (b.value, b.low, b.high) if _finite(v)]
    if _finite(reference):
        vals.append(reference)  # type: ignore[arg-type]
    if domain is None:
        lo = min(0.0, math.floor(min([0.0, *vals]) * 4) / 4)
        hi = max(1.0, math.ceil(max([0.0, *vals]) * 4) / 4)
        domain = (lo, hi)
    lo, hi = domain
    span = hi - lo or 1.0

    def x_of(v: float) -> float:
        return layout.x0 + layout.plot_w * (min(max(v, lo), hi) - lo) / span

    step = 0.25 if span <= 1.5 else 0.5
    ticks = [lo + step * i for i in range(round(span / step) + 1)]
    body = _axis(x_of, ticks, top - 4, y_bot, lambda t: f"{t:.2f}")
    desc_parts = []
    if _finite(reference):
        xr = x_of(reference)  # type: ignore[arg-type]
        body.append(_line(xr, top - 8, xr, y_bot, OKABE_ITO[4], stroke_dasharray="4 3"))
        anchor = "end" if layout.narrow and xr > layout.x0 + layout.plot_w / 2 else "middle"
        body.append(_text(xr, top - 12, reference_label, text_anchor=anchor, fill=OKABE_ITO[4]))
        desc_parts.append(reference_label)
    for b, y, lines in rows:
        yc = y + _ROW_H / 2
        body += _labels(layout, b, y, lines, _ROW_H)
        desc_parts.append(_desc(b, suppressed_text))
        if b.suppressed:
            body.append(_text(layout.x0 + 4, yc + 4, b.hidden_text or suppressed_text, fill=GREY))
            continue
        if _finite(b.low) and _finite(b.high):
            body.extend(_whisker(x_of(b.low), x_of(b.high), yc, 4, OKABE_ITO[3], 2))  # type: ignore[arg-type]
        if _finite(b.value):
            body.append(f'<circle cx="{x_of(b.value):.1f}" cy="{yc:.1f}" r="4.5" fill="#000000"/>')  # type: ignore[arg-type]
    return _svg(title, "; ".join(desc_parts), layout, y_bot + 30, body)


def ratio_bars(
    title: str,
    bars: Sequence[Bar],
    *,
    reference: float = 1.0,
    reference_label: str = "1 = no group effect",
    suppressed_text: str,
    legend: Sequence[str] = ("adjusted p < 0.05", "not significant"),
    layout: Layout = WIDE,
) -> str:
    """Bars from zero with a reference line (GAI: 1 means no group association).

    Highlighted bars take the accent colour; ``legend`` names the two colours.
    """
    body, y_legend = _legend([(OKABE_ITO[4], legend[0]), (OKABE_ITO[1], legend[1])], layout, 14)
    top = y_legend + 34
    rows, y_bot = _rows(layout, bars, _ROW_H, top)
    vals = [b.value for b in bars if _finite(b.value)]
    hi = max(2.0, math.ceil(max([reference, *vals]) * 2) / 2)  # type: ignore[type-var]

    def x_of(v: float) -> float:
        return layout.x0 + layout.plot_w * min(max(v, 0.0), hi) / hi

    ticks = [hi * i / 4 for i in range(5)]
    body += _axis(x_of, ticks, top - 4, y_bot, lambda t: f"{t:.2f}")
    desc_parts = [f"reference line at {reference:g}: {reference_label}"]
    for b, y, lines in rows:
        body += _labels(layout, b, y, lines, _ROW_H)
        desc_parts.append(_desc(b, suppressed_text))
        if b.suppressed:
            body.append(_text(layout.x0 + 4, y + 15, b.hidden_text or suppressed_text, fill=GREY))
            continue
        if _finite(b.value):
            colour = OKABE_ITO[4] if b.highlight else OKABE_ITO[1]
            body.append(_rect(layout.x0, y + 4, x_of(b.value) - layout.x0, 14, colour))  # type: ignore[arg-type]
    xr = x_of(reference)
    body.append(_line(xr, top - 8, xr, y_bot, "#000000", stroke_dasharray="4 3"))
    body.append(_text(xr, top - 12, reference_label, text_anchor="middle"))
    return _svg(title, "; ".join(desc_parts), layout, y_bot + 30, body)


def stacked_shares(
    title: str,
    bars: Sequence[StackedBar],
    values: Sequence[str],
    *,
    suppressed_text: str,
    layout: Layout = WIDE,
) -> str:
    """One 100% bar per group split by label value (label shares by group)."""
    colours = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(values)}
    wide_start = Layout("legend", label_w=8, plot_w=layout.width - 8, right_w=0)
    body, y_legend = _legend(
        [(colours[v], _shorten(v, 18)) for v in values],
        layout if layout.narrow else wide_start,
        14,
    )
    top = y_legend + 22
    rows, y_bot = _rows(layout, bars, _ROW_H, top)
    desc_parts = []
    for b, y, lines in rows:
        body += _labels(layout, b, y, lines, _ROW_H)
        if b.suppressed:
            body.append(_text(layout.x0 + 4, y + 15, b.hidden_text or suppressed_text, fill=GREY))
            desc_parts.append(_desc(b, suppressed_text))
            continue
        x = float(layout.x0)
        parts = []
        for v in values:
            s = b.shares.get(v)
            if not _finite(s) or s <= 0:  # type: ignore[operator]
                continue
            w = layout.plot_w * s  # type: ignore[operator]
            body.append(_rect(x, y + 4, w, 14, colours[v], stroke="#ffffff", stroke_width=0.5))
            if w > 30:
                text_fill = "#ffffff" if colours[v] in ("#0072B2", "#000000", "#D55E00") else "#000"
                body.append(
                    _text(x + w / 2, y + 15, f"{s:.0%}", text_anchor="middle", fill=text_fill)
                )
            parts.append(f"{v} {s:.0%}")
            x += w
        desc_parts.append(_desc(b, suppressed_text, f"{', '.join(parts)} ({b.note})"))
    return _svg(title, "; ".join(desc_parts), layout, y_bot + 12, body)
