"""A store planted for the insights: hourly rollups of routes, saturation and load.

Shared by the digest tests (tests/unit/test_panel_insights.py) and the panel tests
(tests/ui/test_insights_panel.py). Each planted hour gets one sample at its middle, so an hour
bucket's mean is the planted value.

Planted: eight routes over the last two days; "/checkout" is the slow busy route (p95 1.8 s on
30 % of the traffic, 1.2 s the day before), "/payment" answers the most 5xx, "/product" the
most 404s. "Checkout database" (connections in use) follows the request load, which grows every
day for six weeks, so it projects a crossing; "Search CPU" has five days of history only.
"""

from __future__ import annotations

from pathlib import Path

from noc_board.config.schema import (
    BoardConfig,
    CapacityConfig,
    Config,
    InsightsConfig,
    MetricConfig,
    PageConfig,
    PanelConfig,
    SourceConfig,
)
from noc_board.core.samples import Sample
from noc_board.store import Store, open_store

DAY = 86_400.0
HOUR = 3600.0
NOW = 1_767_794_400.0 + 1800.0  # 2026-01-07T14:30:00Z (a Wednesday)

REQUESTS = "health.route_requests"
P95 = "health.route_p95"
FIVE = "health.route_5xx"
FOUR = "health.route_404"
DB = "health.db_connections"
CPU = "health.search_cpu"
LOAD = "health.requests"

# route: (requests per second, p95 today, p95 yesterday, 5xx /s, 404 /s)
ROUTES = {
    "/": (40.0, 0.30, 0.30, 0.0, 0.1),
    "/search": (25.0, 0.45, 0.40, 0.0, 0.0),
    "/product": (20.0, 0.35, 0.35, 0.0, 0.8),
    "/cart": (10.0, 0.40, 0.40, 0.0, 0.0),
    "/checkout": (30.0, 1.80, 1.20, 0.02, 0.0),
    "/payment": (8.0, 0.60, 0.60, 0.3, 0.0),
    "/account": (6.0, 0.50, 0.50, 0.0, 0.05),
    "/help/shipping": (0.05, 2.50, 2.50, 0.0, 0.01),
}
SLOW_ROUTE = "/checkout"


def insights_config(**insights: object) -> Config:
    """A board with the route metrics, two capacity targets and an insights panel."""
    cfg = InsightsConfig(
        route_requests=REQUESTS, route_latency=P95, route_5xx=FIVE, route_404=FOUR,
        latency_goal=0.5, load=LOAD,
        capacity=[CapacityConfig("Checkout database", DB, "", 0.85),
                  CapacityConfig("Search CPU", CPU, "", 0.85)])
    if insights:
        from dataclasses import replace
        cfg = replace(cfg, **insights)  # type: ignore[arg-type]
    metrics = [
        MetricConfig(id=REQUESTS, source="prom", unit="per_second", by="route"),
        MetricConfig(id=P95, source="prom", unit="seconds", by="route"),
        MetricConfig(id=FIVE, source="prom", unit="per_second", by="route"),
        MetricConfig(id=FOUR, source="prom", unit="per_second", by="route"),
        MetricConfig(id=DB, source="prom", label="DB connections", unit="ratio"),
        MetricConfig(id=CPU, source="prom", label="Search CPU", unit="ratio"),
        MetricConfig(id=LOAD, source="prom", label="Requests", unit="per_second"),
    ]
    return Config(
        board=BoardConfig(title="Insights test", timezone="UTC", rotate=0.0),
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://127.0.0.1:9090")],
        metrics=metrics, insights=cfg,
        pages=[PageConfig(name="Health", panels=[
            PanelConfig(kind="insights", title="Insights", x=0, y=0, w=12, h=8, limit=5)])],
    )


def _hourly(metric: str, start: float, end: float, value: float) -> list[Sample]:
    first = int(start // HOUR) * HOUR
    return [Sample(metric, t + HOUR / 2, value) for t in _hours(first, end)]


def _hours(first: float, end: float) -> list[float]:
    out = []
    t = first
    while t + HOUR / 2 < end:
        out.append(t)
        t += HOUR
    return out


def plant_routes(store: Store, now: float = NOW) -> None:
    """Two days of route rollups: yesterday and the last 24 h."""
    samples: list[Sample] = []
    for route, (rps, p95, p95_before, fivexx, notfound) in ROUTES.items():
        for start, end, latency in ((now - 2 * DAY, now - DAY, p95_before),
                                    (now - DAY, now, p95)):
            samples += _hourly(f"{REQUESTS}#{route}", start, end, rps)
            samples += _hourly(f"{P95}#{route}", start, end, latency)
            samples += _hourly(f"{FIVE}#{route}", start, end, fivexx)
            samples += _hourly(f"{FOUR}#{route}", start, end, notfound)
    store.rollups.add(samples)


def plant_capacity(store: Store, now: float = NOW, days: int = 42, short_days: int = 5) -> None:
    """Load growing 2 %/day with a daily rhythm; DB connections linear in load; CPU short."""
    samples: list[Sample] = []
    first = int((now - days * DAY) // HOUR) * HOUR
    for t in _hours(first, now):
        day = (t - first) / DAY
        hour = (t % DAY) / HOUR
        rhythm = 0.6 + 0.4 * max(0.0, 1.0 - abs(hour - 14.0) / 8.0)
        load = (100.0 + 2.0 * day) * rhythm
        samples.append(Sample(LOAD, t + HOUR / 2, load))
        samples.append(Sample(DB, t + HOUR / 2, 0.1 + 0.003 * load))
        if t >= now - short_days * DAY:
            samples.append(Sample(CPU, t + HOUR / 2, 0.05 + 0.002 * load))
    store.rollups.add(samples)


def planted_store(folder: Path, now: float = NOW) -> Store:
    """A new store with routes and capacity planted (the caller closes it)."""
    store = open_store(folder / "insights.sqlite")
    plant_routes(store, now)
    plant_capacity(store, now)
    return store
