"""The hub: where poll results become series, journal entries, alarms and published changes.

Data flows one way through here: sources -> hub -> (series, store, alarm book) -> listeners.
Operator intents (acknowledge, shelve) come back in through the hub's methods, which journal them
before publishing, so a crash right after an intent never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from noc_board.config.schema import Config
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.alarms import SEVERITY_RANK, Alarm, AlarmError, AlarmEvent, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.external_book import ExternalAlarmBook
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.rules.history import HistoryProvider
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.core.series import RingSeries
from noc_board.engine.rollup_history import SeriesHistory
from noc_board.sources.alertmanager import is_external_key
from noc_board.store.journal import JournalEntry
from noc_board.store.operator_log import Incident, Note, OperatorLog, OperatorLogError

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


@runtime_checkable
class AlarmJournal(Protocol):
    """What a recorder may also do for the operator's desk (StoreRecorder does): journal the
    horn's silences, and read back an alarm's history."""

    def record_horn_silenced(
        self, at: float, operator: str, until: float, alarms: Sequence[Alarm]
    ) -> None: ...

    def alarm_history(self, key: str, limit: int = 200) -> list[JournalEntry]: ...


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a panel needs to know about a metric besides its series."""

    metric_id: str
    source: str


class Hub:
    """Holds the live state of the board and publishes every change to its listeners."""

    def __init__(
        self,
        config: Config,
        clock: Clock,
        recorder: Recorder | None = None,
        history: HistoryProvider | None = None,
        operator_log: OperatorLog | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._recorder = recorder
        # shift notes and incidents (noc_board.store.operator_log); None: a board without a store
        self.operator_log = operator_log
        self._journal_listeners: list[Callable[[str], None]] = []
        capacity = config.board.history_points
        self._series = {m.id: RingSeries(capacity) for m in config.metrics}
        self._source_of = {m.id: m.source for m in config.metrics}
        self._health = {s.name: SourceHealth(source=s.name) for s in config.sources}
        self._breakdowns: dict[str, Breakdown] = {}
        self._notes: dict[str, tuple[str, ...]] = {}
        # seasonal baselines read weeks of rollups when the engine has a store (`history`),
        # else the ring series; no-data and stale rules default to this board's staleness
        self._book = AlarmBook(
            config.rules,
            history=history if history is not None else SeriesHistory(self.series),
            metric_sources=self._source_of,
            stale_after=self.stale_after,
            maintenance=config.maintenance,
            timezone=config.board.timezone,
        )
        self._listeners: list[BoardListener] = []
        # alarms other tools raise (Alertmanager alerts, noc_board.engine.am_alerts)
        self.external = ExternalAlarmBook()

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
        return self._book.alarms() + self.external.alarms()

    def poll_interval(self, source: str) -> float:
        cfg = self.config.source(source)
        return cfg.interval if cfg else 60.0

    def stale_after(self, source: str) -> float:
        """Age past which the source's panels grey out: the allowance plus its usual lag."""
        configured = self.config.board.stale_after
        allowance = configured if configured > 0 else 3 * self.poll_interval(source)
        cfg = self.config.source(source)
        return allowance + (cfg.lag if cfg else 0.0)

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
        self._publish_alarm_events(self._book.tick(now, self._health) + self.external.expire(now))

    # --- intents back from the operator ----------------------------------------------------

    def acknowledge(
        self, key: str, operator: str, comment: str = "", until: float | None = None
    ) -> None:
        """Raises noc_board.core.alarms.AlarmError when it does not apply."""
        self._publish_alarm_events(
            self._book_for(key).acknowledge(key, self._clock.now(), operator, comment, until)
        )

    def shelve(self, key: str, operator: str, until: float, comment: str = "") -> None:
        self._publish_alarm_events(
            self._book_for(key).shelve(key, self._clock.now(), operator, until, comment)
        )

    def silence_horn(self, operator: str, until: float, keys: Sequence[str]) -> None:
        """`operator` muted the horn until `until`; not an acknowledgement (nothing changes
        state). Journaled for each alarm in `keys`, so every alarm's history shows it."""
        if isinstance(self._recorder, AlarmJournal):
            wanted = set(keys)
            alarms = [a for a in self.alarms() if a.key in wanted]
            self._recorder.record_horn_silenced(self._clock.now(), operator, until, alarms)

    def alarm_history(self, key: str, limit: int = 200) -> list[JournalEntry]:
        """Read only: what the journal holds about alarm `key`, newest first ([] with no store)."""
        if isinstance(self._recorder, AlarmJournal):
            return self._recorder.alarm_history(key, limit)
        return []

    def restore_alarms(self, alarms: Sequence[Alarm]) -> None:
        for alarm in alarms:
            if is_external_key(alarm.key):
                self.external.restore(alarm)
            else:
                self._book.restore(alarm)

    def acknowledge_remote(
        self,
        key: str,
        operator: str,
        comment: str = "",
        until: float | None = None,
        origin: str = "alertmanager",
    ) -> bool:
        """An acknowledgement made elsewhere (on another board, read back from Alertmanager).

        Applied like the operator's own, journaled with its `origin`, and published. An alarm
        with nothing to acknowledge (unknown here, normal, already acknowledged: the remote view
        may lag this board's own) is left alone, as is an expiry already past: returns False.
        """
        try:
            alarm = self._book_for(key).alarm(key)
        except AlarmError:
            return False
        now = self._clock.now()
        if alarm.state not in (AlarmState.UNACKED, AlarmState.RTN_UNACKED):
            return False
        if until is not None and until <= now:
            return False
        events = self._book_for(key).acknowledge(key, now, operator or "unknown", comment,
                                                 until)
        self._publish_alarm_events([replace(e, origin=origin) for e in events])
        return True

    # --- notes and incidents (journaled first, then published) -----------------------------

    def subscribe_journal(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(kind)` ("note" or "incident") after a note or incident was journaled."""
        self._journal_listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._journal_listeners:
                self._journal_listeners.remove(listener)

        return unsubscribe

    def _operator_log(self) -> OperatorLog:
        if self.operator_log is None:
            raise OperatorLogError("this board keeps no journal: notes and incidents need a store")
        return self.operator_log

    def _journaled(self, kind: str) -> None:
        for listener in list(self._journal_listeners):
            listener(kind)

    def add_note(self, operator: str, text: str, flagged: bool = False,
                 incident: str | None = None) -> Note:
        """A shift note by `operator` (flagged: for the next shift). Raises OperatorLogError."""
        note = self._operator_log().add_note(self._clock.now(), operator, text,
                                             flagged=flagged, incident=incident)
        self._journaled("note")
        return note

    def open_incident(self, alarm_keys: Sequence[str], title: str, operator: str) -> Incident:
        """Open an incident from alarms (or by hand, with no keys): it starts when the first of
        them was raised and takes the worst severity. Raises OperatorLogError."""
        wanted = set(alarm_keys)
        alarms = [a for a in self.alarms() if a.key in wanted]
        starts = [a.raised_at for a in alarms if a.raised_at is not None]
        worst = max((a.severity for a in alarms), key=lambda s: SEVERITY_RANK.get(s, 0),
                    default="")
        incident = self._operator_log().open_incident(
            self._clock.now(), operator, title, list(alarm_keys),
            started_at=min(starts) if starts else None, severity=worst)
        self._journaled("incident")
        return incident

    def update_incident(self, incident_id: str, fields: Mapping[str, Any],
                        operator: str) -> Incident:
        """Change an incident's cause, resolution, actions, title, status...; journaled."""
        incident = self._operator_log().update_incident(self._clock.now(), operator,
                                                        incident_id, fields)
        self._journaled("incident")
        return incident

    def notes(self, since: float | None = None, until: float | None = None) -> list[Note]:
        """Read only: the notes written in [since, until) ([] without a journal)."""
        return self.operator_log.notes(since, until) if self.operator_log is not None else []

    def incidents(self) -> dict[str, Incident]:
        """Read only: every incident as it stands ({} without a journal)."""
        return self.operator_log.incidents() if self.operator_log is not None else {}

    def report_health(self, health: SourceHealth) -> None:
        """The health of something that is not a polled source (the notifiers of a route, the
        Alertmanager sync): shown, journaled and published like a source's."""
        self._set_health(health)

    def external_changed(self, events: Sequence[AlarmEvent]) -> None:
        """The external alarms changed (`self.external`): journal and publish `events`, or
        with none, publish the alarms alone (what they say changed, not their state)."""
        if events:
            self._publish_alarm_events(list(events))
            return
        alarms = self.alarms()
        for listener in list(self._listeners):
            listener.alarms_changed(alarms, ())

    # --- internals -------------------------------------------------------------------------

    def _book_for(self, key: str) -> AlarmBook | ExternalAlarmBook:
        return self.external if key in self.external else self._book

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
        alarms = self.alarms()
        if self._recorder is not None:
            self._recorder.record_alarm_events(events, alarms)
        for listener in list(self._listeners):
            listener.alarms_changed(alarms, tuple(events))
