"""Acknowledgements as Alertmanager silences, and silences back as acknowledgements.

The one place that does it, for the board's own alarms pushed as alerts (`am_sync`) and for
other tools' alerts shown as alarms (`am_alerts`); each gives a `labels_of` that names the
labels of the alert behind an alarm (None: not one of its alarms).

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
for the episode it was made in. An acknowledged alarm this keeper knows no silence of (put back
from the journal after a restart) takes over the silence that carries it: a board's, by the
same operator, which it then keeps extending, else a person's; with none left, it makes one.
Without that, a restarted board's rolling silence lapsed at the horizon and Alertmanager
notified again while the wall still showed the alarm acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.engine.hub import Hub
from noc_board.sources.alertmanager import AlertmanagerApi, Snapshot
from noc_board.sources.alertmanager_wire import Matcher, PostableSilence, RemoteSilence

log = logging.getLogger(__name__)

LabelsOf = Callable[[Alarm], dict[str, str] | None]

ORIGIN = "alertmanager"
ACK_LABEL = "noc_ack"
UNTIL_NORMAL = "(until_normal)?"
UNTIL_EXPIRY = "(until_expiry)?"
STATE_LABEL = "noc_state"
RETURNED = "returned_to_normal"
EPISODE_SLACK = 5.0  # seconds of clock difference between boards and Alertmanager tolerated


def silence_matchers(labels: Mapping[str, str], marker: str) -> tuple[Matcher, ...]:
    """Equality on every label of the alert, and the board's marker."""
    exact = tuple(Matcher(k, v) for k, v in sorted(labels.items()))
    if marker == RETURNED:
        return (*exact, Matcher(STATE_LABEL, RETURNED))
    return (*exact, Matcher(ACK_LABEL, marker, is_regex=True))


def marker_of(silence: RemoteSilence) -> str | None:
    """The board's marker of a silence a board made; None for one a person made."""
    for m in silence.matchers:
        if m.name == ACK_LABEL and m.is_regex:
            return m.value
        if m.name == STATE_LABEL and not m.is_regex:
            return RETURNED
    return None


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


