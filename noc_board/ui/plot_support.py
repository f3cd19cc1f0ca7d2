"""Plot helpers that keep 24 charts cheap: fixed x ranges, a y range that only expands, quiet plots.

Measured (DESIGN.md): axis tick regeneration is most of a chart's paint time and auto-range paints
twice, so charts here never auto-range. The x axis is relative ("minutes ago", fixed from
-window to 0: its ticks never change) and the y range only grows, except for a rare re-fit when
the data has shrunk to a sliver of it (so one spike last week does not flatten the chart forever).
Ticks are set explicitly (`ChartAxes`), so pyqtgraph never regenerates them. Pens are width 1
without antialiasing; fills are opaque.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from noc_board.core.series import FloatArray
from noc_board.ui.theme import MIN_TEXT_PX, Palette

# Re-fit the y range when the data spans less than this fraction of it.
REFIT_FRACTION = 0.2
PADDING = 0.08
EDGE_FRACTION = 0.04  # y ticks closer than this to the top or bottom are left out


class ExpandingRange:
    """A y range that grows to fit the data and shrinks only when the data is a sliver of it."""

    def __init__(self) -> None:
        self.low = math.nan
        self.high = math.nan

    def fit(self, values: FloatArray) -> bool:
        """Grow (or re-fit) to `values`, ignoring NaN; True when the range changed."""
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return False
        lo, hi = float(finite.min()), float(finite.max())
        pad = (hi - lo) * PADDING if hi > lo else (abs(hi) * 0.1 or 1.0)
        lo, hi = lo - pad, hi + pad
        if math.isnan(self.low):
            self.low, self.high = lo, hi
            return True
        span = self.high - self.low
        if (hi - lo) < REFIT_FRACTION * span:
            self.low, self.high = lo, hi
            return True
        if lo < self.low or hi > self.high:
            self.low, self.high = min(lo, self.low), max(hi, self.high)
            return True
        return False

    def reset(self) -> None:
        self.low = self.high = math.nan


def time_scale(window: float) -> tuple[float, str]:
    """Seconds per x unit and its suffix for a chart spanning `window` seconds."""
    if window <= 3 * 3600:
        return 60.0, "m"
    if window <= 3 * 86_400:
        return 3600.0, "h"
    return 86_400.0, "d"


def nice_ticks(low: float, high: float, target: int = 5) -> tuple[list[float], float]:
    """Round tick values inside [low, high], about `target` of them, and their step."""
    span = high - low
    if not span > 0 or math.isinf(span):
        return [], 0.0
    raw = span / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [first + i * step for i in range(count)], step


def format_tick(value: float, step: float, suffix: str = "") -> str:
    """A tick label with as many decimals as the step needs: "0.25%", "350 ms", "1500"."""
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > step * 1e-6:
        decimals += 1
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return f"{text}{suffix}"


class ChartAxes:
    """Explicit ticks and guide lines of a chart, so pyqtgraph never regenerates ticks.

    The x axis is fixed at construction ("45m" … "now"); the y ticks and the horizontal guides
    are recomputed only when the y range changes (rarely: it only expands). Guides are plain
    opaque InfiniteLines: pyqtgraph's own grid is drawn by the axes and repaints them, labels
    and all, with every data change (measured: it doubles the paint time of a board).
    """

    MAX_GUIDES = 12

    def __init__(self, item: pg.PlotItem, p: Palette, window: float, y_suffix: str) -> None:
        self._item = item
        self._suffix = y_suffix
        per_unit, unit = time_scale(window)
        low = -window / per_unit
        item.setXRange(low, 0.0, padding=0.0)
        values, _ = nice_ticks(low, 0.0, 6)
        labels = [(v, "now" if abs(v) < 1e-9 else f"{-v:g}{unit}") for v in values]
        item.getAxis("bottom").setTicks([labels, []])
        pen = pg.mkPen(p.grid, width=1)
        for v in values:
            if v > low and v < 0:
                item.addItem(pg.InfiniteLine(pos=v, angle=90, pen=pen, movable=False),
                             ignoreBounds=True)
        self._guides: list[pg.InfiniteLine] = []
        for _ in range(self.MAX_GUIDES):
            guide = pg.InfiniteLine(pos=0.0, angle=0, pen=pen, movable=False)
            guide.setZValue(-10)
            guide.hide()
            item.addItem(guide, ignoreBounds=True)
            self._guides.append(guide)
        self.y_ticks: list[tuple[float, str]] = []

    def set_y_range(self, low: float, high: float) -> None:
        """Show [low, high] with round ticks and a guide line at each."""
        self._item.setYRange(low, high, padding=0.0)
        values, step = nice_ticks(low, high, 5)
        # a label on the very edge is cut in half by the plot's border: keep it off the edges
        edge = (high - low) * EDGE_FRACTION
        values = [v for v in values if low + edge <= v <= high - edge]
        self.y_ticks = [(v, format_tick(v, step, self._suffix)) for v in values]
        self._item.getAxis("left").setTicks([self.y_ticks, []])
        for guide, v in zip(self._guides, values, strict=False):
            guide.setValue(v)
            guide.show()
        for guide in self._guides[len(values):]:
            guide.hide()


def quiet_plot(p: Palette, axes: bool) -> pg.PlotWidget:
    """A PlotWidget with no mouse, menu or auto-range; axes styled for the wall when wanted."""
    # enableMenu=False: the view box never builds its context menu (~5 ms a plot at start-up)
    plot = pg.PlotWidget(background=p.surface, enableMenu=False)
    plot.setStyleSheet(f"background: {p.surface}; border: none;")
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.disableAutoRange()
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    plot.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    if axes:
        font = plot.font()
        font.setPixelSize(MIN_TEXT_PX - 2)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(p.grid, width=1))
            axis.setTextPen(pg.mkPen(p.text_dim))
            axis.setStyle(tickFont=font, tickTextOffset=6)
        item.getAxis("left").setWidth(96)
    else:
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.getViewBox().setDefaultPadding(0.0)
    return plot


def line(colour: str, name: str | None = None, fill: str = "") -> pg.PlotDataItem:
    """A width-1, non-antialiased line that clips to view and peak-downsamples.

    With a `fill` colour the area under it is tinted (sparklines: it reads better from afar);
    give an opaque colour (see theme.blend): a translucent fill costs about 2x to paint.
    """
    curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=1), antialias=False, name=name)
    if fill:
        curve.setFillLevel(0.0)
        curve.setBrush(pg.mkBrush(fill))
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    return curve


def relative_x(ts: FloatArray, now: float, window: float) -> tuple[FloatArray, slice]:
    """Time units before `now` (negative) for the points inside the window, and their slice."""
    per_unit, _ = time_scale(window)
    start = int(np.searchsorted(ts, now - window, side="left"))
    keep = slice(max(0, start - 1), None)  # one point before the window keeps the line's start
    return (ts[keep] - now) / per_unit, keep
