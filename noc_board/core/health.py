"""Source health: whether a source answers, and what went wrong when it does not."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class HealthState(enum.Enum):
    """How a source is doing, as the board shows it."""

    UNKNOWN = "unknown"  # not polled yet
    OK = "ok"
    DEGRADED = "degraded"  # answered with warnings, or failed once after succeeding
    DOWN = "down"  # failed repeatedly; its panels grey out


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """The health of one source after its latest poll.

    `last_success` and `last_attempt` are unix seconds or None; `last_error` is a one-line,
    human-readable reason (never a secret, never a traceback).
    """

    source: str
    state: HealthState = HealthState.UNKNOWN
    last_error: str | None = None
    last_success: float | None = None
    last_attempt: float | None = None
    consecutive_failures: int = 0

    def succeeded(self, at: float, warning: str | None = None) -> SourceHealth:
        state = HealthState.DEGRADED if warning else HealthState.OK
        return replace(
            self,
            state=state,
            last_error=warning,
            last_success=at,
            last_attempt=at,
            consecutive_failures=0,
        )

    def failed(self, at: float, error: str, down_after: int = 2) -> SourceHealth:
        failures = self.consecutive_failures + 1
        state = HealthState.DOWN if failures >= down_after else HealthState.DEGRADED
        return replace(
            self, state=state, last_error=error, last_attempt=at, consecutive_failures=failures
        )
