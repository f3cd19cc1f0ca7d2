"""The scheduler: one poll loop per source on its own interval, with jitter, feeding the hub."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.core.clock import Clock
from noc_board.engine.hub import Hub
from noc_board.engine.waits import Sleep, sleep_or_wake
from noc_board.sources.base import Source, SourceError

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class PollPlan:
    """How one source is polled: its interval, the jitter fraction and the backfill window."""

    interval: float
    jitter: float = 0.1
    backfill: float = 0.0  # seconds of history to fetch at start, 0 for none


class Scheduler:
    """Runs every source's poll loop and the hub's tick until stopped.

    A failed poll marks the source's health and is retried on the next interval (or after the
    server's Retry-After); the loop never dies of a source error. `refresh()` wakes every loop
    now, cancelling a poll in flight rather than queueing a second one.
    """

    def __init__(
        self,
        hub: Hub,
        sources: Sequence[Source],
        plans: dict[str, PollPlan],
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        tick_interval: float = 1.0,
    ) -> None:
        self._hub = hub
        self._sources = list(sources)
        self._plans = plans
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._tick_interval = tick_interval
        self._tasks: list[asyncio.Task[None]] = []
        self._wake: dict[str, asyncio.Event] = {}
        self._inflight: dict[str, asyncio.Task[None]] = {}

    async def poll_once(self) -> None:
        """Poll every source once, concurrently; results and failures go to the hub."""
        await asyncio.gather(*(self._poll(source) for source in self._sources))

    async def _poll(self, source: Source) -> float | None:
        """One poll; returns the server's retry-after when it asked for one."""
        try:
            result = await source.poll()
        except SourceError as exc:
            self._hub.source_failed(source.name, str(exc), self._clock.now())
            return exc.retry_after
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a connector bug must not stop the board
            log.exception("source %s raised unexpectedly", source.name)
            self._hub.source_failed(
                source.name, f"internal error: {type(exc).__name__}: {exc}", self._clock.now()
            )
            return None
        self._hub.ingest(result)
        return None

    async def _backfill(self, source: Source, seconds: float, step: float) -> None:
        backfill = getattr(source, "backfill", None)
        if backfill is None or seconds <= 0:
            return
        end = self._clock.now()
        try:
            result = await backfill(end - seconds, end, step)
        except SourceError as exc:
            log.info("backfill of %s failed: %s", source.name, exc)
            return
        self._hub.backfill(result)

    async def _loop(self, source: Source) -> None:
        plan = self._plans.get(source.name, PollPlan(interval=60.0))
        wake = self._wake.setdefault(source.name, asyncio.Event())
        # spread first polls so sources do not all fire in the same instant
        await self._sleep(self._rng.uniform(0, min(1.0, plan.interval * plan.jitter)))
        await self._backfill(source, plan.backfill, plan.interval)
        while True:
            task = asyncio.ensure_future(self._poll(source))
            self._inflight[source.name] = task  # type: ignore[assignment]
            try:
                retry_after = await task
            except asyncio.CancelledError:
                if wake.is_set():
                    wake.clear()
                    continue  # a refresh cancelled this poll: start a fresh one now
                raise
            finally:
                self._inflight.pop(source.name, None)
            delay = plan.interval * (1 + self._rng.uniform(-plan.jitter, plan.jitter))
            if retry_after is not None:
                delay = max(delay, retry_after)
            await self._wait(wake, delay)

    async def _wait(self, wake: asyncio.Event, delay: float) -> None:
        await sleep_or_wake(self._sleep, wake, delay)
        wake.clear()

    async def _ticker(self) -> None:
        while True:
            self._hub.tick()
            await self._sleep(self._tick_interval)

    def start(self) -> None:
        """Start the loops on the running event loop."""
        if self._tasks:
            raise RuntimeError("scheduler already started")
        for source in self._sources:
            self._wake[source.name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._loop(source), name=f"poll:{source.name}"))
        self._tasks.append(asyncio.create_task(self._ticker(), name="hub-tick"))

    def refresh(self) -> None:
        """Poll every source now; a poll in flight is cancelled and started again."""
        for name, event in self._wake.items():
            event.set()
            inflight = self._inflight.get(name)
            if inflight is not None and not inflight.done():
                inflight.cancel()

    async def stop(self) -> None:
        """Cancel every loop and wait for them to finish."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
