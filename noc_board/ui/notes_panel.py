"""Shift notes at the workstation: write a note, flag it for the next shift, see the shift's notes.

`NotesPanelWidget` is the widget: it emits `note_requested` and draws the notes it is given.
`NotesDialog` binds it to the bridge: a note goes to the hub (journaled before it is shown), the
list shows the notes written since the shift began and refreshes when the journal changes.
The dialog is shown with `open()`, never `exec()` (no nested event loops).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from noc_board.core.clock import Clock
from noc_board.reports.periods import PeriodError, handovers_around
from noc_board.store.operator_log import Note
from noc_board.ui.ack_dialog import operator_box
from noc_board.ui.bridge import EngineBridge


class NotesPanelWidget(QWidget):
    """Writes shift notes and lists them.

    Signals:
        note_requested(str, str, bool): operator, text, flagged for the next shift.
    """

    note_requested = Signal(str, str, bool)

    def __init__(self, operators: Sequence[str], zone: dt.tzinfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.operator_box = operator_box(operators, self)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("What happened, what was done, what to watch…")
        self.editor.setTabChangesFocus(True)
        self.flag_box = QCheckBox("For the next shift", self)
        self.add_button = QPushButton("Add note", self)
        self.add_button.setToolTip("Ctrl+Enter")
        self.add_button.clicked.connect(self.submit)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.editor)
            shortcut.activated.connect(self.submit)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.heading = QLabel("Notes of this shift", self)
        self.heading.setProperty("role", "title")
        row = QHBoxLayout()
        row.addWidget(QLabel("Operator", self))
        row.addWidget(self.operator_box, 1)
        row.addWidget(self.flag_box)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 2)
        layout.addLayout(row)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 3)

    def submit(self) -> None:
        """Emit the note written (nothing for an empty one)."""
        text = self.editor.toPlainText().strip()
        operator = self.operator_box.currentText().strip()
        if not text or not operator:
            return
        self.note_requested.emit(operator, text, self.flag_box.isChecked())

    def clear_editor(self) -> None:
        """After a note was kept: an empty editor, the flag off."""
        self.editor.clear()
        self.flag_box.setChecked(False)

    def set_notes(self, notes: Sequence[Note]) -> None:
        """Show `notes`, newest first; flagged ones marked ⚑."""
        self.list.clear()
        for note in sorted(notes, key=lambda n: (n.ts, n.id or 0), reverse=True):
            stamp = dt.datetime.fromtimestamp(note.ts, self.zone).strftime("%H:%M")
            flag = "⚑ " if note.flagged else ""
            item = QListWidgetItem(f"{stamp}  {note.operator}: {flag}{note.text}")
            item.setData(Qt.ItemDataRole.UserRole, note.id)
            if note.flagged:
                item.setToolTip("Flagged for the next shift")
            self.list.addItem(item)


class NotesDialog(QDialog):
    """The notes panel on the bridge (non-modal; open with `open()` or `show()`)."""

    def __init__(self, bridge: EngineBridge, clock: Clock, zone: dt.tzinfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.clock = clock
        self.setWindowTitle("Shift notes")
        self.setMinimumSize(640, 480)
        config = bridge.hub.config
        self.panel = NotesPanelWidget(config.board.operators, zone, self)
        self.panel.note_requested.connect(self._add)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        bridge.journal_changed.connect(self._journal_changed)
        self._connected = True
        self.refresh()

    def shift_start(self) -> float:
        """When the current shift began (the last handover); a day ago if none is configured."""
        now = self.clock.now()
        config = self.bridge.hub.config
        try:
            before, _ = handovers_around(now, config.board.timezone, config.reports.handovers)
        except PeriodError:
            return now - 86_400.0
        return before

    def refresh(self) -> None:
        """Show the notes written since the shift began."""
        self.panel.set_notes(self.bridge.notes(self.shift_start(), None))

    def _add(self, operator: str, text: str, flagged: bool) -> None:
        if self.bridge.add_note(operator, text, flagged):
            self.panel.clear_editor()
        self.refresh()

    def _journal_changed(self, kind: str) -> None:
        if kind == "note":
            self.refresh()

    def done(self, result: int) -> None:
        if self._connected:
            self._connected = False
            self.bridge.journal_changed.disconnect(self._journal_changed)
        super().done(result)
