"""The insights panel: the bottleneck routes and the capacity headroom as short lines. Pure, no Qt.

What the reports say in sentences (reports.insight_sections), the wall says in a line each:

- routes: the slowest routes weighted by traffic ("/checkout  1.2 s  p95 · 34 % of traffic · up
  20 %"), then the route with the most 5xx and the one with the most 404 responses, at most
  `limit` lines in all (the error leaders take one line each, the slow routes the rest);
- capacity: one line per saturation target ("Checkout database · peak 62 % of 85 % · 85 % in ~6
  weeks", or "· not enough history (5 of 14 days)").

Every line carries a tone: "ok", "warn", "bad", or "" when there is nothing to judge (missing or
short data). Nothing to show is never a blank: the body then carries a note saying why ("no route
data yet").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.core.insights.bottlenecks import RankedRoute, Ranking
from noc_board.core.insights.headroom import Headroom
from noc_board.core.units import Unit, format_value

DAY = 86_400.0
NO_ROUTE_DATA = "no route data yet"
STEADY = 0.05  # a relative change smaller than this reads "steady"
# error shares (of a route's requests) from which a line reads warn / bad: 0.1 % is the error
# SLO threshold of kpi-and-alarms.md; a 404 share is normal in small amounts (old links, bots)
ERROR_TONES = {"5xx": (0.001, 0.01), "404": (0.01, 0.05)}
SOON_DAYS = 14.0  # a projected crossing closer than this is bad...
WATCH_DAYS = 56.0  # ...and closer than this (8 weeks) a warning


@dataclass(frozen=True, slots=True)
class CapacityReading:
    """One capacity target as the digest found it: the fitted headroom (over the long fit
    window), the metric's unit, the peak of the last window, and the days a fit needs."""

    headroom: Headroom
    unit: str  # MetricConfig.unit of the saturation metric
    peak: float | None  # highest hourly value in the last window; None without one
    min_days: int


@dataclass(frozen=True, slots=True)
class RouteLine:
    """One route: its name, its figure, why it is listed, and how bad that is."""

    route: str
    value_text: str  # "1.2 s", "2.10 %"
    why: str  # "p95 · 34 % of traffic · up 20 %"
    tone: str  # "ok", "warn", "bad"


@dataclass(frozen=True, slots=True)
class CapacityLine:
    """One saturation target: its name, its recent peak against the limit, and the outlook."""

    name: str
    peak_text: str  # "peak 62 % of 85 %"; "" without a recent figure
    outlook: str  # "85 % in ~6 weeks", "not enough history (5 of 14 days)"
    tone: str  # "ok", "warn", "bad", or "" (nothing to judge)

    @property
    def text(self) -> str:
        """The whole line: "Checkout database · peak 62 % of 85 % · 85 % in ~6 weeks"."""
        return " · ".join(part for part in (self.name, self.peak_text, self.outlook) if part)


@dataclass(frozen=True, slots=True)
class InsightsBody:
    """What the insights panel draws below its header; empty until the first digest."""

    routes: tuple[RouteLine, ...] = ()
    routes_note: str = ""  # why there are no route lines
    capacity: tuple[CapacityLine, ...] = ()
    capacity_note: str = ""  # why there are no capacity lines

    @property
    def empty(self) -> bool:
        return not (self.routes or self.routes_note or self.capacity or self.capacity_note)


def value_text(value: float, unit: str) -> str:
    """A figure with its unit, short: "62 %", "820 ms", "3.2", "1.2k /s"."""
    if unit in ("ratio", "percent"):
        share = value * 100 if unit == "ratio" else value
        return f"{share:.0f} %" if abs(share) >= 10 else f"{share:.1f} %"
    try:
        kind = Unit(unit)
    except ValueError:
        kind = Unit.COUNT
    number, unit_text = format_value(value, kind)
    return f"{number} {unit_text}" if unit_text else number


def share_text(share: float) -> str:
    """A share of requests: "34 %", "2.10 %", "0.05 %"."""
    pct = share * 100
    return f"{pct:.0f} %" if pct >= 10 else f"{pct:.1f} %" if pct >= 1 else f"{pct:.2f} %"


def change_words(change: float | None) -> str:
    """"up 20 %", "down 12 %", "steady", or "new" (not seen in the previous window)."""
    if change is None or not math.isfinite(change):
        return "new"
    if abs(change) < STEADY:
        return "steady"
    return f"{'up' if change > 0 else 'down'} {abs(change) * 100:.0f} %"


