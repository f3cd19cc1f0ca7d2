"""Charts laid out once as drawing primitives, for both the PDF (QPainter) and the HTML (SVG).

`layout_chart(chart, width, height)` scales the series, picks round axis ticks, and returns
lines, paths, rectangles and texts in the box's coordinates (points, y down). The PDF painter
and the SVG writer only translate primitives, so a chart looks the same in both, its text stays
text (selectable, searchable), and the lines stay vectors.

Colours are the board's light theme (Okabe and Ito's colour-blind-safe set, as in
noc_board.ui.theme.LIGHT): paper is white.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.reports.document import Chart

SERIES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
TEXT = "#101418"
TEXT_DIM = "#4a5563"
GRID = "#dde3e9"
AXIS = "#8a939c"
HEAT = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
        "#fde725")
FONT_SIZE = 7.0
LEGEND_H = 14.0


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str
    width: float = 0.6
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Path:
    points: tuple[tuple[float, float], ...]
    color: str
    width: float = 1.2
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = FONT_SIZE
    color: str = TEXT_DIM
    anchor: str = "start"  # start, middle, end


Primitive = Line | Path | Rect | Text


def text_width(text: str, size: float) -> float:
    """An estimate of a text's width in DejaVu Sans (wide enough for digits and capitals)."""
    return 0.58 * size * len(text)


