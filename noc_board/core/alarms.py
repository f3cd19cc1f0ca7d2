"""The alarm state machine (ISA-18.2 states, as alerta's isa_18_2 model has them).

An `Alarm` is immutable; every operation returns the new alarm and the events it caused, which the
engine writes to the journal and publishes. Nothing here reads the time: callers pass `at`.

States:
    NORMAL        not active, nothing to do
    UNACKED       active, nobody has acknowledged it: flashes and sounds
    ACKED         active, acknowledged: coloured, silent, until it returns to normal
    RTN_UNACKED   returned to normal before anybody acknowledged it: still wants an acknowledgement
    SHELVED       hidden by an operator until `shelved_until` (tracks activity underneath)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


class AlarmState(enum.Enum):
    """Where an alarm is in its life."""

    NORMAL = "normal"
    UNACKED = "unacknowledged"
    ACKED = "acknowledged"
    RTN_UNACKED = "returned_unacknowledged"
    SHELVED = "shelved"


class AlarmError(ValueError):
    """An operator intent that does not apply to the state (e.g. acknowledging a normal alarm)."""


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm instance: a rule on a metric, with its state and who acknowledged it."""

    key: str
    rule: str
    metric: str
    severity: str
    state: AlarmState = AlarmState.NORMAL
    active: bool = False
    value: float = float("nan")
    raised_at: float | None = None
    changed_at: float | None = None
    summary: str = ""
    route: str = ""
    acked_by: str | None = None
    ack_comment: str = ""
    acked_at: float | None = None
    ack_until: float | None = None
    shelved_by: str | None = None
    shelved_until: float | None = None

    @property
    def needs_attention(self) -> bool:
        """Unacknowledged, whether still active or returned to normal: flash and sound."""
        return self.state in (AlarmState.UNACKED, AlarmState.RTN_UNACKED)


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """A transition, as the journal records it and replay prints it.

    `event` is one of raised, cleared, severity_changed, acknowledged, ack_expired, shelved,
    unshelved; `actor` is the operator or "system".
    """

    ts: float
    key: str
    rule: str
    metric: str
    event: str
    severity: str
    value: float
    state_from: AlarmState
    state_to: AlarmState
    actor: str = "system"
    comment: str = ""
    until: float | None = None


def _event(
    old: Alarm,
    new: Alarm,
    at: float,
    event: str,
    actor: str = "system",
    comment: str = "",
    until: float | None = None,
) -> AlarmEvent:
    return AlarmEvent(
        ts=at,
        key=new.key,
        rule=new.rule,
        metric=new.metric,
        event=event,
        severity=new.severity,
        value=new.value,
        state_from=old.state,
        state_to=new.state,
        actor=actor,
        comment=comment,
        until=until,
    )


def _clear_ack(alarm: Alarm) -> Alarm:
    return replace(alarm, acked_by=None, ack_comment="", acked_at=None, ack_until=None)


def raise_alarm(
    alarm: Alarm, at: float, severity: str, value: float
) -> tuple[Alarm, list[AlarmEvent]]:
    """The rule's condition holds at `at` with `value` and `severity`."""
    worse = SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(alarm.severity, 0)
    if alarm.state is AlarmState.SHELVED:
        new = replace(alarm, active=True, value=value, severity=severity)
        return new, []
    if alarm.state in (AlarmState.NORMAL, AlarmState.RTN_UNACKED):
        new = replace(
            _clear_ack(alarm),
            state=AlarmState.UNACKED,
            active=True,
            value=value,
            severity=severity,
            raised_at=at,
            changed_at=at,
        )
        return new, [_event(alarm, new, at, "raised")]
    if alarm.state is AlarmState.ACKED and worse:
        new = replace(
            _clear_ack(alarm),
            state=AlarmState.UNACKED,
            value=value,
            severity=severity,
            changed_at=at,
        )
        return new, [_event(alarm, new, at, "severity_changed")]
    if severity != alarm.severity:
        new = replace(alarm, value=value, severity=severity, changed_at=at)
        return new, [_event(alarm, new, at, "severity_changed")]
    return replace(alarm, value=value), []


