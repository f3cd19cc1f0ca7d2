"""What other tools alert on, as board alarms: the alerts of an Alertmanager source.

With `alerts_as_alarms` on an alertmanager `[[sources]]` entry, every alert it shows firing
(active, not yet processed, or silenced; not inhibited) that no NOC board pushed itself
(`is_board_alert`) becomes an alarm in the hub's external book, keyed `am:<fingerprint>`: raised
when first seen (at its `startsAt`), following its severity and summary, cleared when it
resolves or disappears. It is on the banner and the desk, sounds, escalates along the route its
`route_label` names, and every transition is journaled (and put back after a restart by
`restore_external`).

An acknowledgement on the wall becomes a silence of exactly the alert's labels, and a silence
made elsewhere (amtool, the Alertmanager UI, another board) an acknowledgement by its author:
`noc_board.engine.am_silences`, the same code the boards' shared state uses. While the source
cannot be reached its alarms stay as they were, marked as unreachable; none clears, none rises.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from noc_board.config.schema import SourceConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.health import SourceHealth
from noc_board.engine.am_silences import SilenceKeeper
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import alarm_from_data
from noc_board.engine.waits import Sleep, sleep_or_wake
from noc_board.sources.alertmanager import (
    EXTERNAL_PREFIX,
    AlertmanagerSource,
    Snapshot,
    alarm_from_alert,
    is_board_alert,
)
from noc_board.sources.alertmanager_wire import RemoteAlert
from noc_board.sources.base import SourceError
from noc_board.store.journal import ACK, ALARM, Journal

log = logging.getLogger(__name__)

UNREACHABLE = "Alertmanager unreachable"


def shows(alert: RemoteAlert) -> bool:
    """Whether an alert is an alarm on the wall: firing (active, unprocessed, or silenced or
    muted, which an acknowledgement reads back), not inhibited, not a board's own."""
    return not alert.inhibited_by and not is_board_alert(alert)


def external_alarms(
    snapshot: Snapshot, cfg: SourceConfig, routes: Collection[str]
) -> tuple[tuple[Alarm, dict[str, str]], ...]:
    """The alarms a snapshot shows, each with its alert's labels."""
    return tuple(
        (alarm_from_alert(a, snapshot, severity_label=cfg.severity_label,
                          route_label=cfg.route_label, routes=routes), dict(a.labels))
        for a in snapshot.alerts if shows(a)
    )


def restore_external(journal: Journal) -> list[Alarm]:
    """The last journaled state of every `am:` alarm not back to normal (for `Hub.restore_alarms`
    at start)."""
    restored: list[Alarm] = []
    for key in journal.subjects(EXTERNAL_PREFIX):
        entries = journal.entries(kinds=[ALARM, ACK], subject=key, limit=1, newest_first=True)
        if entries and "alarm" in entries[0].data:
            alarm = alarm_from_data(entries[0].data["alarm"])
            if alarm.state is not AlarmState.NORMAL:
                restored.append(alarm)
    return restored


def _failing(health: SourceHealth) -> bool:
    """The latest poll failed."""
    return health.last_attempt is not None and (
        health.last_success is None or health.last_attempt > health.last_success)


class AlertmanagerAlarms:
    """One alertmanager source's alerts as alarms: a hub listener with a loop of its own.

    `sync_once()` applies the source's latest snapshot (`AlertmanagerSource.latest`, taken by
    the scheduler's poll), reads silences back as acknowledgements and turns this board's
    acknowledgements into silences (tests call it directly); `start()` runs it after every poll
    of the source and every acknowledgement, and at least every `interval`.
    """

    def __init__(
        self,
        hub: Hub,
        source: AlertmanagerSource,
        cfg: SourceConfig,
        clock: Clock,
        *,
        routes: Collection[str],
        horizon: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.name = cfg.name
        self._hub = hub
        self._source = source
        self._cfg = cfg
        self._routes = frozenset(routes)
        self._clock = clock
        self._sleep = sleep
        self._labels: dict[str, dict[str, str]] = {}  # alarm key -> its alert's labels
        self._marked: dict[str, tuple[str, str]] = {}  # key -> summary, detail before marking
        self._applied: Snapshot | None = None
        self._applying = False
        self._silences = SilenceKeeper(hub, source.api, self._labels_of, horizon=horizon,
                                       returned_for=max(60.0, 2 * cfg.interval))
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _labels_of(self, alarm: Alarm) -> dict[str, str] | None:
        return self._labels.get(alarm.key)

    # --- the hub's events -------------------------------------------------------------------

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        """Not used."""

    def health_changed(self, health: SourceHealth) -> None:
        if health.source == self.name:  # the scheduler polled the source
            self._wake.set()

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        if self._silences.note(alarms, events) and not self._applying:
            self._wake.set()

    # --- one round ----------------------------------------------------------------------------

    async def sync_once(self) -> None:
        """Never raises a SourceError: a failure to write a silence is retried next round."""
        now = self._clock.now()
        if _failing(self._hub.health(self.name)):
            self._mark_unreachable()
            return
        snapshot = self._source.latest
        if snapshot is None:
            return
        if snapshot is not self._applied:
            self._apply(snapshot, now)
        try:
            await self._silences.read_back(snapshot, now)
            await self._silences.reconcile(now)
        except SourceError as exc:
            log.info("Alertmanager %s: silences not synced: %s", self.name, exc)

    def _apply(self, snapshot: Snapshot, now: float) -> None:
        shown = external_alarms(snapshot, self._cfg, self._routes)
        book = self._hub.external
        for key, (summary, detail) in self._marked.items():
            book.describe(key, summary, detail)
        self._marked.clear()
        self._applying = True
        try:
            events = book.observe(self.name, [alarm for alarm, _ in shown], now)
            self._labels.update((alarm.key, labels) for alarm, labels in shown)
            for key in [k for k in self._labels if k not in book]:
                del self._labels[key]
            self._hub.external_changed(events)
        finally:
            self._applying = False
        self._applied = snapshot

    def _mark_unreachable(self) -> None:
        """Keep the alarms as last seen, saying so."""
        health = self._hub.health(self.name)
        reason = (f"{UNREACHABLE} ({self.name}: {health.last_error or 'no answer'}); shown as "
                  "last seen, neither cleared nor raised until it answers")
        changed = False
        for alarm in self._hub.external.owned_by(self.name):
            if not alarm.active:
                continue
            summary, _ = self._marked.setdefault(alarm.key, (alarm.summary, alarm.detail))
            changed |= self._hub.external.describe(
                alarm.key, f"{summary} ({UNREACHABLE.lower()})", reason)
        if changed:
            self._hub.external_changed(())

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            self._wake.clear()
            await self.sync_once()
            await sleep_or_wake(self._sleep, self._wake, self._cfg.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"alertmanager-alarms-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
