"""Alertmanager as the state several boards share: alarms out as alerts, acknowledgements out as
silences, and silences back in as acknowledgements.

Every board pushes its active alarms as alerts whose labels are the same on every board
(`alert_labels`: alertname, alarm, metric, severity, team and the configured extras), so
Alertmanager keeps one alert per alarm however many boards push it; each push ends 4 resend
intervals later, so the alerts of a board that stopped resolve by themselves, and a cleared
alarm is pushed once more with its end now.

An acknowledgement made on this board becomes a silence: `createdBy` the operator, `comment`
the comment, matchers the alert's labels, `endsAt` the acknowledgement's expiry, or, for one
that lasts until normal, a rolling horizon that this board keeps extending while the alarm
fires and the acknowledgement holds. When the acknowledgement ends (normal, a worse severity,
expiry) the silence is expired. Two matchers on labels no alert carries say what the silence
is without changing what it silences: `noc_ack=~"(until_normal)?"` or `"(until_expiry)?"` marks
a board's acknowledgement, and `noc_state="returned_to_normal"` one of an alarm that had
already returned to normal (it silences nothing, being about an alert that is gone).

Reading back, an active silence that this board did not make and that matches an alarm still
wanting acknowledgement is applied to it as an acknowledgement by the silence's author
(`Hub.acknowledge_remote`, journaled with origin "alertmanager"); a board's silence counts only
for the episode it was made in. So two boards agree on who acknowledged what within one poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from noc_board.config.schema import AlertmanagerConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.health import SourceHealth
from noc_board.engine.hub import Hub
from noc_board.sources.alertmanager import AlertmanagerApi, Snapshot
from noc_board.sources.alertmanager_wire import (
    Matcher,
    PostableAlert,
    PostableSilence,
    RemoteSilence,
)
from noc_board.sources.base import SourceError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
HealthSink = Callable[[SourceHealth], None]

ORIGIN = "alertmanager"
HEALTH_NAME = "alertmanager"
ACK_LABEL = "noc_ack"
UNTIL_NORMAL = "(until_normal)?"
UNTIL_EXPIRY = "(until_expiry)?"
STATE_LABEL = "noc_state"
RETURNED = "returned_to_normal"
EPISODE_SLACK = 5.0  # seconds of clock difference between boards and Alertmanager tolerated
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


def silence_matchers(labels: Mapping[str, str], marker: str) -> tuple[Matcher, ...]:
    """Equality on every label of the alert, and the board's marker."""
    exact = tuple(Matcher(k, v) for k, v in sorted(labels.items()))
    if marker == RETURNED:
        return (*exact, Matcher(STATE_LABEL, RETURNED))
    return (*exact, Matcher(ACK_LABEL, marker, is_regex=True))


def _marker(silence: RemoteSilence) -> str | None:
    for m in silence.matchers:
        if m.name == ACK_LABEL and m.is_regex:
            return m.value
        if m.name == STATE_LABEL and not m.is_regex:
            return RETURNED
    return None


@dataclass(frozen=True, slots=True)
class _Pushed:
    labels: dict[str, str]
    starts_at: float
    pushed_at: float


@dataclass(frozen=True, slots=True)
class _Own:
    """A silence this board made for one of its acknowledgements."""

    id: str
    labels: dict[str, str]
    starts_at: float
    ends_at: float
    rolling: bool
    operator: str
    comment: str


