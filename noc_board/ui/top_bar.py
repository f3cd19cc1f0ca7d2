"""The board's top bar: title, page and rotation, messages and notices, heartbeat, clock.

Messages are for a moment (a refused intent, a stall: `MESSAGE_SECONDS`), notices last until
taken back (a missing secret, no audio device); a message hides the notices while it shows. The
heartbeat alternates ♥/♡ on every tick, so a frozen board is visible at a glance, and says how
long ago the engine last published; when that is longer than `silent_after` it turns into a
warning ("⚠ engine silent 3m").
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from noc_board.core.units import format_duration
from noc_board.ui.panel_frame import ElidedLabel
from noc_board.ui.theme import Palette

MESSAGE_SECONDS = 15.0  # how long a message (a refused intent's reason) stays


class TopBarWidget(QWidget):
    """The labels of the top bar and what they say."""

    def __init__(self, title: str, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setObjectName("TopBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 8, 20, 8)
        row.setSpacing(24)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("BoardTitle")
        self.page_label = ElidedLabel("", self)
        self.page_label.setObjectName("PageName")
        self.page_label.setMinimumWidth(1)  # a long page name is elided, never widens the window
        self.message_label = ElidedLabel(self)
        # notices shrink (elided, the whole text in the tooltip) rather than widen the window
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.message_label.setObjectName("IntentMessage")
        self.heartbeat_label = QLabel("", self)
        self.heartbeat_label.setObjectName("Heartbeat")
        self.clock_label = QLabel("", self)
        self.clock_label.setObjectName("Clock")
        row.addWidget(self.title_label)
        row.addWidget(self.page_label)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.heartbeat_label)
        row.addWidget(self.clock_label)
        self._message_until = 0.0
        self._notices: list[str] = []
        self._beat = False

    # --- messages and notices -----------------------------------------------------------------

    def show_message(self, text: str, now: float, warning: bool = True) -> None:
        """Say `text` for `MESSAGE_SECONDS` (with a ⚠ when it is a `warning`)."""
        self.message_label.setText(f"⚠ {text}" if warning else text)
        self.message_label.setToolTip(text)
        self._message_until = now + MESSAGE_SECONDS

    def show_notice(self, text: str) -> None:
        """A lasting notice; several are joined."""
        if text not in self._notices:
            self._notices.append(text)
        self._show_notices()

    def clear_notice(self, text: str) -> None:
        """Take back a notice given with `show_notice`."""
        if text in self._notices:
            self._notices.remove(text)
            self._show_notices()

    def _show_notices(self) -> None:
        text = "  ·  ".join(self._notices)
        self.message_label.setText(f"⚠ {text}" if text else "")
        self.message_label.setToolTip("\n".join(self._notices))

    # --- every tick ---------------------------------------------------------------------------

    def tick(self, now: float, zone: dt.tzinfo, engine_spoke: float | None,
             silent_after: float) -> None:
        """The clock, the heartbeat, and the end of a message that has been up long enough."""
        stamp = dt.datetime.fromtimestamp(now, zone)
        self.clock_label.setText(stamp.strftime("%a %d %b  %H:%M:%S %Z"))
        self._beat = not self._beat
        heart = "♥" if self._beat else "♡"
        age = "waiting" if engine_spoke is None else format_duration(now - engine_spoke)
        silent = engine_spoke is not None and now - engine_spoke > silent_after
        self.heartbeat_label.setText(
            f"⚠ engine silent {age}" if silent else f"{heart} engine {age}")
        if self.heartbeat_label.property("silent") != silent:
            self.heartbeat_label.setProperty("silent", silent)
            self.heartbeat_label.setStyleSheet(
                f"color: {self.theme.warning}; font-weight: 700;" if silent else "")
        if self._message_until and now >= self._message_until:
            self._message_until = 0.0
            self._show_notices()
