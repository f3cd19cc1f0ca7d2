"""Small helpers for panels that paint themselves with QPainter (bars, funnel, flow, heatmap,
status grid, clock): fonts of the board's faces, elided text, colours with the greyed look.

Painting directly is far cheaper than a widget per row: one paint per change, no layouts, no
style sheets (measured on the 24-panel board: labels restyled every tick cost more than plots).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from noc_board.ui.theme import FONT_FAMILY, NUMERAL_FAMILY, Palette

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True, slots=True)
class DrawnText:
    """A text a canvas painted, as shown (elided): its box, font and alignment. A canvas keeps
    those of its last paint (`CanvasWidget.drawn`), so tests can check that each fits."""

    rect: QRectF
    text: str
    font: QFont
    align: Qt.AlignmentFlag


def face(px: float, bold: bool = False, numerals: bool = False) -> QFont:
    """The board's text face (or the condensed numeral face) at `px` pixels."""
    font = QFont()
    family = NUMERAL_FAMILY if numerals else FONT_FAMILY
    font.setFamilies([f.strip() for f in family.split(",")])
    font.setPixelSize(max(1, round(px)))
    font.setBold(bold)
    return font


def draw_text(painter: QPainter, rect: QRectF, text: str, font: QFont, colour: str,
              align: Qt.AlignmentFlag = ALIGN_LEFT) -> float:
    """Draw `text` in `rect`, elided on the right when it does not fit; its drawn width."""
    painter.setFont(font)
    painter.setPen(QColor(colour))
    metrics = QFontMetricsF(font)
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0.0, rect.width()))
    if not shown:  # no room at all: nothing drawn
        return 0.0
    painter.drawText(rect, int(align), shown)
    device = painter.device()
    if isinstance(device, CanvasWidget):
        device.drawn.append(DrawnText(QRectF(rect), shown, QFont(font), align))
    return metrics.horizontalAdvance(shown)


def text_width(text: str, font: QFont) -> float:
    return QFontMetricsF(font).horizontalAdvance(text)


def dimmed(theme: Palette, colour: str, greyed: bool) -> str:
    """`colour`, or the stale grey when the panel is greyed out."""
    return theme.stale if greyed else colour


class CanvasWidget(QWidget):
    """The body of a painted panel: ignores size hints so content never bends the page grid,
    and is transparent to the mouse (tooltips come from the panel)."""

    def __init__(self, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.greyed = False
        self.drawn: list[DrawnText] = []  # the texts of the last paint (cleared by each paint)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def set_greyed(self, greyed: bool) -> None:
        if greyed != self.greyed:
            self.greyed = greyed
            self.update()
