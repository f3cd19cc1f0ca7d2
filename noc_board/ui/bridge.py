"""The one object that binds the Qt side to the engine: published state in, operator intents out.

The hub calls its listeners as plain Python; the bridge turns those calls into Qt signals so
widgets can connect to them, and forwards operator intents (acknowledge, shelve) to the hub.

WORKAROUND (DESIGN.md, pinned facts): PySide6 6.12.0 corrupts reference counts when a signal
carrying None reaches a Python slot, so no signal here ever carries None: ids are a frozenset,
alarms and events are tuples, errors are strings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from noc_board.core.alarms import Alarm, AlarmError, AlarmEvent
from noc_board.core.health import SourceHealth
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.store.journal import JournalEntry
from noc_board.store.operator_log import Incident, Note, OperatorLogError

log = logging.getLogger(__name__)


class _HubRelay:
    """The hub's listener: the bridge's signals share the listener methods' names, so a small
    relay object implements `BoardListener` and emits on the bridge."""

    def __init__(self, bridge: EngineBridge) -> None:
        self._bridge = bridge

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        self._bridge.metrics_updated.emit(frozenset(metric_ids))

    def health_changed(self, health: SourceHealth) -> None:
        self._bridge.health_changed.emit(health)

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        self._bridge.alarms_changed.emit(tuple(alarms))
        if events:
            self._bridge.alarm_events.emit(tuple(events))


class EngineBridge(QObject):
    """Publishes the hub's changes as signals and carries operator intents back to it.

    Signals:
        metrics_updated(frozenset[str]): these metrics have new points or breakdowns.
        health_changed(SourceHealth): a source's health after a poll.
        alarms_changed(tuple[Alarm, ...]): all alarms, after any transition.
        alarm_events(tuple[AlarmEvent, ...]): the transitions themselves (never empty).
        intent_failed(str): an operator intent did not apply; the reason, for the operator.
        journal_changed(str): a note or an incident was journaled ("note" or "incident").
    """

    metrics_updated = Signal(object)
    health_changed = Signal(object)
    alarms_changed = Signal(object)
    alarm_events = Signal(object)
    intent_failed = Signal(str)
    journal_changed = Signal(str)

    def __init__(
        self, hub: Hub, parent: QObject | None = None, history: HistoryReader | None = None,
        refresh: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        # read-only rollup queries (heatmaps, comparisons) and "poll now" (R), when the app has them
        self.history = history
        self._refresh = refresh
        self._unsubscribe: Callable[[], None] | None = hub.subscribe(_HubRelay(self))
        self._unsubscribe_journal: Callable[[], None] | None = hub.subscribe_journal(
            self.journal_changed.emit)

    def rebind(self, hub: Hub, history: HistoryReader | None = None,
               refresh: Callable[[], None] | None = None) -> None:
        """Listen to a rebuilt engine's hub (a configuration reload); connections stay."""
        self.close()
        self.hub = hub
        self.history = history
        self._refresh = refresh
        self._unsubscribe = hub.subscribe(_HubRelay(self))
        self._unsubscribe_journal = hub.subscribe_journal(self.journal_changed.emit)

    def refresh(self) -> bool:
        """Poll every source now (R); False when this board cannot."""
        if self._refresh is None:
            return False
        self._refresh()
        return True

    @property
    def connected(self) -> bool:
        """Whether the bridge still listens to the hub."""
        return self._unsubscribe is not None

    def acknowledge(
        self, key: str, operator: str, comment: str = "", until: float | None = None
    ) -> bool:
        """Acknowledge alarm `key` as `operator`; False (and intent_failed) when refused."""
        try:
            self.hub.acknowledge(key, operator, comment, until)
        except AlarmError as exc:
            log.info("acknowledgement of %s by %s refused: %s", key, operator, exc)
            self.intent_failed.emit(str(exc))
            return False
        return True

    def shelve(self, key: str, operator: str, until: float, comment: str = "") -> bool:
        """Shelve alarm `key` until `until`; False (and intent_failed) when it does not apply."""
        try:
            self.hub.shelve(key, operator, until, comment)
        except AlarmError as exc:
            log.info("shelving of %s by %s refused: %s", key, operator, exc)
            self.intent_failed.emit(str(exc))
            return False
        return True

    def silence_horn(self, operator: str, until: float, keys: Sequence[str]) -> None:
        """Journal that `operator` muted the horn until `until` (not an acknowledgement)."""
        self.hub.silence_horn(operator, until, tuple(keys))

    def alarm_history(self, key: str, limit: int = 200) -> list[JournalEntry]:
        """The journal's entries about alarm `key`, newest first (read only, via the hub)."""
        return self.hub.alarm_history(key, limit)

    # --- notes and incidents (noc_board.ui.notes_panel, noc_board.ui.incident_editor) -------

    def add_note(self, operator: str, text: str, flagged: bool = False) -> bool:
        """Journal a shift note; False (and intent_failed) when refused."""
        try:
            self.hub.add_note(operator, text, flagged)
        except OperatorLogError as exc:
            self.intent_failed.emit(str(exc))
            return False
        return True

    def open_incident(self, alarm_keys: Sequence[str], title: str, operator: str) -> str:
        """Open an incident; its id, or "" (and intent_failed) when refused."""
        try:
            return self.hub.open_incident(tuple(alarm_keys), title, operator).id
        except OperatorLogError as exc:
            self.intent_failed.emit(str(exc))
            return ""

    def update_incident(self, incident_id: str, fields: dict[str, object], operator: str) -> bool:
        """Save an incident's changed fields; False (and intent_failed) when refused."""
        try:
            self.hub.update_incident(incident_id, fields, operator)
        except OperatorLogError as exc:
            self.intent_failed.emit(str(exc))
            return False
        return True

    def notes(self, since: float | None = None, until: float | None = None) -> list[Note]:
        """The notes written in [since, until) (read only, via the hub)."""
        return self.hub.notes(since, until)

    def incidents(self) -> dict[str, Incident]:
        """Every incident as it stands (read only, via the hub)."""
        return self.hub.incidents()

    def close(self) -> None:
        """Stop listening to the hub (idempotent); signals stay connected but fall silent."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_journal is not None:
            self._unsubscribe_journal()
            self._unsubscribe_journal = None
