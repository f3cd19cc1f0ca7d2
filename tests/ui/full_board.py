"""A board with every panel kind and fake published state: values, breakdowns, rollups.

Used by the panel tests, the leak tests and the visual check. Data goes in as the engine puts it
in (`hub.ingest` of PollResults with samples and breakdowns, `hub.source_failed`), and the store's
hourly rollups are filled directly (what the live polls or the seeding would have written).
"""

from __future__ import annotations

import math
from pathlib import Path

from noc_board.config.schema import (
    BoardConfig,
    Config,
    MetricConfig,
    PageConfig,
    PanelConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.clock import ManualClock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.store import Store, open_store

START = 1_767_794_400.0  # 2026-01-07T14:00:00Z, a Wednesday
SERVICES = ("checkout", "search", "payments")
FLOW = (
    ("(entrance) → /", 5200.0), ("www.google.com → /product", 2100.0), ("/ → /product", 3100.0),
    ("/ → /search", 1400.0), ("/search → /product", 1100.0), ("/product → /cart", 1500.0),
    ("/cart → /checkout", 900.0), ("/checkout → /thanks", 610.0), ("/product → /", 700.0),
)
PRODUCTS = (("Espresso machine", 12_400.0), ("Grinder", 8_100.0), ("Kettle", 4_300.0),
            ("Mugs (set of 4)", 2_100.0), ("Beans 1 kg", 1_900.0), ("Scale", 900.0),
            ("Filter papers", 300.0), ("Descaler", 120.0), ("Tamper", 90.0))
FUNNEL = (("/", 5200.0), ("/product", 3100.0), ("/cart", 1500.0), ("/checkout", 900.0),
          ("/thanks", 610.0))


def up_id(service: str) -> str:
    return f"health.{service}.up"


def p95_id(service: str) -> str:
    return f"health.{service}.p95"


def full_config() -> Config:
    """Two pages holding one panel of every kind."""
    metrics = [
        MetricConfig(id="users.concurrent", source="prom", label="Users on site", good="up"),
        MetricConfig(id="health.error_rate", source="prom", label="5xx rate", unit="ratio",
                     good="down"),
        MetricConfig(id="sales.orders", source="stripe", label="Orders today", good="up"),
        MetricConfig(id="funnel.visits", source="ga4", label="Visits"),
        MetricConfig(id="funnel.carts", source="ga4", label="Carts"),
        MetricConfig(id="funnel.orders", source="ga4", label="Orders"),
    ]
    for s in SERVICES:
        metrics.append(MetricConfig(id=up_id(s), source="prom", label=f"{s.title()} up"))
        metrics.append(MetricConfig(id=p95_id(s), source="prom", label=f"{s} p95",
                                    unit="seconds", good="down"))
    return Config(
        board=BoardConfig(title="Full board", timezone="UTC", history_points=2000, rotate=30.0,
                          idle_resume=60.0, alarm_hold=120.0),
        sources=[
            SourceConfig(name="prom", kind="prometheus", url="http://127.0.0.1:1", interval=15.0),
            SourceConfig(name="stripe", kind="stripe", url="http://127.0.0.1:1", interval=60.0,
                         currency="EUR"),
            SourceConfig(name="ga4", kind="ga4", url="http://127.0.0.1:1", interval=60.0,
                         property_id="1"),
        ],
        metrics=metrics,
        pages=[
            PageConfig(name="Operations", panels=[
                PanelConfig(kind="stat", metrics=["health.error_rate"], x=0, y=0, w=6, h=4,
                            compare="day"),
                PanelConfig(kind="timeseries", metrics=["health.error_rate"], title="5xx",
                            x=6, y=0, w=12, h=6, window=3600.0, overlay="day"),
                PanelConfig(kind="clock", x=18, y=0, w=6, h=3, timezone="Europe/Berlin"),
                PanelConfig(kind="status", metrics=[up_id(s) for s in SERVICES],
                            response=[p95_id(s) for s in SERVICES], title="Services",
                            x=0, y=6, w=12, h=5, window=3600.0),
                PanelConfig(kind="heatmap", metrics=["users.concurrent"], x=12, y=6, w=12, h=6,
                            days=14),
            ]),
            PageConfig(name="Business", duration=45.0, panels=[
                PanelConfig(kind="bars", breakdown="stripe.top_products", unit="money",
                            limit=6, x=0, y=0, w=12, h=6),
                PanelConfig(kind="funnel", breakdown="ga4.funnel", x=12, y=0, w=12, h=6),
                PanelConfig(kind="funnel", metrics=["funnel.visits", "funnel.carts",
                                                    "funnel.orders"], title="Metric funnel",
                            x=0, y=6, w=8, h=6),
                PanelConfig(kind="flow", breakdown="ga4.behaviour_flow", limit=5,
                            x=8, y=6, w=16, h=8),
                PanelConfig(kind="stat", metrics=["sales.orders"], x=0, y=12, w=8, h=3,
                            compare="week"),
            ]),
        ],
        rules=[
            RuleConfig(id="errors-warn", metric="health.error_rate", level=0.02, clear=0.01,
                       severity="warning"),
            RuleConfig(id="errors-crit", metric="health.error_rate", level=0.05, clear=0.02,
                       severity="critical"),
            RuleConfig(id="search-down", metric=up_id("search"), op="below", level=0.5,
                       clear=1.0, severity="critical", summary="Search is down"),
        ],
    )


def feed(hub: Hub, clock: ManualClock, minutes: int = 60, search_down: bool = False) -> None:
    """`minutes` of history (a point every 15 s) up to now, breakdowns, and funnel metrics."""
    now = clock.now()
    for i in range(minutes * 4, -1, -1):
        at = now - i * 15.0
        values = {"users.concurrent": 1500 + 300 * math.sin(i / 40.0),
                  "health.error_rate": 0.004 + 0.002 * math.sin(i / 9.0)}
        for s in SERVICES:
            down = search_down and s == "search" and i < 8
            values[up_id(s)] = 0.0 if down else 1.0
            values[p95_id(s)] = math.nan if down else 0.3 + 0.05 * (i % 5)
        hub.ingest(PollResult("prom", at, [Sample(m, at, v) for m, v in values.items()]))
    hub.ingest(PollResult("stripe", now, [Sample("sales.orders", now, 612.0)],
                          [Breakdown("stripe.top_products", now, PRODUCTS)]))
    hub.ingest(PollResult("ga4", now, [Sample("funnel.visits", now, 5200.0),
                                       Sample("funnel.carts", now, 1500.0),
                                       Sample("funnel.orders", now, 610.0)],
                          [Breakdown("ga4.funnel", now, FUNNEL),
                           Breakdown("ga4.behaviour_flow", now, FLOW)]))


def fill_rollups(store: Store, now: float, days: int = 14) -> None:
    """Hourly history of users.concurrent (a daily and weekly shape) and a day-old error rate."""
    samples = []
    start = now - days * 86_400.0
    t = start
    while t < now - 3600:
        hour = (t % 86_400) / 3600
        weekday = int((t // 86_400 + 3) % 7)  # 1970-01-01 was a Thursday
        value = 800 + 900 * math.exp(-((hour - 20) ** 2) / 18) + (200 if weekday < 5 else -150)
        samples.append(Sample("users.concurrent", t, value))
        samples.append(Sample("health.error_rate", t, 0.003))
        samples.append(Sample("sales.orders", t, 500.0))
        t += 300.0 if now - t < 2 * 86_400.0 else 3600.0  # minutes only where charts look
    store.rollups.add(samples)


def open_full_store(tmp: Path, now: float) -> Store:
    store = open_store(tmp / "board.sqlite3")
    fill_rollups(store, now)
    return store
