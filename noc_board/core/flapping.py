"""Flap detection as Nagios Core does it (base/flapping.c), and what the book does about it.

The last 21 evaluations of a rule's condition (firing or not) give 20 possible changes; each
change weighs from 0.75 (oldest) to 1.25 (newest), and the percent state change is the sum of
the weights of the changes x 100 / 20. Flapping starts when it reaches `start` percent and
stops when it falls to `stop` percent or below (20 and 5 in Nagios' sample configuration);
in between nothing changes. While a rule flaps, the alarm book holds its alarm active and damps
the raise/clear notifications, and flags the alarm so the banner can say "flapping".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

HISTORY = 21


@dataclass(frozen=True, slots=True)
class FlapSettings:
    """Start and stop levels in percent; `start = 0` turns detection off."""

    start: float = 20.0
    stop: float = 5.0

    def __post_init__(self) -> None:
        if self.start and not 0 <= self.stop < self.start <= 100:
            raise ValueError("flapping needs 0 <= stop < start <= 100")

    @property
    def enabled(self) -> bool:
        return self.start > 0


def percent_state_change(states: list[bool] | tuple[bool, ...]) -> float:
    """Nagios' weighted percent state change of up to 21 states, oldest first."""
    changes = len(states) - 1
    if changes < 1:
        return 0.0
    total = 0.0
    # the newest change weighs 1.25 and the oldest possible one 0.75, whatever the count
    first = HISTORY - 1 - changes
    for i in range(1, len(states)):
        if states[i] != states[i - 1]:
            x = first + i  # 1 .. 20
            total += 0.75 + (x - 1) * 0.5 / (HISTORY - 2)
    return total * 100.0 / (HISTORY - 1)


class FlapDetector:
    """Keeps the last 21 evaluations of one rule and says whether it is flapping."""

    def __init__(self, settings: FlapSettings | None = None) -> None:
        self.settings = settings or FlapSettings()
        self._states: deque[bool] = deque(maxlen=HISTORY)
        self._changes = 0  # state changes inside the deque: none (the usual case) is 0%
        self.flapping = False
        self.percent = 0.0

    def record(self, firing: bool) -> bool | None:
        """Add one evaluation; returns True when flapping starts, False when it stops, else
        None."""
        if not self.settings.enabled:
            return None
        states = self._states
        if len(states) == HISTORY and states[0] != states[1]:
            self._changes -= 1  # the oldest change falls out
        if states and states[-1] != firing:
            self._changes += 1
        states.append(firing)
        self.percent = percent_state_change(tuple(states)) if self._changes else 0.0
        if not self.flapping and self.percent >= self.settings.start:
            self.flapping = True
            return True
        if self.flapping and self.percent <= self.settings.stop:
            self.flapping = False
            return False
        return None

    def restore(self, flapping: bool) -> None:
        self.flapping = flapping
