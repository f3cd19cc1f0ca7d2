"""The hub: where poll results become series, journal entries, alarms and published changes.

Data flows one way through here: sources -> hub -> (series, store, alarm book) -> listeners.
Operator intents (acknowledge, shelve) come back in through the hub's methods, which journal them
before publishing, so a crash right after an intent never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from noc_board.config.schema import Config
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.clock import Clock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.core.series import RingSeries

log = logging.getLogger(__name__)


class BoardListener(Protocol):
    """Receives what the hub publishes. Called on the engine's thread, in data order."""

    def metrics_updated(self, metric_ids: frozenset[str]) -> None: ...

    def health_changed(self, health: SourceHealth) -> None: ...

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None: ...


class Recorder(Protocol):
    """Where the hub persists: the journal and the rollups (noc_board.store.Store satisfies it)."""

    def record_alarm_events(
        self, events: Sequence[AlarmEvent], alarms: Sequence[Alarm]
    ) -> None: ...

    def record_health(self, before: SourceHealth, after: SourceHealth) -> None: ...

    def record_samples(self, samples: Sequence[Sample]) -> None: ...


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a panel needs to know about a metric besides its series."""

    metric_id: str
    source: str


class Hub:
    """Holds the live state of the board and publishes every change to its listeners."""

    def __init__(self, config: Config, clock: Clock, recorder: Recorder | None = None) -> None:
        self.config = config
        self._clock = clock
        self._recorder = recorder
        capacity = config.board.history_points
        self._series = {m.id: RingSeries(capacity) for m in config.metrics}
        self._source_of = {m.id: m.source for m in config.metrics}
        self._health = {s.name: SourceHealth(source=s.name) for s in config.sources}
        self._breakdowns: dict[str, Breakdown] = {}
        self._notes: dict[str, tuple[str, ...]] = {}
        self._book = AlarmBook(config.rules)
        self._listeners: list[BoardListener] = []

    # --- reading -------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock.now()

    def series(self, metric_id: str) -> RingSeries | None:
        return self._series.get(metric_id)

    def breakdown(self, metric_id: str) -> Breakdown | None:
        return self._breakdowns.get(metric_id)

    def source_of(self, metric_id: str) -> str | None:
        return self._source_of.get(metric_id)

    def health(self, source: str) -> SourceHealth:
        return self._health.get(source, SourceHealth(source=source))

    def healths(self) -> tuple[SourceHealth, ...]:
        return tuple(self._health.values())

    def alarms(self) -> tuple[Alarm, ...]:
        return self._book.alarms()

    def poll_interval(self, source: str) -> float:
        cfg = self.config.source(source)
        return cfg.interval if cfg else 60.0

    def stale_after(self, source: str) -> float:
        configured = self.config.board.stale_after
        return configured if configured > 0 else 3 * self.poll_interval(source)

    def subscribe(self, listener: BoardListener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    # --- data in -------------------------------------------------------------------------

    def ingest(self, result: PollResult) -> None:
        """A source answered: append its samples, evaluate rules, publish."""
        changed: set[str] = set()
        accepted: list[Sample] = []
        for sample in result.samples:
            series = self._series.get(sample.metric)
            if series is not None and series.append(sample.ts, sample.value):
                changed.add(sample.metric)
                accepted.append(sample)
        for breakdown in result.breakdowns:
            self._breakdowns[breakdown.metric] = breakdown
            changed.add(breakdown.metric)
        warning = "; ".join(result.notes) if result.notes else None
        self._set_health(self.health(result.source).succeeded(result.polled_at, warning))
        if accepted and self._recorder is not None:
            self._recorder.record_samples(accepted)
        self._publish_alarm_events(self._book.observe(accepted))
        if changed:
            for listener in list(self._listeners):
                listener.metrics_updated(frozenset(changed))

    def backfill(self, result: PollResult) -> None:
        """History fetched at start: fills series (and rollups) without raising alarms."""
        changed: set[str] = set()
        for sample in sorted(result.samples, key=lambda s: s.ts):
            series = self._series.get(sample.metric)
            if series is not None and series.append(sample.ts, sample.value):
                changed.add(sample.metric)
        if changed:
            for listener in list(self._listeners):
                listener.metrics_updated(frozenset(changed))

    def source_failed(self, source: str, error: str, at: float) -> None:
        """A poll failed: the source's health degrades, then goes down; panels grey out."""
        self._set_health(self.health(source).failed(at, error))

    def tick(self) -> None:
        """Let time pass: acknowledgements and shelves expire; stale sources show as such."""
        now = self._clock.now()
        self._publish_alarm_events(self._book.tick(now))

    # --- intents back from the operator ----------------------------------------------------

    def acknowledge(
        self, key: str, operator: str, comment: str = "", until: float | None = None
    ) -> None:
        """Raises noc_board.core.alarms.AlarmError when it does not apply."""
        self._publish_alarm_events(
            self._book.acknowledge(key, self._clock.now(), operator, comment, until)
        )

    def shelve(self, key: str, operator: str, until: float, comment: str = "") -> None:
        self._publish_alarm_events(
            self._book.shelve(key, self._clock.now(), operator, until, comment)
        )

    def restore_alarms(self, alarms: Sequence[Alarm]) -> None:
        for alarm in alarms:
            self._book.restore(alarm)

    # --- internals -------------------------------------------------------------------------

    def _set_health(self, health: SourceHealth) -> None:
        before = self.health(health.source)
        self._health[health.source] = health
        if before.state is not health.state or before.last_error != health.last_error:
            if self._recorder is not None and before.state is not health.state:
                self._recorder.record_health(before, health)
            if health.state is HealthState.DOWN and before.state is not HealthState.DOWN:
                log.info("source %s is down: %s", health.source, health.last_error)
        for listener in list(self._listeners):
            listener.health_changed(health)

    def _publish_alarm_events(self, events: list[AlarmEvent]) -> None:
        if not events:
            return
        alarms = self._book.alarms()
        if self._recorder is not None:
            self._recorder.record_alarm_events(events, alarms)
        for listener in list(self._listeners):
            listener.alarms_changed(alarms, tuple(events))