def _slow_line(r: RankedRoute, goal: float) -> RouteLine:
    tone = "bad" if r.value > 2 * goal else "warn" if r.value > goal else "ok"
    why = f"p95 · {share_text(r.traffic_share)} of traffic · {change_words(r.change)}"
    return RouteLine(r.route, value_text(r.value, "seconds"), why, tone)


def _error_line(kind: str, r: RankedRoute) -> RouteLine:
    warn, bad = ERROR_TONES.get(kind, (0.001, 0.01))
    tone = "bad" if r.value >= bad else "warn" if r.value >= warn else "ok"
    why = f"{kind} share · {share_text(r.traffic_share)} of traffic · {change_words(r.change)}"
    return RouteLine(r.route, share_text(r.value), why, tone)


def route_lines(slow: Ranking, errors: Sequence[Ranking], goal: float,
                limit: int) -> tuple[RouteLine, ...]:
    """The slow routes, then each error ranking's leader: at most `limit` lines, at least one
    slow route when there is one."""
    leaders = [_error_line(r.kind, r.routes[0]) for r in errors if r.routes]
    room = max(1, limit)
    slow_room = max(1 if slow.routes else 0, room - len(leaders))
    lines = [_slow_line(r, goal) for r in slow.routes[:slow_room]]
    lines += leaders[:max(0, room - len(lines))]
    return tuple(lines)


def weeks_text(days: float) -> str:
    """"~3 days", "~6 weeks"; "within a day" under one."""
    if days < 1:
        return "within a day"
    if days < 14:
        n = round(days)
        return f"~{n} day" if n == 1 else f"~{n} days"
    return f"~{round(days / 7)} weeks"


def _outlook(found: Headroom, unit: str, min_days: int) -> tuple[str, str]:
    """(outlook text, tone) of a fitted headroom."""
    limit = value_text(found.limit, unit)
    match found.status:
        case "projected":
            days = found.days_left if found.days_left is not None else math.inf
            tone = "bad" if days < SOON_DAYS else "warn" if days < WATCH_DAYS else "ok"
            return f"{limit} in {weeks_text(max(0.0, days))}", tone
        case "over":
            return "reached the limit", "bad"
        case "distant":
            return f"{limit} not within a year", "ok"
        case "flat":
            return "no growth to project", "ok"
        case "short":
            return f"not enough history ({found.days_used} of {max(2, min_days)} days)", ""
        case _:
            if found.peak is None:
                return "no data yet", ""
            return "no load figures to project from", ""


def window_words(seconds: float) -> str:
    """A window as the panel names it: "24 h", "6 h", "7 d"."""
    if seconds <= 2 * DAY:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / DAY:.0f} d"


def capacity_line(reading: CapacityReading, window: float = DAY) -> CapacityLine:
    """The line of one capacity target; `window`: the span its peak is over."""
    found = reading.headroom
    peak = ""
    if reading.peak is not None and math.isfinite(reading.peak):
        peak = (f"peak {value_text(reading.peak, reading.unit)} of "
                f"{value_text(found.limit, reading.unit)}")
    elif found.status not in ("missing", "short"):
        peak = f"no figure in {window_words(window)}"
    outlook, tone = _outlook(found, reading.unit, reading.min_days)
    if reading.peak is not None and reading.peak >= found.limit and tone != "bad":
        tone = "bad"  # the last window itself reached the limit
    return CapacityLine(found.name, peak, outlook, tone)


def insights_body(slow: Ranking, errors: Sequence[Ranking], capacity: Sequence[CapacityReading],
                  goal: float, limit: int, routes_note: str = "", capacity_note: str = "",
                  window: float = DAY) -> InsightsBody:
    """The panel's lines from a digest's parts.

    `routes_note` (e.g. route metrics not configured) wins over the rankings; with no route line
    the note is "no route data yet". `capacity_note` is shown when there is no target.
    """
    routes: tuple[RouteLine, ...] = ()
    note = routes_note
    if not note:
        routes = route_lines(slow, errors, goal, limit)
        if not routes:
            note = NO_ROUTE_DATA
    lines = tuple(capacity_line(r, window) for r in capacity)
    cap_note = "" if lines else (capacity_note or "no saturation metric configured")
    return InsightsBody(routes, note, lines, cap_note)
