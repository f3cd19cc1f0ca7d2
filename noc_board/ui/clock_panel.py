"""A clock panel: the time in large numerals, the date, and the time zone with its UTC offset."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.clock_face import ClockFace
from noc_board.ui.paint_support import ALIGN_CENTER, draw_text, face
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette

FLOOR_PX = 10
TIME_OVER_LINE = 1.5  # the date and zone lines go before the time gets this close to them


class ClockCanvas(BodyCanvas[ClockFace]):
    """Paints a `ClockFace`: the time as large as the panel allows, the date and the zone under
    it while they leave the time at least `TIME_OVER_LINE` times their size (the zone goes
    first, then the date)."""

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        if not body.time_text:
            return
        painter = QPainter(self)
        w, h = float(self.width()), float(self.height())
        lines = [(body.date_text, t.text), (body.zone_text, t.text_dim)]
        small = line_font([text for text, _ in lines], w, min(28.0, max(MIN_TEXT_PX, h * 0.13)))
        line = QFontMetricsF(small).height()
        while True:
            time_h = h - len(lines) * line
            font = time_font(body.time_text, w * 0.95, time_h, max(MIN_TEXT_PX * 2, h * 0.5))
            if not lines or font.pixelSize() >= small.pixelSize() * TIME_OVER_LINE:
                break
            lines.pop()
        draw_text(painter, QRectF(0, 0, w, time_h), body.time_text, font, t.text, ALIGN_CENTER)
        for i, (text, colour) in enumerate(lines):
            draw_text(painter, QRectF(0, time_h + i * line, w, line), text, small, colour,
                      ALIGN_CENTER)
        painter.end()


def line_font(texts: list[str], width: float, start: float) -> QFont:
    """The face of the date and zone lines: from `start` down to the board's smallest text
    while a line is wider than the panel (past that, it ends in "…")."""
    px = start
    font = face(px)
    while px > MIN_TEXT_PX and max(QFontMetricsF(font).horizontalAdvance(t) for t in texts) > width:
        px -= 1
        font = face(px)
    return font


def time_font(text: str, width: float, height: float, start: float) -> QFont:
    """The numeral face at the largest size from `start` (down to `FLOOR_PX`) at which `text`
    fits the box."""
    px = max(FLOOR_PX, round(min(start, height)))
    font = face(px, bold=True, numerals=True)
    while px > FLOOR_PX:
        metrics = QFontMetricsF(font)
        if metrics.height() <= height and metrics.horizontalAdvance(text) <= width:
            break
        px -= 2
        font = face(px, bold=True, numerals=True)
    return font


class ClockPanelWidget(PaintedPanelWidget[ClockFace]):
    """A clock in `panel.timezone` (or the board's)."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = ()
        self.install(ClockCanvas(theme, ClockFace("", "", ""), self))
        self.age_label.hide()
