"""The one object that binds the Qt side to the engine: published state in, operator intents out.

The hub calls its listeners as plain Python; the bridge turns those calls into Qt signals so
widgets can connect to them, and forwards operator intents (acknowledge, shelve) to the hub.

WORKAROUND (DESIGN.md, pinned facts): PySide6 6.12.0 corrupts reference counts when a signal
carrying None reaches a Python slot, so no signal here ever carries None: ids are a frozenset,
alarms and events are tuples, errors are strings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from noc_board.core.alarms import Alarm, AlarmError, AlarmEvent
from noc_board.core.health import SourceHealth
from noc_board.engine.hub import Hub

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
    """

    metrics_updated = Signal(object)
    health_changed = Signal(object)
    alarms_changed = Signal(object)
    alarm_events = Signal(object)
    intent_failed = Signal(str)

    def __init__(self, hub: Hub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self._unsubscribe: Callable[[], None] | None = hub.subscribe(_HubRelay(self))

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

    def close(self) -> None:
        """Stop listening to the hub (idempotent); signals stay connected but fall silent."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
