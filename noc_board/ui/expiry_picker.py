"""A choice of expiry for an acknowledgement or a shelf: a duration, or a wall-clock time.

The durations cover what a shift needs; "at a time…" opens a date-time field in the board's time
zone. The picker only holds the choice: `until(now)` turns it into unix seconds when the
operator confirms, so a dialog left open for ten minutes still means "one hour from now".
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QWidget

from noc_board.core.units import format_duration

NO_EXPIRY = -1.0  # the combo's data for "no expiry"
AT_TIME = -2.0  # the combo's data for "at a time…"
ACK_CHOICES = (NO_EXPIRY, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, AT_TIME)
SHELVE_CHOICES = (900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 259200.0, AT_TIME)


def choice_text(seconds: float, none_text: str) -> str:
    """The combo's text of a choice: "for 1h", "at a time…", or `none_text`."""
    if seconds == NO_EXPIRY:
        return none_text
    if seconds == AT_TIME:
        return "at a time…"
    return f"for {format_duration(seconds)}"


class ExpiryPickerWidget(QWidget):
    """A combo of durations plus an optional date-time field (shown for "at a time…")."""

    def __init__(
        self, choices: tuple[float, ...], zone: dt.tzinfo, now: float, *,
        none_text: str = "until it returns to normal", default: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.zone = zone
        self.combo = QComboBox(self)
        for seconds in choices:
            self.combo.addItem(choice_text(seconds, none_text), seconds)
        if default is not None and default in choices:
            self.combo.setCurrentIndex(choices.index(default))
        self.time_edit = QDateTimeEdit(self)
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time_edit.setCalendarPopup(True)
        self.set_time(now + 3600.0)
        self.zone_label = QLabel(str(zone), self)
        self.zone_label.setProperty("role", "age")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.time_edit)
        row.addWidget(self.zone_label)
        self.combo.currentIndexChanged.connect(self._choice_changed)
        self._choice_changed()

    def _choice_changed(self) -> None:
        custom = self.combo.currentData() == AT_TIME
        self.time_edit.setVisible(custom)
        self.zone_label.setVisible(custom)

    def choose(self, seconds: float) -> None:
        """Select the choice `seconds` (a duration, NO_EXPIRY or AT_TIME)."""
        index = self.combo.findData(seconds)
        if index < 0:
            raise ValueError(f"{seconds} is not one of the choices")
        self.combo.setCurrentIndex(index)

    def set_time(self, when: float) -> None:
        """Put `when` (unix seconds) in the date-time field, as wall time in the board's zone."""
        local = dt.datetime.fromtimestamp(when, self.zone)
        self.time_edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )

    def until(self, now: float) -> float | None:
        """The chosen expiry as unix seconds (None for no expiry); may lie in the past."""
        seconds = float(self.combo.currentData())
        if seconds == NO_EXPIRY:
            return None
        if seconds == AT_TIME:
            date = self.time_edit.date()
            time = self.time_edit.time()
            local = dt.datetime(
                date.year(), date.month(), date.day(), time.hour(), time.minute(),
                tzinfo=self.zone,
            )
            return local.timestamp()
        return now + seconds
