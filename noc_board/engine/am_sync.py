"""Alertmanager as the state several boards share: alarms out as alerts, acknowledgements out as
silences, and silences back in as acknowledgements.

Every board pushes its active alarms as alerts whose labels are the same on every board
(`alert_labels`: alertname, alarm, metric, severity, team and the configured extras), so
Alertmanager keeps one alert per alarm however many boards push it; each push ends 4 resend
intervals later, so the alerts of a board that stopped resolve by themselves, and a cleared
alarm is pushed once more with its end now.

An acknowledgement made on this board becomes a silence, and a silence made elsewhere an
acknowledgement here (`noc_board.engine.am_silences`, shared with the alerts of other tools
shown as alarms); so two boards agree on who acknowledged what within one poll. The alarms
that are other tools' alerts (`am:<fingerprint>`) are not pushed back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from noc_board.config.schema import AlertmanagerConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.health import SourceHealth
from noc_board.engine.am_silences import SilenceKeeper
from noc_board.engine.hub import Hub
from noc_board.engine.waits import Sleep, sleep_or_wake
from noc_board.sources.alertmanager import AlertmanagerApi, Snapshot, is_external_key
from noc_board.sources.alertmanager_wire import PostableAlert
from noc_board.sources.base import SourceError

log = logging.getLogger(__name__)

HealthSink = Callable[[SourceHealth], None]

HEALTH_NAME = "alertmanager"
RESENDS_PER_LIFETIME = 4


def alert_labels(alarm: Alarm, extra: Mapping[str, str]) -> dict[str, str]:
    """The labels an alarm's alert carries: the same on every board with the same config."""
    labels = dict(extra)
    labels.update(
        alertname=alarm.rule or alarm.key,
        alarm=alarm.key,
        metric=alarm.metric,
        severity=alarm.severity,
        team=alarm.route,
    )
    return {k: v for k, v in labels.items() if v}  # Alertmanager drops empty labels


@dataclass(frozen=True, slots=True)
class _Pushed:
    labels: dict[str, str]
    starts_at: float
    pushed_at: float


class AlertmanagerSync:
    """One board's side of the shared state. A hub listener with a loop of its own.

    `sync_once()` pushes, reconciles silences and reads back (tests call it directly);
    `start()` runs it every `poll` seconds and at once after a local alarm event; `snapshot`
    is the latest reading (for showing Alertmanager's alerts); `health` says whether
    Alertmanager answers (also given to `on_health`, e.g. `Hub.report_health`).
    """

    def __init__(
        self,
        hub: Hub,
        api: AlertmanagerApi,
        cfg: AlertmanagerConfig,
        clock: Clock,
        *,
        board: str,
        sleep: Sleep = asyncio.sleep,
        on_health: HealthSink | None = None,
    ) -> None:
        self._hub = hub
        self._api = api
        self._cfg = cfg
        self._clock = clock
        self._board = board
        self._sleep = sleep
        self._on_health = on_health
        self._extra = dict(cfg.labels)
        self._pushed: dict[str, _Pushed] = {}
        self._silences = SilenceKeeper(hub, api, self._labels_of, horizon=cfg.ack_horizon,
                                       returned_for=max(60.0, 2 * cfg.poll))
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.snapshot: Snapshot | None = None
        self.health = SourceHealth(source=HEALTH_NAME)

    # --- the hub's events -------------------------------------------------------------------

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        """Not used."""

    def health_changed(self, health: SourceHealth) -> None:
        """Not used."""

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        if self._silences.note(alarms, events):
            self._wake.set()

    def _labels_of(self, alarm: Alarm) -> dict[str, str] | None:
        return None if is_external_key(alarm.key) else alert_labels(alarm, self._extra)

    # --- one round ----------------------------------------------------------------------------

    async def sync_once(self) -> None:
        """Push alarms, reconcile this board's silences, read back and apply; never raises a
        SourceError (Alertmanager's failures go to `health`, and the next round retries)."""
        now = self._clock.now()
        errors: list[str] = []
        for step in (self._push, self._reconcile_silences, self._read_back):
            try:
                await step(now)
            except SourceError as exc:
                errors.append(str(exc))
        if errors:
            self.health = self.health.failed(now, "; ".join(errors))
            log.info("Alertmanager sync: %s", self.health.last_error)
        else:
            self.health = self.health.succeeded(now)
        if self._on_health is not None:
            self._on_health(self.health)

    async def _push(self, now: float) -> None:
        alarms = {a.key: a for a in self._hub.alarms()}
        batch: list[PostableAlert] = []
        pushed: dict[str, _Pushed] = {}
        gone: set[str] = set()
        for key, before in self._pushed.items():
            alarm = alarms.get(key)
            if alarm is None or not self._pushes(alarm) or (
                alert_labels(alarm, self._extra) != before.labels
            ):
                batch.append(PostableAlert(before.labels, before.starts_at, now))
                gone.add(key)
        for key, alarm in alarms.items():
            if not self._pushes(alarm):
                continue
            previous = None if key in gone else self._pushed.get(key)
            if previous is not None and now - previous.pushed_at < self._cfg.resend:
                continue
            labels = alert_labels(alarm, self._extra)
            starts = previous.starts_at if previous else (alarm.raised_at or now)
            ends = now + RESENDS_PER_LIFETIME * self._cfg.resend
            batch.append(PostableAlert(labels, min(starts, now), ends, self._annotations(alarm)))
            pushed[key] = _Pushed(labels, min(starts, now), now)
        await self._api.post_alerts(batch)
        for key in gone:
            self._pushed.pop(key, None)
        self._pushed.update(pushed)

    @staticmethod
    def _pushes(alarm: Alarm) -> bool:
        """Active alarms are alerts; one suppressed by a maintenance window is not, nor one
        that is another tool's alert already."""
        return (alarm.active and alarm.state is not AlarmState.SUPPRESSED
                and not is_external_key(alarm.key))

    def _annotations(self, alarm: Alarm) -> dict[str, str]:
        notes = {"summary": alarm.summary or alarm.rule, "board": self._board}
        if alarm.value == alarm.value:  # not NaN
            notes["value"] = f"{alarm.value:g}"
        if alarm.detail:
            notes["description"] = alarm.detail
        return notes

    async def _reconcile_silences(self, now: float) -> None:
        await self._silences.reconcile(now)

    async def _read_back(self, now: float) -> None:
        filters = ['alarm=~".+"', *(f'{k}="{v}"' for k, v in sorted(self._extra.items()))]
        snapshot = await self._api.snapshot(now, filters)
        self.snapshot = snapshot
        await self._silences.read_back(snapshot, now)

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Sync every `poll` seconds, and at once after a local alarm event."""
        while True:
            self._wake.clear()
            await self.sync_once()
            await self._wait(self._cfg.poll)

    async def _wait(self, delay: float) -> None:
        await sleep_or_wake(self._sleep, self._wake, delay)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="alertmanager-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
