"""The alarm state machine: every state against every event, and acknowledgements never lost."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from noc_board.core import alarms as sm
from noc_board.core.alarms import Alarm, AlarmError, AlarmState

BASE = Alarm(key="k", rule="k", metric="m", severity="warning")


def in_state(state: AlarmState, active: bool) -> Alarm:
    extra = {}
    if state is AlarmState.ACKED:
        extra = {"acked_by": "alice", "acked_at": 1.0, "ack_comment": "on it"}
    if state is AlarmState.SHELVED:
        extra = {"shelved_by": "bob", "shelved_until": 1000.0}
    if state is AlarmState.SUPPRESSED:
        extra = {"suppressed_by": "db-patch", "suppressed_until": 1000.0}
    return replace(BASE, state=state, active=active, raised_at=0.0, **extra)  # type: ignore[arg-type]


def test_raise_from_normal_needs_attention() -> None:
    alarm, events = sm.raise_alarm(BASE, 10.0, "critical", 0.4)
    assert alarm.state is AlarmState.UNACKED and alarm.active and alarm.needs_attention
    assert [e.event for e in events] == ["raised"]
    assert events[0].value == 0.4 and events[0].severity == "critical"


def test_clear_before_ack_waits_for_ack() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, events = sm.clear_alarm(alarm, 20.0, 0.0)
    assert alarm.state is AlarmState.RTN_UNACKED and alarm.needs_attention
    alarm, events = sm.acknowledge(alarm, 30.0, "alice")
    assert alarm.state is AlarmState.NORMAL and not alarm.needs_attention
    assert events[0].actor == "alice"


def test_ack_lasts_until_normal() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, _ = sm.acknowledge(alarm, 11.0, "alice", "looking")
    alarm, events = sm.raise_alarm(alarm, 12.0, "warning", 2.0)
    assert alarm.state is AlarmState.ACKED and events == []
    alarm, _ = sm.clear_alarm(alarm, 13.0, 0.0)
    assert alarm.state is AlarmState.NORMAL and alarm.acked_by is None


def test_worse_severity_raises_again() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, _ = sm.acknowledge(alarm, 11.0, "alice")
    alarm, events = sm.raise_alarm(alarm, 12.0, "critical", 5.0)
    assert alarm.state is AlarmState.UNACKED and alarm.acked_by is None
    assert [e.event for e in events] == ["severity_changed"]


def test_expired_ack_raises_again() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, _ = sm.acknowledge(alarm, 11.0, "alice", until=100.0)
    alarm, events = sm.tick(alarm, 99.0)
    assert alarm.state is AlarmState.ACKED and not events
    alarm, events = sm.tick(alarm, 100.0)
    assert alarm.state is AlarmState.UNACKED and [e.event for e in events] == ["ack_expired"]


def test_shelve_hides_and_returns_active_alarm() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, _ = sm.shelve(alarm, 11.0, "bob", until=50.0)
    assert alarm.state is AlarmState.SHELVED and not alarm.needs_attention
    alarm, events = sm.raise_alarm(alarm, 12.0, "warning", 2.0)
    assert events == [] and alarm.state is AlarmState.SHELVED
    alarm, events = sm.tick(alarm, 50.0)
    assert alarm.state is AlarmState.UNACKED and [e.event for e in events] == ["unshelved"]


def test_operator_errors_are_clear() -> None:
    with pytest.raises(AlarmError, match="nothing to acknowledge"):
        sm.acknowledge(BASE, 1.0, "alice")
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    with pytest.raises(AlarmError, match="operator"):
        sm.acknowledge(alarm, 11.0, "  ")
    with pytest.raises(AlarmError, match="future"):
        sm.acknowledge(alarm, 11.0, "alice", until=5.0)


def test_suppression_is_silent_but_recorded() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, _ = sm.acknowledge(alarm, 11.0, "alice")
    alarm, events = sm.suppress(alarm, 12.0, "db-patch", until=100.0, comment="patching")
    assert alarm.state is AlarmState.SUPPRESSED and not alarm.needs_attention
    assert alarm.acked_by is None and alarm.suppressed_by == "db-patch"
    assert [(e.event, e.actor, e.comment, e.until) for e in events] == [
        ("suppressed", "maintenance:db-patch", "patching", 100.0)]
    alarm, events = sm.clear_alarm(alarm, 20.0, 0.0)
    assert [e.event for e in events] == ["cleared_suppressed"] and not alarm.active
    alarm, events = sm.raise_alarm(alarm, 30.0, "critical", 5.0, note="why")
    assert [(e.event, e.comment) for e in events] == [("raised_suppressed", "why")]
    assert alarm.state is AlarmState.SUPPRESSED and alarm.active and alarm.detail == "why"
    with pytest.raises(AlarmError, match="suppressed"):
        sm.acknowledge(alarm, 31.0, "alice")
    with pytest.raises(AlarmError, match="suppressed"):
        sm.shelve(alarm, 31.0, "alice", until=50.0)
    alarm, events = sm.tick(alarm, 100.0)  # the window ends: still active, so it comes back
    assert alarm.state is AlarmState.UNACKED and alarm.needs_attention
    assert alarm.raised_at == 100.0 and [e.event for e in events] == ["unsuppressed"]


def test_suppression_of_a_quiet_alarm_ends_normal() -> None:
    alarm, _ = sm.suppress(BASE, 1.0, "night", until=10.0)
    alarm, events = sm.unsuppress(alarm, 5.0)
    assert alarm.state is AlarmState.NORMAL and alarm.suppressed_by is None
    assert events[0].actor == "maintenance:night"


def test_flapping_is_a_flag_with_events() -> None:
    alarm, _ = sm.raise_alarm(BASE, 10.0, "warning", 1.0)
    alarm, events = sm.set_flapping(alarm, 11.0, True, "40% state change")
    assert alarm.flapping and alarm.state is AlarmState.UNACKED
    assert [(e.event, e.comment) for e in events] == [("flapping_started", "40% state change")]
    assert sm.set_flapping(alarm, 12.0, True) == (alarm, [])
    alarm, events = sm.set_flapping(alarm, 13.0, False)
    assert not alarm.flapping and [e.event for e in events] == ["flapping_stopped"]


EVENTS = ["raise_w", "raise_c", "clear", "ack", "shelve", "unshelve", "tick", "suppress",
          "unsuppress", "flap_on", "flap_off"]


def apply(alarm: Alarm, event: str, at: float) -> tuple[Alarm, list[sm.AlarmEvent]]:
    match event:
        case "raise_w":
            return sm.raise_alarm(alarm, at, "warning", 1.0)
        case "raise_c":
            return sm.raise_alarm(alarm, at, "critical", 2.0)
        case "clear":
            return sm.clear_alarm(alarm, at, 0.0)
        case "ack":
            return sm.acknowledge(alarm, at, "alice", "c", until=at + 5)
        case "shelve":
            return sm.shelve(alarm, at, "bob", until=at + 3)
        case "unshelve":
            return sm.unshelve(alarm, at)
        case "suppress":
            return sm.suppress(alarm, at, "window", until=at + 4)
        case "unsuppress":
            return sm.unsuppress(alarm, at)
        case "flap_on" | "flap_off":
            return sm.set_flapping(alarm, at, event == "flap_on")
        case _:
            return sm.tick(alarm, at)


def check_invariants(alarm: Alarm) -> None:
    # never "normal" while flagged as needing an acknowledgement, never acked without a name
    assert not (alarm.state is AlarmState.NORMAL and alarm.needs_attention)
    if alarm.state is AlarmState.ACKED:
        assert alarm.acked_by and alarm.active
    if alarm.state is AlarmState.UNACKED:
        assert alarm.active
    if alarm.state in (AlarmState.NORMAL, AlarmState.RTN_UNACKED):
        assert not alarm.active
    if alarm.state is not AlarmState.ACKED:
        assert alarm.acked_by is None
    assert (alarm.shelved_by is not None) == (alarm.state is AlarmState.SHELVED)
    assert (alarm.suppressed_by is not None) == (alarm.state is AlarmState.SUPPRESSED)


REACHABLE = [
    (AlarmState.NORMAL, False),
    (AlarmState.UNACKED, True),
    (AlarmState.ACKED, True),
    (AlarmState.RTN_UNACKED, False),
    (AlarmState.SHELVED, True),
    (AlarmState.SHELVED, False),
    (AlarmState.SUPPRESSED, True),
    (AlarmState.SUPPRESSED, False),
]


@pytest.mark.parametrize(("state", "active"), REACHABLE)
@pytest.mark.parametrize("event", EVENTS)
def test_every_state_times_every_event(state: AlarmState, active: bool, event: str) -> None:
    alarm = in_state(state, active)
    try:
        new, events = apply(alarm, event, 2000.0)
    except AlarmError:
        assert (event, state) in {
            ("ack", AlarmState.NORMAL),
            ("ack", AlarmState.ACKED),
            ("ack", AlarmState.SHELVED),
            ("ack", AlarmState.SUPPRESSED),
            ("shelve", AlarmState.SHELVED),
            ("shelve", AlarmState.SUPPRESSED),
            ("suppress", AlarmState.SUPPRESSED),
        } or (event == "unshelve" and state is not AlarmState.SHELVED) or (
            event == "unsuppress" and state is not AlarmState.SUPPRESSED)
        return
    check_invariants(new)
    for e in events:
        assert e.state_from is state and e.state_to is new.state


@given(st.lists(st.sampled_from(EVENTS), max_size=40))
def test_no_sequence_loses_an_acknowledgement(events: list[str]) -> None:
    alarm = BASE
    t = 0.0
    for name in events:
        t += 1.0
        try:
            new, evs = apply(alarm, name, t)
        except AlarmError:
            continue
        check_invariants(new)
        # an acknowledgement only ends by returning to normal, a worse severity, expiry or shelving
        if alarm.state is AlarmState.ACKED and new.state is not AlarmState.ACKED:
            assert [e.event for e in evs] in (
                ["cleared"],
                ["severity_changed"],
                ["ack_expired"],
                ["shelved"],
                ["suppressed"],
            )
        alarm = new
