"""Top-N bars: a breakdown's largest rows (top-selling products), ranked, with value and share."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.bars import BarsBody
from noc_board.ui.paint_support import ALIGN_LEFT, ALIGN_RIGHT, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

MAX_ROW_PX = 64
GAP = 0.22  # of a row, between bars
FLOOR_PX = MIN_TEXT_PX - 4  # rows shrink to this type; below it, the last bars join "+N more"


def line_height(px: float) -> float:
    """The height of a row's tallest text (the bold value) at `px`."""
    return QFontMetricsF(face(px, bold=True, numerals=True)).height()


def rows_that_fit(body: BarsBody, height: float) -> tuple[int, str, float, float]:
    """(bars shown, the "+N more" line, row height, type size) for a body `height` tall: every
    bar when its text fits a row at `FLOOR_PX` or more, else as many as do, the rest summed in
    the last line."""
    shown = len(body.bars)
    while True:
        more = body.more_after(shown)
        rows = shown + (1 if more else 0)
        row_h = min(MAX_ROW_PX, height / max(rows, 1))
        px = max(MIN_TEXT_PX, min(26, row_h * 0.42))
        while px > FLOOR_PX and line_height(px) > row_h:
            px -= 1
        if line_height(px) <= row_h or shown <= 1:
            return shown, more, row_h, px
        shown -= 1


class BarsCanvas(BodyCanvas[BarsBody]):
    """Paints ranked rows: "1  Label ▇▇▇▇▇▇▇▇ 12.3k USD 23%"."""

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        if not body.bars:
            return
        painter = QPainter(self)
        count, more_text, row_h, px = rows_that_fit(body, self.height())
        bars = body.bars[:count]
        label_font, value_font = face(px), face(px, bold=True, numerals=True)
        small = face(min(px, max(MIN_TEXT_PX - 2, px * 0.8)))
        w = float(self.width())
        value_w = max(text_width(b.value_text, value_font) for b in bars) + 12
        share_w = text_width("100%", small) + 10
        rank_w = text_width(f"{len(bars)}.", label_font) + 10
        label_w = min(w * 0.45, max(text_width(b.label, label_font) for b in bars) + 16)
        bar_x = rank_w + label_w
        bar_room = max(10.0, w - bar_x - value_w - share_w)
        fill = t.stale if self.greyed else t.ok
        track = blend(fill, t.surface, 0.12)
        text = t.stale if self.greyed else t.text
        for i, bar in enumerate(bars):
            y = i * row_h
            rect = QRectF(0, y, rank_w, row_h)
            draw_text(painter, rect, f"{i + 1}.", label_font, t.text_dim, ALIGN_LEFT)
            draw_text(painter, QRectF(rank_w, y, label_w - 8, row_h), bar.label, label_font,
                      text, ALIGN_LEFT)
            bar_h = row_h * (1 - GAP)
            top = y + (row_h - bar_h) / 2
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(track))
            painter.drawRect(QRectF(bar_x, top, bar_room, bar_h))
            painter.setBrush(QColor(fill if i == 0 or self.greyed else blend(fill, t.surface,
                                                                              0.8)))
            painter.drawRect(QRectF(bar_x, top, max(2.0, bar_room * bar.fraction), bar_h))
            draw_text(painter, QRectF(bar_x + bar_room, y, value_w, row_h), bar.value_text,
                      value_font, text, ALIGN_RIGHT)
            draw_text(painter, QRectF(w - share_w, y, share_w, row_h), bar.share_text, small,
                      t.text_dim, ALIGN_RIGHT)
        if more_text:
            y = len(bars) * row_h
            draw_text(painter, QRectF(rank_w, y, w - rank_w, row_h), more_text, small,
                      t.text_dim, ALIGN_LEFT)
        painter.end()


class BarsPanelWidget(PaintedPanelWidget[BarsBody]):
    """A top-N panel over `panel.breakdown`; the presenter feeds `set_body(BarsBody)`."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = (panel.breakdown,) if panel.breakdown else tuple(panel.metrics[:1])
        self.install(BarsCanvas(theme, BarsBody(), self))
