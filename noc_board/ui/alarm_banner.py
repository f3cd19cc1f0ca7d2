"""The alarm banner: the alarms that want an operator, worst and oldest first; hidden when none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from noc_board.config.schema import MetricConfig
from noc_board.core.alarms import Alarm
from noc_board.core.panel_model import alarm_line, attention_order
from noc_board.ui.ack_dialog import AckDialog
from noc_board.ui.theme import Palette

MAX_ENTRIES = 4


class AlarmBannerWidget(QWidget):
    """Lists alarms needing attention ("⚠ CRITICAL checkout errors 0.41% — 3m").

    Clicking an entry, or pressing A, asks for an acknowledgement in a non-modal `AckDialog`;
    the answer comes out as `acknowledge_requested(key, operator, comment)`.
    """

    acknowledge_requested = Signal(str, str, str)

    def __init__(
        self, theme: Palette, metrics: Mapping[str, MetricConfig], operators: Sequence[str],
        currencies: Mapping[str, str] | None = None, parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.theme = theme
        self._metrics = dict(metrics)
        self._operators = list(operators)
        self._currencies = dict(currencies or {})  # metric id -> currency of its source
        self._order: list[Alarm] = []
        self._lines: dict[str, str] = {}
        self.entries: list[QPushButton] = []
        self.dialog: AckDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.setSpacing(12)
        self._row = row
        self.more_label = QLabel("", self)
        self.more_label.setObjectName("AlarmMore")
        self.hint_label = QLabel("press A to acknowledge", self)
        self.hint_label.setProperty("role", "age")
        row.addWidget(self.more_label)
        row.addStretch(1)
        row.addWidget(self.hint_label)
        self.hide()

    # --- state ---------------------------------------------------------------------------------

    def set_alarms(self, alarms: Sequence[Alarm], now: float) -> None:
        """Show the alarms needing attention among `alarms`; hide when there are none."""
        order = attention_order(alarms)
        self._order = order
        shown = order[:MAX_ENTRIES]
        while len(self.entries) < len(shown):
            self._add_entry()
        for button, alarm in zip(self.entries, shown, strict=False):
            text = "⚠ " + self._line(alarm, now)
            if button.text() != text:
                button.setText(text)
            if button.property("alarm_key") != alarm.key or button.property(
                "severity"
            ) != alarm.severity:
                button.setProperty("alarm_key", alarm.key)
                button.setProperty("severity", alarm.severity)
                colour = self.theme.severity(alarm.severity)
                button.setStyleSheet(f"background: {colour}; color: {self.theme.text_on_alarm};")
            button.show()
        for button in self.entries[len(shown):]:
            button.hide()
        rest = len(order) - len(shown)
        self.more_label.setText(f"+{rest} more" if rest > 0 else "")
        self.more_label.setVisible(rest > 0)
        self.setVisible(bool(order))

    def _line(self, alarm: Alarm, now: float | None) -> str:
        currency = self._currencies.get(alarm.metric, "USD")
        return alarm_line(alarm, self._metrics, now, currency)

    def _add_entry(self) -> None:
        button = QPushButton(self)
        button.setProperty("role", "alarm")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        index = len(self.entries)
        button.clicked.connect(lambda _checked=False, i=index: self._entry_clicked(i))
        self._row.insertWidget(index, button)
        self.entries.append(button)

    def _entry_clicked(self, index: int) -> None:
        if index < len(self._order):
            self.request_ack(self._order[index].key)

    def top_key(self) -> str | None:
        """The alarm A acknowledges: the most severe, longest waiting."""
        return self._order[0].key if self._order else None

    def texts(self) -> list[str]:
        """The entries shown, in order (for tests and the smoke check)."""
        return [b.text() for b in self.entries if not b.isHidden()]

    # --- the acknowledgement --------------------------------------------------------------------

    def request_ack(self, key: str | None = None) -> AckDialog | None:
        """Open the acknowledgement dialog for `key` (default: the top alarm); returns it."""
        key = key or self.top_key()
        alarm = next((a for a in self._order if a.key == key), None)
        if alarm is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        description = self._line(alarm, None)
        if alarm.summary:
            description += f"\n{alarm.summary}"
        dialog = AckDialog(alarm.key, description, self._operators, self.window())
        dialog.acknowledge_requested.connect(self.acknowledge_requested)
        dialog.finished.connect(self._dialog_finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def close_dialog(self) -> None:
        """Close an open acknowledgement dialog without acknowledging (teardown)."""
        if self.dialog is not None:
            self.dialog.reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_A:
            self.request_ack()
            return
        super().keyPressEvent(event)
