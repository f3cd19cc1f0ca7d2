"""How fresh a panel's data is, and why it is greyed: the rules every panel shares.

- failing: the source is DOWN (its error is the reason);
- nodata: nothing yet, or the source sent no number;
- stale: the newest data is older than `stale_after`;
- ok otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.units import format_duration

FreshStatus = Literal["ok", "stale", "failing", "nodata"]


@dataclass(frozen=True, slots=True)
class Freshness:
    """A panel's status, the reason it is greyed (empty when ok) and how old its data is."""

    status: FreshStatus
    reason: str
    age_text: str
    age_seconds: float | None  # None with no data (never NaN, so states compare equal)


AGE_STEP = 5  # seconds: ages under a minute move in steps of this


def age_text(now: float, last_ts: float) -> str:
    """How old the newest point is: "just now", "10s ago", "3m ago"; "no data" without any.

    Under a minute the age moves in 5-second steps: a wall of counters ticking every second is
    noise (a panel this fresh is fine, and a stale one says so with the exact time in its
    reason), and each change repaints the panel (bench/bench_soak.py: CPU of the steady board).
    """
    if math.isnan(last_ts):
        return "no data"
    age = max(0.0, now - last_ts)
    if age < AGE_STEP:
        return "just now"
    if age < 60:
        return f"{int(age // AGE_STEP) * AGE_STEP}s ago"
    return f"{format_duration(age)} ago"


def freshness(
    health: SourceHealth, last_ts: float, now: float, stale_after: float, has_value: bool = True
) -> Freshness:
    """The freshness of data last updated at `last_ts` (NaN: never) from a source in `health`.

    `has_value` False means the newest data holds no number (a NaN sample, an empty table).
    """
    age = age_text(now, last_ts)
    seconds = None if math.isnan(last_ts) else max(0.0, now - last_ts)
    if health.state is HealthState.DOWN:
        reason = f"source down: {health.source}: {health.last_error or 'no answer'}"
        if seconds is not None:
            reason += f" (no data for {format_duration(seconds)})"
        return Freshness("failing", reason, age, seconds)
    if seconds is None or not has_value:
        reason = "no data yet" if seconds is None else "the source sent no number"
        return Freshness("nodata", reason, age, seconds)
    if now - last_ts > stale_after:
        reason = f"stale: no data for {format_duration(now - last_ts)}"
        if health.last_error:
            reason += f" ({health.source}: {health.last_error})"
        return Freshness("stale", reason, age, seconds)
    return Freshness("ok", "", age, seconds)