def nice_step(span: float, target: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `target` ticks."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * power:
            return m * power
    return 10 * power


def y_range(values: Sequence[float], from_zero: bool) -> tuple[float, float, float]:
    """(low, high, step) covering `values` with round ticks."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0, 0.25
    low, high = min(finite), max(finite)
    if from_zero:
        low = min(0.0, low)
        high = max(0.0, high)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = (low - pad, high + pad) if not from_zero else (low, high + pad)
    step = nice_step(high - low)
    low = math.floor(low / step + 1e-9) * step
    high = math.ceil(high / step - 1e-9) * step
    return low, high, step


def tick_text(value: float, unit: str, step: float) -> str:
    """An axis label: 50 %, 12.5k, 0.25."""
    if unit == "%":
        digits = max(0, -math.floor(math.log10(step * 100) + 1e-9)) if step > 0 else 0
        return f"{value * 100:.{digits}f} %"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:g}M"
    if a >= 1e4:
        return f"{value / 1e3:g}k"
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    return f"{value:,.{digits}f}"


def heat_colour(fraction: float) -> str:
    """The heat scale's colour at `fraction` (0..1)."""
    stops = HEAT
    x = min(1.0, max(0.0, fraction)) * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    t = x - i
    a = [int(stops[i][k:k + 2], 16) for k in (1, 3, 5)]
    b = [int(stops[i + 1][k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * t):02x}" for p, q in zip(a, b, strict=True))


def layout_chart(chart: Chart, width: float, height: float) -> list[Primitive]:
    """The primitives of `chart` in a `width` x `height` box (origin top left)."""
    if chart.kind == "heatmap":
        return _heatmap(chart, width, height)
    return _xy(chart, width, height)


def _legend(chart: Chart, width: float) -> list[Primitive]:
    out: list[Primitive] = []
    x = 0.0
    y = 9.0
    for i, s in enumerate(chart.series):
        colour = SERIES[i % len(SERIES)]
        if s.dashed or chart.kind == "line":
            out.append(Line(x, y - 2.5, x + 14, y - 2.5, colour, 1.4, s.dashed))
        else:
            out.append(Rect(x + 2, y - 6, 10, 7, colour))
        out.append(Text(x + 18, y, s.name, FONT_SIZE, TEXT))
        x += 18 + text_width(s.name, FONT_SIZE) + 14
        if x > width - 40:
            break
    return out


def _xy(chart: Chart, width: float, height: float) -> list[Primitive]:
    out: list[Primitive] = _legend(chart, width)
    n = len(chart.labels)
    bars = [s for s in chart.series if chart.kind == "bars" and not s.dashed]
    values = [v for s in chart.series for v in s.values]
    low, high, step = y_range(values, from_zero=chart.kind == "bars" or chart.unit != "%")
    labels = []
    v = low
    while v <= high + step * 1e-6:
        labels.append((v, tick_text(v, chart.unit, step)))
        v += step
    left = max(text_width(t, FONT_SIZE) for _, t in labels) + 6
    top, bottom, right = LEGEND_H + 4, height - 14, width - 4
    plot_w, plot_h = right - left, bottom - top
    if n == 0 or plot_w <= 10 or plot_h <= 10:
        return out

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_h

    for value, text in labels:
        y = y_of(value)
        out.append(Line(left, y, right, y, GRID, 0.5))
        out.append(Text(left - 4, y + FONT_SIZE * 0.35, text, FONT_SIZE, TEXT_DIM, "end"))
    slot = plot_w / n

    def x_of(i: int) -> float:
        return left + slot * (i + 0.5)

    if bars:
        group = slot * 0.78
        bar_w = group / len(bars)
        base = y_of(max(low, min(0.0, high)))
        for k, s in enumerate(bars):
            colour = SERIES[chart.series.index(s) % len(SERIES)]
            for i, value in enumerate(s.values[:n]):
                if not math.isfinite(value):
                    continue
                x = left + slot * i + (slot - group) / 2 + k * bar_w
                y = y_of(value)
                out.append(Rect(x, min(y, base), max(bar_w - 0.4, 0.3), abs(base - y), colour))
    for idx, s in enumerate(chart.series):
        if s in bars:
            continue
        colour = SERIES[idx % len(SERIES)]
        run: list[tuple[float, float]] = []
        segments: list[list[tuple[float, float]]] = []
        for i, value in enumerate(s.values[:n]):
            if math.isfinite(value):
                run.append((x_of(i), y_of(value)))
            elif run:
                segments.append(run)
                run = []
        if run:
            segments.append(run)
        for seg in segments:
            if len(seg) == 1:
                x, y = seg[0]
                out.append(Rect(x - 1.2, y - 1.2, 2.4, 2.4, colour))
            else:
                out.append(Path(tuple(seg), colour, 1.3 if not s.dashed else 1.1, s.dashed))
    out.append(Line(left, bottom, right, bottom, AXIS, 0.7))
    ticks = chart.x_ticks or _auto_ticks(n, plot_w, chart.labels)
    for i in ticks:
        if 0 <= i < n:
            x = x_of(i)
            out.append(Line(x, bottom, x, bottom + 2.5, AXIS, 0.6))
            out.append(Text(x, bottom + 10, chart.labels[i], FONT_SIZE, TEXT_DIM, "middle"))
    return out


def _auto_ticks(n: int, width: float, labels: Sequence[str]) -> tuple[int, ...]:
    longest = max((text_width(t, FONT_SIZE) for t in labels), default=10.0) + 8
    fit = max(1, int(width // longest))
    every = max(1, math.ceil(n / fit))
    return tuple(range(0, n, every))


def _heatmap(chart: Chart, width: float, height: float) -> list[Primitive]:
    out: list[Primitive] = []
    rows = chart.series
    cols = len(chart.labels)
    values = [v for s in rows for v in s.values if math.isfinite(v)]
    if not rows or not cols:
        return out
    low = min(values) if values else 0.0
    high = max(values) if values else 1.0
    span = high - low or 1.0
    left = max(text_width(s.name, FONT_SIZE) for s in rows) + 6
    scale_w = 54.0
    top, bottom = 4.0, height - 14
    right = width - scale_w - 8
    cell_w = (right - left) / cols
    cell_h = (bottom - top) / len(rows)
    for r, s in enumerate(rows):
        y = top + r * cell_h
        out.append(Text(left - 4, y + cell_h / 2 + FONT_SIZE * 0.35, s.name, FONT_SIZE,
                        TEXT_DIM, "end"))
        for c in range(cols):
            value = s.values[c] if c < len(s.values) else math.nan
            x = left + c * cell_w
            if math.isfinite(value):
                out.append(Rect(x, y, cell_w + 0.2, cell_h + 0.2,
                                heat_colour((value - low) / span)))
            else:
                out.append(Rect(x, y, cell_w, cell_h, "#f3f5f7"))
    for c in chart.x_ticks or range(cols):
        if 0 <= c < cols:
            out.append(Text(left + (c + 0.5) * cell_w, bottom + 10, chart.labels[c], FONT_SIZE,
                            TEXT_DIM, "middle"))
    # the colour scale, low to high, with its ends labelled
    sx = width - scale_w + 4
    steps = 24
    sh = (bottom - top) / steps
    for k in range(steps):
        fraction = 1 - k / (steps - 1)
        out.append(Rect(sx, top + k * sh, 10, sh + 0.2, heat_colour(fraction)))
    step = nice_step(span, 2)
    out.append(Text(sx + 14, top + FONT_SIZE, tick_text(high, chart.unit, step), FONT_SIZE,
                    TEXT_DIM))
    out.append(Text(sx + 14, bottom, tick_text(low, chart.unit, step), FONT_SIZE, TEXT_DIM))
    return out
