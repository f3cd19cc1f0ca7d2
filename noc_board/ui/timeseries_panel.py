"""A time-series chart: the panel's metrics over its window, with a legend and the frame's cues.

Besides the lines: the rules' threshold levels as shaded bands (dashed at the level), the
comparison period as a faint line behind the first metric, and alarm raises as marks on the time
axis. Every plot item is created once (bands and marks from fixed pools) and only fed data.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QSizePolicy, QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState
from noc_board.core.panel_models.thresholds import Threshold, bands
from noc_board.core.series import FloatArray
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.plot_support import (
    ChartAxes,
    ExpandingRange,
    line,
    quiet_plot,
    relative_x,
    time_scale,
)
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

MAX_BANDS = 4
BAND_ALPHA = 0.14  # a band's fill: its severity's colour at this strength over the panel
OVERLAY_ALPHA = 0.55
LEGEND_SHARE = 0.4  # of the panel's height at most; a longer legend takes a smaller type
LEGEND_FLOOR_PX = 12


@dataclass(frozen=True, slots=True)
class Mark:
    """An alarm raised at `ts` with `severity`, marked on the time axis."""

    ts: float
    severity: str


@dataclass(frozen=True, slots=True)
class LineData:
    """One line of a chart: its legend label and latest value, and its points already scaled
    for display (ratios as percentages)."""

    metric_id: str
    label: str
    ts: FloatArray
    values: FloatArray
    value_text: str = ""


class TimeSeriesPanelWidget(PanelFrameWidget):
    """Draws several series over `panel.window` on a relative time axis ("30m" … "now").

    One plot item per metric, created once with a width-1 pen; the x range is fixed and the y
    range only expands (see plot_support). The legend is a line of text above the plot (colour
    swatch, name, latest value), so it never hides the data. The header state (`set_state`) is
    the merge of the metrics' tile states: the worst freshness and the loudest alarm.
    """

    def __init__(
        self, panel: PanelConfig, labels: Sequence[str], theme: Palette, y_suffix: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(panel, theme, parent)
        self.overlay_label = ""  # the legend's words for the faint comparison line
        self.plot = quiet_plot(theme, axes=True)
        self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        item = self.plot.getPlotItem()
        self.axes = ChartAxes(item, theme, panel.window, y_suffix)
        self.legend_label = QLabel(self)
        self.legend_label.setProperty("role", "legend")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        self.legend_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._legend: dict[str, tuple[str, str]] = {}  # metric id -> (label, value text)
        self._colours: dict[str, str] = {}
        for i, (metric_id, label) in enumerate(zip(self.metric_ids, labels, strict=True)):
            colour = theme.series[i % len(theme.series)]
            curve = line(colour, name=label)
            item.addItem(curve)
            self.curves[metric_id] = curve
            self._colours[metric_id] = colour
            self._legend[metric_id] = (label, "")
        self._render_legend()
        self.body.addWidget(self.legend_label, 0)
        self.body.addWidget(self.plot, 1)
        self._y = ExpandingRange()
        self._build_extras(item, theme)

    def _build_extras(self, item: pg.PlotItem, theme: Palette) -> None:
        """Bands, the overlay curve and the alarm marks are created on first use (a chart with
        no rules, no overlay and no alarms pays nothing) and then only fed data."""
        self._item = item
        self.thresholds: tuple[Threshold, ...] = ()
        self.band_items: list[tuple[QGraphicsRectItem, pg.InfiniteLine]] = []
        self.overlay: pg.PlotDataItem | None = None
        self.mark_items: dict[str, pg.PlotDataItem] = {}
        self._marks: tuple[Mark, ...] = ()
        self._last_now = 0.0

    def set_thresholds(self, thresholds: Sequence[Threshold]) -> None:
        """The rule levels to shade (already in the chart's scale, e.g. ratios as %)."""
        self.thresholds = tuple(thresholds)[:MAX_BANDS]
        while len(self.band_items) < len(self.thresholds):
            rect = QGraphicsRectItem()
            rect.setPen(QPen(Qt.PenStyle.NoPen))
            rect.setZValue(-20)
            rect.hide()
            self._item.addItem(rect, ignoreBounds=True)
            level = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
            level.setZValue(-5)
            level.hide()
            self._item.addItem(level, ignoreBounds=True)
            self.band_items.append((rect, level))
        self._draw_bands()

    def _draw_bands(self) -> None:
        low, high = self._y.low, self._y.high
        drawn = bands(self.thresholds, low, high) if self.thresholds else []
        x0 = -self.panel.window / time_scale(self.panel.window)[0]
        for i, (rect, level) in enumerate(self.band_items):
            if i >= len(drawn):
                rect.hide()
                level.hide()
                continue
            band, threshold = drawn[i], self.thresholds[i]
            colour = self.theme.severity(band.severity)
            rect.setRect(QRectF(x0, band.low, -x0, band.high - band.low))
            rect.setBrush(QBrush(QColor(blend(colour, self.theme.surface, BAND_ALPHA))))
            rect.show()
            level.setPen(pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            level.setValue(threshold.level)
            level.show()

    def set_overlay(self, ts: FloatArray, values: FloatArray, offset: float, now: float,
                    label: str = "") -> None:
        """The comparison period: points `offset` seconds older than the window, drawn faintly
        where they would be had they happened `offset` later."""
        if self.overlay is None:
            first = self._colours[self.metric_ids[0]] if self.metric_ids else self.theme.text_dim
            self.overlay = line(blend(first, self.theme.surface, OVERLAY_ALPHA))
            self.overlay.setZValue(-8)
            self._item.addItem(self.overlay)
        if ts.size == 0:
            self.overlay.setData([], [])
        else:
            x, keep = relative_x(ts + offset, now, self.panel.window)
            self.overlay.setData(x, values[keep], connect="finite")
        if label != self.overlay_label:
            self.overlay_label = label
            self._render_legend()

    def set_marks(self, marks: Sequence[Mark], now: float) -> None:
        """Alarm raises to mark on the time axis (those inside the window are drawn)."""
        self._marks = tuple(marks)
        self._last_now = now
        self._draw_marks()

    def _mark_item(self, severity: str) -> pg.PlotDataItem:
        """The segments item of a severity (x pairs, connect="pairs"), made on first use."""
        item = self.mark_items.get(severity)
        if item is None:
            colour = self.theme.severity(severity)
            item = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), antialias=False,
                                   connect="pairs")
            item.setZValue(5)
            self._item.addItem(item)
            self.mark_items[severity] = item
        return item

    def _draw_marks(self) -> None:
        low, high = self._y.low, self._y.high
        per_unit, _ = time_scale(self.panel.window)
        wanted = {m.severity for m in self._marks} | set(self.mark_items)
        for severity in sorted(wanted):
            xs = [(m.ts - self._last_now) / per_unit for m in self._marks
                  if m.severity == severity and self._last_now - self.panel.window <= m.ts
                  <= self._last_now]
            if not xs or np.isnan(low):
                if severity in self.mark_items:
                    self.mark_items[severity].setData([], [])
                continue
            x = np.repeat(np.asarray(xs, dtype=np.float64), 2)
            y = np.tile(np.asarray([low, low + (high - low) * 0.12]), len(xs))
            self._mark_item(severity).setData(x, y)

    def set_state(self, state: TileState) -> None:
        """Draw the header state (freshness, reason, alarm); equal states cost nothing."""
        if state == self.state:
            return
        greyed_before = self.state is not None and self.state.greyed
        self.apply_frame_state(state)
        if greyed_before != state.greyed:
            self.plot.getPlotItem().setOpacity(0.4 if state.greyed else 1.0)

    def set_lines(self, lines: Sequence[LineData], now: float) -> None:
        """Feed the curves; x is in time units before `now`."""
        visible: list[FloatArray] = []
        legend_changed = False
        for data in lines:
            curve = self.curves.get(data.metric_id)
            if curve is None:
                continue
            x, keep = relative_x(data.ts, now, self.panel.window)
            y = data.values[keep]
            curve.setData(x, y, connect="finite")
            visible.append(y)
            entry = (data.label, data.value_text)
            if self._legend.get(data.metric_id) != entry:
                self._legend[data.metric_id] = entry
                legend_changed = True
        if legend_changed:
            self._render_legend()
        if visible and self._y.fit(np.concatenate(visible)):
            self.axes.set_y_range(self._y.low, self._y.high)
            self._draw_bands()
            self._draw_marks()

    def legend_texts(self) -> list[str]:
        """The legend's entries as plain text, e.g. "Checkout errors 4.10%"."""
        return [f"{label} {value}".strip() for label, value in self._legend.values()]

    def _render_legend(self) -> None:
        parts = []
        for metric_id, (label, value) in self._legend.items():
            colour = self._colours[metric_id]
            number = f" <b>{html.escape(value)}</b>" if value else ""
            parts.append(
                f'<span style="color:{colour}; font-weight:900;">━━</span>&nbsp;'
                f"{html.escape(label)}{number}"
            )
        if self.overlay_label:
            faint = blend(self._colours[self.metric_ids[0]], self.theme.surface, OVERLAY_ALPHA)
            parts.append(f'<span style="color:{faint}; font-weight:900;">━━</span>&nbsp;'
                         f"{html.escape(self.overlay_label)}")
        self.legend_label.setText("&nbsp;&nbsp;&nbsp;&nbsp; ".join(parts))
        self._fit_legend()

    def _fit_legend(self) -> None:
        """The legend's type: the board's smallest text, or smaller (down to `LEGEND_FLOOR_PX`)
        while its lines would take more than `LEGEND_SHARE` of the panel's height. Measured on
        a text document, so the label is restyled only when its size changes."""
        label = self.legend_label
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setHtml(label.text())
        document.setTextWidth(max(self.width() - 40, 1))  # the frame's side margins
        most = self.height() * LEGEND_SHARE
        font = label.font()
        px = MIN_TEXT_PX
        while px > LEGEND_FLOOR_PX:
            font.setPixelSize(px)
            document.setDefaultFont(font)
            if document.size().height() <= most:
                break
            px -= 1
        style = f"font-size: {px}px;" if px != MIN_TEXT_PX else ""
        if label.styleSheet() != style:
            label.setStyleSheet(style)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_legend()
