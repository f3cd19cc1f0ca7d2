"""Prometheus scrape targets: `/api/v1/targets` read as the health of what Prometheus scrapes.

Measures (a metric of a Prometheus source with `measure` and no `query`): `targets_up`,
`targets_down` (counts of active targets by `health`) and `targets_up_ratio` (up / known;
targets not scraped yet are `unknown` and left out). The breakdown `<source>.targets` lists
every active target as `job/instance` with 1 (up), 0 (down) or NaN (unknown).
Older servers lack some fields; everything but `health` is optional.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import msgspec

from noc_board.sources.base import one_line

LISTED_DOWN = 3  # down targets named in the notes; the rest are counted


class ActiveTarget(msgspec.Struct):
    """One element of `activeTargets` (the fields the board reads)."""

    labels: dict[str, str] = {}
    scrapePool: str = ""
    scrapeUrl: str = ""
    lastError: str = ""
    health: str = "unknown"


class TargetsData(msgspec.Struct):
    """`data` of `/api/v1/targets`."""

    activeTargets: list[ActiveTarget] = []


class TargetsEnvelope(msgspec.Struct):
    """The `/api/v1/targets` envelope, success or error."""

    status: str
    data: TargetsData | None = None
    warnings: list[str] = []
    error: str | None = None
    errorType: str | None = None


@dataclass
class TargetHealth:
    """The measures, the breakdown rows and notes naming the targets that are down."""

    values: dict[str, float] = field(default_factory=dict)
    rows: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def target_label(target: ActiveTarget) -> str:
    """`job/instance` (or the scrape pool, or the URL, when a label is missing)."""
    job = target.labels.get("job") or target.scrapePool or "?"
    instance = target.labels.get("instance") or target.scrapeUrl or "?"
    return f"{job}/{instance}"


def summarise(targets: list[ActiveTarget]) -> TargetHealth:
    """Counts by health, one row per target (down first), and the down targets' errors."""
    up = sum(1 for t in targets if t.health == "up")
    down = [t for t in targets if t.health == "down"]
    known = up + len(down)
    health = TargetHealth()
    health.values = {
        "targets_up": float(up),
        "targets_down": float(len(down)),
        "targets_up_ratio": up / known if known else math.nan,
    }
    value = {"up": 1.0, "down": 0.0}
    rows = [(target_label(t), value.get(t.health, math.nan)) for t in targets]
    health.rows = sorted(rows, key=lambda row: (row[1] == row[1] and row[1] > 0, row[0]))
    for target in down[:LISTED_DOWN]:
        error = one_line(target.lastError, 120) or "no error given"
        health.notes.append(f"target {target_label(target)} down: {error}")
    if len(down) > LISTED_DOWN:
        health.notes.append(f"and {len(down) - LISTED_DOWN} more targets down")
    return health
