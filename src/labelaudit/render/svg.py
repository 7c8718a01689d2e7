"""Server-side inline SVG charts for the HTML report.

Charts are drawn as text so the report needs no JavaScript, no fonts and no network to
be read. Every string that reaches the SVG (group names, values, titles) is escaped
here, because the template inserts the finished SVG as markup. Each chart carries a
``<title>``, a ``<desc>`` that states every plotted figure with its ``n`` (the text
alternative), ``role="img"`` and an ``aria-label``. Colours come from the Okabe-Ito
palette, which stays distinguishable under the common colour-vision deficiencies.
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
_LABEL_W = 230
_PLOT_W = 360
_RIGHT_W = 250
_FONT = 12


@dataclass
class Bar:
    """One row of a horizontal chart; ``None`` figures are drawn as missing."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    reference: float | None = None  # e.g. the target share drawn as a second bar
    note: str = ""  # right-hand annotation (ratio, n)
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


def _svg(title: str, desc: str, width: int, height: int, body: Iterable[str]) -> str:
    head = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {width} {height}",
        "width": width,
        "height": height,
        "role": "img",
        "aria-label": title,
        "class": "chart",
        "font-family": "system-ui, sans-serif",
    }
    return (
        f"<svg{_attrs(head)}><title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        + "".join(body)
        + "</svg>"
    )


def _finite(v: float | None) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out: list[str] = []
    for colour, label in items:
        out.append(_rect(x, y - 9, 10, 10, colour))
        out.append(_text(x + 14, y, label))
        x += 24 + 7 * len(label)
    return out


def _axis(x0: float, x_of, ticks: Sequence[float], y_top: float, y_bot: float, fmt) -> list[str]:
    out = []
    for t in ticks:
        x = x_of(t)
        out.append(_line(x, y_top, x, y_bot, "#dddddd"))
        out.append(_text(x, y_bot + 14, fmt(t), text_anchor="middle", fill=GREY))
    return out


def _suppressed_note(b: Bar, y: float) -> list[str]:
    if not b.note:
        return []
    return [_text(_LABEL_W + _PLOT_W + 8, y, _shorten(b.note, 40), fill=GREY)]


def share_bars(title: str, bars: Sequence[Bar], *, suppressed_text: str) -> str:
    """Pool share (with its interval) beside the target share, one row per group.

    The main bar is the group's share of the rater pool with a whisker for its Wilson
    interval; the thinner bar beneath is the target share. ``note`` (ratio and ``n``)
    is written at the right.
    """
    top = 34
    height = top + len(bars) * (2 * _ROW_H - 6) + 30
    width = _LABEL_W + _PLOT_W + _RIGHT_W
    hi = max([1e-9] + [v for b in bars for v in (b.value, b.high, b.reference) if _finite(v)])
    scale = min(1.0, math.ceil(hi * 5) / 5)  # a multiple of 20% so ticks fall on round shares

    def x_of(v: float) -> float:
        return _LABEL_W + _PLOT_W * min(v, scale) / scale

    body = _legend([(OKABE_ITO[3], "rater pool"), (OKABE_ITO[0], "target")], _LABEL_W, 14)
    y_bot = top + len(bars) * (2 * _ROW_H - 6)
    step = 0.1 if scale <= 0.6 else 0.2
    ticks = [i * step for i in range(round(scale / step) + 1)]
    body += _axis(_LABEL_W, x_of, ticks, top - 4, y_bot, lambda t: f"{t:.0%}")
    desc_parts = []
    for i, b in enumerate(bars):
        y = top + i * (2 * _ROW_H - 6)
        body.append(_text(_LABEL_W - 6, y + 14, _shorten(b.label), text_anchor="end"))
        if b.suppressed:
            body.append(_text(_LABEL_W + 4, y + 14, b.hidden_text or suppressed_text, fill=GREY))
            body += _suppressed_note(b, y + 14)
            desc_parts.append(
                f"{b.label}: {b.hidden_text or suppressed_text}"
                + (f" ({b.note})" if b.note else "")
            )
            continue
        if _finite(b.value):
            body.append(_rect(_LABEL_W, y + 3, x_of(b.value) - _LABEL_W, 14, OKABE_ITO[3]))
        if _finite(b.low) and _finite(b.high):
            yc = y + 10
            body.extend(_whisker(x_of(b.low), x_of(b.high), yc, 5, "#000000", 1.5))
        if _finite(b.reference):
            body.append(_rect(_LABEL_W, y + 19, x_of(b.reference) - _LABEL_W, 8, OKABE_ITO[0]))
        body.append(_text(_LABEL_W + _PLOT_W + 8, y + 14, b.note))
        desc_parts.append(f"{b.label}: {b.note}")
    return _svg(title, "; ".join(desc_parts), width, height, body)


