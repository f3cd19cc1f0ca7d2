"""The acknowledgement dialog: who acknowledges, and why. Non-modal to the event loop.

WORKAROUND (DESIGN.md, pinned facts): no nested event loops, so the dialog is shown with `open()`
and answers through its `acknowledge_requested` signal; never `exec()`.
"""

from __future__ import annotations

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


class AckDialog(QDialog):
    """Asks for the operator and a comment, then emits `acknowledge_requested(key, operator,
    comment)`. With configured operators the name is chosen from them; otherwise it is typed,
    pre-filled with the OS user name."""

    acknowledge_requested = Signal(str, str, str)

    def __init__(
        self, key: str, description: str, operators: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.setWindowTitle("Acknowledge alarm")
        self.setMinimumWidth(640)
        names = default_operators(operators)
        self.operator_box = QComboBox(self)
        self.operator_box.addItems(names)
        self.operator_box.setEditable(not [n for n in operators if n.strip()])
        self.comment_edit = QLineEdit(self)
        self.comment_edit.setPlaceholderText("what is being done, e.g. rolled back 2.14")
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("IntentMessage")
        self.error_label.hide()
        self.description_label = QLabel(description, self)
        self.description_label.setWordWrap(True)
        self.description_label.setProperty("role", "title")

        form = QFormLayout()
        form.addRow("Operator", self.operator_box)
        form.addRow("Comment", self.comment_edit)
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

    def accept(self) -> None:
        """Emit the intent when an operator is named; otherwise say what is missing."""
        operator = self.operator()
        if not operator:
            self.error_label.setText("Name the operator who acknowledges.")
            self.error_label.show()
            return
        self.acknowledge_requested.emit(self.key, operator, self.comment_edit.text().strip())
        super().accept()
