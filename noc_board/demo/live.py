"""The scenario behind `noc-board --demo`: two days of history, then an incident every 2 minutes.

Six kinds take turns on a 12-minute cycle, each lasting 60-120 s, starting 90 s after launch so
the first minutes of the board are calm and the history charts show a healthy marketplace.
"""

from __future__ import annotations

import math

from noc_board.core.scenario import Baseline, Incident, Scenario

HISTORY = 2 * 86400.0
CYCLE = 12 * 60.0
FIRST_INCIDENT = 90.0
# (kind, target, magnitude, duration): one every CYCLE / 6 seconds
ROTATION = (
    ("errors", "checkout", 0.25, 90.0),
    ("latency", "web", 4.0, 120.0),
    ("payment_declines", None, 0.45, 90.0),
    ("traffic_drop", None, 0.6, 120.0),
    ("outage", "search", 1.0, 60.0),
    ("source_down", "ga4", 1.0, 90.0),
)


def live_demo_scenario(now: float) -> Scenario:
    """A scenario that starts two days before `now` and runs for a year of demo."""
    start = math.floor((now - HISTORY) / 60) * 60
    first = math.floor(now / 60) * 60 + FIRST_INCIDENT
    gap = CYCLE / len(ROTATION)
    incidents = tuple(
        Incident(kind=kind, start=first + n * gap, duration=duration, magnitude=magnitude,
                 target=target, every=CYCLE)
        for n, (kind, target, magnitude, duration) in enumerate(ROTATION)
    )
    return Scenario(start=start, duration=HISTORY + 365 * 86400.0, step=15.0, seed=42,
                    baseline=Baseline(), incidents=incidents)
