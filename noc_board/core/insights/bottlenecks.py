"""Bottlenecks: the routes (pages or endpoints) most worth optimising, weighted by traffic.

A ranking by p95 alone puts a page nobody visits (5 s, 10 requests) above checkout at 0.8 s for
100k requests, though the second costs users thousands of times more waiting. So slow routes rank
by their *impact*, the request-seconds spent over the latency goal: `requests x max(p95 - goal,
0)` (p95 stands for the slow tail every request of the route risks). When no route is over the
goal, the busiest slow routes still come first (`requests x p95` breaks the tie). Error rankings
(5xx, 404) rank by the error responses themselves, which is the ratio weighted by traffic: a page
failing 50 % of 2 requests ranks below checkout failing 0.5 % of 100k.

Each ranked route carries its figure in the previous period and the relative change
(report_math.relative_change), so a report can say what got better or worse. A route that appears
more than once in a period is merged first: requests and errors add up, and its p95 is the
highest of the rows (the p95 of the union lies between them; the highest is the safe bound), so
the ranking does not depend on the order of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from noc_board.core.report_math import finite, relative_change

KINDS = ("slow", "5xx", "404")


@dataclass(frozen=True, slots=True)
class RouteStats:
    """One route (page or endpoint) over one period."""

    route: str
    requests: float  # traffic in the period (a count or a mean rate; same unit for all routes)
    p95: float | None = None  # seconds; None = unknown
    errors_5xx: float = 0.0  # same unit as requests
    errors_404: float = 0.0


@dataclass(frozen=True, slots=True)
class RankedRoute:
    """One route of a ranking with its figure, weight, and change since the previous period.

    `value`: "slow": p95 seconds; "5xx"/"404": the error ratio (errors / requests). `count`:
    "slow": requests; errors: the error responses. `impact`: what the ranking orders by
    ("slow": request-seconds over the goal; errors: the error responses).
    """

    route: str
    value: float
    count: float
    traffic_share: float  # requests / all routes' requests, 0..1
    impact: float
    previous: float | None  # `value` in the previous period (None: route not seen then)
    change: float | None  # report_math.relative_change(value, previous)


@dataclass(frozen=True, slots=True)
class Ranking:
    """The routes of one kind of bottleneck, worst first, or why there are none."""

    kind: str  # "slow", "5xx" or "404"
    routes: tuple[RankedRoute, ...]  # worst first, at most `limit`
    missing: str = ""  # non-empty: why there is no ranking


@dataclass(frozen=True, slots=True)
class _Merged:
    """A route's rows of one period added up."""

    requests: float
    p95: float | None
    errors_5xx: float
    errors_404: float


def _positive(value: float | None) -> float:
    """`value` when it is a finite number above 0, else 0."""
    return value if value is not None and math.isfinite(value) and value > 0 else 0.0


def _merge(rows: Sequence[RouteStats]) -> dict[str, _Merged]:
    """The rows by route, duplicates merged (see the module docstring). Sums are exact
    (math.fsum), so they do not depend on the order of the rows either."""
    by_route: dict[str, list[RouteStats]] = {}
    for row in rows:
        by_route.setdefault(row.route, []).append(row)
    merged: dict[str, _Merged] = {}
    for route, group in by_route.items():
        timings = [r.p95 for r in group if r.p95 is not None and finite(r.p95) and r.p95 >= 0]
        merged[route] = _Merged(
            requests=math.fsum(_positive(r.requests) for r in group),
            p95=max(timings) if timings else None,
            errors_5xx=math.fsum(_positive(r.errors_5xx) for r in group),
            errors_404=math.fsum(_positive(r.errors_404) for r in group))
    return merged


def _slow_value(m: _Merged) -> float | None:
    """A route's p95 when it has one and traffic."""
    return m.p95 if m.p95 is not None and m.requests > 0 else None


def _errors_of(kind: str) -> Callable[[_Merged], float]:
    if kind == "5xx":
        return lambda m: m.errors_5xx
    if kind == "404":
        return lambda m: m.errors_404
    raise ValueError(f"an error ranking is of 5xx or 404, not {kind!r}")


def _ratio(errors: float, requests: float) -> float:
    """Errors over responses; the responses are at least the errors (they are a part of them,
    even when the two come from metrics that disagree)."""
    return errors / max(requests, errors) if errors > 0 else 0.0


def rank_slow(current: Sequence[RouteStats], previous: Sequence[RouteStats] = (),
              goal: float = 0.5, limit: int = 10) -> Ranking:
    """The slowest routes weighted by traffic: request-seconds over `goal` (seconds) first.

    Routes without a p95 or without traffic are left out; when all are, `missing` says why.
    """
    now = _merge(current)
    total = math.fsum(m.requests for m in now.values())
    if total <= 0:
        return Ranking("slow", (), "no route traffic in the period")
    before = _merge(previous)
    ranked: list[RankedRoute] = []
    for route, m in now.items():
        p95 = _slow_value(m)
        if p95 is None:
            continue
        old = before.get(route)
        prev = _slow_value(old) if old is not None else None
        ranked.append(RankedRoute(
            route=route, value=p95, count=m.requests, traffic_share=m.requests / total,
            impact=m.requests * max(p95 - goal, 0.0), previous=prev,
            change=relative_change(p95, prev)))
    if not ranked:
        return Ranking("slow", (), "no route timings in the period")
    ranked.sort(key=lambda r: (-r.impact, -r.count * r.value, r.route))
    return Ranking("slow", tuple(ranked[:max(0, limit)]))


def rank_errors(current: Sequence[RouteStats], previous: Sequence[RouteStats] = (),
                kind: str = "5xx", limit: int = 10) -> Ranking:
    """The routes with the most `kind` ("5xx" or "404") responses, most first.

    Routes with no such errors are left out; `missing` tells "no route traffic" from "no
    errors".
    """
    errors_of = _errors_of(kind)
    now = _merge(current)
    total = math.fsum(m.requests for m in now.values())
    if total <= 0 and not any(errors_of(m) > 0 for m in now.values()):
        return Ranking(kind, (), "no route traffic in the period")
    before = _merge(previous)
    ranked: list[RankedRoute] = []
    for route, m in now.items():
        errors = errors_of(m)
        if errors <= 0:
            continue
        value = _ratio(errors, m.requests)
        old = before.get(route)
        seen = old is not None and (old.requests > 0 or errors_of(old) > 0)
        prev = _ratio(errors_of(old), old.requests) if seen and old is not None else None
        ranked.append(RankedRoute(
            route=route, value=value, count=errors,
            traffic_share=m.requests / total if total > 0 else 0.0,
            impact=errors, previous=prev, change=relative_change(value, prev)))
    if not ranked:
        return Ranking(kind, (), f"no {kind} responses in the period")
    ranked.sort(key=lambda r: (-r.impact, -r.value, r.route))
    return Ranking(kind, tuple(ranked[:max(0, limit)]))
