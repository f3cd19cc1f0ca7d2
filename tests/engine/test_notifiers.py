"""Notifiers: a receiver that fails gets the same message again after a backoff; one that never
answers is given up on visibly (journal, health, `undelivered()`); keyring targets resolve and
never leak their URL."""

from __future__ import annotations

import asyncio

from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.engine.hub import Hub
from noc_board.engine.notifiers import (
    DeliveryState,
    Message,
    Notifier,
    RetryPolicy,
    shown_target,
)
from noc_board.store.journal import NOTIFICATION, JournalEntry
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request, SleepRecorder, closed_port

MESSAGE = Message("checkout-errors", "tech", "[CRITICAL] Checkout down", "body text", "critical", 0)


class FlakyReceiver:
    """Answers 500 `failures` times, then 200; records every body it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: Request) -> Reply:
        self.bodies.append(request.json())
        if len(self.bodies) <= self.failures:
            return Reply(500, "boom")
        return Reply(200, b"")


async def test_a_failing_receiver_is_retried_with_backoff_until_it_takes_the_message() -> None:
    clock = ManualClock(1000.0)
    journal: list[JournalEntry] = []
    healths: list[SourceHealth] = []
    sleep = SleepRecorder()
    receiver = FlakyReceiver(failures=2)
    async with LoopbackServer(receiver) as server:
        notifier = Notifier(clock, journal=journal.append, on_health=healths.append, sleep=sleep,
                            retry=RetryPolicy(max_attempts=5, backoff_base=5.0))
        [delivery] = notifier.submit(MESSAGE, [f"json://127.0.0.1:{server.port}/hook"])
        await notifier.drain()

    assert delivery.state is DeliveryState.SENT and delivery.attempts == 3
    assert sleep.waits == [5.0, 10.0]
    assert len(receiver.bodies) == 3 and all(
        b["title"] == "[CRITICAL] Checkout down" and b["message"] == "body text"
        for b in receiver.bodies
    )  # nothing lost, nothing changed between attempts
    results = [(e.kind, e.data["result"], e.data["attempts"]) for e in journal]
    assert results == [(NOTIFICATION, "failed", 1), (NOTIFICATION, "failed", 2),
                       (NOTIFICATION, "sent", 3)]
    assert "500" in (journal[0].data["error"] or "")
    assert journal[0].data["retry_in"] == 5.0
    assert [(h.source, h.state) for h in healths] == [
        ("notify:tech", HealthState.DEGRADED), ("notify:tech", HealthState.OK),
    ]
    assert notifier.undelivered() == ()


async def test_a_receiver_that_refuses_is_given_up_on_and_shown_as_down() -> None:
    clock = ManualClock(1000.0)
    hub = Hub(Config(), clock)
    journal: list[JournalEntry] = []
    notifier = Notifier(clock, journal=journal.append, on_health=hub.report_health,
                        sleep=SleepRecorder(), retry=RetryPolicy(max_attempts=3))
    target = f"json://127.0.0.1:{closed_port()}/hook"
    [delivery] = notifier.submit(MESSAGE, [target])
    await notifier.drain()

    assert delivery.state is DeliveryState.FAILED and delivery.attempts == 3
    assert notifier.undelivered() == (delivery,)
    assert "connection error" in (delivery.last_error or "").lower()
    last = journal[-1]
    assert last.data["result"] == "failed" and last.data["gave_up"] is True
    assert "gave up" in last.message and last.subject == "checkout-errors"
    shown = hub.health("notify:tech")  # on the board like a source: a chip that says DOWN
    assert shown.state is HealthState.DOWN
    assert shown.last_error is not None and "127.0.0.1" in shown.last_error
    assert "notify:tech" in {h.source for h in hub.healths()}


async def test_a_later_success_on_the_same_target_brings_the_route_back() -> None:
    clock = ManualClock(0.0)
    healths: list[SourceHealth] = []
    receiver = FlakyReceiver(failures=1)
    async with LoopbackServer(receiver) as server:
        notifier = Notifier(clock, on_health=healths.append, sleep=SleepRecorder(),
                            retry=RetryPolicy(max_attempts=1))
        url = f"json://127.0.0.1:{server.port}/hook"
        notifier.submit(MESSAGE, [url])
        await notifier.drain()
        assert notifier.health("tech").state is HealthState.DOWN
        notifier.submit(MESSAGE, [url])
        await notifier.drain()
    assert notifier.health("tech").state is HealthState.OK
    assert [h.state for h in healths] == [HealthState.DOWN, HealthState.OK]
    assert len(notifier.undelivered()) == 1  # the lost one stays listed


async def test_keyring_targets_resolve_and_their_url_is_never_journaled() -> None:
    clock = ManualClock(0.0)
    journal: list[JournalEntry] = []
    receiver = FlakyReceiver(failures=0)
    async with LoopbackServer(receiver) as server:
        secret_url = f"json://user:s3cr3t-token@127.0.0.1:{server.port}/hook"
        secrets = {"tech-webhook": secret_url}
        notifier = Notifier(clock, secrets=secrets.get, journal=journal.append,
                            sleep=SleepRecorder())
        delivered = notifier.submit(MESSAGE, ["tech-webhook", "missing-webhook"])
        await notifier.drain()
    assert [d.state for d in delivered] == [DeliveryState.SENT, DeliveryState.FAILED]
    assert len(receiver.bodies) == 1
    assert delivered[1].attempts == 1  # a missing secret is not retried
    assert "noc-board secrets set missing-webhook" in (delivered[1].last_error or "")
    text = repr([(e.message, e.data) for e in journal])
    assert "s3cr3t" not in text and "keyring:tech-webhook" in text


async def test_a_url_apprise_does_not_know_fails_at_once() -> None:
    notifier = Notifier(ManualClock(0.0), sleep=SleepRecorder())
    [delivery] = notifier.submit(MESSAGE, ["nosuchscheme://host/path"])
    await notifier.drain()
    assert delivery.state is DeliveryState.FAILED and delivery.attempts == 1
    assert "not a usable Apprise URL" in (delivery.last_error or "")


def test_targets_are_shown_without_credentials() -> None:
    shown = shown_target("json://user:pw@hooks.example:8080/x?token=1")
    assert shown == "json://user@hooks.example:8080/…"
    assert shown_target("mailto://ops@example.com") == "mailto://ops@example.com"
    assert shown_target("tech-webhook") == "keyring:tech-webhook"
    assert RetryPolicy(backoff_base=5, backoff_cap=30).delay(1) == 5
    assert RetryPolicy(backoff_base=5, backoff_cap=30).delay(4) == 30


async def test_closing_with_a_delivery_in_flight_journals_it_as_not_delivered() -> None:
    journal: list[JournalEntry] = []

    class Stuck:
        async def send(self, url: str, message: Message) -> None:
            await asyncio.Event().wait()

    notifier = Notifier(ManualClock(0.0), Stuck(), journal=journal.append, sleep=SleepRecorder())
    [delivery] = notifier.submit(MESSAGE, ["json://127.0.0.1:9/hook"])
    await asyncio.sleep(0)
    await notifier.close()
    assert delivery.state is DeliveryState.FAILED and notifier.undelivered() == (delivery,)
    assert journal[-1].data["gave_up"] is True
    assert "stopped before it was delivered" in journal[-1].message
