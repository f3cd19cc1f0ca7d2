"""Waiting in the engine's loops: an injectable sleep, and a sleep that an event cuts short.

Every loop of the engine (polling, escalation, the Alertmanager syncs, the rollup pruner) sleeps
through an injected `Sleep`, so tests drive time without waiting; `sleep_or_wake` is the wait
such a loop does between rounds when something may ask for the next round early (an
acknowledgement, "poll now").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


async def sleep_or_wake(sleep: Sleep, wake: asyncio.Event, delay: float) -> None:
    """Wait `delay` (with the injected `sleep`), or less when `wake` is set."""
    if wake.is_set():
        return
    sleeper = asyncio.ensure_future(sleep(delay))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        waker.cancel()
        await asyncio.gather(sleeper, waker, return_exceptions=True)
