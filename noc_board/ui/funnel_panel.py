"""A funnel: each step a column whose height is its share of the first, the drop between them."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPolygonF
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.funnel import FunnelBody
from noc_board.ui.paint_support import ALIGN_CENTER, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

ARROW_SHARE = 0.4  # of a step's slot: the gap that holds the drop between two columns


def short_drop(drop: float, text: str) -> str:
    """A drop in whole percents ("−67%"), for a narrow gap."""
    if not text or math.isnan(drop):
        return text
    return f"−{drop * 100:.0f}%" if drop >= 0 else f"+{-drop * 100:.0f}%"


class FunnelCanvas(BodyCanvas[FunnelBody]):
    """Paints the steps left to right: count above, column, label and share below; in the gap
    between two columns a band joins them and the share lost ("−62.0%") is written on it in the
    bad colour."""

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        steps = body.steps
        if not steps:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = float(self.width()), float(self.height())
        n = len(steps)
        slot = w / n
        col_w = slot * (1 - ARROW_SHARE)
        gap = slot - col_w
        px = max(MIN_TEXT_PX, min(30.0, slot * 0.11, h * 0.09))
        count_font = face(px * 1.25, bold=True, numerals=True)
        label_font = face(px)
        small = face(max(MIN_TEXT_PX, px * 0.85), bold=True)
        drops = [s.drop_text for s in steps]
        widest = max((text_width(d, small) for d in drops if d), default=0)
        if widest > gap - 4:  # a narrow gap: whole percents ("−67%") read better than "−67.…"
            drops = [short_drop(s.drop, s.drop_text) for s in steps]
            widest = max((text_width(d, small) for d in drops if d), default=0)
        drop_font = small if widest <= gap - 4 else face(
            max(MIN_TEXT_PX - 4, small.pixelSize() * (gap - 4) / max(widest, 1)), bold=True)
        top_text = px * 1.9
        bottom_text = px * 2.9 + (px * 1.2 if body.overall_text else 0)
        area_top, area_h = top_text, max(10.0, h - top_text - bottom_text)
        base = area_top + area_h
        fill = t.stale if self.greyed else t.ok
        text = t.stale if self.greyed else t.text
        tops: list[tuple[float, float]] = []
        for i, step in enumerate(steps):
            x = i * slot + gap / 2
            known = math.isfinite(step.share)
            bar_h = max(3.0, area_h * min(1.0, step.share)) if known else 0.0
            y = base - bar_h
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(blend(fill, t.surface, 0.9 - 0.5 * i / max(1, n - 1))))
            painter.drawRect(QRectF(x, y, col_w, bar_h))
            tops.append((x, y))
            draw_text(painter, QRectF(i * slot, y - top_text, slot, top_text), step.count_text,
                      count_font, text, ALIGN_CENTER)
            draw_text(painter, QRectF(i * slot, base + px * 0.3, slot, px * 1.4), step.label,
                      label_font, t.text_dim if not self.greyed else t.stale, ALIGN_CENTER)
            draw_text(painter, QRectF(i * slot, base + px * 1.6, slot, px * 1.3),
                      step.share_text, small, text, ALIGN_CENTER)
            if i > 0:
                x0, y0 = tops[i - 1][0] + col_w, tops[i - 1][1]
                band = QPolygonF([QPointF(x0, y0), QPointF(x, y), QPointF(x, base),
                                  QPointF(x0, base)])
                painter.setBrush(QColor(blend(fill, t.surface, 0.18)))
                painter.drawPolygon(band)
                if drops[i]:
                    line = drop_font.pixelSize() * 1.4
                    mid = max(y0, y) + (base - max(y0, y)) / 2 - line / 2
                    mid = min(mid, base - line)
                    colour = t.stale if self.greyed else t.bad
                    draw_text(painter, QRectF(x0, mid, x - x0, line), drops[i],
                              drop_font, colour, ALIGN_CENTER)
        if body.overall_text:
            draw_text(painter, QRectF(0, h - px * 1.3, w, px * 1.3), body.overall_text,
                      face(px * 0.9), t.text_dim, ALIGN_CENTER)
        painter.end()


class FunnelPanelWidget(PaintedPanelWidget[FunnelBody]):
    """A funnel over `panel.metrics` (steps in order) or `panel.breakdown` (rows in order)."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = ((panel.breakdown,) if panel.breakdown else tuple(panel.metrics))
        self.install(FunnelCanvas(theme, FunnelBody(), self))
