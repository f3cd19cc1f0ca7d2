"""The base of panels whose body is painted: a frame (header, freshness, alarm) plus a canvas."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState
from noc_board.ui.paint_support import ALIGN_CENTER, CanvasWidget, draw_text, face
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.theme import MIN_TEXT_PX, Palette

Body = TypeVar("Body")


class BodyCanvas(CanvasWidget, Generic[Body]):
    """A canvas that draws one body model; `set_body` repaints only when it changed.

    Subclasses implement `paint_body`; an empty body paints `note` (why there is nothing, e.g.
    "no data yet") in the middle instead, so a blank panel always says why it is blank.
    """

    def __init__(self, theme: Palette, empty: Body, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.body: Body = empty
        self._empty = empty
        self.note = ""

    def set_body(self, body: Body) -> bool:
        if body == self.body:
            return False
        self.body = body
        self.update()
        return True

    def set_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn.clear()
        if self.body != self._empty:
            self.paint_body(event)
        elif self.note:
            painter = QPainter(self)
            px = max(MIN_TEXT_PX, min(28, self.height() // 8))
            draw_text(painter, QRectF(self.rect()), self.note, face(px), self.theme.text_dim,
                      ALIGN_CENTER)
            painter.end()

    def paint_body(self, event: QPaintEvent) -> None:
        """Paint `self.body` (not empty)."""


class PaintedPanelWidget(PanelFrameWidget, Generic[Body]):
    """A frame whose body is `self.canvas` (a `BodyCanvas`), set by the subclass."""

    canvas: BodyCanvas[Body]

    def __init__(self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(panel, theme, parent)

    def install(self, canvas: BodyCanvas[Body]) -> None:
        self.canvas = canvas
        self.body.addWidget(canvas, 1)

    def set_state(self, state: TileState) -> None:
        """The header: freshness, reason, alarm; a greyed panel dims its body."""
        if state == self.state:
            return
        self.apply_frame_state(state)
        self.canvas.set_greyed(state.greyed)
        self.canvas.set_note(state.reason if state.status == "nodata" else "")

    def set_body(self, body: Body) -> None:
        self.canvas.set_body(body)

    @property
    def shown(self) -> Body:
        """The body drawn last."""
        return self.canvas.body