def clear_alarm(alarm: Alarm, at: float, value: float) -> tuple[Alarm, list[AlarmEvent]]:
    """The rule's clear condition holds: the alarm returns to normal (or waits for an ack)."""
    if not alarm.active:
        return replace(alarm, value=value), []
    if alarm.state is AlarmState.SHELVED:
        return replace(alarm, active=False, value=value), []
    if alarm.state is AlarmState.UNACKED:
        new = replace(alarm, state=AlarmState.RTN_UNACKED, active=False, value=value, changed_at=at)
    else:
        new = replace(
            _clear_ack(alarm), state=AlarmState.NORMAL, active=False, value=value, changed_at=at
        )
    return new, [_event(alarm, new, at, "cleared")]


def acknowledge(
    alarm: Alarm, at: float, operator: str, comment: str = "", until: float | None = None
) -> tuple[Alarm, list[AlarmEvent]]:
    """Acknowledge: the horn stops; it lasts until normal, a worse severity or `until`."""
    if not operator.strip():
        raise AlarmError("an acknowledgement needs the operator's name")
    if until is not None and until <= at:
        raise AlarmError("an acknowledgement's expiry must be in the future")
    if alarm.state is AlarmState.UNACKED:
        new = replace(
            alarm,
            state=AlarmState.ACKED,
            acked_by=operator,
            ack_comment=comment,
            acked_at=at,
            ack_until=until,
            changed_at=at,
        )
    elif alarm.state is AlarmState.RTN_UNACKED:
        new = replace(_clear_ack(alarm), state=AlarmState.NORMAL, changed_at=at)
    else:
        raise AlarmError(f"alarm {alarm.key} is {alarm.state.value}; nothing to acknowledge")
    return new, [_event(alarm, new, at, "acknowledged", operator, comment, until)]


def shelve(
    alarm: Alarm, at: float, operator: str, until: float, comment: str = ""
) -> tuple[Alarm, list[AlarmEvent]]:
    """Hide an alarm until `until` (a nuisance alarm during known work)."""
    if until <= at:
        raise AlarmError("shelving needs an expiry in the future")
    if alarm.state is AlarmState.SHELVED:
        raise AlarmError(f"alarm {alarm.key} is already shelved")
    new = replace(
        _clear_ack(alarm),
        state=AlarmState.SHELVED,
        shelved_by=operator,
        shelved_until=until,
        changed_at=at,
    )
    return new, [_event(alarm, new, at, "shelved", operator, comment, until)]


def unshelve(alarm: Alarm, at: float, actor: str = "system") -> tuple[Alarm, list[AlarmEvent]]:
    """End shelving: an alarm still active comes back unacknowledged."""
    if alarm.state is not AlarmState.SHELVED:
        raise AlarmError(f"alarm {alarm.key} is not shelved")
    state = AlarmState.UNACKED if alarm.active else AlarmState.NORMAL
    new = replace(
        alarm,
        state=state,
        shelved_by=None,
        shelved_until=None,
        changed_at=at,
        raised_at=at if alarm.active else alarm.raised_at,
    )
    return new, [_event(alarm, new, at, "unshelved", actor)]


def tick(alarm: Alarm, at: float) -> tuple[Alarm, list[AlarmEvent]]:
    """Let time pass: an expired acknowledgement raises the alarm again; a shelf expires."""
    if alarm.state is AlarmState.ACKED and alarm.ack_until is not None and at >= alarm.ack_until:
        new = replace(_clear_ack(alarm), state=AlarmState.UNACKED, changed_at=at)
        return new, [_event(alarm, new, at, "ack_expired")]
    if (
        alarm.state is AlarmState.SHELVED
        and alarm.shelved_until is not None
        and at >= alarm.shelved_until
    ):
        return unshelve(alarm, at)
    return alarm, []
