"""The alarm state machine (ISA-18.2 states, as alerta's isa_18_2 model has them).

An `Alarm` is immutable; every operation returns the new alarm and the events it caused, which the
engine writes to the journal and publishes. Nothing here reads the time: callers pass `at`.

States:
    NORMAL        not active, nothing to do
    UNACKED       active, nobody has acknowledged it: flashes and sounds
    ACKED         active, acknowledged: coloured, silent, until it returns to normal
    RTN_UNACKED   returned to normal before anybody acknowledged it: still wants an acknowledgement
    SHELVED       hidden by an operator until `shelved_until` (tracks activity underneath)
    SUPPRESSED    suppressed by a maintenance window until `suppressed_until` (ISA-18.2
                  "suppressed by design"): silent, tracks activity underneath, and every raise
                  or clear meanwhile is still recorded (as raised_suppressed / cleared_suppressed)

`flapping` is a flag, not a state: while a rule flaps (noc_board.core.flapping) the alarm is
held active and its raise/clear notifications are damped; flapping_started / flapping_stopped
events say so.
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
    SUPPRESSED = "suppressed"


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
    suppressed_by: str | None = None  # the maintenance window's name
    suppressed_until: float | None = None
    flapping: bool = False  # notifications are damped while the rule flaps
    detail: str = ""  # the latest evaluation in words, e.g. the baseline the value was held to

    @property
    def needs_attention(self) -> bool:
        """Unacknowledged, whether still active or returned to normal: flash and sound."""
        return self.state in (AlarmState.UNACKED, AlarmState.RTN_UNACKED)


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """A transition, as the journal records it and replay prints it.

    `event` is one of raised, cleared, severity_changed, acknowledged, ack_expired, shelved,
    unshelved, suppressed, unsuppressed, raised_suppressed, cleared_suppressed (the condition
    came or went during a maintenance window), flapping_started, flapping_stopped; `actor` is the
    operator, "system", or "maintenance:<window>".
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
    origin: str = ""  # where an intent came from when not this board, e.g. "alertmanager"


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
    alarm: Alarm, at: float, severity: str, value: float, note: str | None = None
) -> tuple[Alarm, list[AlarmEvent]]:
    """The rule's condition holds at `at` with `value` and `severity`.

    `note` (when given) replaces the alarm's `detail` and goes into the event's comment.
    """
    worse = SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(alarm.severity, 0)
    if note is not None:
        alarm = replace(alarm, detail=note)
    comment = alarm.detail
    if alarm.state is AlarmState.SUPPRESSED:
        new = replace(alarm, active=True, value=value, severity=severity)
        if alarm.active:
            return new, []
        new = replace(new, raised_at=at, changed_at=at)
        return new, [_event(alarm, new, at, "raised_suppressed", comment=comment)]
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
        return new, [_event(alarm, new, at, "raised", comment=comment)]
    if alarm.state is AlarmState.ACKED and worse:
        new = replace(
            _clear_ack(alarm),
            state=AlarmState.UNACKED,
            value=value,
            severity=severity,
            changed_at=at,
        )
        return new, [_event(alarm, new, at, "severity_changed", comment=comment)]
    if severity != alarm.severity:
        new = replace(alarm, value=value, severity=severity, changed_at=at)
        return new, [_event(alarm, new, at, "severity_changed", comment=comment)]
    return replace(alarm, value=value), []


def clear_alarm(alarm: Alarm, at: float, value: float) -> tuple[Alarm, list[AlarmEvent]]:
    """The rule's clear condition holds: the alarm returns to normal (or waits for an ack)."""
    if not alarm.active:
        return replace(alarm, value=value), []
    if alarm.state is AlarmState.SUPPRESSED:
        new = replace(alarm, active=False, value=value, changed_at=at)
        return new, [_event(alarm, new, at, "cleared_suppressed")]
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
    elif alarm.state is AlarmState.SUPPRESSED:
        raise AlarmError(f"alarm {alarm.key} is suppressed by maintenance "
                         f"{alarm.suppressed_by!r}; nothing to acknowledge")
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
    if alarm.state is AlarmState.SUPPRESSED:
        raise AlarmError(f"alarm {alarm.key} is suppressed by maintenance {alarm.suppressed_by!r}")
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
    if (
        alarm.state is AlarmState.SUPPRESSED
        and alarm.suppressed_until is not None
        and at >= alarm.suppressed_until
    ):
        return unsuppress(alarm, at)
    return alarm, []


def suppress(
    alarm: Alarm, at: float, window: str, until: float, comment: str = ""
) -> tuple[Alarm, list[AlarmEvent]]:
    """A maintenance window named `window` starts for this alarm: silent until `until`.

    From any state but SUPPRESSED; an acknowledgement or a shelf in force ends (the journal
    records it), and the alarm keeps tracking whether its condition holds.
    """
    if until <= at:
        raise AlarmError("a suppression needs an end in the future")
    if alarm.state is AlarmState.SUPPRESSED:
        raise AlarmError(f"alarm {alarm.key} is already suppressed by {alarm.suppressed_by!r}")
    new = replace(
        _clear_ack(alarm),
        state=AlarmState.SUPPRESSED,
        shelved_by=None,
        shelved_until=None,
        suppressed_by=window,
        suppressed_until=until,
        changed_at=at,
    )
    return new, [_event(alarm, new, at, "suppressed", f"maintenance:{window}", comment, until)]


def unsuppress(alarm: Alarm, at: float) -> tuple[Alarm, list[AlarmEvent]]:
    """The maintenance window ends: an alarm still active comes back unacknowledged."""
    if alarm.state is not AlarmState.SUPPRESSED:
        raise AlarmError(f"alarm {alarm.key} is not suppressed")
    state = AlarmState.UNACKED if alarm.active else AlarmState.NORMAL
    new = replace(
        alarm,
        state=state,
        suppressed_by=None,
        suppressed_until=None,
        changed_at=at,
        raised_at=at if alarm.active else alarm.raised_at,
    )
    actor = f"maintenance:{alarm.suppressed_by}" if alarm.suppressed_by else "system"
    return new, [_event(alarm, new, at, "unsuppressed", actor)]


def set_flapping(
    alarm: Alarm, at: float, flapping: bool, comment: str = ""
) -> tuple[Alarm, list[AlarmEvent]]:
    """Flag (or unflag) the alarm as flapping; the state does not change."""
    if alarm.flapping == flapping:
        return alarm, []
    new = replace(alarm, flapping=flapping, changed_at=at)
    event = "flapping_started" if flapping else "flapping_stopped"
    return new, [_event(alarm, new, at, event, comment=comment)]