class SilenceKeeper:
    """This board's acknowledgements of some alarms (those `labels_of` knows) as silences.

    `note(alarms, events)` follows the hub's events (call it from `alarms_changed`);
    `reconcile(now)` creates, extends and expires this board's silences; `read_back(snapshot,
    now)` applies the silences others made. Both raise `SourceError` when Alertmanager fails;
    the next round retries. `horizon` is the rolling end of an acknowledgement until normal,
    `returned_for` how long a returned-to-normal acknowledgement's silence lasts.
    """

    def __init__(
        self, hub: Hub, api: AlertmanagerApi, labels_of: LabelsOf, *, horizon: float,
        returned_for: float,
    ) -> None:
        self._hub = hub
        self._api = api
        self._labels_of = labels_of
        self._horizon = horizon
        self._returned_for = returned_for
        self._own: dict[str, _Own] = {}
        self._own_ids: set[str] = set()
        self._local_acks: set[str] = set()
        self._remote: dict[str, str] = {}  # alarm key -> the silence its acknowledgement came from
        self._returned: list[_ReturnedAck] = []

    def note(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> bool:
        """Follow the hub's events; True when one was about an alarm of this keeper."""
        by_key = {a.key: a for a in alarms}
        mine = False
        for e in events:
            alarm = by_key.get(e.key)
            labels = self._labels_of(alarm) if alarm is not None else None
            if labels is None and e.key not in self._local_acks and e.key not in self._remote:
                continue
            mine = True
            if e.event == "acknowledged" and e.origin:
                self._local_acks.discard(e.key)
            elif e.event == "acknowledged" and e.state_from is AlarmState.RTN_UNACKED:
                if labels is not None:
                    self._returned.append(_ReturnedAck(e.key, labels, e.actor, e.comment))
            elif e.event == "acknowledged":
                self._local_acks.add(e.key)
                self._remote.pop(e.key, None)
            elif e.state_to is not AlarmState.ACKED:
                self._local_acks.discard(e.key)
                self._remote.pop(e.key, None)
        return mine

    async def reconcile(self, now: float) -> None:
        alarms = {a.key: a for a in self._hub.alarms()}
        for key, made in list(self._own.items()):
            alarm = alarms.get(key)
            if alarm is None or alarm.state is not AlarmState.ACKED or key not in self._local_acks:
                await self._api.expire_silence(made.id)
                del self._own[key]
        for key in sorted(self._local_acks):
            alarm = alarms.get(key)
            labels = self._labels_of(alarm) if alarm is not None else None
            if alarm is None or labels is None or alarm.state is not AlarmState.ACKED:
                self._local_acks.discard(key)
                continue
            own = self._own.get(key)
            if own is not None and own.labels != labels:  # the severity changed
                await self._api.expire_silence(own.id)
                del self._own[key]
                own = None
            rolling = alarm.ack_until is None
            if own is None:
                ends = now + self._horizon if rolling else float(alarm.ack_until or now)
                marker = UNTIL_NORMAL if rolling else UNTIL_EXPIRY
                operator, comment = alarm.acked_by or "unknown", alarm.ack_comment
                silence_id = await self._api.post_silence(PostableSilence(
                    silence_matchers(labels, marker), now, ends, operator, comment))
                self._own[key] = _Own(silence_id, labels, now, ends, rolling, operator, comment)
                self._own_ids.add(silence_id)
                log.info("acknowledgement of %s by %s is silence %s", key, operator, silence_id)
            elif own.rolling and own.ends_at - now < self._horizon / 2:
                self._own[key] = await self._extend(own, now)
        while self._returned:
            ack = self._returned[0]
            silence_id = await self._api.post_silence(PostableSilence(
                silence_matchers(ack.labels, RETURNED), now, now + self._returned_for,
                ack.operator or "unknown", ack.comment))
            self._own_ids.add(silence_id)
            self._returned.pop(0)

    async def _extend(self, own: _Own, now: float) -> _Own:
        ends = now + self._horizon
        silence_id = await self._api.post_silence(PostableSilence(
            silence_matchers(own.labels, UNTIL_NORMAL), own.starts_at, ends, own.operator,
            own.comment, id=own.id))
        self._own_ids.add(silence_id)
        return replace(own, id=silence_id, ends_at=ends)

    async def read_back(self, snapshot: Snapshot, now: float) -> None:
        for key, own in list(self._own.items()):  # Alertmanager may have moved the start
            found = snapshot.silence(own.id)
            if found is not None:
                self._own[key] = replace(own, starts_at=found.starts_at)
        candidates = [s for s in snapshot.silences
                      if s.state == "active" and s.id not in self._own_ids]
        for alarm in self._hub.alarms():
            labels = self._labels_of(alarm)
            if labels is None:
                continue
            if alarm.state in (AlarmState.UNACKED, AlarmState.RTN_UNACKED):
                self._apply(alarm, labels, candidates, snapshot)
            elif alarm.state is AlarmState.ACKED and alarm.key in self._remote:
                await self._keep_alive(alarm, labels, snapshot, now)
            elif (alarm.state is AlarmState.ACKED and alarm.key not in self._own
                  and alarm.key not in self._local_acks):
                self._adopt(alarm, labels, snapshot)

    def _adopt(self, alarm: Alarm, labels: dict[str, str], snapshot: Snapshot) -> None:
        """Take over the silence carrying an acknowledgement this keeper did not see made."""
        fitting = [s for s in snapshot.silences if s.state == "active" and s.matches(labels)]
        mine = [s for s in fitting if marker_of(s) in (UNTIL_NORMAL, UNTIL_EXPIRY)
                and s.created_by == (alarm.acked_by or "unknown")]
        if mine:
            s = min(mine, key=lambda x: (x.starts_at, x.id))
            self._own[alarm.key] = _Own(s.id, dict(labels), s.starts_at, s.ends_at,
                                        marker_of(s) == UNTIL_NORMAL, s.created_by, s.comment)
            self._own_ids.add(s.id)
            self._local_acks.add(alarm.key)
            return
        person = [s for s in fitting if marker_of(s) is None]
        if person:
            self._remote[alarm.key] = min(person, key=lambda x: (x.starts_at, x.id)).id
            return
        self._local_acks.add(alarm.key)  # reconcile makes its silence

    def _apply(self, alarm: Alarm, labels: dict[str, str], candidates: list[RemoteSilence],
               snapshot: Snapshot) -> None:
        probe = dict(labels)
        if alarm.state is AlarmState.RTN_UNACKED:
            probe[STATE_LABEL] = RETURNED
        fitting = [s for s in candidates
                   if s.matches(probe) and self._same_episode(s, alarm, labels, snapshot)]
        if not fitting:
            return
        silence = min(fitting, key=lambda s: (s.starts_at, s.id))
        marker = marker_of(silence)
        until = None if marker in (UNTIL_NORMAL, RETURNED) else silence.ends_at
        if self._hub.acknowledge_remote(alarm.key, silence.created_by, silence.comment, until,
                                        origin=ORIGIN):
            self._remote[alarm.key] = silence.id

    @staticmethod
    def _same_episode(silence: RemoteSilence, alarm: Alarm, labels: Mapping[str, str],
                      snapshot: Snapshot) -> bool:
        """A board's silence belongs to the episode it was made in; a person's always counts."""
        if marker_of(silence) is None:
            return True
        start = alarm.raised_at if alarm.raised_at is not None else silence.starts_at
        for alert in snapshot.alerts:
            if dict(alert.labels) == dict(labels):
                start = min(start, alert.starts_at)
        return silence.starts_at >= start - EPISODE_SLACK

    async def _keep_alive(self, alarm: Alarm, labels: dict[str, str], snapshot: Snapshot,
                          now: float) -> None:
        """Extend a rolling silence another board made, when that board seems gone (it would
        have extended it at half the horizon; this steps in at a quarter)."""
        silence = snapshot.silence(self._remote[alarm.key])
        if silence is None or silence.state != "active" or marker_of(silence) != UNTIL_NORMAL:
            return
        if silence.ends_at - now >= self._horizon / 4:
            return
        own = _Own(silence.id, labels, silence.starts_at, silence.ends_at, True,
                   silence.created_by, silence.comment)
        extended = await self._extend(own, now)
        self._remote[alarm.key] = extended.id