def dot_whisker(
    title: str,
    bars: Sequence[Bar],
    *,
    reference: float | None,
    reference_label: str,
    suppressed_text: str,
    domain: tuple[float, float] | None = None,
) -> str:
    """A dot per group with its confidence interval as a whisker (e.g. alpha by group).

    ``reference`` (e.g. the overall alpha) is drawn as a dashed vertical line.
    """
    top = 30
    height = top + len(bars) * _ROW_H + 30
    width = _LABEL_W + _PLOT_W + _RIGHT_W
    vals = [v for b in bars for v in (b.value, b.low, b.high) if _finite(v)]
    if _finite(reference):
        vals.append(reference)
    if domain is None:
        lo = min(0.0, math.floor(min([0.0, *vals]) * 4) / 4)
        hi = max(1.0, math.ceil(max([0.0, *vals]) * 4) / 4)
        domain = (lo, hi)
    lo, hi = domain
    span = hi - lo or 1.0

    def x_of(v: float) -> float:
        return _LABEL_W + _PLOT_W * (min(max(v, lo), hi) - lo) / span

    y_bot = top + len(bars) * _ROW_H
    step = 0.25 if span <= 1.5 else 0.5
    ticks = [lo + step * i for i in range(round(span / step) + 1)]
    body = _axis(_LABEL_W, x_of, ticks, top - 4, y_bot, lambda t: f"{t:.2f}")
    desc_parts = []
    if _finite(reference):
        xr = x_of(reference)
        body.append(_line(xr, top - 8, xr, y_bot, OKABE_ITO[4], stroke_dasharray="4 3"))
        body.append(_text(xr, top - 12, reference_label, text_anchor="middle", fill=OKABE_ITO[4]))
        desc_parts.append(reference_label)
    for i, b in enumerate(bars):
        y = top + i * _ROW_H
        yc = y + _ROW_H / 2
        body.append(_text(_LABEL_W - 6, yc + 4, _shorten(b.label), text_anchor="end"))
        if b.suppressed:
            body.append(_text(_LABEL_W + 4, yc + 4, b.hidden_text or suppressed_text, fill=GREY))
            body += _suppressed_note(b, yc + 4)
            desc_parts.append(
                f"{b.label}: {b.hidden_text or suppressed_text}"
                + (f" ({b.note})" if b.note else "")
            )
            continue
        if _finite(b.low) and _finite(b.high):
            body.extend(_whisker(x_of(b.low), x_of(b.high), yc, 4, OKABE_ITO[3], 2))
        if _finite(b.value):
            body.append(f'<circle cx="{x_of(b.value):.1f}" cy="{yc:.1f}" r="4.5" fill="#000000"/>')
        body.append(_text(_LABEL_W + _PLOT_W + 8, yc + 4, b.note))
        desc_parts.append(f"{b.label}: {b.note}")
    return _svg(title, "; ".join(desc_parts), width, height, body)


