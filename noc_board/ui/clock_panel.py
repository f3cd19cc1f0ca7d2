"""A clock panel: the time in large numerals, the date, and the time zone with its UTC offset."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.clock_face import ClockFace
from noc_board.ui.paint_support import ALIGN_CENTER, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette


class ClockCanvas(BodyCanvas[ClockFace]):
    """Paints a `ClockFace`: the time as large as the panel allows."""

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        if not body.time_text:
            return
        painter = QPainter(self)
        w, h = float(self.width()), float(self.height())
        px = max(MIN_TEXT_PX * 2, h * 0.5)
        font = face(px, bold=True, numerals=True)
        while px > MIN_TEXT_PX * 2 and text_width(body.time_text, font) > w * 0.95:
            px -= 4
            font = face(px, bold=True, numerals=True)
        small = face(max(MIN_TEXT_PX, min(28.0, h * 0.13)))
        line = small.pixelSize() * 1.4
        time_h = h - 2 * line
        draw_text(painter, QRectF(0, 0, w, time_h), body.time_text, font, t.text, ALIGN_CENTER)
        draw_text(painter, QRectF(0, time_h, w, line), body.date_text, small, t.text,
                  ALIGN_CENTER)
        draw_text(painter, QRectF(0, time_h + line, w, line), body.zone_text, small, t.text_dim,
                  ALIGN_CENTER)
        painter.end()


class ClockPanelWidget(PaintedPanelWidget[ClockFace]):
    """A clock in `panel.timezone` (or the board's)."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = ()
        self.install(ClockCanvas(theme, ClockFace("", "", ""), self))
        self.age_label.hide()
