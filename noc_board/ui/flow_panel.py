"""Behaviour flow: where page views come from (left) and where they go (right), Sankey-like.

Nodes are stacked bars whose heights are views; links are bands whose widths are transitions;
the Exit node (and the bands into it) is in the "bad" colour, so where users leave stands out.
A page keeps its colour on both sides. Labels that would overlap (small nodes) are pushed apart.
Drawn with QPainter from a `FlowBody`; nothing is laid out by widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_models.flow import FlowBody, FlowNode
from noc_board.ui.paint_support import ALIGN_LEFT, ALIGN_RIGHT, draw_text, face, text_width
from noc_board.ui.painted_panel import BodyCanvas, PaintedPanelWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette, blend

NODE_W = 14.0
GAP_PX = 8.0
LINK_ALPHA = 0.38


def stack(nodes: tuple[FlowNode, ...], scale: float) -> list[tuple[float, float]]:
    """(y, height) of each node, stacked from 0 with a gap between."""
    out, y = [], 0.0
    for node in nodes:
        height = max(2.0, node.value * scale)
        out.append((y, height))
        y += height + GAP_PX
    return out


def spread(centres: list[float], line: float, low: float, high: float) -> list[float]:
    """Label centres moved apart so none is closer than `line` to the next, within [low, high]
    (pushed down, then back up from the bottom)."""
    out: list[float] = []
    for c in centres:
        out.append(max(c, out[-1] + line) if out else max(c, low))
    for i in range(len(out) - 1, -1, -1):
        limit = high if i == len(out) - 1 else out[i + 1] - line
        out[i] = min(out[i], limit)
    return out


class FlowCanvas(BodyCanvas[FlowBody]):
    """Paints a `FlowBody`."""

    def _colours(self, body: FlowBody) -> dict[str, str]:
        """A colour per node label, the same on both sides."""
        t = self.theme
        cycle = [c for c in t.series if c not in (t.bad, t.info, "#ffffff", "#000000")]
        out: dict[str, str] = {}
        for node in (*body.left, *body.right):
            if node.label in out:
                continue
            if self.greyed:
                out[node.label] = t.stale
            elif node.kind == "exit":
                out[node.label] = t.bad
            elif node.kind == "entrance":
                out[node.label] = t.info
            elif node.kind == "other":
                out[node.label] = t.text_dim
            else:
                out[node.label] = cycle[sum(1 for k in out.values() if k in cycle) % len(cycle)]
        return out

    def paint_body(self, event: QPaintEvent) -> None:
        body, t = self.body, self.theme
        if not body.links or body.total <= 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = float(self.width()), float(self.height())
        rows = max(len(body.left), len(body.right))
        px = max(MIN_TEXT_PX - 2, min(22.0, h / max(rows, 1) * 0.3))
        name_font, figure_font = face(px), face(px * 0.85, bold=True, numerals=True)
        footer = px * 1.6 if body.summary_text else 0.0
        usable = max(10.0, h - footer - GAP_PX * (rows - 1))
        scale = usable / max(sum(n.value for n in body.left), 1e-9)
        lx, rx = w * 0.27, w * 0.73 - NODE_W
        left, right = stack(body.left, scale), stack(body.right, scale)
        colours = self._colours(body)
        # bands: stacked in target order inside a left node, in source order inside a right one
        starts: dict[tuple[int, int], float] = {}
        used = [0.0] * len(body.right)
        for link in sorted(body.links, key=lambda k: (k.target, k.source)):
            starts[(link.source, link.target)] = right[link.target][0] + used[link.target]
            used[link.target] += max(1.0, link.value * scale)
        used = [0.0] * len(body.left)
        painter.setPen(Qt.PenStyle.NoPen)
        for link in sorted(body.links, key=lambda k: (k.source, k.target)):
            thick = max(1.0, link.value * scale)
            y0 = left[link.source][0] + used[link.source]
            used[link.source] += thick
            y1 = starts[(link.source, link.target)]
            target = body.right[link.target]
            base = colours[target.label] if target.kind == "exit" else colours[
                body.left[link.source].label]
            painter.setBrush(QColor(blend(base, t.surface, LINK_ALPHA)))
            x0, x1 = lx + NODE_W, rx
            mid = (x0 + x1) / 2
            path = QPainterPath(QPointF(x0, y0))
            path.cubicTo(QPointF(mid, y0), QPointF(mid, y1), QPointF(x1, y1))
            path.lineTo(QPointF(x1, y1 + thick))
            path.cubicTo(QPointF(mid, y1 + thick), QPointF(mid, y0 + thick),
                         QPointF(x0, y0 + thick))
            path.closeSubpath()
            painter.drawPath(path)
        text = t.stale if self.greyed else t.text
        line = px * 1.25
        bottom = h - footer - line / 2
        for nodes, spots, x, side in ((body.left, left, lx, "left"),
                                      (body.right, right, rx, "right")):
            centres = spread([y + height / 2 for y, height in spots], line, line / 2, bottom)
            for node, (y, height), centre in zip(nodes, spots, centres, strict=True):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(colours[node.label]))
                painter.drawRect(QRectF(x, y, NODE_W, height))
                if side == "left":
                    figure = f"{node.value_text}  {node.exit_text}".rstrip()
                    rect = QRectF(0, centre - line / 2, lx - 10, line)
                    self._label(painter, rect, node.label, figure, name_font, figure_font,
                                text, ALIGN_RIGHT)
                else:
                    share = f"  {node.value / body.total * 100:.0f}%" if node.kind == "exit" \
                        else ""
                    colour = t.bad if node.kind == "exit" and not self.greyed else text
                    rect = QRectF(rx + NODE_W + 10, centre - line / 2, w - rx - NODE_W - 10, line)
                    self._label(painter, rect, node.label, f"{node.value_text}{share}",
                                name_font, figure_font, colour, ALIGN_LEFT)
        if body.summary_text:
            draw_text(painter, QRectF(0, h - footer, w, footer), body.summary_text, face(px),
                      t.text_dim, ALIGN_LEFT)
        painter.end()

    def _label(self, painter: QPainter, rect: QRectF, name: str, figure: str, name_font: QFont,
               figure_font: QFont, colour: str, align: Qt.AlignmentFlag) -> None:
        """"name  figure" on one line, the figure dimmer and bold."""
        dim = self.theme.stale if self.greyed else self.theme.text_dim
        figure_w = min(rect.width() * 0.55, text_width(figure, figure_font) + 8)
        if align == ALIGN_RIGHT:
            draw_text(painter, QRectF(rect.right() - figure_w, rect.y(), figure_w, rect.height()),
                      figure, figure_font, dim, ALIGN_RIGHT)
            draw_text(painter, QRectF(rect.x(), rect.y(), rect.width() - figure_w - 6,
                                      rect.height()), name, name_font, colour, ALIGN_RIGHT)
        else:
            used = draw_text(painter, QRectF(rect.x(), rect.y(), rect.width() - figure_w - 6,
                                             rect.height()), name, name_font, colour, ALIGN_LEFT)
            draw_text(painter, QRectF(rect.x() + used + 8, rect.y(), figure_w, rect.height()),
                      figure, figure_font, dim, ALIGN_LEFT)


class FlowPanelWidget(PaintedPanelWidget[FlowBody]):
    """A behaviour-flow panel over `panel.breakdown` ("from → to" rows with views)."""

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = (panel.breakdown,) if panel.breakdown else ()
        self.install(FlowCanvas(theme, FlowBody(), self))
