"""The base of the operator-intent dialogs (acknowledge, shelve): who, why, until when.

WORKAROUND (DESIGN.md, pinned facts): no nested event loops, so these dialogs are shown with
`open()` and answer through their signals; never `exec()`.

The base lays out what both dialogs ask (the alarm's description, an optional note, the operator,
a comment, an expiry picker, a line saying what is missing, OK and Cancel) and checks the answer
(`intent`); a subclass names its texts and emits its own signal from `accept`.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass

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
from noc_board.ui.expiry_picker import ExpiryPickerWidget


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


@dataclass(frozen=True, slots=True)
class IntentWording:
    """What a dialog calls things: its title, OK button, comment and expiry rows, the comment's
    hint, an optional note under the description, and what it says when the answer is
    incomplete."""

    title: str
    ok_text: str
    comment_label: str
    comment_hint: str
    expiry_label: str
    no_operator: str
    bad_expiry: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class OperatorIntent:
    """A complete answer: who, why, and until when (unix s; None: no expiry)."""

    operator: str
    comment: str
    until: float | None


class OperatorIntentDialog(QDialog):
    """Asks for the operator, a comment and an expiry (one of `choices`) about the alarm `key`.

    With configured operators the name is chosen from them; otherwise it is typed, pre-filled
    with the OS user name. `clock` (default: the wall clock) and `zone` turn the chosen expiry
    into unix seconds when the operator confirms. `expiry_required`: "no expiry" is refused.
    Subclasses override `accept`: `intent()` is the checked answer or None (already refused).
    """

    def __init__(
        self, key: str, description: str, operators: Sequence[str], wording: IntentWording,
        choices: tuple[float, ...], parent: QWidget | None = None, *,
        default_expiry: float | None = None,
        expiry_required: bool = False, clock: Clock | None = None, zone: dt.tzinfo = dt.UTC,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.clock: Clock = clock or SystemClock()
        self.wording = wording
        self.expiry_required = expiry_required
        self.setWindowTitle(wording.title)
        self.setMinimumWidth(640)
        self.operator_box = operator_box(operators, self)
        self.comment_edit = QLineEdit(self)
        self.comment_edit.setPlaceholderText(wording.comment_hint)
        self.expiry = ExpiryPickerWidget(
            choices, zone, self.clock.now(), default=default_expiry, parent=self
        )
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("IntentMessage")
        self.error_label.hide()
        self.description_label = QLabel(description, self)
        self.description_label.setWordWrap(True)
        self.description_label.setProperty("role", "title")

        form = QFormLayout()
        form.addRow("Operator", self.operator_box)
        form.addRow(wording.comment_label, self.comment_edit)
        form.addRow(wording.expiry_label, self.expiry)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(wording.ok_text)
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(self.description_label)
        if wording.note:
            note = QLabel(wording.note, self)
            note.setProperty("role", "age")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.comment_edit.setFocus()

    def operator(self) -> str:
        return self.operator_box.currentText().strip()

    def refuse(self, text: str) -> None:
        """Say what is missing; the dialog stays open."""
        self.error_label.setText(text)
        self.error_label.show()

    def intent(self) -> OperatorIntent | None:
        """The operator's answer, or None after saying what is missing (no operator; an expiry
        in the past, or none when one is required)."""
        operator = self.operator()
        if not operator:
            self.refuse(self.wording.no_operator)
            return None
        now = self.clock.now()
        until = self.expiry.until(now)
        if (until is None and self.expiry_required) or (until is not None and until <= now):
            self.refuse(self.wording.bad_expiry)
            return None
        return OperatorIntent(operator, self.comment_edit.text().strip(), until)
