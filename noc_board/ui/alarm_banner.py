"""The alarm banner: the alarms that want an operator, worst and oldest first; hidden when none.

Besides the entries it carries the operator's alarm intents: acknowledge (A, or a click),
shelve (S), history (H), each also on an entry's right-click menu; and one line on the horn
(silenced until when) and on alarms out of sight (shelved, in maintenance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QWidget

from noc_board.config.schema import MetricConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import Clock, SystemClock
from noc_board.core.panel_model import alarm_line, attention_order
from noc_board.ui.ack_dialog import AckDialog
from noc_board.ui.alarm_entry import AlarmEntryButton
from noc_board.ui.shelve_dialog import ShelveDialog
from noc_board.ui.theme import Palette

MAX_ENTRIES = 4
HINT = "A ack · S shelve · H history · M silence"
# A cue besides colour and the severity word: the border's pattern (critical solid, warning
# dashed, info none), so entries of neighbouring hues still differ at a glance.
ENTRY_BORDER = {"critical": "3px solid", "warning": "3px dashed"}
class AlarmBannerWidget(QWidget):
    """Lists alarms needing attention ("⚠ CRITICAL Checkout errors — above 2 %: 4.10% · 3m").

    Clicking an entry, or pressing A, asks for an acknowledgement in a non-modal `AckDialog`;
    the answer comes out as `acknowledge_requested(key, operator, comment)`, or with an expiry
    as `acknowledge_until_requested(key, operator, comment, until)`. S opens a `ShelveDialog`
    (`shelve_requested(key, operator, until, comment)`); H asks for the history
    (`history_requested(key)`). Dialogs are shown with `open()`; set the clock and the board's
    time zone with `set_clock` (the wall clock and UTC otherwise).
    """

    acknowledge_requested = Signal(str, str, str)
    acknowledge_until_requested = Signal(str, str, str, float)
    shelve_requested = Signal(str, str, float, str)
    history_requested = Signal(str)

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
        self.entries: list[AlarmEntryButton] = []
        self.dialog: AckDialog | None = None
        self.shelve_dialog: ShelveDialog | None = None
        self.menu: QMenu | None = None
        self.clock: Clock = SystemClock()
        self.zone: dt.tzinfo = dt.UTC
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.setSpacing(12)
        self._row = row
        self._candidates = 0  # entries filled by set_alarms; `_arrange` shows those that fit
        self._rest_lines: list[str] = []  # the lines of alarms beyond MAX_ENTRIES
        self.more_label = QLabel("", self)
        self.more_label.setObjectName("AlarmMore")
        self.hint_label = QLabel(HINT, self)
        self.hint_label.setProperty("role", "age")
        self.aside_label = QLabel("", self)  # the horn's silence, shelved and suppressed alarms
        self.aside_label.setObjectName("AlarmAside")
        self.aside_label.setProperty("role", "age")
        # takes the room the entries leave and never widens the window (the tooltip has it all)
        self.aside_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.aside_label.hide()
        self._horn_text = ""
        self._aside_alarms = ""
        row.addWidget(self.more_label)
        row.addStretch(1)
        row.addWidget(self.aside_label, 100)
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
                button.setToolTip(text)
            if button.property("alarm_key") != alarm.key or button.property(
                "severity"
            ) != alarm.severity:
                button.setProperty("alarm_key", alarm.key)
                button.setProperty("severity", alarm.severity)
                colour = self.theme.severity(alarm.severity)
                ink = self.theme.text_on_alarm
                border = ENTRY_BORDER.get(alarm.severity)
                edge = f" border: {border} {ink};" if border else ""
                button.setStyleSheet(f"background: {colour}; color: {ink};{edge}")
        self._candidates = len(shown)
        self._rest_lines = ["⚠ " + self._line(a, now) for a in order[len(shown):]]
        self._aside_alarms = aside_text(alarms, self.zone)
        self._show_aside()
        self.setVisible(bool(order) or bool(self._aside_alarms))  # hidden alarms stay in view
        self._arrange()

    def _arrange(self) -> None:
        """Show as many whole entries as the row holds (at least the first, ending in "…" when
        even it is too long), count the others in "+N more" (its tooltip lists them), and the
        key hint when room is left: alarms never widen the window past the screen."""
        candidates = self.entries[:self._candidates]
        margins = self._row.contentsMargins()
        gap = self._row.spacing()
        room = self.width() - margins.left() - margins.right()
        more = self.more_label.fontMetrics().horizontalAdvance(f"+{len(self._order)} more") + gap
        fitted = 0
        used = 0
        for index, button in enumerate(candidates):
            last = index == len(self._order) - 1
            width = button.sizeHint().width() + gap
            if fitted and used + width + (0 if last else more) > room:
                break
            fitted += 1
            used += width
        for index, button in enumerate(self.entries):
            button.setVisible(index < fitted)
        hidden = [b.text() for b in candidates[fitted:]] + self._rest_lines
        self.more_label.setText(f"+{len(hidden)} more" if hidden else "")
        self.more_label.setToolTip("\n".join(hidden))
        self.more_label.setVisible(bool(hidden))
        if hidden:
            used += more
        self.hint_label.setVisible(
            bool(self._order) and used + self.hint_label.sizeHint().width() <= room
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _line(self, alarm: Alarm, now: float | None) -> str:
        currency = self._currencies.get(alarm.metric, "USD")
        return alarm_line(alarm, self._metrics, now, currency)

    def _describe(self, alarm: Alarm) -> str:
        """A dialog's description: the entry's line (which carries the rule's summary) and the
        rule's latest judgement, e.g. the baseline it held the value to."""
        line = self._line(alarm, None)
        return f"{line}\n{alarm.detail}" if alarm.detail else line

    def _add_entry(self) -> None:
        button = AlarmEntryButton(self)
        button.setProperty("role", "alarm")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        index = len(self.entries)
        button.clicked.connect(lambda _checked=False, i=index: self._entry_clicked(i))
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(
            lambda pos, i=index: self._entry_menu(i, button.mapToGlobal(pos))
        )
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
        description = self._describe(alarm)
        dialog = AckDialog(
            alarm.key, description, self._operators, self.window(), clock=self.clock,
            zone=self.zone,
        )
        dialog.acknowledge_requested.connect(self.acknowledge_requested)
        dialog.acknowledge_until_requested.connect(self.acknowledge_until_requested)
        dialog.finished.connect(self._dialog_finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def close_dialog(self) -> None:
        """Close open dialogs and menus without acting (teardown)."""
        if self.dialog is not None:
            self.dialog.reject()
        if self.shelve_dialog is not None:
            self.shelve_dialog.reject()
        if self.menu is not None:
            self.menu.close()

    # --- shelving, history, the entry menu and the horn line ------------------------------------

    def set_clock(self, clock: Clock, zone: dt.tzinfo) -> None:
        """The clock and the board's time zone the dialogs compute and show expiries in."""
        self.clock = clock
        self.zone = zone

    def request_shelve(self, key: str | None = None) -> ShelveDialog | None:
        """Open the shelve dialog for `key` (default: the top alarm); returns it."""
        key = key or self.top_key()
        alarm = next((a for a in self._order if a.key == key), None)
        if alarm is None:
            return None
        if self.shelve_dialog is not None:
            self.shelve_dialog.close()
        description = self._describe(alarm)
        dialog = ShelveDialog(
            alarm.key, description, self._operators, self.window(), clock=self.clock,
            zone=self.zone,
        )
        dialog.shelve_requested.connect(self.shelve_requested)
        dialog.finished.connect(self._shelve_finished)
        self.shelve_dialog = dialog
        dialog.open()
        return dialog

    def _shelve_finished(self, _result: int) -> None:
        dialog, self.shelve_dialog = self.shelve_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def request_history(self, key: str | None = None) -> bool:
        """Ask for the history of `key` (default: the top alarm); False when there is none."""
        key = key or self.top_key()
        if key is None:
            return False
        self.history_requested.emit(key)
        return True

    def _entry_menu(self, index: int, where: QPoint) -> None:
        if index >= len(self._order):
            return
        key = self._order[index].key
        if self.menu is not None:
            self.menu.close()
            self.menu.deleteLater()
        menu = QMenu(self)
        menu.addAction("Acknowledge…  (A)", lambda: self.request_ack(key))
        menu.addAction("Shelve…  (S)", lambda: self.request_shelve(key))
        menu.addAction("History…  (H)", lambda: self.request_history(key))
        self.menu = menu
        menu.popup(where)  # not exec(): no nested event loop

    def set_horn_text(self, text: str) -> None:
        """The horn's line, e.g. "horn silenced until 14:05" ("" when it sounds normally)."""
        self._horn_text = text
        self._show_aside()

    def _show_aside(self) -> None:
        text = "  ·  ".join(t for t in (self._horn_text, self._aside_alarms) if t)
        self.aside_label.setText(text)
        self.aside_label.setToolTip(text)
        self.aside_label.setVisible(bool(text))

    def aside(self) -> str:
        """The horn and out-of-sight line as shown (for tests)."""
        return self.aside_label.text()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_A:
            self.request_ack()
            return
        if key == Qt.Key.Key_S:
            self.request_shelve()
            return
        if key == Qt.Key.Key_H:
            self.request_history()
            return
        super().keyPressEvent(event)


def newly_unacked(events: Sequence[AlarmEvent]) -> list[AlarmEvent]:
    """The events that put an alarm in front of an operator: raised, or raised again (a worse
    severity, an expired acknowledgement, a shelf or a maintenance window ending while active)."""
    return [
        e for e in events
        if e.state_to is AlarmState.UNACKED
        and (e.state_from is not AlarmState.UNACKED or e.event == "severity_changed")
    ]


def aside_text(alarms: Sequence[Alarm], zone: dt.tzinfo) -> str:
    """Alarms out of sight, in words: "shelved: checkout-latency until 15:00 · 1 in maintenance"."""
    shelved = [a for a in alarms if a.state is AlarmState.SHELVED]
    suppressed = [a for a in alarms if a.state.value == "suppressed"]
    parts = []
    if shelved:
        first = shelved[0]
        until = ""
        if first.shelved_until is not None:
            until = dt.datetime.fromtimestamp(first.shelved_until, zone).strftime(" until %H:%M")
        more = f" +{len(shelved) - 1}" if len(shelved) > 1 else ""
        parts.append(f"shelved: {first.rule}{until}{more}")
    if suppressed:
        parts.append(f"{len(suppressed)} in maintenance")
    return " · ".join(parts)
