"""Whether the texts of a panel fit the room they are drawn in (for the small-window tests).

A label fits when the box its text needs (`QFontMetrics.boundingRect` laid out in the label's
contents with its alignment; for a word-wrapped or rich label the height for its width) lies
within its contents; an `ElidedLabel` is measured as it paints, elided. A painted text (a
canvas' `drawn`) fits when its box lies within the rect it was given and within the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QLabel, QWidget

from noc_board.ui.paint_support import CanvasWidget
from noc_board.ui.panel_frame import ElidedLabel

SLACK = 1.0  # px: rounding between layout and font metrics


def _within(inner: QRectF, outer: QRectF) -> bool:
    return outer.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(inner)


def label_problem(label: QLabel) -> str | None:
    """Why `label`'s text does not fit its contents; None when it does."""
    text = label.text()
    if not text:
        return None
    rect = QRectF(label.contentsRect())
    name = f"{type(label).__name__} {text!r}"
    if label.wordWrap() or label.textFormat() == Qt.TextFormat.RichText:
        needed = label.heightForWidth(label.width())
        if needed > label.height() + SLACK:
            return f"{name} needs {needed}px of height, has {label.height()}"
        return None
    metrics = QFontMetricsF(label.font())
    if isinstance(label, ElidedLabel):
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    bounds = metrics.boundingRect(rect, int(label.alignment()), text)
    if not _within(bounds, rect):
        return f"{name} needs {bounds.width():.0f}x{bounds.height():.0f} in " \
               f"{rect.width():.0f}x{rect.height():.0f}"
    return None


def canvas_problems(canvas: CanvasWidget) -> list[str]:
    """The painted texts of `canvas`' last paint that leave their rect or the canvas."""
    problems = []
    whole = QRectF(canvas.rect())
    for drawn in canvas.drawn:
        bounds = QFontMetricsF(drawn.font).boundingRect(drawn.rect, int(drawn.align), drawn.text)
        if not _within(bounds, drawn.rect) or not _within(bounds, whole):
            problems.append(
                f"{type(canvas).__name__} {drawn.text!r} at {drawn.font.pixelSize()}px needs "
                f"{_box(bounds)}, has {_box(drawn.rect)} in {_box(whole)}"
            )
    return problems


def _box(r: QRectF | QRect) -> str:
    return f"{r.x():.0f},{r.y():.0f} {r.width():.0f}x{r.height():.0f}"


def text_problems(root: QWidget) -> list[str]:
    """Every visible label and painted text under `root` that does not fit."""
    problems = []
    for label in root.findChildren(QLabel):
        if label.isVisibleTo(root):
            problem = label_problem(label)
            if problem:
                problems.append(problem)
    for canvas in root.findChildren(CanvasWidget):
        if canvas.isVisibleTo(root):
            problems.extend(canvas_problems(canvas))
    return problems
