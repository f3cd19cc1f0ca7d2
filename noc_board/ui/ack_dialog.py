"""The acknowledgement dialog: who acknowledges, why, and until when. Non-modal to the event loop.

WORKAROUND (DESIGN.md, pinned facts): no nested event loops, so the dialog is shown with `open()`
and answers through its signals; never `exec()`.

The expiry is optional: by default an acknowledgement lasts until the alarm returns to normal
(or gets worse); with an expiry, the alarm is raised again when it passes (ISA-18.2, as
Icinga's `expiry` and PagerDuty's acknowledgement timeout do).
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from noc_board.core.clock import Clock, SystemClock
from noc_board.ui.expiry_picker import ACK_CHOICES, ExpiryPickerWidget

log = logging.getLogger(__name__)


def default_operators(configured: Sequence[str]) -> list[str]:
    """The names offered: the configured operators, or the OS user name when none are."""
    names = [n for n in configured if n.strip()]
    if names:
        return names
    try:
        return [getpass.getuser()]
    except (OSError, KeyError):  # no user name in the environment or the password database
        return []


def seat_operator() -> str:
    """Who is at this board as far as it can tell without asking: the OS user name. Used where
    an intent must be instant (silencing the horn); "unknown" when there is no user name."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):
        return "unknown"


def operator_box(operators: Sequence[str], parent: QWidget) -> QComboBox:
    """A combo of the configured operators, or an editable one pre-filled with the OS user."""
    box = QComboBox(parent)
    box.addItems(default_operators(operators))
    box.setEditable(not [n for n in operators if n.strip()])
    return box


class AckDialog(QDialog):
    """Asks for the operator, a comment and an optional expiry, then emits one intent.

    With configured operators the name is chosen from them; otherwise it is typed, pre-filled
    with the OS user name. `clock` and `zone` turn the chosen expiry into unix seconds when the
    operator confirms (the default clock is the wall clock).

    Signals:
        acknowledge_requested(str, str, str): key, operator, comment; no expiry.
        acknowledge_until_requested(str, str, str, float): the same with the expiry (unix s).
    """

    acknowledge_requested = Signal(str, str, str)
    acknowledge_until_requested = Signal(str, str, str, float)

    def __init__(
        self, key: str, description: str, operators: Sequence[str],
        parent: QWidget | None = None, *, clock: Clock | None = None,
        zone: dt.tzinfo = dt.UTC,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.clock: Clock = clock or SystemClock()
        self.setWindowTitle("Acknowledge alarm")
        self.setMinimumWidth(640)
        self.operator_box = operator_box(operators, self)
        self.comment_edit = QLineEdit(self)
        self.comment_edit.setPlaceholderText("what is being done, e.g. rolled back 2.14")
        self.expiry = ExpiryPickerWidget(ACK_CHOICES, zone, self.clock.now(), parent=self)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("IntentMessage")
        self.error_label.hide()
        self.description_label = QLabel(description, self)
        self.description_label.setWordWrap(True)
        self.description_label.setProperty("role", "title")

        form = QFormLayout()
        form.addRow("Operator", self.operator_box)
        form.addRow("Comment", self.comment_edit)
        form.addRow("Expires", self.expiry)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Acknowledge")
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(self.description_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.comment_edit.setFocus()

    def operator(self) -> str:
        return self.operator_box.currentText().strip()

    def _refuse(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def accept(self) -> None:
        """Emit the intent when it is complete; otherwise say what is missing."""
        operator = self.operator()
        if not operator:
            self._refuse("Name the operator who acknowledges.")
            return
        now = self.clock.now()
        until = self.expiry.until(now)
        if until is not None and until <= now:
            self._refuse("The expiry must be in the future.")
            return
        comment = self.comment_edit.text().strip()
        if until is None:
            self.acknowledge_requested.emit(self.key, operator, comment)
        else:
            self.acknowledge_until_requested.emit(self.key, operator, comment, until)
        super().accept()
