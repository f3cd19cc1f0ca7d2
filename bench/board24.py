"""The board the soak and frame benchmarks run: 24 panels of every kind on one 1080p page, fed
the way the engine feeds it (`hub.ingest` of poll results), with no network.

24 panels: 10 stat tiles, 6 time series (two with three lines, one with a comparison overlay),
2 top-N bars, a funnel, a flow, a heatmap, a status grid, another status grid and a clock. Every
metric gets a new value on each `feed()`, breakdowns change, and the error rate crosses its rule
now and then so alarms raise, flash and clear.
"""

from __future__ import annotations

import math
import random

from noc_board.config.schema import (
    BoardConfig,
    Config,
    MetricConfig,
    PageConfig,
    PanelConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.engine.hub import Hub

SERVICES = ("web", "search", "catalog", "checkout", "payments")
STATS = ("users", "orders", "revenue", "aov", "declines", "refunds", "cpu", "db", "rtt", "rps")
INTERVAL = 5.0


def metric_ids() -> list[str]:
    ids = [f"kpi.{name}" for name in STATS]
    ids += [f"svc.{s}.up" for s in SERVICES] + [f"svc.{s}.p95" for s in SERVICES]
    ids += [f"svc.{s}.errors" for s in SERVICES]
    return ids


def board_config(history_points: int = 1440) -> Config:
    metrics = [MetricConfig(id=m, source="fake", label=m.split(".", 1)[1].replace(".", " "),
                            unit="ratio" if m.endswith("errors") else
                            "seconds" if m.endswith("p95") else "count", good="up")
               for m in metric_ids()]
    panels: list[PanelConfig] = []
    for i, name in enumerate(STATS):  # two rows of five tiles
        panels.append(PanelConfig(kind="stat", metrics=[f"kpi.{name}"], x=(i % 5) * 4,
                                  y=(i // 5) * 3, w=4, h=3, window=3600.0))
    panels.append(PanelConfig(kind="clock", x=20, y=0, w=4, h=3))
    panels.append(PanelConfig(kind="status", metrics=[f"svc.{s}.up" for s in SERVICES],
                              response=[f"svc.{s}.p95" for s in SERVICES], x=20, y=3, w=4, h=3))
    chart_sets = [["kpi.users"], ["kpi.orders"], [f"svc.{s}.errors" for s in SERVICES[:3]],
                  [f"svc.{s}.p95" for s in SERVICES[:3]], ["kpi.revenue"], ["kpi.rps"]]
    for i, ids in enumerate(chart_sets):  # two rows of three charts
        panels.append(PanelConfig(kind="timeseries", metrics=ids, x=(i % 3) * 8,
                                  y=6 + (i // 3) * 4, w=8, h=4, window=7200.0,
                                  overlay="day" if i == 0 else "none"))
    bottom = [
        PanelConfig(kind="bars", breakdown="fake.top_products", limit=5),
        PanelConfig(kind="bars", breakdown="fake.failure_codes", limit=5),
        PanelConfig(kind="funnel", breakdown="fake.funnel"),
        PanelConfig(kind="flow", breakdown="fake.flow", limit=4),
        PanelConfig(kind="heatmap", metrics=["kpi.users"], days=14),
        PanelConfig(kind="status", metrics=[f"svc.{s}.up" for s in SERVICES[:3]],
                    title="Probes"),
    ]
    for i, panel in enumerate(bottom):
        panels.append(PanelConfig(**{**panel.__dict__, "x": i * 4, "y": 14, "w": 4, "h": 4}))
    assert len(panels) == 24
    return Config(
        board=BoardConfig(title="Bench: 24 panels", history_points=history_points),
        sources=[SourceConfig(name="fake", kind="prometheus", url="http://127.0.0.1:9",
                              interval=INTERVAL)],
        metrics=metrics,
        pages=[PageConfig(name="Everything", panels=panels)],
        rules=[RuleConfig(id="errors", metric="svc.checkout.errors", level=0.05, clear=0.02,
                          severity="critical"),
               RuleConfig(id="search-down", metric="svc.search.up", op="below", level=0.5,
                          clear=1.0, severity="warning")],
    )


class Feeder:
    """Makes one poll's worth of data for every metric at time `t`."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def poll(self, hub: Hub, t: float) -> None:
        self.n += 1
        day = math.sin(t / 86_400 * 2 * math.pi)
        values: dict[str, float] = {}
        for i, name in enumerate(STATS):
            values[f"kpi.{name}"] = (100 + 10 * i) * (1.3 + day) * self.rng.uniform(0.95, 1.05)
        incident = (self.n // 60) % 12 == 5  # five minutes of trouble every hour
        for s in SERVICES:
            down = incident and s == "search"
            values[f"svc.{s}.up"] = 0.0 if down else 1.0
            values[f"svc.{s}.p95"] = math.nan if down else self.rng.uniform(0.2, 0.5)
            bad = incident and s == "checkout"
            values[f"svc.{s}.errors"] = self.rng.uniform(0.06, 0.1) if bad else \
                self.rng.uniform(0.001, 0.004)
        breakdowns = []
        if self.n % 3 == 0:  # tables change less often than numbers, as Stripe's and GA4's do
            products = tuple((f"Product {k}", self.rng.uniform(100, 5000)) for k in range(15))
            codes = tuple((c, float(self.rng.randint(0, 50))) for c in
                          ("card_declined", "expired_card", "incorrect_cvc", "processing_error"))
            steps = [5000.0]
            for _ in range(4):
                steps.append(steps[-1] * self.rng.uniform(0.3, 0.7))
            funnel = tuple(zip(("/", "/product", "/cart", "/checkout", "/thanks"), steps,
                               strict=True))
            pages = ("/", "/product", "/cart", "/search", "/checkout")
            flow = tuple((f"{a} → {b}", self.rng.uniform(50, 900)) for a in
                         ("(entrance)", *pages) for b in pages if a != b)
            breakdowns = [Breakdown("fake.top_products", t, products),
                          Breakdown("fake.failure_codes", t, codes),
                          Breakdown("fake.funnel", t, funnel), Breakdown("fake.flow", t, flow)]
        hub.ingest(PollResult("fake", t, [Sample(m, t, v) for m, v in values.items()],
                              breakdowns))
