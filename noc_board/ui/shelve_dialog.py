"""The shelve dialog: hide a nuisance alarm until a time, with who and why. Non-modal.

Shelving (ISA-18.2) takes an alarm off the banner and the horn while known work goes on; it
always has an expiry, after which an alarm still active comes back unacknowledged. Shown with
`open()` (no nested event loop); the answer is the `shelve_requested` signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from noc_board.core.clock import Clock, SystemClock
from noc_board.ui.ack_dialog import operator_box
from noc_board.ui.expiry_picker import SHELVE_CHOICES, ExpiryPickerWidget

DEFAULT_SHELF = 3600.0


class ShelveDialog(QDialog):
    """Asks for the operator, the reason and the expiry of a shelf.

    Signals:
        shelve_requested(str, str, float, str): key, operator, until (unix s), comment.
    """

    shelve_requested = Signal(str, str, float, str)

    def __init__(
        self, key: str, description: str, operators: Sequence[str],
        parent: QWidget | None = None, *, clock: Clock | None = None,
        zone: dt.tzinfo = dt.UTC,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.clock: Clock = clock or SystemClock()
        self.setWindowTitle("Shelve alarm")
        self.setMinimumWidth(640)
        self.operator_box = operator_box(operators, self)
        self.comment_edit = QLineEdit(self)
        self.comment_edit.setPlaceholderText("why, e.g. payment provider maintenance until 3 am")
        self.expiry = ExpiryPickerWidget(
            SHELVE_CHOICES, zone, self.clock.now(), default=DEFAULT_SHELF, parent=self
        )
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("IntentMessage")
        self.error_label.hide()
        self.description_label = QLabel(description, self)
        self.description_label.setWordWrap(True)
        self.description_label.setProperty("role", "title")
        note = QLabel("A shelved alarm leaves the banner and the horn until the shelf expires.")
        note.setProperty("role", "age")
        note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Operator", self.operator_box)
        form.addRow("Reason", self.comment_edit)
        form.addRow("Shelve", self.expiry)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Shelve")
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(self.description_label)
        layout.addWidget(note)
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
            self._refuse("Name the operator who shelves the alarm.")
            return
        now = self.clock.now()
        until = self.expiry.until(now)
        if until is None or until <= now:
            self._refuse("The shelf must end in the future.")
            return
        self.shelve_requested.emit(self.key, operator, until, self.comment_edit.text().strip())
        super().accept()
