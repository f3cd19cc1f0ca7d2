"""The page playlist: which page shows, when the next one comes, and what holds it.

Pure and driven by the caller's clock: `due(now)` says when to advance. Rotation is held

- while an operator is at the board: every key press or mouse move (`touched`) holds the page
  for `idle_resume` seconds after the last one;
- by Space (`toggle_pause`) until Space again;
- on the page of a new alarm (`jump`) for `alarm_hold` seconds.

A page shows for its own duration (0: the board's `rotate`); rotation is off when every
duration is 0 or there is one page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class Rotation:
    """The state of the page playlist of one window."""

    def __init__(self, durations: Sequence[float], default: float, idle_resume: float,
                 alarm_hold: float, now: float) -> None:
        self.durations = [d if d > 0 else default for d in durations]
        self.idle_resume = idle_resume
        self.alarm_hold = alarm_hold
        self.index = 0
        self.paused = False
        self._shown_at = now
        self._held_until = -math.inf
        self._hold_reason = ""

    @property
    def enabled(self) -> bool:
        """Whether pages rotate at all."""
        return len(self.durations) > 1 and any(d > 0 for d in self.durations)

    def show(self, index: int, now: float) -> int:
        """Show page `index` (wrapping); its time starts now."""
        if self.durations:
            self.index = index % len(self.durations)
        self._shown_at = now
        return self.index

    def touched(self, now: float) -> None:
        """An operator pressed a key or moved the mouse: hold the page for `idle_resume`."""
        if now + self.idle_resume > self._held_until:
            self._held_until = now + self.idle_resume
            self._hold_reason = "operator"

    def toggle_pause(self, now: float) -> bool:
        """Space: pause or resume; returns whether it is now paused."""
        self.paused = not self.paused
        if not self.paused:
            self._shown_at = now  # a resumed page gets its full time
        return self.paused

    def jump(self, index: int, now: float) -> int:
        """Show the page of a new alarm and hold it there for `alarm_hold`."""
        self.show(index, now)
        if now + self.alarm_hold > self._held_until:
            self._held_until = now + self.alarm_hold
            self._hold_reason = "alarm"
        return self.index

    def next_at(self) -> float:
        """When the next page is due (inf when rotation is off or paused)."""
        if not self.enabled or self.paused:
            return math.inf
        duration = self.durations[self.index]
        if duration <= 0:
            return math.inf
        return max(self._shown_at + duration, self._held_until)

    def due(self, now: float) -> int | None:
        """The page to show now if it is time to move on (skipping pages with no time)."""
        if now < self.next_at():
            return None
        count = len(self.durations)
        for step in range(1, count):
            candidate = (self.index + step) % count
            if self.durations[candidate] > 0:
                return self.show(candidate, now)
        self._shown_at = now  # no other page to go to: this one starts its time again
        return None

    def status_text(self, now: float) -> str:
        """For the page bar: "‖ paused (Space)", "‖ operator 40s", "next 12s" or ""."""
        if not self.enabled:
            return ""
        if self.paused:
            return "‖ paused (Space)"
        remaining = self.next_at() - now
        if self._held_until > now and self._held_until >= self._shown_at + self.durations[
                self.index]:
            return f"‖ {self._hold_reason} {max(0, math.ceil(self._held_until - now))}s"
        if math.isinf(remaining):
            return ""  # this page has no time of its own: it stays
        return f"next {max(0, math.ceil(remaining))}s"
