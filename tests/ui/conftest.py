"""Fixtures for the widget tests: a small board on a real Hub with a manual clock, offscreen Qt.

The board: two sources (prom, stripe), three metrics, two pages, one threshold rule
(checkout-errors: error rate above 2 %, critical, clears at 1 %). Data goes in the way the engine
puts it in: `hub.ingest(PollResult)` and `hub.source_failed`. Time only moves with `clock.advance`,
and the window's repaint tick is driven by calling `window.tick()`.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication

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
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow

START = 1_767_794_400.0  # 2026-01-07T14:00:00Z
ERRORS = "health.checkout.error_rate"
LATENCY = "health.checkout.p95"
ORDERS = "biz.orders_per_minute"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A Qt warning fails a widget test (STYLE.md: strict tests)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # the offscreen platform says this for every top-level window it shows
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


def make_config() -> Config:
    """The small board every widget test uses."""
    return Config(
        board=BoardConfig(title="Marketplace NOC", timezone="Europe/Berlin",
                          operators=["alice", "bob"], history_points=500),
        sources=[
            SourceConfig(name="prom", kind="prometheus", url="http://127.0.0.1:9090",
                         interval=15.0),
            SourceConfig(name="stripe", kind="stripe", url="http://127.0.0.1:12111",
                         interval=60.0, currency="EUR"),
        ],
        metrics=[
            MetricConfig(id=ERRORS, source="prom", label="Checkout errors", unit="ratio",
                         good="down"),
            MetricConfig(id=LATENCY, source="prom", label="Checkout p95", unit="ms",
                         good="down"),
            MetricConfig(id=ORDERS, source="stripe", label="Orders", unit="per_minute",
                         good="up"),
        ],
        pages=[
            PageConfig(name="Overview", panels=[
                PanelConfig(kind="stat", metrics=[ORDERS], x=0, y=0, w=8, h=6, window=1800.0),
                PanelConfig(kind="stat", metrics=[ERRORS], x=8, y=0, w=8, h=6, window=1800.0),
                PanelConfig(kind="stat", metrics=[LATENCY], x=16, y=0, w=8, h=6, window=1800.0),
                PanelConfig(kind="timeseries", metrics=[ERRORS], title="Error rate", x=0, y=6,
                            w=24, h=10, window=3600.0),
            ]),
            PageConfig(name="Checkout", panels=[
                PanelConfig(kind="timeseries", metrics=[LATENCY, ERRORS], x=0, y=0, w=16, h=8),
                PanelConfig(kind="stat", metrics=[LATENCY], x=16, y=0, w=8, h=8),
            ]),
        ],
        rules=[
            RuleConfig(id="checkout-errors", metric=ERRORS, op="above", level=0.02, clear=0.01,
                       severity="critical", summary="Checkout errors above 2 %"),
        ],
    )


def ingest(hub: Hub, source: str, at: float, **values: float) -> None:
    """One successful poll of `source` at `at` with metric id -> value."""
    samples = [Sample(metric=m, ts=at, value=v) for m, v in values.items()]
    hub.ingest(PollResult(source=source, polled_at=at, samples=samples))


def feed_healthy(hub: Hub, clock: ManualClock, minutes: int = 40) -> None:
    """`minutes` of healthy history up to the clock's time, then one live poll of each source."""
    now = clock.now()
    for i in range(minutes * 4, 0, -1):
        at = now - i * 15.0
        ingest(hub, "prom", at, **{ERRORS: 0.002 + 0.0005 * (i % 3), LATENCY: 340.0 + i % 7})
        if i % 4 == 0:
            ingest(hub, "stripe", at, **{ORDERS: 200.0 + (i % 11)})
    ingest(hub, "prom", now, **{ERRORS: 0.003, LATENCY: 352.0})
    ingest(hub, "stripe", now, **{ORDERS: 240.0})


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def hub(config: Config, clock: ManualClock) -> Hub:
    return Hub(config, clock)


@pytest.fixture
def bridge(qapp: QApplication, hub: Hub) -> Iterator[EngineBridge]:
    b = EngineBridge(hub)
    yield b
    b.close()


@pytest.fixture
def window(
    qtbot: object, hub: Hub, bridge: EngineBridge, clock: ManualClock
) -> Iterator[WallboardWindow]:
    """The board at 1920x1080 with the automatic tick off (tests call `tick()`)."""
    w = WallboardWindow(hub, bridge, clock, tick_ms=0)
    w.resize(1920, 1080)
    w.show()
    yield w
    timers = w.findChildren(QTimer)
    w.shutdown()
    running = [t.objectName() or repr(t) for t in timers if t.isActive()]
    w.close()
    w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert not running, f"timers left running after shutdown: {running}"
