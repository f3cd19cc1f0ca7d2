"""Incidents at the workstation: open one from the alarms standing (or by hand), and write its
cause, resolution and actions to prevent a recurrence.

`IncidentEditorWidget` lists the incidents and edits one; it emits intents and draws what it is
given. `IncidentDialog` binds it to the bridge: every save goes through the hub into the
journal (only the fields that changed), so the edit survives a restart, and the list follows
the journal. Shown with `open()`/`show()`, never `exec()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from noc_board.core.alarms import Alarm
from noc_board.core.clock import Clock
from noc_board.store.operator_log import OPEN, RESOLVED, Incident
from noc_board.ui.ack_dialog import operator_box
from noc_board.ui.bridge import EngineBridge

TEXTS = ("cause", "resolution", "actions")


class IncidentEditorWidget(QWidget):
    """The incident list and the form of the selected incident.

    Signals:
        open_requested(str, str, bool): operator, title, from the standing alarms (else by hand).
        save_requested(str, str, object): operator, incident id, the changed fields (a dict).
        report_requested(str): export the report of this incident id.
    """

    open_requested = Signal(str, str, bool)
    save_requested = Signal(str, str, object)
    report_requested = Signal(str)

    def __init__(self, operators: Sequence[str], zone: dt.tzinfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self._incidents: dict[str, Incident] = {}
        self._current: Incident | None = None
        self.operator_box = operator_box(operators, self)
        self.new_title = QLineEdit(self)
        self.new_title.setPlaceholderText("Title of a new incident, e.g. Checkout down")
        self.from_alarms_button = QPushButton("Open from standing alarms", self)
        self.by_hand_button = QPushButton("Open by hand", self)
        self.from_alarms_button.clicked.connect(lambda: self._open(True))
        self.by_hand_button.clicked.connect(lambda: self._open(False))
        self.list = QListWidget(self)
        self.list.currentItemChanged.connect(self._selected)

        form_box = QWidget(self)
        self.title_edit = QLineEdit(form_box)
        self.status_box = QComboBox(form_box)
        self.status_box.addItems([OPEN, RESOLVED])
        self.facts_label = QLabel("", form_box)
        self.facts_label.setWordWrap(True)
        self.edits: dict[str, QPlainTextEdit] = {}
        for name, hint in (("cause", "What caused it"),
                           ("resolution", "How it was resolved"),
                           ("actions", "What will prevent a recurrence")):
            edit = QPlainTextEdit(form_box)
            edit.setPlaceholderText(hint)
            edit.setTabChangesFocus(True)
            self.edits[name] = edit
        self.save_button = QPushButton("Save", form_box)
        self.save_button.clicked.connect(self.save)
        self.report_button = QPushButton("Export report…", form_box)
        self.report_button.clicked.connect(self._report)
        self.saved_label = QLabel("", form_box)
        form = QFormLayout(form_box)
        form.addRow("Title", self.title_edit)
        form.addRow("Status", self.status_box)
        form.addRow("", self.facts_label)
        form.addRow("Cause", self.edits["cause"])
        form.addRow("Resolution", self.edits["resolution"])
        form.addRow("Actions", self.edits["actions"])
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)

        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.new_title)
        opening = QHBoxLayout()
        opening.addWidget(self.from_alarms_button)
        opening.addWidget(self.by_hand_button)
        column.addLayout(opening)
        column.addWidget(self.list, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(form_box)
        splitter.setStretchFactor(1, 2)
        top = QHBoxLayout()
        top.addWidget(QLabel("Operator", self))
        top.addWidget(self.operator_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._show(None)

    # --- drawing ---------------------------------------------------------------------------

    def set_incidents(self, incidents: dict[str, Incident], select: str | None = None) -> None:
        """Show `incidents` (newest first), keeping the selection (or selecting `select`).
        Unsaved edits of the selected incident are kept when it did not change meanwhile."""
        keep = select or (self._current.id if self._current is not None else None)
        self._incidents = dict(incidents)
        self.list.blockSignals(True)
        self.list.clear()
        chosen: QListWidgetItem | None = None
        for inc in sorted(incidents.values(), key=lambda i: i.opened_at, reverse=True):
            mark = "●" if inc.status == OPEN else "✓"
            item = QListWidgetItem(f"{mark} {inc.id}  {inc.title}")
            item.setData(Qt.ItemDataRole.UserRole, inc.id)
            self.list.addItem(item)
            if inc.id == keep:
                chosen = item
        if chosen is None and self.list.count():
            chosen = self.list.item(0)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        self.list.blockSignals(False)
        current = self._incidents.get(chosen.data(Qt.ItemDataRole.UserRole)) if chosen else None
        if current != self._current or select is not None:
            self._show(current)

    def _selected(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self._show(self._incidents.get(item.data(Qt.ItemDataRole.UserRole)) if item else None)

    def _show(self, incident: Incident | None) -> None:
        self._current = incident
        enabled = incident is not None
        for widget in (self.title_edit, self.status_box, self.save_button, self.report_button,
                       *self.edits.values()):
            widget.setEnabled(enabled)
        if incident is None:
            self.title_edit.clear()
            self.facts_label.setText("No incident selected.")
            for edit in self.edits.values():
                edit.clear()
            return
        self.title_edit.setText(incident.title)
        self.status_box.setCurrentText(incident.status)
        for name in TEXTS:
            self.edits[name].setPlainText(getattr(incident, name))

        def stamp(ts: float | None) -> str:
            return "—" if ts is None else dt.datetime.fromtimestamp(ts, self.zone).strftime(
                "%a %d %b %H:%M")

        alarms = ", ".join(incident.alarms) or "opened by hand"
        self.facts_label.setText(
            f"{incident.id} · {incident.severity or 'no severity'} · started "
            f"{stamp(incident.started_at)} · resolved {stamp(incident.resolved_at)}\n"
            f"Alarms: {alarms} · opened by {incident.opened_by}")
        self.saved_label.setText("")

    # --- intents ----------------------------------------------------------------------------

    def operator(self) -> str:
        return self.operator_box.currentText().strip()

    def selected_id(self) -> str | None:
        return self._current.id if self._current is not None else None

    def changed_fields(self) -> dict[str, Any]:
        """The form's fields that differ from the incident as it stands."""
        inc = self._current
        if inc is None:
            return {}
        fields: dict[str, Any] = {}
        title = self.title_edit.text().strip()
        if title != inc.title:
            fields["title"] = title
        if self.status_box.currentText() != inc.status:
            fields["status"] = self.status_box.currentText()
        for name in TEXTS:
            text = self.edits[name].toPlainText()
            if text != getattr(inc, name):
                fields[name] = text
        return fields

    def save(self) -> None:
        """Emit the changed fields of the selected incident (nothing when none changed)."""
        inc = self._current
        fields = self.changed_fields()
        if inc is None or not fields or not self.operator():
            self.saved_label.setText("Nothing to save." if inc is not None and not fields
                                     else "")
            return
        self.save_requested.emit(self.operator(), inc.id, fields)

    def _open(self, from_alarms: bool) -> None:
        title = self.new_title.text().strip()
        if not title or not self.operator():
            self.saved_label.setText("Give the new incident a title first.")
            self.new_title.setFocus()
            return
        self.open_requested.emit(self.operator(), title, from_alarms)

    def _report(self) -> None:
        if self._current is not None:
            self.report_requested.emit(self._current.id)


