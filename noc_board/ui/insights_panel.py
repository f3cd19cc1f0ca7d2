"""The insights panel: the bottleneck routes and the capacity headroom, a line each.

Routes first ("●  /checkout   1.8 s   p95 · 30 % of traffic · up 50 %"), then a rule, then one
line per capacity target ("●  Checkout database   peak 62 % of 85 %   85 % in ~6 weeks"). The
dot carries the tone (blue ok, orange warn, vermillion bad, grey when there is nothing to judge)
and the words say the same, so colour is never the only cue. Lines scale with the panel's height
and are elided on the right; what matters most on a line is drawn first at its full width (the
figure of a route, the outlook of a target), and when the panel is too short for every line the
routes give way first, keeping at least one. The widget only draws an `InsightsBody`; the feed
(ui.panel_feeds) computes it off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.insights import InsightsBody
from noc_board.ui.paint_support import ALIGN_RIGHT, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette

MAX_ROW_PX = 56
MAX_TEXT_PX = 24
MIN_ROW_PX = MIN_TEXT_PX * 1.35  # a line shorter than this would clip its text
RULE_PX = 10.0  # the gap (with its rule) between the routes and the capacity lines


def fitting_rows(routes: int, capacity: int, height: float) -> tuple[int, int]:
    """How many route and capacity lines fit in `height` px: routes give way first, down to
    one, then capacity lines."""
    room = max(1, int((height - RULE_PX) // MIN_ROW_PX))
    shown_capacity = min(capacity, max(1, room - min(routes, 1)))
    shown_routes = min(routes, max(min(routes, 1), room - shown_capacity))
    return shown_routes, shown_capacity


def capacity_widths(room: float, name: float, outlook: float) -> tuple[float, float, float]:
    """(name, peak, outlook) widths of a capacity line in `room` px, from their natural widths.

    The outlook matters most and the name tells whose it is: when all three do not fit, the peak
    gives way first, then the name shrinks down to a third of the line, then the outlook is
    elided.
    """
    if name + outlook <= room:  # the peak gets what is left (elided)
        return name, room - name - outlook, outlook
    name_w = min(name, max(room / 3, room - outlook))
    return name_w, 0.0, room - name_w


class InsightsCanvas(BodyCanvas[InsightsBody]):
    """Paints an `InsightsBody`: route lines, a rule, capacity lines (or the notes why not)."""

    def _tone(self, tone: str) -> str:
        t = self.theme
        if self.greyed:
            return t.stale
        return {"ok": t.ok, "warn": t.warning, "bad": t.critical}.get(tone, t.stale)

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        w, h = float(self.width()), float(self.height())
        n_routes = len(body.routes) or 1  # a note takes a line
        n_capacity = len(body.capacity) or 1
        shown_routes, shown_capacity = fitting_rows(n_routes, n_capacity, h)
        rows = shown_routes + shown_capacity
        row_h = min(MAX_ROW_PX, max(MIN_ROW_PX, (h - RULE_PX) / max(rows, 1)))
        px = max(MIN_TEXT_PX, min(MAX_TEXT_PX, row_h * 0.5))
        main, bold = face(px), face(px, bold=True)
        numerals = face(px, bold=True, numerals=True)
        small = face(max(MIN_TEXT_PX, px * 0.85))
        text = t.stale if self.greyed else t.text
        dot = px * 0.9
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        y = 0.0
        if body.routes:
            lines = body.routes[:shown_routes]
            value_w = max(text_width(r.value_text, numerals) for r in lines) + px
            route_w = min(w * 0.38, max(text_width(r.route, bold) for r in lines) + px)
            for line in lines:
                self._dot(painter, dot, y, row_h, line.tone)
                x = dot * 1.6
                draw_text(painter, QRectF(x, y, route_w, row_h), line.route, bold, text)
                x += route_w
                draw_text(painter, QRectF(x, y, value_w, row_h), line.value_text, numerals, text,
                          ALIGN_RIGHT)
                x += value_w + px * 0.8
                draw_text(painter, QRectF(x, y, max(0.0, w - x), row_h), line.why, small,
                          t.text_dim)
                y += row_h
        else:
            draw_text(painter, QRectF(0, y, w, row_h), body.routes_note, main, t.text_dim)
            y += row_h
        painter.setPen(QPen(QColor(t.border), 1))
        painter.drawLine(QPointF(0, y + RULE_PX / 2), QPointF(w, y + RULE_PX / 2))
        y += RULE_PX
        if body.capacity:
            for cap in body.capacity[:shown_capacity]:
                self._dot(painter, dot, y, row_h, cap.tone)
                x = dot * 1.6
                name_w, peak_w, outlook_w = capacity_widths(
                    w - x, text_width(cap.name, bold) + px, text_width(cap.outlook, bold))
                draw_text(painter, QRectF(x, y, name_w, row_h), cap.name, bold, text)
                x += name_w
                if cap.peak_text and peak_w > px:
                    draw_text(painter, QRectF(x, y, peak_w, row_h), cap.peak_text, small,
                              t.text_dim)
                draw_text(painter, QRectF(w - outlook_w, y, outlook_w, row_h), cap.outlook, bold,
                          self._tone(cap.tone) if cap.tone in ("warn", "bad") else text,
                          ALIGN_RIGHT)
                y += row_h
        else:
            draw_text(painter, QRectF(0, y, w, row_h), body.capacity_note, main, t.text_dim)
        painter.end()

    def _dot(self, painter: QPainter, size: float, y: float, row_h: float, tone: str) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self._tone(tone)))
        r = size * 0.32
        painter.drawEllipse(QPointF(size * 0.5, y + row_h / 2), r, r)


class InsightsPanelWidget(PaintedPanelWidget[InsightsBody]):
    """The insights of `[insights]` over the board's store; the feed calls `set_state` and
    `set_body(InsightsBody)`. It shows no live metric (`metric_ids` is empty), so it is fed only
    while its page is visible."""

    canvas: InsightsCanvas

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = ()
        self.install(InsightsCanvas(theme, InsightsBody(), self))

    def lines(self) -> list[str]:
        """Every line of the body as text (drawn when there is room): for tests and logs."""
        body = self.canvas.body
        out = [f"{r.route} {r.value_text} {r.why}" for r in body.routes]
        if body.routes_note:
            out.append(body.routes_note)
        out += [c.text for c in body.capacity]
        if body.capacity_note:
            out.append(body.capacity_note)
        return out
