"""The scheduler keeps polling through failures, honours Retry-After and refreshes on demand."""

import asyncio
import random

from noc_board.config.schema import Config, MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.engine.scheduler import PollPlan, Scheduler
from noc_board.sources.base import SourceError


class ScriptedSource:
    """Answers from a script: a float is a value, an exception is raised."""

    def __init__(self, name: str, script: list[object], clock: ManualClock) -> None:
        self.name = name
        self.script = list(script)
        self.clock = clock
        self.polls = 0
        self.block = asyncio.Event()
        self.block.set()

    async def poll(self) -> PollResult:
        self.polls += 1
        await self.block.wait()
        step = self.script.pop(0) if self.script else 1.0
        if isinstance(step, Exception):
            raise step
        assert isinstance(step, float)
        now = self.clock.now()
        return PollResult(self.name, now, [Sample("m", now, step)])


def make(script: list[object]) -> tuple[Hub, ScriptedSource, ManualClock, list[float]]:
    config = Config(
        sources=[SourceConfig(name="s", kind="prometheus", url="http://x", interval=10)],
        metrics=[MetricConfig(id="m", source="s", query="q")],
    )
    clock = ManualClock(0.0)
    return Hub(config, clock), ScriptedSource("s", script, clock), clock, []


async def test_failures_mark_health_and_polling_goes_on() -> None:
    hub, source, clock, delays = make([SourceError("HTTP 503"), SourceError("HTTP 503"), 2.0])
    wakeups = asyncio.Queue[float]()

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        clock.advance(seconds)
        await wakeups.put(seconds)
        await asyncio.sleep(0)

    scheduler = Scheduler(
        hub,
        [source],
        {"s": PollPlan(10.0, jitter=0.1)},
        clock,
        sleep=sleep,
        rng=random.Random(1),
        tick_interval=1000,
    )
    scheduler.start()
    states = []
    for _ in range(40):
        await asyncio.sleep(0)
        states.append(hub.health("s").state)
        if source.polls >= 3 and hub.health("s").state is HealthState.OK:
            break
    await scheduler.stop()
    assert HealthState.DOWN in states
    assert hub.health("s").state is HealthState.OK
    assert hub.series("m") is not None and hub.series("m").last_value() == 2.0  # type: ignore[union-attr]
    poll_delays = [d for d in delays if d not in (1000,)]
    assert all(9.0 <= d <= 11.0 for d in poll_delays[1:4])  # interval ± 10% jitter


async def test_retry_after_stretches_the_wait() -> None:
    hub, source, clock, delays = make([SourceError("rate limited", retry_after=120.0)])

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(0)

    scheduler = Scheduler(
        hub,
        [source],
        {"s": PollPlan(10.0)},
        clock,
        sleep=sleep,
        rng=random.Random(1),
        tick_interval=1000,
    )
    scheduler.start()
    for _ in range(20):
        await asyncio.sleep(0)
    await scheduler.stop()
    assert 120.0 in delays


async def test_refresh_cancels_the_poll_in_flight_and_polls_again() -> None:
    hub, source, clock, _ = make([5.0, 6.0])
    source.block.clear()  # the first poll hangs

    async def sleep(seconds: float) -> None:
        await asyncio.Event().wait() if seconds > 1 else await asyncio.sleep(0)

    scheduler = Scheduler(
        hub,
        [source],
        {"s": PollPlan(10.0)},
        clock,
        sleep=sleep,
        rng=random.Random(1),
        tick_interval=1000,
    )
    scheduler.start()
    for _ in range(10):
        await asyncio.sleep(0)
    assert source.polls == 1
    source.block.set()
    scheduler.refresh()
    for _ in range(10):
        await asyncio.sleep(0)
    await scheduler.stop()
    assert source.polls == 2  # the hung poll was cancelled, exactly one new poll ran
    assert hub.series("m").last_value() == 5.0  # type: ignore[union-attr]
