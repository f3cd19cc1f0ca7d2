"""One entry of the alarm banner: a button as wide as its line when the row has room."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

MIN_ENTRY_CHARS = 12  # an entry squeezed by its neighbours keeps about "⚠ CRITICAL …"


class AlarmEntryButton(QPushButton):
    """A banner entry: as wide as its line when there is room, ending in "…" when there is not
    (the tooltip has the whole line), so alarms never widen the window past the screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        room = self.fontMetrics().averageCharWidth() * MIN_ENTRY_CHARS
        return QSize(min(hint.width(), room), hint.height())

    def shown_text(self) -> str:
        """The text as painted: elided to the room inside the padding."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                           self).width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.shown_text()
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        painter.end()
