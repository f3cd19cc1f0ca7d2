"""Insights: where to optimise and scale, read from the figures the board already keeps.

Pure functions (no I/O, clock, Qt or time zones) that the report builders and the insights panel
call with series they have read from the rollups:

- `bottlenecks`: the slowest routes and those with the most 5xx and 404 responses, weighted by
  traffic, with the change since the previous period;
- `headroom`: how close each saturation metric's peak came to its limit and when, at the current
  growth of the load, it reaches it;
- `changes`: the statistically meaningful changes of every KPI against a reference period, where
  they concentrate and which alarms or incidents overlap them;
- `behaviour`: hour-of-day and day-of-week patterns, and the pages where visits end.

Each says when its data is missing or too short instead of guessing.
"""

from noc_board.core.insights.behaviour import (
    ExitPage,
    ExitRanking,
    Pattern,
    exit_pages,
    time_pattern,
)
from noc_board.core.insights.bottlenecks import (
    RankedRoute,
    Ranking,
    RouteStats,
    rank_errors,
    rank_slow,
)
from noc_board.core.insights.changes import Change, ChangeScan, Event, KpiSeries, find_changes
from noc_board.core.insights.headroom import Headroom, project_headroom

__all__ = [
    "Change",
    "ChangeScan",
    "Event",
    "ExitPage",
    "ExitRanking",
    "Headroom",
    "KpiSeries",
    "Pattern",
    "RankedRoute",
    "Ranking",
    "RouteStats",
    "exit_pages",
    "find_changes",
    "project_headroom",
    "rank_errors",
    "rank_slow",
    "time_pattern",
]
