"""The escalation engine's decisions, with a recording transport: damping while flapping, routes
joining on a worse severity, shelving, restarts, and the loop's sleeps."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from noc_board.config.schema import EscalationLevelConfig, RouteConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.engine.escalation import EscalationEngine
from noc_board.engine.notifiers import Message, Notifier
from noc_board.store.journal import ESCALATION, JournalEntry


class Recording:
    """A transport that records (url, message) and always succeeds."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Message]] = []

    async def send(self, url: str, message: Message) -> None:
        self.sent.append((url, message))


ALARM = Alarm(key="k", rule="errs", metric="err", severity="warning", route="tech",
              summary="Errors")
TECH = RouteConfig(name="tech", notify=["json://h/tech"],
                   levels=[EscalationLevelConfig(600.0, ["json://h/lead"])])
PAGER = RouteConfig(name="pager", match={"severity": "critical"}, notify=["json://h/pager"])


def event(alarm: Alarm, name: str, before: AlarmState, at: float, actor: str = "system",
          comment: str = "", origin: str = "") -> AlarmEvent:
    return AlarmEvent(at, alarm.key, alarm.rule, alarm.metric, name, alarm.severity,
                      alarm.value, before, alarm.state, actor, comment, None, origin)


def make(
    routes: list[RouteConfig],
) -> tuple[EscalationEngine, Notifier, Recording, list[JournalEntry]]:
    clock = ManualClock(0.0)
    transport = Recording()
    journal: list[JournalEntry] = []
    notifier = Notifier(clock, transport)
    engine = EscalationEngine(routes, notifier, clock, journal=journal.append)
    return engine, notifier, transport, journal


def raise_(engine: EscalationEngine, alarm: Alarm, at: float) -> Alarm:
    raised = replace(alarm, state=AlarmState.UNACKED, active=True, raised_at=at)
    engine.alarms_changed((raised,), (event(raised, "raised", AlarmState.NORMAL, at),))
    return raised


async def test_while_the_alarm_flaps_due_levels_are_damped_and_journaled() -> None:
    engine, notifier, transport, journal = make([TECH])
    raised = raise_(engine, replace(ALARM, flapping=True), 0.0)
    engine.step(0.0)
    await notifier.drain()
    assert transport.sent == []
    assert journal[-1].kind == ESCALATION and journal[-1].data["damped"] is True
    assert "flapping" in journal[-1].message
    calm = replace(raised, flapping=False)
    engine.alarms_changed((calm,), (event(calm, "flapping_stopped", AlarmState.UNACKED, 300.0),))
    engine.step(600.0)
    await notifier.drain()
    assert [url for url, _ in transport.sent] == ["json://h/lead"]


async def test_a_worse_severity_brings_in_the_routes_that_match_it() -> None:
    engine, notifier, transport, _ = make([TECH, PAGER])
    raised = raise_(engine, ALARM, 0.0)
    engine.step(0.0)
    worse = replace(raised, severity="critical")
    engine.alarms_changed(
        (worse,), (event(worse, "severity_changed", AlarmState.UNACKED, 120.0),))
    engine.step(120.0)
    engine.step(600.0)
    await notifier.drain()
    assert [(url, m.severity) for url, m in transport.sent] == [
        ("json://h/tech", "warning"), ("json://h/pager", "critical"), ("json://h/lead", "critical"),
    ]  # tech's escalation went on from where it was; the pager joined at 120 s


async def test_shelving_ends_the_escalation_and_tells_who_was_told() -> None:
    engine, notifier, transport, journal = make([TECH])
    raised = raise_(engine, ALARM, 0.0)
    engine.step(0.0)
    shelved = replace(raised, state=AlarmState.SHELVED, shelved_by="bob")
    engine.alarms_changed(
        (shelved,), (event(shelved, "shelved", AlarmState.UNACKED, 60.0, actor="bob"),))
    engine.step(60.0)
    engine.step(6000.0)
    await notifier.drain()
    assert [(url, m.title.split()[0]) for url, m in transport.sent] == [
        ("json://h/tech", "[WARNING]"), ("json://h/tech", "[SHELVED]"),
    ]
    assert journal[-1].data["ended"] == "shelved"
    assert engine.escalations() == ()


async def test_an_acknowledgement_from_another_board_says_where_it_came_from() -> None:
    engine, notifier, transport, _ = make([TECH])
    raised = raise_(engine, ALARM, 0.0)
    engine.step(0.0)
    acked = replace(raised, state=AlarmState.ACKED, acked_by="alice")
    engine.alarms_changed((acked,), (event(acked, "acknowledged", AlarmState.UNACKED, 30.0,
                                           actor="alice", comment="mine",
                                           origin="alertmanager"),))
    engine.step(30.0)
    await notifier.drain()
    assert "Acknowledged by alice via alertmanager: mine" in transport.sent[-1][1].body


async def test_after_a_restart_escalation_resumes_without_repeating_levels_already_due() -> None:
    engine, notifier, transport, _ = make([TECH])
    restored = replace(ALARM, state=AlarmState.UNACKED, active=True, raised_at=-300.0)
    engine.seed([restored], 0.0)
    assert engine.step(0.0) == []
    assert engine.next_due() == 300.0
    assert [s.level for s in engine.step(300.0)] == [1]
    await notifier.drain()
    assert [url for url, _ in transport.sent] == ["json://h/lead"]


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_loop_sleeps_until_the_next_step_and_wakes_on_an_alarm_event() -> None:
    clock = ManualClock(0.0)
    transport = Recording()
    notifier = Notifier(clock, transport)
    waits: list[float] = []
    gate = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await gate.wait()

    engine = EscalationEngine([TECH], notifier, clock, sleep=sleep, max_wait=30.0)
    engine.start()
    await settle()
    assert waits == [30.0]  # nothing to do: the longest nap
    raise_(engine, ALARM, 0.0)  # wakes the loop, which sends level 1 and sleeps until level 2
    await settle()
    assert waits == [30.0, 30.0]
    clock.set(590.0)
    raise_(engine, ALARM, 0.0)  # the same alarm raised again: the loop re-plans
    await settle()
    assert waits[-1] == 10.0
    await engine.stop()
    assert [url for url, _ in transport.sent] == ["json://h/tech", "json://h/tech"]