def standing_keys(alarms: Sequence[Alarm]) -> list[str]:
    """The alarms an incident opened "from the standing alarms" takes: active or unacked."""
    return [a.key for a in alarms if a.active or a.needs_attention]


class IncidentDialog(QDialog):
    """The incident editor on the bridge (non-modal)."""

    def __init__(self, bridge: EngineBridge, clock: Clock, zone: dt.tzinfo,
                 parent: QWidget | None = None,
                 export: Callable[[str], object] | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.clock = clock
        self._export = export
        self.setWindowTitle("Incidents")
        self.setMinimumSize(900, 560)
        self.editor = IncidentEditorWidget(bridge.hub.config.board.operators, zone, self)
        self.editor.open_requested.connect(self._open)
        self.editor.save_requested.connect(self._save)
        self.editor.report_requested.connect(self._report)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        bridge.journal_changed.connect(self._journal_changed)
        self._connected = True
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        self.editor.set_incidents(self.bridge.incidents(), select)

    def _open(self, operator: str, title: str, from_alarms: bool) -> None:
        keys = standing_keys(self.bridge.hub.alarms()) if from_alarms else []
        incident_id = self.bridge.open_incident(keys, title, operator)
        if incident_id:
            self.editor.new_title.clear()
            self.refresh(select=incident_id)

    def _save(self, operator: str, incident_id: str, fields: object) -> None:
        if isinstance(fields, dict) and self.bridge.update_incident(incident_id, fields,
                                                                    operator):
            self.refresh(select=incident_id)
            self.editor.saved_label.setText("Saved to the journal.")

    def _report(self, incident_id: str) -> None:
        if self._export is not None:
            self._export(incident_id)

    def _journal_changed(self, kind: str) -> None:
        if kind == "incident":
            self.refresh()

    def done(self, result: int) -> None:
        if self._connected:
            self._connected = False
            self.bridge.journal_changed.disconnect(self._journal_changed)
        super().done(result)
