"""The status grid: a cell per service with UP/DOWN in words, uptime over the window and the
response time. DOWN cells are filled in the critical colour; unknown ones are grey with "—"."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.status import ServiceRow
from noc_board.ui.paint_support import ALIGN_LEFT, ALIGN_RIGHT, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

GAP = 10.0
EDGE = 3.0  # the least room between a cell's border and its text
FLOOR_PX = 10.0  # a cell's type shrinks no further (a grid far too small for its services)
SMALLEST_PX = MIN_TEXT_PX - 4  # the least a crowded grid's names shrink to before being cut
SYMBOLS = {"up": "●", "down": "✖", "unknown": "?"}


def grid_shape(count: int, width: float, height: float,
               min_cell_width: float = 0.0, min_cell_height: float = 0.0) -> tuple[int, int]:
    """(columns, rows) for `count` cells: cells about 3:1, and at least `min_cell_width` wide
    (what the longest service's line needs) when that fits at all; never shorter than
    `min_cell_height` (a line at the smallest type) when anything else fits, even names cut."""
    if count <= 0:
        return 1, 1
    best = (1, count)
    best_score = -math.inf
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cw, ch = (width - GAP * (columns - 1)) / columns, height / rows
        score = -abs(math.log(max(cw, 1) / max(ch, 1) / 3.0))
        if cw < min_cell_width and columns > 1:
            # names would be cut, the more the worse: only if nothing else fits
            score -= 1.0 + 10.0 * (min_cell_width - cw) / min_cell_width
        if (height - GAP * (rows - 1)) / rows < min_cell_height:
            score -= 20.0  # no line of text fits at all
        if score > best_score:
            best, best_score = (columns, rows), score
    return best


def fitted_px(rows: tuple[ServiceRow, ...], cell_width: float, start: float) -> float:
    """The text size at which every cell's first line ("● DOWN Checkout") fits its width
    (down to `SMALLEST_PX`; past it, names end in "…")."""
    px = start
    while px > SMALLEST_PX:
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


@dataclass(frozen=True, slots=True)
class CellType:
    """The fonts of a grid's cells and whether they have room for the second line."""

    px: float  # the base size the others follow
    big: QFont  # "● DOWN Checkout"
    numbers: QFont  # the response time
    small: QFont  # "down 3m · 97.1% up · 1h"
    two_lines: bool
    responses: bool = True  # one line: whether the response times fit after the names


def line_height(font: QFont) -> float:
    return QFontMetricsF(font).height()


def cell_type(rows: tuple[ServiceRow, ...], width: float, height: float) -> CellType:
    """The type of cells `width` x `height`: as large as the width allows (`fitted_px`) and the
    height holds; two lines when both fit, else one (state, name and response time) in a type
    small enough for the cell's height and, down to a little under the board's smallest text,
    for the whole line's width."""
    px = fitted_px(rows, width, max(MIN_TEXT_PX, min(34.0, height * 0.26)))
    room = height - 2 * EDGE
    while True:
        big = face(px * 1.15, bold=True)
        numbers = face(max(min(MIN_TEXT_PX, px), px * 0.85), bold=True, numerals=True)
        small = face(second_line_px(rows, width - px * 1.2, numbers, px * 0.8))
        if line_height(big) + max(line_height(small), line_height(numbers)) <= room:
            return CellType(px, big, numbers, small, True)
        if px <= FLOOR_PX or (line_height(big) <= room and (
                px <= SMALLEST_PX or one_line_width(rows, big, numbers, px) <= width)):
            # the response times go before the names are cut
            fits = one_line_width(rows, big, numbers, px) <= width
            return CellType(px, big, numbers, small, False, fits)
        px -= 1


def one_line_width(rows: tuple[ServiceRow, ...], big: QFont, numbers: QFont,
                   px: float) -> float:
    """The width the widest cell needs for its one line: state, name and response time."""
    return max(text_width(f"{SYMBOLS[r.state]} {r.state_text}", big) + px * 0.6
               + text_width(r.name, big)
               + (text_width(r.response_text, numbers) + px if r.response_text else 0.0)
               for r in rows) + px * 1.2


def second_line_px(rows: tuple[ServiceRow, ...], room: float, numbers: QFont,
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


class StatusCanvas(BodyCanvas[tuple[ServiceRow, ...]]):
    """Paints the service cells."""

    def paint_body(self, event: QPaintEvent) -> None:
        rows = self.body
        if not rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = float(self.width()), float(self.height())
        # the names whole at the smallest type a crowded grid takes (`cell_type`)
        need = max(text_width(f"● DOWN  {r.name}", face(SMALLEST_PX * 1.15, bold=True))
                   for r in rows) + SMALLEST_PX * 1.4
        least = line_height(face(FLOOR_PX * 1.15, bold=True)) + 2 * EDGE
        columns, lines = grid_shape(len(rows), w, h, need, least)
        cw = (w - GAP * (columns - 1)) / columns
        ch = (h - GAP * (lines - 1)) / lines
        kind = cell_type(rows, cw, ch)
        for i, row in enumerate(rows):
            x = (i % columns) * (cw + GAP)
            y = (i // columns) * (ch + GAP)
            self._paint_cell(painter, QRectF(x, y, cw, ch), row, kind)
        painter.end()

    def _paint_cell(self, painter: QPainter, cell: QRectF, row: ServiceRow,
                    kind: CellType) -> None:
        t = self.theme
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
        px = kind.px
        first_h = line_height(kind.big)
        second_h = max(line_height(kind.small), line_height(kind.numbers)) \
            if kind.two_lines else 0.0
        # the lines centred in the cell, padded as much as the cell leaves room for
        inner = cell.adjusted(px * 0.6, EDGE, -px * 0.6, -EDGE)
        top = inner.y() + (inner.height() - first_h - second_h) / 2
        first = QRectF(inner.x(), top, inner.width(), first_h)
        response_w = text_width(row.response_text, kind.numbers) + px if row.response_text \
            else 0.0
        response_ink = ink if not greyed else t.stale
        if not kind.two_lines and not kind.responses:
            response_w = 0.0
        elif not kind.two_lines and row.response_text:  # one line: the response at its end
            draw_text(painter, QRectF(first.right() - response_w, top, response_w, first_h),
                      row.response_text, kind.numbers, response_ink, ALIGN_RIGHT)
            first.setWidth(max(0.0, first.width() - response_w))
        state = f"{SYMBOLS[row.state]} {row.state_text}"
        state_w = draw_text(painter, first, state, kind.big,
                            ink if row.state != "up" or greyed else t.ok, ALIGN_LEFT)
        gap = px * 0.6
        draw_text(painter, QRectF(first.x() + state_w + gap, top,
                                  max(0.0, first.width() - state_w - gap), first_h),
                  row.name, kind.big, ink, ALIGN_LEFT)
        if not kind.two_lines:
            return
        below = top + first_h
        dim = ink if row.state == "down" and not greyed else t.text_dim
        draw_text(painter, QRectF(inner.x(), below, inner.width() - response_w, second_h),
                  second_line(row), kind.small, dim, ALIGN_LEFT)
        if row.response_text:
            draw_text(painter, QRectF(inner.right() - response_w, below, response_w, second_h),
                      row.response_text, kind.numbers, response_ink, ALIGN_RIGHT)


class StatusGridWidget(PaintedPanelWidget[tuple[ServiceRow, ...]]):
    """Services and probes: `panel.metrics` are their up metrics, `panel.response` (optional)
    their response times."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = tuple(panel.metrics) + tuple(m for m in panel.response if m)
        self.install(StatusCanvas(theme, (), self))

    def rows(self) -> tuple[ServiceRow, ...]:
        return self.shown
