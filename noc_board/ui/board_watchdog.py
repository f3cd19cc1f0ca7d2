"""The board's own heartbeat: noticing when the board itself stops updating.

Two watchers, because a frozen GUI thread cannot report on itself:

- `TickGap` (on the GUI thread): the repaint tick measures the time since the previous tick; a
  gap much longer than the interval means the board was stalled, and the window says so on
  screen ("board stalled 12s at 14:03:05") for a while;
- `StallWatchdog` (a daemon thread): the tick calls `beat()`; when no beat comes for
  `stall_after` seconds the thread logs a warning (and again when beats resume), so a frozen
  wall leaves a trace in the log even though its screen cannot change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class TickGap:
    """Measures gaps between ticks with a monotonic clock; `tick()` returns a stall or None."""

    def __init__(self, interval: float, factor: float = 3.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.factor = factor
        self._monotonic = monotonic
        self._last: float | None = None

    def tick(self) -> float | None:
        """Seconds the board was stalled before this tick (beyond the interval), or None."""
        now = self._monotonic()
        last, self._last = self._last, now
        if last is None or self.interval <= 0:
            return None
        gap = now - last
        return gap if gap > self.interval * self.factor else None


class StallWatchdog:
    """A thread that logs when `beat()` stops being called (the GUI thread is stalled)."""

    def __init__(self, stall_after: float = 10.0, poll: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.stall_after = stall_after
        self.poll = poll
        self._monotonic = monotonic
        self._last = monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stalls = 0  # how many stalls were logged

    def beat(self) -> None:
        self._last = self._monotonic()

    def check(self, reported: bool) -> bool:
        """One look; returns whether a stall is being reported now."""
        silent = self._monotonic() - self._last
        if silent > self.stall_after and not reported:
            self.stalls += 1
            log.warning("the board has not repainted for %.0f s: its GUI thread is stalled",
                        silent)
            return True
        if silent <= self.stall_after and reported:
            log.info("the board repaints again")
            return False
        return reported

    def _run(self) -> None:
        reported = False
        while not self._stop.wait(self.poll):
            reported = self.check(reported)

    def start(self) -> None:
        if self._thread is None:
            self._last = self._monotonic()
            self._thread = threading.Thread(target=self._run, name="board-watchdog",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
