"""The PDF renderer: a `Report` on A4 pages through Qt's QPdfWriter and QPainter (offscreen).

Text is drawn with QPainter's text calls, so it is real, selectable and searchable text in the
PDF (the font is embedded); charts are vector drawings of `chart_layout`'s primitives, the same
ones the HTML report draws as SVG. Every page carries the board, the report, the period, the time
zone and "page i of n": the document is laid out first, then painted, so n is known.

Painting needs a Qt GUI application (for fonts); `ensure_gui_application()` makes an offscreen
one for the headless `noc-board report`. Works off the GUI thread (QPainter on a QPdfWriter is
thread-safe), which is how the app exports without freezing the board.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from noc_board.reports import chart_layout as cl
from noc_board.reports.context import Progressor
from noc_board.reports.document import (
    Bullets,
    Chart,
    Figures,
    Paragraph,
    Report,
    Table,
)

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points (the writer's resolution is 72 dpi: 1 unit = 1 pt)
MARGIN_X = 42.0
CONTENT_TOP = 62.0
CONTENT_BOTTOM = PAGE_H - 44.0
WIDTH = PAGE_W - 2 * MARGIN_X
FAMILY = "DejaVu Sans"
TONES = {"good": "#0072b2", "bad": "#b2182b", "warn": "#a66f00", "": cl.TEXT}
TILE_BG = "#f3f5f7"
HEADER_BG = "#e9edf1"
ZEBRA = "#f7f9fa"
CALLOUT_BG = "#fff4e0"
CALLOUT_BAR = "#e69f00"
ACCENT = "#0072b2"
CHART_H = 170.0
HEADER_MAX = 64.0  # a number column is at least this wide for its title (or the title's width)
WORD_MAX = 110.0  # a text column keeps its longest word whole up to this width
HEATMAP_H = 150.0

Op = Callable[[QPainter], None]


def ensure_gui_application() -> None:
    """Create an application when none exists (headless reports), offscreen without a display.

    A QApplication rather than a bare QGuiApplication: the process may later show widgets
    (tests do), and Qt allows one application object per process, of one class.
    """
    if QCoreApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1] or ["noc-board"])


def font(size: float, bold: bool = False) -> QFont:
    """The report font at `size` points."""
    f = QFont(FAMILY)
    f.setStyleHint(QFont.StyleHint.SansSerif)
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


class _Pages:
    """Lays blocks out top to bottom, page after page, as drawing operations."""

    def __init__(self, device: QPdfWriter) -> None:
        self.device = device
        self.pages: list[list[Op]] = [[]]
        self.y = CONTENT_TOP
        self._metrics: dict[tuple[float, bool], QFontMetricsF] = {}

    def metrics(self, size: float, bold: bool = False) -> QFontMetricsF:
        key = (size, bold)
        if key not in self._metrics:
            self._metrics[key] = QFontMetricsF(font(size, bold), self.device)
        return self._metrics[key]

    def room(self) -> float:
        return CONTENT_BOTTOM - self.y

    def new_page(self) -> None:
        self.pages.append([])
        self.y = CONTENT_TOP

    def need(self, height: float) -> None:
        """Start a new page unless `height` fits on this one."""
        if height > self.room() and self.y > CONTENT_TOP:
            self.new_page()

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """`text` broken into lines that fit `width`."""
        fm = self.metrics(size, bold)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            words = paragraph.split(" ")
            line = ""
            for word in words:
                candidate = f"{line} {word}" if line else word
                if fm.horizontalAdvance(candidate) <= width:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                while fm.horizontalAdvance(word) > width and len(word) > 1:
                    cut = len(word)
                    while cut > 1 and fm.horizontalAdvance(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            lines.append(line)
        return lines or [""]


def _text_op(x: float, y: float, text: str, size: float, colour: str = cl.TEXT,
             bold: bool = False, align: str = "left", width: float = 0.0) -> Op:
    def draw(p: QPainter) -> None:
        f = font(size, bold)
        p.setFont(f)
        p.setPen(QColor(colour))
        if align == "left":
            p.drawText(QPointF(x, y), text)
        else:
            fm = QFontMetricsF(f, p.device())
            w = fm.horizontalAdvance(text)
            dx = width - w if align == "right" else (width - w) / 2
            p.drawText(QPointF(x + dx, y), text)
    return draw


def _rect_op(x: float, y: float, w: float, h: float, fill: str, stroke: str = "") -> Op:
    def draw(p: QPainter) -> None:
        p.setPen(QPen(QColor(stroke), 0.6) if stroke else Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor(fill)) if fill else Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(x, y, w, h))
    return draw


def _line_op(x1: float, y1: float, x2: float, y2: float, colour: str, width: float) -> Op:
    def draw(p: QPainter) -> None:
        p.setPen(QPen(QColor(colour), width))
        p.drawLine(QPointF(x1, y1), QPointF(x2, y2))
    return draw


def _chart_op(chart: Chart, x: float, y: float, w: float, h: float) -> Op:
    primitives = cl.layout_chart(chart, w, h)

    def draw(p: QPainter) -> None:
        p.save()
        p.translate(x, y)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for prim in primitives:
            if isinstance(prim, cl.Rect):
                p.setPen(QPen(QColor(prim.stroke), 0.5) if prim.stroke else Qt.PenStyle.NoPen)
                p.setBrush(QBrush(QColor(prim.fill)))
                p.drawRect(QRectF(prim.x, prim.y, prim.w, prim.h))
            elif isinstance(prim, cl.Line):
                pen = QPen(QColor(prim.color), prim.width)
                if prim.dashed:
                    pen.setDashPattern([4.0, 2.5])
                p.setPen(pen)
                p.drawLine(QPointF(prim.x1, prim.y1), QPointF(prim.x2, prim.y2))
            elif isinstance(prim, cl.Path):
                pen = QPen(QColor(prim.color), prim.width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                if prim.dashed:
                    pen.setDashPattern([4.0, 2.5])
                p.setPen(pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                path = QPainterPath(QPointF(*prim.points[0]))
                for px, py in prim.points[1:]:
                    path.lineTo(px, py)
                p.drawPath(path)
            else:
                f = font(prim.size)
                p.setFont(f)
                p.setPen(QColor(prim.color))
                dx = 0.0
                if prim.anchor != "start":
                    w_text = QFontMetricsF(f, p.device()).horizontalAdvance(prim.text)
                    dx = -w_text if prim.anchor == "end" else -w_text / 2
                p.drawText(QPointF(prim.x + dx, prim.y), prim.text)
        p.restore()
    return draw


class _Renderer:
    """Lays out one report."""

    def __init__(self, report: Report, pages: _Pages) -> None:
        self.report = report
        self.p = pages
        self.section_title = ""

    def cover(self) -> None:
        r, p = self.report, self.p
        p.add(_text_op(MARGIN_X, p.y + 20, r.title, 20, cl.TEXT, True))
        p.add(_text_op(MARGIN_X, p.y + 38, r.subtitle, 12, cl.TEXT_DIM))
        p.add(_text_op(MARGIN_X, p.y + 54, f"{r.period_text}  ·  time zone {r.timezone}", 9,
                       cl.TEXT))
        p.add(_text_op(MARGIN_X, p.y + 67, f"{r.board}  ·  {r.generated_text}", 8,
                       cl.TEXT_DIM))
        p.add(_rect_op(MARGIN_X, p.y + 74, WIDTH, 1.6, ACCENT))
        p.y += 84

    def section(self, title: str) -> None:
        self.section_title = title
        p = self.p
        p.need(16 + 60)
        p.y += 10
        p.add(_text_op(MARGIN_X, p.y + 12, title, 12.5, cl.TEXT, True))
        p.y += 20

    def figures(self, block: Figures) -> None:
        p = self.p
        per_row = 3
        gap = 8.0
        w = (WIDTH - gap * (per_row - 1)) / per_row
        h = 50.0
        items = list(block.items)
        for start in range(0, len(items), per_row):
            p.need(h + gap)
            for k, fig in enumerate(items[start:start + per_row]):
                x = MARGIN_X + k * (w + gap)
                y = p.y
                colour = TONES.get(fig.tone, cl.TEXT)
                p.add(_rect_op(x, y, w, h, TILE_BG))
                p.add(_rect_op(x, y, 2.4, h, colour if fig.tone else "#c9d1d9"))
                p.add(_text_op(x + 9, y + 12, fig.label, 7.5, cl.TEXT_DIM))
                value = fig.text if len(fig.text) < 22 else fig.text[:21] + "…"
                p.add(_text_op(x + 9, y + 30, value, 14 if len(value) < 14 else 11, colour
                               if fig.tone == "bad" else cl.TEXT, True))
                if fig.change_text:
                    line = p.wrap(fig.change_text, 7, w - 14)[0]
                    p.add(_text_op(x + 9, y + 43, line, 7, TONES.get(fig.tone, cl.TEXT_DIM)
                                   if fig.tone else cl.TEXT_DIM))
            p.y += h + gap

    def paragraph(self, text: str, style: str) -> None:
        p = self.p
        size = 8.0 if style == "muted" else 9.0
        colour = cl.TEXT_DIM if style == "muted" else cl.TEXT
        inset = 10.0 if style == "callout" else 0.0
        lines = p.wrap(text, size, WIDTH - 2 * inset)
        lh = size * 1.4
        for line in lines:
            p.need(lh + (4 if style == "callout" else 0))
            if style == "callout":
                p.add(_rect_op(MARGIN_X, p.y, WIDTH, lh, CALLOUT_BG))
                p.add(_rect_op(MARGIN_X, p.y, 2.4, lh, CALLOUT_BAR))
            p.add(_text_op(MARGIN_X + inset, p.y + size, line, size, colour))
            p.y += lh
        p.y += 6

    def bullets(self, block: Bullets) -> None:
        p = self.p
        size = 9.0
        lh = size * 1.4
        callout = block.style == "callout"
        inset = 10.0 if callout else 0.0
        if callout:
            p.need(lh + 8)
            p.add(_rect_op(MARGIN_X, p.y, WIDTH, 4, CALLOUT_BG))
            p.add(_rect_op(MARGIN_X, p.y, 2.4, 4, CALLOUT_BAR))
            p.y += 4
        for item in block.items:
            lines = p.wrap(item, size, WIDTH - 2 * inset - 12)
            for i, line in enumerate(lines):
                p.need(lh)
                if callout:
                    p.add(_rect_op(MARGIN_X, p.y, WIDTH, lh, CALLOUT_BG))
                    p.add(_rect_op(MARGIN_X, p.y, 2.4, lh, CALLOUT_BAR))
                if i == 0:
                    p.add(_text_op(MARGIN_X + inset, p.y + size, "•", size, CALLOUT_BAR
                                   if callout else cl.TEXT))
                p.add(_text_op(MARGIN_X + inset + 12, p.y + size, line, size, cl.TEXT))
                p.y += lh
        if callout:
            p.add(_rect_op(MARGIN_X, p.y, WIDTH, 4, CALLOUT_BG))
            p.add(_rect_op(MARGIN_X, p.y, 2.4, 4, CALLOUT_BAR))
            p.y += 4
        p.y += 8

    def table(self, t: Table) -> None:
        p = self.p
        size = 7.5
        pad = 3.0
        lh = size * 1.3
        widths = self.column_widths(t, size, pad)
        xs = [MARGIN_X + sum(widths[:i]) for i in range(len(widths))]
        headless = not any(c.title for c in t.columns)

        def row_lines(texts: list[str], bold: bool) -> list[list[str]]:
            return [p.wrap(text, size, widths[i] - 2 * pad, bold) for i, text in enumerate(texts)]

        header = row_lines([c.title for c in t.columns], True)
        header_h = 0.0 if headless else max(len(ls) for ls in header) * lh + 2 * pad

        def draw_header() -> None:
            if headless:
                return
            p.add(_rect_op(MARGIN_X, p.y, WIDTH, header_h, HEADER_BG))
            for i, lines in enumerate(header):
                for k, line in enumerate(lines):
                    align = "right" if t.columns[i].numeric else "left"
                    p.add(_text_op(xs[i] + pad, p.y + pad + size + k * lh, line, size, cl.TEXT,
                                   True, align, widths[i] - 2 * pad))
            p.y += header_h

        p.need(14 + header_h + lh * 2 + 2 * pad)
        if t.title != self.section_title:
            p.add(_text_op(MARGIN_X, p.y + 10, t.title, 9.5, cl.TEXT, True))
            p.y += 15
        if not t.rows:
            self.paragraph(t.empty, "muted")
            return
        draw_header()
        for r, row in enumerate(t.rows):
            lines = row_lines([cell.text for cell in row], False)
            h = max(len(ls) for ls in lines) * lh + 2 * pad
            if h > p.room():
                p.new_page()
                p.add(_text_op(MARGIN_X, p.y + 10, f"{t.title} (continued)", 9.5, cl.TEXT_DIM,
                               True))
                p.y += 15
                draw_header()
            if r % 2:
                p.add(_rect_op(MARGIN_X, p.y, WIDTH, h, ZEBRA))
            for i, cell_lines in enumerate(lines):
                colour = TONES.get(row[i].tone, cl.TEXT)
                align = "right" if t.columns[i].numeric else "left"
                for k, line in enumerate(cell_lines):
                    p.add(_text_op(xs[i] + pad, p.y + pad + size + k * lh, line, size, colour,
                                   False, align, widths[i] - 2 * pad))
            p.y += h
        p.add(_line_op(MARGIN_X, p.y, MARGIN_X + WIDTH, p.y, "#c9d1d9", 0.6))
        p.y += 4
        if t.note:
            self.paragraph(t.note, "muted")
        else:
            p.y += 6

    def column_widths(self, t: Table, size: float, pad: float) -> list[float]:
        """Numbers get the width they need (no wrapping); text columns share the rest by
        their `width` weights, none narrower than its longest word."""
        fm, bold = self.p.metrics(size), self.p.metrics(size, True)
        n = len(t.columns)
        natural = []
        longest_word = []
        for i, c in enumerate(t.columns):
            texts = [row[i].text for row in t.rows]
            cell = max((fm.horizontalAdvance(x) for x in texts), default=0.0)
            words = [w for x in texts for w in x.split()] + c.title.split()
            word = max((bold.horizontalAdvance(w) for w in words), default=0.0)
            title = min(bold.horizontalAdvance(c.title), HEADER_MAX) if c.numeric else 0.0
            natural.append(max(cell, word, title) + 2 * pad + 1)
            longest_word.append(word + 2 * pad + 1)
        numeric = [i for i in range(n) if t.columns[i].numeric]
        text = [i for i in range(n) if i not in numeric]
        widths = [0.0] * n
        for i in numeric:
            widths[i] = min(natural[i], WIDTH * 0.3)
        for i in text:
            widths[i] = natural[i]
        spare = WIDTH - sum(widths)
        if spare >= 0:  # it fits: the room left goes to every column by its weight
            weights = sum(c.width for c in t.columns) or 1.0
            return [w + spare * c.width / weights for w, c in zip(widths, t.columns,
                                                                   strict=True)]
        # too wide: numbers keep their width; the text columns share the rest in proportion
        # to what they would need (a long id breaks inside; a sentence wraps)
        rest = WIDTH - sum(widths[i] for i in numeric)
        if rest < 30.0 * len(text):  # not even that: scale everything down
            scale = WIDTH / sum(widths)
            return [w * scale for w in widths]
        floors = {i: min(longest_word[i], WORD_MAX) for i in text}
        room = rest - sum(floors.values())
        if room < 0:
            scale = rest / sum(floors.values())
            return [widths[i] if i in numeric else floors[i] * scale for i in range(n)]
        extra = {i: natural[i] - floors[i] for i in text}
        total = sum(extra.values()) or 1.0
        for i in text:
            widths[i] = floors[i] + room * extra[i] / total
        return widths

    def chart(self, c: Chart) -> None:
        p = self.p
        h = HEATMAP_H if c.kind == "heatmap" else CHART_H
        p.need(h + 20)
        p.add(_text_op(MARGIN_X, p.y + 10, c.title, 9.5, cl.TEXT, True))
        p.y += 16
        if c.has_data():
            p.add(_chart_op(c, MARGIN_X, p.y, WIDTH, h))
        else:
            p.add(_rect_op(MARGIN_X, p.y, WIDTH, h, TILE_BG))
            p.add(_text_op(MARGIN_X, p.y + h / 2, "No data for this period.", 9, cl.TEXT_DIM,
                           False, "center", WIDTH))
        p.y += h + 6
        if c.note:
            self.paragraph(c.note, "muted")
        else:
            p.y += 6


def _frame_ops(report: Report, index: int, count: int) -> list[Op]:
    """Header and footer of page `index` (0-based) of `count`."""
    top = 30.0
    left = f"{report.board}  ·  {report.title}"
    right = f"{report.period_text} ({report.timezone})"
    bottom = PAGE_H - 24.0
    return [
        _text_op(MARGIN_X, top, left, 7.5, cl.TEXT_DIM),
        _text_op(MARGIN_X, top, right, 7.5, cl.TEXT_DIM, False, "right", WIDTH),
        _line_op(MARGIN_X, top + 6, MARGIN_X + WIDTH, top + 6, "#c9d1d9", 0.6),
        _line_op(MARGIN_X, bottom - 12, MARGIN_X + WIDTH, bottom - 12, "#c9d1d9", 0.6),
        _text_op(MARGIN_X, bottom, report.generated_text, 7, cl.TEXT_DIM),
        _text_op(MARGIN_X, bottom, f"Page {index + 1} of {count}", 7.5, cl.TEXT, False,
                 "right", WIDTH),
    ]


def render_pdf(report: Report, path: Path, progress: Progressor | None = None) -> int:
    """Write `report` as a PDF at `path` (written in place: callers write to a temporary file
    and rename it). Returns the number of pages."""
    ensure_gui_application()
    progress = progress or Progressor()
    writer = QPdfWriter(str(path))
    writer.setResolution(72)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(f"{report.title}: {report.subtitle}")
    writer.setCreator("NOC Board")
    pages = _Pages(writer)
    renderer = _Renderer(report, pages)
    renderer.cover()
    for section in report.sections:
        progress.check()
        renderer.section(section.title)
        for block in section.blocks:
            if isinstance(block, Figures):
                renderer.figures(block)
            elif isinstance(block, Paragraph):
                renderer.paragraph(block.text, block.style)
            elif isinstance(block, Bullets):
                renderer.bullets(block)
            elif isinstance(block, Table):
                renderer.table(block)
            else:
                renderer.chart(block)
    count = len(pages.pages)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write {path}")
    try:
        for i, ops in enumerate(pages.pages):
            progress.step(0.9 + 0.1 * i / count, f"page {i + 1} of {count}")
            if i:
                writer.newPage()
            for op in [*_frame_ops(report, i, count), *ops]:
                op(painter)
    finally:
        painter.end()
    return count
