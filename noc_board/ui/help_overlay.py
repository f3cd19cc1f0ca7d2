"""The `?` overlay: the board's keys, drawn over the page (not a dialog, so it never steals the
wall's focus or needs a nested event loop); `?` or Esc closes it, and it closes itself after a
while so a wall left with it open goes back to its pages."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from noc_board.ui.paint_support import ALIGN_LEFT, draw_text, face
from noc_board.ui.theme import MIN_TEXT_PX, Palette

KEYS = (
    ("A", "acknowledge the top alarm"),
    ("S", "shelve the top alarm"),
    ("H", "history of the top alarm"),
    ("M", "silence the horn (not an acknowledgement)"),
    ("← →", "previous / next page"),
    ("Space", "pause / resume page rotation"),
    ("R", "refresh: poll every source now"),
    ("F11", "full screen on / off (Esc leaves it)"),
    ("?", "this help"),
)
AUTO_CLOSE_MS = 30_000


class HelpOverlayWidget(QWidget):
    """A translucent sheet listing the keys, centred over its parent."""

    def __init__(self, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.close_timer = QTimer(self)
        self.close_timer.setObjectName("help-auto-close")
        self.close_timer.setSingleShot(True)
        self.close_timer.setInterval(AUTO_CLOSE_MS)
        self.close_timer.timeout.connect(self.hide)
        self.hide()

    def toggle(self) -> bool:
        """Show or hide; returns whether it is now shown."""
        if self.isVisible():
            self.dismiss()
            return False
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.close_timer.start()
        return True

    def dismiss(self) -> None:
        self.close_timer.stop()
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        shade = QColor(t.window)
        shade.setAlpha(200)
        painter.fillRect(self.rect(), shade)
        px = max(MIN_TEXT_PX + 6, min(34, self.height() // 30))
        line = px * 1.7
        width = min(self.width() * 0.7, px * 30)
        height = line * (len(KEYS) + 2)
        box = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        painter.setPen(QColor(t.border))
        painter.setBrush(QColor(t.surface))
        painter.drawRoundedRect(box, 12, 12)
        draw_text(painter, QRectF(box.x() + px, box.y() + px * 0.5, width - 2 * px, line),
                  "Keys", face(px * 1.1, bold=True), t.text, ALIGN_LEFT)
        key_w = px * 6
        for i, (key, what) in enumerate(KEYS):
            y = box.y() + line * (i + 1.3)
            draw_text(painter, QRectF(box.x() + px, y, key_w, line), key,
                      face(px, bold=True, numerals=True), t.ok, ALIGN_LEFT)
            draw_text(painter, QRectF(box.x() + px + key_w, y, width - key_w - 2 * px, line),
                      what, face(px), t.text, ALIGN_LEFT)
        painter.end()
