"""The history of one alarm, from the journal: every transition with who, when, why and value.

The dialog never reads the store: the bridge hands it the journal entries (the hub's read-only
`alarm_history` query), newest first. Shown with `open()`, never `exec()` (no nested loops).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from noc_board.config.schema import MetricConfig
from noc_board.core.panel_model import value_with_unit
from noc_board.core.units import Unit, format_value
from noc_board.ui.theme import Palette

if TYPE_CHECKING:
    from noc_board.store.journal import JournalEntry

COLUMNS = ("When", "Event", "Severity", "State", "Who", "Comment", "Until", "Value")
EVENT_WORDS = {
    "raised": "raised",
    "cleared": "cleared",
    "severity_changed": "severity changed",
    "acknowledged": "acknowledged",
    "ack_expired": "acknowledgement expired",
    "shelved": "shelved",
    "unshelved": "unshelved",
    "silenced": "horn silenced",
    "suppressed": "suppressed (maintenance)",
    "unsuppressed": "maintenance ended",
}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of the history table, as text."""

    when: str
    event: str
    severity: str
    state: str
    who: str
    comment: str
    until: str
    value: str

    def cells(self) -> tuple[str, ...]:
        return (self.when, self.event, self.severity, self.state, self.who, self.comment,
                self.until, self.value)


def _stamp(ts: Any, zone: dt.tzinfo) -> str:
    if not isinstance(ts, int | float) or math.isnan(ts):
        return ""
    return dt.datetime.fromtimestamp(ts, zone).strftime("%a %d %b %H:%M:%S")


def _words(state: Any) -> str:
    return str(state).replace("_", " ") if state else ""


def table_style(p: Palette) -> str:
    """The table's colours in the board's theme (the application sheet leaves tables alone)."""
    return f"""
QTableWidget {{ background: {p.surface}; alternate-background-color: {p.surface_raised};
                color: {p.text}; gridline-color: {p.border}; border: 1px solid {p.border}; }}
QHeaderView::section {{ background: {p.surface_raised}; color: {p.text_dim}; border: none;
                        border-bottom: 1px solid {p.border}; padding: 6px; font-weight: 600; }}
QTableWidget::item:selected {{ background: {p.border}; color: {p.text}; }}
"""


def history_row(
    entry: JournalEntry, zone: dt.tzinfo, metric: MetricConfig | None = None,
    currency: str = "USD",
) -> HistoryRow:
    """A journal entry about an alarm (transition, ack, escalation, horn) as table text."""
    data = entry.data
    event = str(data.get("event") or entry.kind)
    before, after = data.get("from"), data.get("to")
    state = f"{_words(before)} → {_words(after)}" if before and after else _words(after)
    value = data.get("value")
    value_text = ""
    if isinstance(value, int | float):
        unit = Unit(metric.unit) if metric is not None else Unit.COUNT
        value_text = value_with_unit(*format_value(float(value), unit, currency))
    comment = str(data.get("comment") or "")
    if not comment and event not in EVENT_WORDS:
        comment = entry.message  # an entry of another kind (an escalation, a notification)
    return HistoryRow(
        when=_stamp(entry.ts, zone),
        event=EVENT_WORDS.get(event, event.replace("_", " ")),
        severity=str(data.get("severity") or "").upper(),
        state=state,
        who=entry.actor or "",
        comment=comment,
        until=_stamp(data.get("until"), zone),
        value=value_text,
    )


class AlarmHistoryDialog(QDialog):
    """A read-only table of an alarm's journal entries, newest first. Non-modal."""

    def __init__(
        self, key: str, title: str, entries: Sequence[JournalEntry], zone: dt.tzinfo,
        metrics: Mapping[str, MetricConfig] | None = None, currency: str = "USD",
        parent: QWidget | None = None, theme: Palette | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.setWindowTitle(f"History of {title}")
        self.resize(1500, 640)
        metric_of = metrics or {}
        self.rows = [
            history_row(e, zone, metric_of.get(str(e.data.get("metric", ""))), currency)
            for e in entries
        ]
        heading = QLabel(title, self)
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        self.empty_label = QLabel("Nothing recorded for this alarm yet.", self)
        self.empty_label.setVisible(not self.rows)
        table = QTableWidget(len(self.rows), len(COLUMNS), self)
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        if theme is not None:
            table.setStyleSheet(table_style(theme))
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row.cells()):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(r, c, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Comment"), QHeaderView.ResizeMode.Stretch)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.empty_label)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
