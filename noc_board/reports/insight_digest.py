"""The insights of the moment, for the wall: bottleneck routes and capacity headroom from the store.

`insight_digest` reads the hourly rollups the reports read (through `insight_inputs`) and runs
the same judgements (`core.insights`) over a live window: the routes ranked over the last
`window` against the `window` before, and each capacity target fitted over the six weeks up to
now with the peak of the last `window`. It runs off the GUI thread (ui.panel_feeds) and never
raises for a store that fails (closed during a reload, locked, corrupt): the digest then says
why in `missing`.

Cost: the route metrics are read once over both windows (the `RollupReader` serves the two
periods from that read), the saturation and load metrics once over the fit window.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from noc_board.config.schema import Config
from noc_board.core.insights.bottlenecks import Ranking, rank_errors, rank_slow
from noc_board.core.panel_models.insights import CapacityReading
from noc_board.reports import insight_inputs as ii
from noc_board.reports.measures import RollupReader
from noc_board.store import Rollups, StoreError
from noc_board.store.rollups import HOUR_S

log = logging.getLogger(__name__)

DAY = 86_400.0
TOP_ROUTES = 10
NOT_CONFIGURED = "no route metrics configured ([insights] route_requests)"


@dataclass(frozen=True, slots=True)
class InsightDigest:
    """Rankings and headroom at `computed_at` over the last `window` seconds.

    `missing`: non-empty when nothing could be read (the store failed), and why. `routes_note`:
    why there are no rankings at all (route metrics not configured); `capacity_note` likewise
    for capacity targets.
    """

    computed_at: float
    window: float
    goal: float  # [insights] latency_goal, seconds
    slow: Ranking
    errors_5xx: Ranking
    errors_404: Ranking
    capacity: tuple[CapacityReading, ...] = ()
    routes_note: str = ""
    capacity_note: str = ""
    missing: str = ""

    @property
    def errors(self) -> tuple[Ranking, Ranking]:
        return self.errors_5xx, self.errors_404


def unavailable(now: float, window: float, goal: float, why: str) -> InsightDigest:
    """A digest that has nothing, and says why."""
    return InsightDigest(now, window, goal, Ranking("slow", (), why), Ranking("5xx", (), why),
                         Ranking("404", (), why), missing=why)


def insight_digest(rollups: Rollups, config: Config, zone: str, now: float,
                   window: float = DAY) -> InsightDigest:
    """The rankings of the last `window` against the one before, and the capacity headroom
    fitted over the 42 days up to `now`; "no data" (`missing`) when the store fails."""
    goal = config.insights.latency_goal
    try:
        return _digest(RollupReader(rollups, zone), config, zone, now, window)
    except (StoreError, sqlite3.Error) as exc:
        log.warning("insights: the store cannot be read: %s", exc)
        return unavailable(now, window, goal, f"the store cannot be read: {exc}")


def _digest(reader: RollupReader, config: Config, zone: str, now: float,
            window: float) -> InsightDigest:
    cfg = config.insights
    slow, fivexx, notfound, note = _rankings(reader, config, now, window)
    targets = ii.capacity_targets(config)
    capacity = tuple(_capacity(reader, config, target, now, window) for target in targets)
    return InsightDigest(
        computed_at=now, window=window, goal=cfg.latency_goal, slow=slow, errors_5xx=fivexx,
        errors_404=notfound, capacity=capacity, routes_note=note,
        capacity_note="" if targets else "no saturation metric configured")


def _rankings(reader: RollupReader, config: Config, now: float,
              window: float) -> tuple[Ranking, Ranking, Ranking, str]:
    cfg = config.insights
    if not cfg.route_requests:
        return (Ranking("slow", (), NOT_CONFIGURED), Ranking("5xx", (), NOT_CONFIGURED),
                Ranking("404", (), NOT_CONFIGURED), NOT_CONFIGURED)
    names = reader.rollups.metrics()
    before_start = now - 2 * window
    for metric in (cfg.route_requests, cfg.route_latency, cfg.route_5xx, cfg.route_404):
        if metric:  # one read per route metric over both windows; route_stats slices it
            for name in ii.breakdown_rows(names, metric).values():
                reader.buckets(name, before_start, now, HOUR_S)
    current = ii.route_stats(reader, names, config, now - window, now)
    previous = ii.route_stats(reader, names, config, before_start, now - window)
    slow = rank_slow(current, previous, cfg.latency_goal, TOP_ROUTES)
    errors = [rank_errors(current, previous, kind, TOP_ROUTES)
              if getattr(cfg, f"route_{kind}") else Ranking(kind, (), f"no {kind} metric")
              for kind in ("5xx", "404")]
    return slow, errors[0], errors[1], ""


def _capacity(reader: RollupReader, config: Config, target: ii.CapacityTarget, now: float,
              window: float) -> CapacityReading:
    fit = ii.fit_capacity(reader, config, target, now - window, now)
    return CapacityReading(fit.headroom, target.metric.unit, fit.peak,
                           config.insights.min_history_days)