@dataclass(frozen=True, slots=True)
class _ReturnedAck:
    key: str
    labels: dict[str, str]
    operator: str
    comment: str


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
        self._own: dict[str, _Own] = {}
        self._own_ids: set[str] = set()
        self._local_acks: set[str] = set()
        self._remote: dict[str, str] = {}  # alarm key -> the silence its acknowledgement came from
        self._returned: list[_ReturnedAck] = []
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
        by_key = {a.key: a for a in alarms}
        for e in events:
            if e.event == "acknowledged" and e.origin:
                self._local_acks.discard(e.key)
            elif e.event == "acknowledged" and e.state_from is AlarmState.RTN_UNACKED:
                alarm = by_key.get(e.key)
                if alarm is not None:
                    labels = alert_labels(alarm, self._extra)
                    self._returned.append(_ReturnedAck(e.key, labels, e.actor, e.comment))
            elif e.event == "acknowledged":
                self._local_acks.add(e.key)
                self._remote.pop(e.key, None)
            elif e.state_to is not AlarmState.ACKED:
                self._local_acks.discard(e.key)
                self._remote.pop(e.key, None)
        self._wake.set()

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
        """Active alarms are alerts; one suppressed by a maintenance window is not."""
        return alarm.active and alarm.state is not AlarmState.SUPPRESSED

    def _annotations(self, alarm: Alarm) -> dict[str, str]:
        notes = {"summary": alarm.summary or alarm.rule, "board": self._board}
        if alarm.value == alarm.value:  # not NaN
            notes["value"] = f"{alarm.value:g}"
        if alarm.detail:
            notes["description"] = alarm.detail
        return notes

    async def _reconcile_silences(self, now: float) -> None:
        alarms = {a.key: a for a in self._hub.alarms()}
        for key, made in list(self._own.items()):
            alarm = alarms.get(key)
            if alarm is None or alarm.state is not AlarmState.ACKED or key not in self._local_acks:
                await self._api.expire_silence(made.id)
                del self._own[key]
        horizon = self._cfg.ack_horizon
        for key in sorted(self._local_acks):
            alarm = alarms.get(key)
            if alarm is None or alarm.state is not AlarmState.ACKED:
                self._local_acks.discard(key)
                continue
            labels = alert_labels(alarm, self._extra)
            own = self._own.get(key)
            if own is not None and own.labels != labels:  # the severity changed
                await self._api.expire_silence(own.id)
                del self._own[key]
                own = None
            rolling = alarm.ack_until is None
            if own is None:
                ends = now + horizon if rolling else float(alarm.ack_until or now)
                marker = UNTIL_NORMAL if rolling else UNTIL_EXPIRY
                operator, comment = alarm.acked_by or "unknown", alarm.ack_comment
                silence_id = await self._api.post_silence(PostableSilence(
                    silence_matchers(labels, marker), now, ends, operator, comment))
                self._own[key] = _Own(silence_id, labels, now, ends, rolling, operator, comment)
                self._own_ids.add(silence_id)
                log.info("acknowledgement of %s by %s is silence %s", key, operator, silence_id)
            elif own.rolling and own.ends_at - now < horizon / 2:
                self._own[key] = await self._extend(own, now)
        while self._returned:
            ack = self._returned[0]
            silence_id = await self._api.post_silence(PostableSilence(
                silence_matchers(ack.labels, RETURNED), now, now + max(60.0, 2 * self._cfg.poll),
                ack.operator or "unknown", ack.comment))
            self._own_ids.add(silence_id)
            self._returned.pop(0)

    async def _extend(self, own: _Own, now: float) -> _Own:
        ends = now + self._cfg.ack_horizon
        silence_id = await self._api.post_silence(PostableSilence(
            silence_matchers(own.labels, UNTIL_NORMAL), own.starts_at, ends, own.operator,
            own.comment, id=own.id))
        self._own_ids.add(silence_id)
        return replace(own, id=silence_id, ends_at=ends)

    async def _read_back(self, now: float) -> None:
        filters = ['alarm=~".+"', *(f'{k}="{v}"' for k, v in sorted(self._extra.items()))]
        snapshot = await self._api.snapshot(now, filters)
        self.snapshot = snapshot
        for key, own in list(self._own.items()):  # Alertmanager may have moved the start
            found = snapshot.silence(own.id)
            if found is not None:
                self._own[key] = replace(own, starts_at=found.starts_at)
        candidates = [s for s in snapshot.silences
                      if s.state == "active" and s.id not in self._own_ids]
        for alarm in self._hub.alarms():
            if alarm.state in (AlarmState.UNACKED, AlarmState.RTN_UNACKED):
                self._apply(alarm, candidates, snapshot)
            elif alarm.state is AlarmState.ACKED and alarm.key in self._remote:
                await self._keep_alive(alarm, snapshot, now)

    def _apply(self, alarm: Alarm, candidates: list[RemoteSilence], snapshot: Snapshot) -> None:
        labels = alert_labels(alarm, self._extra)
        probe = dict(labels)
        if alarm.state is AlarmState.RTN_UNACKED:
            probe[STATE_LABEL] = RETURNED
        fitting = [s for s in candidates
                   if s.matches(probe) and self._same_episode(s, alarm, labels, snapshot)]
        if not fitting:
            return
        silence = min(fitting, key=lambda s: (s.starts_at, s.id))
        marker = _marker(silence)
        until = None if marker in (UNTIL_NORMAL, RETURNED) else silence.ends_at
        if self._hub.acknowledge_remote(alarm.key, silence.created_by, silence.comment, until,
                                        origin=ORIGIN):
            self._remote[alarm.key] = silence.id

    @staticmethod
    def _same_episode(silence: RemoteSilence, alarm: Alarm, labels: Mapping[str, str],
                      snapshot: Snapshot) -> bool:
        """A board's silence belongs to the episode it was made in; a person's always counts."""
        if _marker(silence) is None:
            return True
        start = alarm.raised_at if alarm.raised_at is not None else silence.starts_at
        for alert in snapshot.alerts:
            if dict(alert.labels) == dict(labels):
                start = min(start, alert.starts_at)
        return silence.starts_at >= start - EPISODE_SLACK

    async def _keep_alive(self, alarm: Alarm, snapshot: Snapshot, now: float) -> None:
        """Extend a rolling silence another board made, when that board seems gone (it would
        have extended it at half the horizon; this steps in at a quarter)."""
        silence = snapshot.silence(self._remote[alarm.key])
        if silence is None or silence.state != "active" or _marker(silence) != UNTIL_NORMAL:
            return
        if silence.ends_at - now >= self._cfg.ack_horizon / 4:
            return
        labels = alert_labels(alarm, self._extra)
        own = _Own(silence.id, labels, silence.starts_at, silence.ends_at, True,
                   silence.created_by, silence.comment)
        extended = await self._extend(own, now)
        self._remote[alarm.key] = extended.id

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Sync every `poll` seconds, and at once after a local alarm event."""
        while True:
            self._wake.clear()
            await self.sync_once()
            await self._wait(self._cfg.poll)

    async def _wait(self, delay: float) -> None:
        if self._wake.is_set():
            return
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="alertmanager-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
