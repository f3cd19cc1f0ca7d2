"""The status grid: a cell per service with UP/DOWN in words, uptime over the window and the
response time. DOWN cells are filled in the critical colour; unknown ones are grey with "—"."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.status import ServiceRow
from noc_board.ui.paint_support import ALIGN_LEFT, ALIGN_RIGHT, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

GAP = 10.0
SYMBOLS = {"up": "●", "down": "✖", "unknown": "?"}


def grid_shape(count: int, width: float, height: float,
               min_cell_width: float = 0.0) -> tuple[int, int]:
    """(columns, rows) for `count` cells: cells about 3:1, and at least `min_cell_width` wide
    (what the longest service's line needs) when that fits at all."""
    if count <= 0:
        return 1, 1
    best = (1, count)
    best_score = -math.inf
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cw, ch = (width - GAP * (columns - 1)) / columns, height / rows
        score = -abs(math.log(max(cw, 1) / max(ch, 1) / 3.0))
        if cw < min_cell_width and columns > 1:
            score -= 10.0  # names would be cut: only if nothing else fits
        if score > best_score:
            best, best_score = (columns, rows), score
    return best


def fitted_px(rows: tuple[ServiceRow, ...], cell_width: float, start: float) -> float:
    """The text size at which every cell's first line ("● DOWN Checkout") fits its width."""
    px = start
    while px > MIN_TEXT_PX:
        font = face(px * 1.15, bold=True)
        widest = max(text_width(f"{SYMBOLS[r.state]} {r.state_text}  {r.name}", font)
                     for r in rows)
        if widest + px * 1.4 <= cell_width:
            break
        px -= 1
    return px


def second_line(row: ServiceRow) -> str:
    """"down 3m · 97.1% up · 1h": since when it is down, and the uptime over the window."""
    text = f"{row.uptime_text} up · {row.span_text}"
    return f"{row.since_text} · {text}" if row.since_text else text


class StatusCanvas(BodyCanvas[tuple[ServiceRow, ...]]):
    """Paints the service cells."""

    @staticmethod
    def _second_line_px(rows: tuple[ServiceRow, ...], room: float, numbers: QFont,
                        start: float) -> float:
        """The size at which every cell's second line fits beside its response time."""
        px = max(MIN_TEXT_PX - 2, start)
        while px > MIN_TEXT_PX - 2:
            font = face(px)
            if all(text_width(second_line(r), font) + text_width(r.response_text, numbers)
                   + px <= room for r in rows):
                break
            px -= 1
        return px

    def paint_body(self, event: QPaintEvent) -> None:
        rows, t = self.body, self.theme
        if not rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = float(self.width()), float(self.height())
        need = max(text_width(f"● DOWN  {r.name}", face(MIN_TEXT_PX * 1.15, bold=True))
                   for r in rows) + MIN_TEXT_PX * 1.4
        columns, lines = grid_shape(len(rows), w, h, need)
        cw = (w - GAP * (columns - 1)) / columns
        ch = (h - GAP * (lines - 1)) / lines
        px = fitted_px(rows, cw, max(MIN_TEXT_PX, min(34.0, ch * 0.26)))
        big = face(px * 1.15, bold=True)
        numbers = face(max(MIN_TEXT_PX, px * 0.85), bold=True, numerals=True)
        small = face(self._second_line_px(rows, cw - px * 1.2, numbers, px * 0.8))
        for i, row in enumerate(rows):
            x = (i % columns) * (cw + GAP)
            y = (i // columns) * (ch + GAP)
            cell = QRectF(x, y, cw, ch)
            greyed = self.greyed or row.status != "ok"
            if row.state == "down" and not greyed:
                fill, ink, edge = t.critical, t.text_on_alarm, t.critical
            elif row.state == "up" and not greyed:
                fill, ink, edge = blend(t.ok, t.surface, 0.12), t.text, t.ok
            else:
                fill, ink, edge = t.surface_raised, t.stale, t.stale
            painter.setPen(QPen(QColor(edge), 2))
            painter.setBrush(QColor(fill))
            painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 8, 8)
            pad = px * 0.6
            inner = cell.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
            line = inner.height() / 2
            state = f"{SYMBOLS[row.state]} {row.state_text}"
            state_w = draw_text(painter, QRectF(inner.x(), inner.y(), inner.width(), line),
                                state, big, ink if row.state != "up" or greyed else t.ok,
                                ALIGN_LEFT)
            draw_text(painter, QRectF(inner.x() + state_w + px * 0.6, inner.y(),
                                      inner.width() - state_w - px * 0.6, line), row.name, big,
                      ink, ALIGN_LEFT)
            dim = ink if row.state == "down" and not greyed else t.text_dim
            left_text = second_line(row)
            response_w = text_width(row.response_text, numbers) + px if row.response_text \
                else 0.0
            draw_text(painter, QRectF(inner.x(), inner.y() + line, inner.width() - response_w,
                                      line), left_text, small, dim, ALIGN_LEFT)
            if row.response_text:
                draw_text(painter, QRectF(inner.right() - response_w, inner.y() + line,
                                          response_w, line), row.response_text,
                          numbers, ink if not greyed else t.stale, ALIGN_RIGHT)
        painter.end()


class StatusGridWidget(PaintedPanelWidget[tuple[ServiceRow, ...]]):
    """Services and probes: `panel.metrics` are their up metrics, `panel.response` (optional)
    their response times."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = tuple(panel.metrics) + tuple(m for m in panel.response if m)
        self.install(StatusCanvas(theme, (), self))

    def rows(self) -> tuple[ServiceRow, ...]:
        return self.shown
