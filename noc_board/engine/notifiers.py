"""Notifiers: escalation messages delivered, retried, and never silently lost.

A `Notifier` turns each (message, target) into a `Delivery` and runs it as a task through its
transport (by default `apprise_transport.AppriseTransport`, Apprise in a worker thread); a
failure is retried with exponential backoff up to `RetryPolicy.max_attempts`, and every
outcome (sent, failed with the error, given up, cut off by closing) goes to the journal. The
health of each route's notifiers is published like a source's (`notify:<route>`: degraded
while retrying, down once a delivery was given up), so the board shows a notification that
did not get through. Targets are Apprise URLs, or names of keyring entries holding one (an
entry without "://"); a URL read from the keyring is never journaled or shown.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from noc_board.core.clock import Clock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.engine.waits import Sleep
from noc_board.store.journal import NOTIFICATION, JournalEntry

log = logging.getLogger(__name__)

JournalSink = Callable[[JournalEntry], object]
HealthSink = Callable[[SourceHealth], None]
SecretLookup = Callable[[str], str | None]

HEALTH_PREFIX = "notify:"


@dataclass(frozen=True, slots=True)
class Message:
    """What to tell: about which alarm, along which route and level, and how bad it is.

    `severity` is info, warning, critical, or ok (an all-clear); `level` is the escalation
    level (0-based), None for the notice that an escalation ended.
    """

    key: str
    route: str
    title: str
    body: str
    severity: str = "info"
    level: int | None = None


class DeliveryState(enum.Enum):
    """Where a delivery is."""

    PENDING = "pending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"  # given up: journaled and shown, kept in `undelivered()`


@dataclass(slots=True)
class Delivery:
    """One message to one target, with its attempts. `shown` is safe to display and journal."""

    id: int
    message: Message
    target: str
    shown: str
    created_at: float
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    last_error: str | None = None
    finished_at: float | None = None


class NotifyError(Exception):
    """A delivery attempt failed; `retry` says whether another attempt can help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


