"""The frame every panel shares: title, alarm badge, freshness, greying and the alarm border.

A panel draws a `TileState` it is given. The frame paints its own background and border (cheaper
than restyling at 2 Hz): a thin resting border; a thick severity-coloured border that flashes at
2 Hz while an alarm is unacknowledged (a QTimer the frame owns, stopped as soon as the alarm is
acknowledged or normal); a steady one once acknowledged. Stale and failing panels are hatched
grey with the reason written on them. The badge ("⚠ CRITICAL") says in words what the colour says.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState
from noc_board.ui.theme import Palette

FLASH_INTERVAL_MS = 250  # a toggle every 250 ms: two flashes a second
MAX_REASON_LINES = 2  # a longer reason ends in "…" (the panel's tooltip has all of it)
SHORT_PANEL_LINES = 6  # a panel under this many lines of small text keeps its reason to one
# a badge that would leave the title less than its whole text (or this many characters of a
# long one) shows its symbol alone: which metric it is matters more than the word the border
# colour and the symbol already say
TITLE_MIN_CHARS = 14
RESTING_BORDER = 1
ALARM_BORDER = 6
RADIUS = 10.0


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when it does not fit (long panel titles)."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment()), text)
        painter.end()


class PanelFrameWidget(QFrame):
    """Base of stat tiles and charts: header (title, badge), body (subclass), footer (reason, age).

    Subclasses put their content in `self.body` (a QVBoxLayout) and call `apply_frame_state`.
    """

    def __init__(
        self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self.metric_ids: tuple[str, ...] = tuple(panel.metrics)
        self.theme = theme
        self._state: TileState | None = None
        self._flash_on = False
        self.flash_timer = QTimer(self)
        self.flash_timer.setObjectName("flash")
        self.flash_timer.setInterval(FLASH_INTERVAL_MS)
        self.flash_timer.timeout.connect(self._toggle_flash)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)

        self.title_label = ElidedLabel(self)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.title_label.setProperty("role", "title")
        self.badge_label = QLabel(self)
        self.badge_label.setProperty("role", "badge")
        self.badge_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.badge_label.hide()
        self.reason_label = QLabel(self)
        self.reason_label.setProperty("role", "reason")
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        self.age_label = QLabel(self)
        self.age_label.setProperty("role", "age")
        self.age_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        for label in (self.title_label, self.reason_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._badge_text = ""  # the badge's and the reason's whole texts (shown shortened when
        self._reason_text = ""  # the panel is too narrow for them)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 12, 18, 10)
        outer.setSpacing(4)
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.badge_label, 0)
        outer.addLayout(header)
        self.body = QVBoxLayout()
        self.body.setSpacing(2)
        outer.addLayout(self.body, 1)
        footer = QHBoxLayout()
        footer.setSpacing(8)
        footer.addWidget(self.reason_label, 1)
        footer.addStretch(0)
        footer.addWidget(self.age_label, 0)
        outer.addLayout(footer)

    # --- state -------------------------------------------------------------------------------

    @property
    def state(self) -> TileState | None:
        """The state drawn last."""
        return self._state

    @property
    def flash_on(self) -> bool:
        """Whether the flashing border is in its bright phase."""
        return self._flash_on

    def apply_frame_state(self, state: TileState) -> None:
        """Draw the parts of `state` the frame owns (title, badge, reason, age, border)."""
        before = self._state
        self._state = state
        if before is None or before.title != state.title:
            self.title_label.setText(state.title)
            self.title_label.setToolTip(state.title)
        if before is None or before.age_text != state.age_text:
            self.age_label.setText(state.age_text)
        footer = (state.reason, state.status, state.level, state.level_text)
        if before is None or (before.reason, before.status, before.level,
                              before.level_text) != footer:
            self._apply_footer(state)
        if before is None or (before.alarm, before.severity) != (state.alarm, state.severity):
            self._apply_alarm(state)
        elif before.greyed != state.greyed:
            self.update()

    def _apply_footer(self, state: TileState) -> None:
        """The reason a panel is greyed; else the threshold level its value is beyond."""
        if state.greyed and state.reason:
            symbol = {"failing": "✖ ", "stale": "◷ "}.get(state.status, "")
            self._reason_text = symbol + state.reason
            self.reason_label.setStyleSheet("")
            self.reason_label.show()
        elif state.level_text:
            self._reason_text = state.level_text
            colour = self.theme.severity(state.level)
            self.reason_label.setStyleSheet(f"color: {colour}; font-weight: 700;")
            self.reason_label.show()
        else:
            self._reason_text = ""
            self.reason_label.hide()
        self._fit_reason()
        self.setToolTip(state.reason or state.level_text)

    def _apply_alarm(self, state: TileState) -> None:
        if state.alarm == "none":
            self.badge_label.hide()
        else:
            colour = self.theme.severity(state.severity)
            self._badge_text = f" {state.alarm_text} "
            self.badge_label.setText(self._badge_text)
            if state.alarm == "unacked":
                style = f"background: {colour}; color: {self.theme.text_on_alarm};"
            else:
                style = f"background: transparent; color: {colour}; border: 2px solid {colour};"
            self.badge_label.setStyleSheet(
                f"{style} border-radius: 6px; font-weight: 700; padding: 2px 6px;"
            )
            self.badge_label.show()
            self._fit_badge()
        if state.alarm == "unacked":
            if not self.flash_timer.isActive():
                self._flash_on = True
                self.flash_timer.start()
        else:
            self.flash_timer.stop()
            self._flash_on = False
        self.update()

    # --- narrow panels ---------------------------------------------------------------------------

    def _fit_badge(self) -> None:
        """The whole badge when it leaves the title room, else its symbol alone ("⚠")."""
        if not self._badge_text:
            return
        margins = self.contentsMargins() + self._margins()
        room = self.width() - margins.left() - margins.right()
        metrics = self.title_label.fontMetrics()
        title_min = min(metrics.horizontalAdvance(self.title_label.text() or " ") + 4,
                        metrics.averageCharWidth() * TITLE_MIN_CHARS)
        label = self.badge_label
        padding = label.sizeHint().width() - label.fontMetrics().horizontalAdvance(label.text())
        whole = label.fontMetrics().horizontalAdvance(self._badge_text) + padding
        text = self._badge_text
        if whole + title_min > room:
            text = f" {self._badge_text.split()[0]} "
        if label.text() != text:
            label.setText(text)

    def _fit_reason(self) -> None:
        """The reason (or level) in at most `MAX_REASON_LINES` lines of the footer's width."""
        label, text = self.reason_label, self._reason_text
        margins = self.contentsMargins() + self._margins()
        room = self.width() - margins.left() - margins.right()
        if self.age_label.text():
            room -= self.age_label.sizeHint().width() + 8
        metrics = label.fontMetrics()
        # a short panel keeps its body: one line only
        lines = MAX_REASON_LINES if self.height() >= SHORT_PANEL_LINES * metrics.lineSpacing() \
            else 1
        most = metrics.lineSpacing() * lines + 1
        shown, width = text, float(room * lines)
        label.setText(shown)
        while shown and label.heightForWidth(max(room, 1)) > most and width > 0:
            width -= metrics.averageCharWidth() * 2
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, round(width))
            label.setText(shown)

    def _margins(self) -> QMargins:
        layout = self.layout()
        return layout.contentsMargins() if layout is not None else QMargins()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_badge()
        self._fit_reason()

    def _toggle_flash(self) -> None:
        self._flash_on = not self._flash_on
        self.update()

    def stop_timers(self) -> None:
        """Stop the flash (teardown)."""
        self.flash_timer.stop()

    # --- painting ----------------------------------------------------------------------------

    def border_colour(self) -> tuple[QColor, int]:
        """The border's colour and width for the current state and flash phase."""
        state = self._state
        if state is None or state.alarm == "none":
            return QColor(self.theme.border), RESTING_BORDER
        colour = QColor(self.theme.severity(state.severity))
        if state.alarm == "unacked" and not self._flash_on:
            return QColor(self.theme.surface_raised), ALARM_BORDER
        return colour, ALARM_BORDER if state.alarm == "unacked" else ALARM_BORDER - 2

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour, width = self.border_colour()
        half = width / 2.0
        rect = QRectF(self.rect()).adjusted(half, half, -half, -half)
        painter.setPen(QPen(colour, width))
        painter.setBrush(QColor(self.theme.surface))
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        if self._state is not None and self._state.greyed:
            hatch = QColor(self.theme.stale)
            hatch.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            inner = rect.adjusted(half, half, -half, -half)
            painter.drawRoundedRect(inner, RADIUS, RADIUS)
        painter.end()
