"""Escalation end to end: a hub raises, the engine escalates through Apprise to a webhook of ours
on loopback, at the right simulated times, and stops when somebody acknowledges."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from noc_board.config.schema import (
    BoardConfig,
    Config,
    EscalationLevelConfig,
    MetricConfig,
    RouteConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.escalation import EscalationEngine
from noc_board.engine.hub import Hub
from noc_board.engine.notifiers import Notifier
from noc_board.store.journal import ESCALATION, NOTIFICATION, JournalEntry
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def board_config(routes: list[RouteConfig]) -> Config:
    return Config(
        board=BoardConfig(history_points=50),
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://x", interval=10)],
        metrics=[MetricConfig(id="err", source="prom", query="q")],
        rules=[
            RuleConfig(
                id="checkout-errors", metric="err", op="above", level=0.05, clear=0.02,
                severity="critical", route="tech", summary="Checkout 5xx rate above 5%",
            )
        ],
        routes=routes,
    )


def sample(hub: Hub, clock: ManualClock, value: float) -> None:
    hub.ingest(PollResult("prom", clock.now(), [Sample("err", clock.now(), value)]))


class Webhook:
    """Records each POST with the simulated time it arrived at."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.got: list[tuple[float, str, dict[str, Any]]] = []

    def __call__(self, request: Request) -> Reply:
        self.got.append((self.clock.now() - T0, request.path, request.json()))
        return Reply(200, b"")


class VirtualTime:
    """An injected sleep: delivers what is in flight, then jumps the clock, or stops at the
    next scripted action (as a wake-up would), and parks once past `end`."""

    def __init__(
        self, clock: ManualClock, notifier: Notifier,
        actions: list[tuple[float, Callable[[], None]]], end: float,
    ) -> None:
        self.clock, self.notifier, self.actions, self.end = clock, notifier, actions, end
        self.finished = asyncio.Event()
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        await self.notifier.drain()
        self.waits.append(seconds)
        target = self.clock.now() + seconds
        if self.actions and self.actions[0][0] <= target:
            at, action = self.actions.pop(0)
            self.clock.set(max(at, self.clock.now()))
            action()
            return
        if target >= self.end:
            self.clock.set(self.end)
            self.finished.set()
            await asyncio.Event().wait()
        self.clock.set(target)


async def test_levels_arrive_at_their_simulated_times_and_stop_once_acknowledged() -> None:
    clock = ManualClock(T0)
    webhook = Webhook(clock)
    journal: list[JournalEntry] = []
    async with LoopbackServer(webhook) as server:
        hook = f"json://127.0.0.1:{server.port}"
        route = RouteConfig(
            name="tech",
            levels=[
                EscalationLevelConfig(delay=0.0, notify=[f"{hook}/oncall"]),
                EscalationLevelConfig(delay=300.0, notify=[f"{hook}/lead"]),
            ],
            repeat=600.0,
        )
        hub = Hub(board_config([route]), clock)
        notifier = Notifier(clock, journal=journal.append)
        actions = [(T0 + 1000.0, lambda: hub.acknowledge("checkout-errors", "alice", "on it"))]
        time = VirtualTime(clock, notifier, actions, end=T0 + 5000.0)
        engine = EscalationEngine([route], notifier, clock, journal=journal.append,
                                  sleep=time, board="Test board")
        hub.subscribe(engine)
        sample(hub, clock, 0.41)  # raised at T0
        engine.start()
        await asyncio.wait_for(time.finished.wait(), 10)
        await engine.stop()

    arrivals = sorted((t, path, body["title"]) for t, path, body in webhook.got)
    assert arrivals == [
        (0.0, "/oncall", "[CRITICAL] Checkout 5xx rate above 5%"),
        (300.0, "/lead", "[CRITICAL] Checkout 5xx rate above 5%"),
        (900.0, "/oncall", "[CRITICAL] Checkout 5xx rate above 5%"),  # the policy repeats
        (1000.0, "/lead", "[ACKNOWLEDGED] Checkout 5xx rate above 5%"),
        (1000.0, "/oncall", "[ACKNOWLEDGED] Checkout 5xx rate above 5%"),
    ]  # and nothing after the acknowledgement, though the repeat would have gone on
    first = webhook.got[0][2]
    assert first["type"] == "failure"
    assert "level 1 of 2" in first["message"] and "0.41" in first["message"]
    assert "Board: Test board" in first["message"]
    assert all("acknowledged by alice: on it" in body["message"].lower()
               for _, _, body in webhook.got[3:])
    escalated = [e for e in journal if e.kind == ESCALATION]
    assert [(e.ts - T0, e.data.get("level")) for e in escalated] == [
        (0.0, 0), (300.0, 1), (900.0, 0), (1000.0, None),
    ]
    assert "acknowledged by alice" in escalated[-1].message
    sent = [e for e in journal if e.kind == NOTIFICATION]
    assert len(sent) == 5 and all(e.data["result"] == "sent" for e in sent)
    assert all(e.subject == "checkout-errors" for e in sent)


async def test_an_acknowledgement_that_expires_starts_the_policy_over() -> None:
    clock = ManualClock(T0)
    webhook = Webhook(clock)
    async with LoopbackServer(webhook) as server:
        hook = f"json://127.0.0.1:{server.port}"
        route = RouteConfig(
            name="tech", notify=[f"{hook}/oncall"],
            levels=[EscalationLevelConfig(delay=600.0, notify=[f"{hook}/lead"])],
            send_resolved=False,
        )
        hub = Hub(board_config([route]), clock)
        notifier = Notifier(clock)
        engine = EscalationEngine([route], notifier, clock)
        hub.subscribe(engine)
        sample(hub, clock, 0.41)
        engine.step()
        await notifier.drain()
        clock.advance(120)
        hub.acknowledge("checkout-errors", "bob", "looking", until=T0 + 420)
        clock.set(T0 + 420)
        hub.tick()  # the acknowledgement expires: unacknowledged again
        engine.step()
        await notifier.drain()
        clock.set(T0 + 600)
        engine.step()  # the first escalation would have reached the lead now: it ended
        await notifier.drain()
        clock.set(T0 + 1020)
        engine.step()
        await notifier.drain()
        await notifier.drain()
    assert [(t, path) for t, path, _ in webhook.got] == [
        (0.0, "/oncall"), (420.0, "/oncall"), (1020.0, "/lead"),
    ]


async def test_clearing_before_anybody_acknowledged_ends_the_escalation_and_says_so() -> None:
    clock = ManualClock(T0)
    webhook = Webhook(clock)
    async with LoopbackServer(webhook) as server:
        route = RouteConfig(
            name="tech", notify=[f"json://127.0.0.1:{server.port}/oncall"],
            levels=[EscalationLevelConfig(delay=300.0,
                                          notify=[f"json://127.0.0.1:{server.port}/lead"])],
        )
        hub = Hub(board_config([route]), clock)
        notifier = Notifier(clock)
        engine = EscalationEngine([route], notifier, clock)
        hub.subscribe(engine)
        sample(hub, clock, 0.41)
        engine.step()
        await notifier.drain()
        clock.advance(60)
        sample(hub, clock, 0.0)  # back to normal, still unacknowledged
        engine.step()
        await notifier.drain()
        clock.advance(600)
        engine.step()
        await notifier.drain()
        await notifier.drain()
    assert [(t, p, b["title"].split()[0]) for t, p, b in webhook.got] == [
        (0.0, "/oncall", "[CRITICAL]"), (60.0, "/oncall", "[CLEARED]"),
    ]
    assert webhook.got[1][2]["type"] == "success"