def ratio_bars(
    title: str,
    bars: Sequence[Bar],
    *,
    reference: float = 1.0,
    reference_label: str = "1 = no group effect",
    suppressed_text: str,
    legend: Sequence[str] = ("adjusted p < 0.05", "not significant"),
) -> str:
    """Bars from zero with a reference line (GAI: 1 means no group association).

    Highlighted bars take the accent colour; ``legend`` names the two colours.
    """
    top = 48
    height = top + len(bars) * _ROW_H + 30
    width = _LABEL_W + _PLOT_W + _RIGHT_W
    vals = [b.value for b in bars if _finite(b.value)]
    hi = max(2.0, math.ceil(max([reference, *vals]) * 2) / 2)

    def x_of(v: float) -> float:
        return _LABEL_W + _PLOT_W * min(max(v, 0.0), hi) / hi

    y_bot = top + len(bars) * _ROW_H
    ticks = [hi * i / 4 for i in range(5)]
    body = _axis(_LABEL_W, x_of, ticks, top - 4, y_bot, lambda t: f"{t:.2f}")
    body += _legend([(OKABE_ITO[4], legend[0]), (OKABE_ITO[1], legend[1])], _LABEL_W, 14)
    desc_parts = [f"reference line at {reference:g}: {reference_label}"]
    for i, b in enumerate(bars):
        y = top + i * _ROW_H
        body.append(_text(_LABEL_W - 6, y + 15, _shorten(b.label), text_anchor="end"))
        if b.suppressed:
            body.append(_text(_LABEL_W + 4, y + 15, b.hidden_text or suppressed_text, fill=GREY))
            body += _suppressed_note(b, y + 15)
            desc_parts.append(
                f"{b.label}: {b.hidden_text or suppressed_text}"
                + (f" ({b.note})" if b.note else "")
            )
            continue
        if _finite(b.value):
            colour = OKABE_ITO[4] if b.highlight else OKABE_ITO[1]
            body.append(_rect(_LABEL_W, y + 4, x_of(b.value) - _LABEL_W, 14, colour))
        body.append(_text(_LABEL_W + _PLOT_W + 8, y + 15, b.note))
        desc_parts.append(f"{b.label}: {b.note}")
    xr = x_of(reference)
    body.append(_line(xr, top - 8, xr, y_bot, "#000000", stroke_dasharray="4 3"))
    body.append(_text(xr, top - 12, reference_label, text_anchor="middle"))
    return _svg(title, "; ".join(desc_parts), width, height, body)


def stacked_shares(
    title: str, bars: Sequence[StackedBar], values: Sequence[str], *, suppressed_text: str
) -> str:
    """One 100% bar per group split by label value (label shares by group)."""
    colours = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(values)}
    top = 36
    height = top + len(bars) * _ROW_H + 12
    width = _LABEL_W + _PLOT_W + _RIGHT_W
    body = _legend([(colours[v], _shorten(v, 18)) for v in values], 8, 14)
    desc_parts = []
    for i, b in enumerate(bars):
        y = top + i * _ROW_H
        body.append(_text(_LABEL_W - 6, y + 15, _shorten(b.label), text_anchor="end"))
        if b.suppressed:
            body.append(_text(_LABEL_W + 4, y + 15, b.hidden_text or suppressed_text, fill=GREY))
            body += _suppressed_note(b, y + 15)
            desc_parts.append(
                f"{b.label}: {b.hidden_text or suppressed_text}"
                + (f" ({b.note})" if b.note else "")
            )
            continue
        x = float(_LABEL_W)
        parts = []
        for v in values:
            s = b.shares.get(v)
            if not _finite(s) or s <= 0:
                continue
            w = _PLOT_W * s
            body.append(_rect(x, y + 4, w, 14, colours[v], stroke="#ffffff", stroke_width=0.5))
            if w > 30:
                text_fill = "#ffffff" if colours[v] in ("#0072B2", "#000000", "#D55E00") else "#000"
                body.append(
                    _text(x + w / 2, y + 15, f"{s:.0%}", text_anchor="middle", fill=text_fill)
                )
            parts.append(f"{v} {s:.0%}")
            x += w
        body.append(_text(_LABEL_W + _PLOT_W + 8, y + 15, b.note))
        desc_parts.append(f"{b.label}: {', '.join(parts)} ({b.note})")
    return _svg(title, "; ".join(desc_parts), width, height, body)