class Transport(Protocol):
    """Sends one message to one resolved URL; raises NotifyError."""

    async def send(self, url: str, message: Message) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts per delivery and the wait before each retry: base, 2 x base, ... up to cap."""

    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_cap: float = 300.0

    def delay(self, attempts: int) -> float:
        """The wait after `attempts` failed attempts (1 -> base)."""
        return float(min(self.backoff_cap, self.backoff_base * 2.0 ** max(0, attempts - 1)))


def shown_target(target: str) -> str:
    """A target as it may be shown: a keyring name as such, a URL without password, path or
    query (where services put their tokens)."""
    if "://" not in target:
        return f"keyring:{target}"
    scheme, rest = target.split("://", 1)
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    user, at, host = authority.rpartition("@")
    user = user.split(":", 1)[0]
    path = "/…" if "/" in rest or "?" in rest else ""
    return f"{scheme}://{user}{at}{host}{path}"


class Notifier:
    """Delivers messages to targets, retrying failures, journaling and publishing outcomes.

    `submit` needs a running event loop (each delivery is a task); `drain` waits until nothing
    is in flight; `close` cancels what is left. `secrets` resolves keyring names to URLs.
    """

    def __init__(
        self,
        clock: Clock,
        transport: Transport | None = None,
        *,
        secrets: SecretLookup | None = None,
        journal: JournalSink | None = None,
        on_health: HealthSink | None = None,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        keep: int = 200,
    ) -> None:
        self._clock = clock
        if transport is None:
            from noc_board.engine.apprise_transport import AppriseTransport

            transport = AppriseTransport()
        self._transport: Transport = transport
        self._secrets = secrets
        self._journal = journal
        self._on_health = on_health
        self._sleep = sleep
        self.retry = retry or RetryPolicy()
        self._history: deque[Delivery] = deque(maxlen=keep)
        self._failed: deque[Delivery] = deque(maxlen=keep)
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_id = 1
        self._latest: dict[str, dict[str, Delivery]] = {}  # route -> target -> latest delivery
        self._health: dict[str, SourceHealth] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    # --- reading --------------------------------------------------------------------------

    def deliveries(self) -> tuple[Delivery, ...]:
        """The latest deliveries, oldest first."""
        return tuple(self._history)

    def undelivered(self) -> tuple[Delivery, ...]:
        """Deliveries given up on, oldest first (also in the journal)."""
        return tuple(self._failed)

    def in_flight(self) -> int:
        return len(self._tasks)

    def health(self, route: str) -> SourceHealth:
        name = HEALTH_PREFIX + route
        return self._health.get(name, SourceHealth(source=name))

    # --- delivering -----------------------------------------------------------------------

    def submit(self, message: Message, targets: Sequence[str]) -> list[Delivery]:
        """Start delivering `message` to each target; returns the deliveries."""
        made: list[Delivery] = []
        for target in dict.fromkeys(t for t in targets if t):
            delivery = Delivery(
                self._next_id, message, target, shown_target(target), self._clock.now()
            )
            self._next_id += 1
            self._history.append(delivery)
            self._latest.setdefault(message.route, {})[target] = delivery
            task = asyncio.create_task(self._deliver(delivery), name=f"notify:{delivery.id}")
            self._tasks.add(task)
            self._idle.clear()
            task.add_done_callback(self._done)
            made.append(delivery)
        return made

    async def drain(self) -> None:
        """Wait until every delivery has been sent or given up."""
        while self._tasks:
            await self._idle.wait()

    async def close(self) -> None:
        """Cancel deliveries in flight; each is journaled as not delivered, not dropped."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for d in self._history:
            if d.state in (DeliveryState.PENDING, DeliveryState.RETRYING):
                d.state, d.finished_at = DeliveryState.FAILED, self._clock.now()
                d.last_error = "the board stopped before it was delivered"
                self._failed.append(d)
                self._record(d, "failed", error=d.last_error, gave_up=True)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("a notification task failed", exc_info=task.exception())

    async def _deliver(self, d: Delivery) -> None:
        while True:
            d.attempts += 1
            try:
                await self._transport.send(self._resolve(d.target), d.message)
            except asyncio.CancelledError:
                raise
            except NotifyError as exc:
                error, retry = exc.message, exc.retry
            except Exception as exc:  # a plugin's own bug must not lose the notification
                error, retry = f"{type(exc).__name__}: {exc}", True
            else:
                d.state, d.last_error, d.finished_at = DeliveryState.SENT, None, self._clock.now()
                self._record(d, "sent")
                self._update_health(d)
                return
            d.last_error = error
            if not retry or d.attempts >= self.retry.max_attempts:
                d.state, d.finished_at = DeliveryState.FAILED, self._clock.now()
                self._failed.append(d)
                self._record(d, "failed", error=error, gave_up=True)
                self._update_health(d)
                return
            wait = self.retry.delay(d.attempts)
            d.state = DeliveryState.RETRYING
            self._record(d, "failed", error=error, retry_in=wait)
            self._update_health(d)
            await self._sleep(wait)

    def _resolve(self, target: str) -> str:
        if "://" in target:
            return target
        url = self._secrets(target) if self._secrets is not None else None
        if not url:
            raise NotifyError(
                f"keyring entry {target!r} holding the URL is not set; set it with: "
                f"noc-board secrets set {target}",
                retry=False,
            )
        return url

    # --- journal and health ---------------------------------------------------------------

    def _record(
        self,
        d: Delivery,
        result: str,
        *,
        error: str | None = None,
        retry_in: float | None = None,
        gave_up: bool = False,
    ) -> None:
        m = d.message
        what = f"level {m.level + 1}" if m.level is not None else "end of escalation"
        if result == "sent":
            text = f"notified {d.shown} ({m.route}, {what})"
        elif gave_up:
            text = f"gave up notifying {d.shown} after {d.attempts} attempts: {error}"
        else:
            text = f"notifying {d.shown} failed (attempt {d.attempts}): {error}"
        data = {
            "result": result,
            "route": m.route,
            "level": m.level,
            "target": d.shown,
            "attempts": d.attempts,
            "delivery": d.id,
            "title": m.title,
            "error": error,
            "retry_in": retry_in,
            "gave_up": gave_up,
        }
        if result == "sent":
            log.info("%s", text)
        else:
            log.warning("%s: %s", m.key, text)
        if self._journal is None:
            return
        try:
            entry = JournalEntry(self._clock.now(), NOTIFICATION, m.key, "system", text, data)
            self._journal(entry)
        except Exception:  # the journal failing must not stop the delivery
            log.exception("cannot journal a notification result")

    def _update_health(self, d: Delivery) -> None:
        route = d.message.route
        latest = self._latest.get(route, {}).values()
        failed = [x for x in latest if x.state is DeliveryState.FAILED]
        retrying = [x for x in latest if x.state is DeliveryState.RETRYING]
        before = self.health(route)
        now = self._clock.now()
        if failed:
            state, bad = HealthState.DOWN, failed[-1]
        elif retrying:
            state, bad = HealthState.DEGRADED, retrying[-1]
        else:
            state, bad = HealthState.OK, None
        error = f"{bad.shown}: {bad.last_error}" if bad is not None else None
        health = SourceHealth(
            source=before.source,
            state=state,
            last_error=error,
            last_success=now if d.state is DeliveryState.SENT else before.last_success,
            last_attempt=now,
            consecutive_failures=len(failed) + len(retrying),
        )
        self._health[health.source] = health
        if self._on_health is not None and (
            health.state is not before.state or health.last_error != before.last_error
        ):
            self._on_health(health)

