"""The heatmap: a metric's mean per hour of day (columns) and day of week (rows).

Colours follow the palette's sequential heat scale (viridis: ordered by lightness, readable with
any colour vision); a cell without data is left as the panel's background with a thin outline,
never coloured as a low value. The current hour is outlined. A legend gives the range in words.
"""

from __future__ import annotations

import datetime as dt
import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.heatmap import WEEKDAYS, HeatBody, heat_fraction
from noc_board.ui.paint_support import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    ALIGN_RIGHT,
    draw_text,
    face,
    text_width,
)
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, heat_colour

CELL_GAP = 2.0


class HeatmapCanvas(BodyCanvas[HeatBody]):
    """Paints a `HeatBody`; `now_cell` (weekday, hour) is outlined."""

    def __init__(self, theme: Palette, empty: HeatBody, parent: QWidget | None = None) -> None:
        super().__init__(theme, empty, parent)
        self.now_cell: tuple[int, int] | None = None

    def set_now_cell(self, cell: tuple[int, int] | None) -> None:
        if cell != self.now_cell:
            self.now_cell = cell
            self.update()

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        if not body.means:
            return
        painter = QPainter(self)
        w, h = float(self.width()), float(self.height())
        px = max(MIN_TEXT_PX - 2, min(22.0, h / 12))
        font = face(px)
        left, bottom, legend = px * 3.2, px * 1.6, px * 1.8
        cell_w = (w - left) / 24
        cell_h = (h - bottom - legend) / 7
        for d in range(7):
            y = d * cell_h
            draw_text(painter, QRectF(0, y, left - 8, cell_h), WEEKDAYS[d], font, t.text_dim,
                      ALIGN_RIGHT)
            for hour in range(24):
                rect = QRectF(left + hour * cell_w, y, cell_w - CELL_GAP, cell_h - CELL_GAP)
                value = body.means[d][hour]
                if math.isnan(value):
                    painter.setPen(QPen(QColor(t.border), 1))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                else:
                    colour = t.stale if self.greyed else heat_colour(
                        t, heat_fraction(value, body.low, body.high))
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(QColor(colour))
                painter.drawRect(rect)
        if self.now_cell is not None:
            d, hour = self.now_cell
            painter.setPen(QPen(QColor(t.text), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(left + hour * cell_w - 1, d * cell_h - 1, cell_w + 1 - CELL_GAP,
                                    cell_h + 1 - CELL_GAP))
        y = 7 * cell_h
        for hour in range(0, 24, 3):
            draw_text(painter, QRectF(left + hour * cell_w, y, cell_w * 3, bottom),
                      f"{hour:02d}h", font, t.text_dim, ALIGN_LEFT)
        y += bottom
        if body.low_text:
            low, high = f"low {body.low_text}", f"high {body.high_text}"
            low_w = text_width(low, font) + px
            high_w = text_width(high, font) + px
            draw_text(painter, QRectF(left, y, low_w, legend), low, font, t.text_dim, ALIGN_LEFT)
            bar = QRectF(left + low_w, y + legend * 0.3, max(10.0, w - left - low_w - high_w),
                         legend * 0.4)
            gradient = QLinearGradient(bar.topLeft(), bar.topRight())
            for i, stop in enumerate(t.heat):
                gradient.setColorAt(i / (len(t.heat) - 1), QColor(t.stale if self.greyed
                                                                  else stop))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(gradient)
            painter.drawRect(bar)
            draw_text(painter, QRectF(w - high_w, y, high_w, legend), high, font, t.text_dim,
                      ALIGN_RIGHT)
        else:
            draw_text(painter, QRectF(left, y, w - left, legend), "no history yet", font,
                      t.text_dim, ALIGN_CENTER)
        painter.end()


class HeatmapPanelWidget(PaintedPanelWidget[HeatBody]):
    """A heatmap of `panel.metrics[0]` over `panel.days` days of hourly rollups."""

    canvas: HeatmapCanvas

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = tuple(panel.metrics[:1])
        self.install(HeatmapCanvas(theme, HeatBody(), self))

    def set_now(self, now: float, tz: dt.tzinfo) -> None:
        local = dt.datetime.fromtimestamp(now, tz)
        self.canvas.set_now_cell((local.weekday(), local.hour))
