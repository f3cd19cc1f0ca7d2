"""The demo board in the window it gets by default (1420x800): every text fits where it is drawn.

Panels scale their type down (or elide) as they shrink; nothing is cut off at the top or the
bottom, nothing runs into its neighbour. Each page of the real demo configuration is fed wide
values (long numbers, changes, a service down, long breakdown labels), shown and painted, then
every visible label and painted text of its panels is measured (`text_fit`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication

from noc_board.config.loader import load_config
from noc_board.config.schema import Config, MetricConfig
from noc_board.core.clock import ManualClock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.engine.launch import demo_config_path
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow

from .conftest import START
from .text_fit import text_problems

# the window the board gets by default on a small screen, and about the narrowest it allows
SIZES = [(1420, 800), (1120, 800)]
# wide but plausible numbers per unit: five digits, two decimals, a unit to the right
WIDE = {"count": 38_888.0, "ratio": 0.0888, "percent": 88.88, "seconds": 0.888,
        "ms": 8_888.0, "money": 88_888.0, "per_second": 8_888.0, "per_minute": 8_888.0,
        "bytes": 888.0 * 2**20}
LONG_ROWS = (("requested_by_customer", 35.0), ("United States of America", 1091.0),
             ("Cast-iron pan, 28 cm", 88.0), ("processing_error", 4.0), ("duplicate", 2.0),
             ("fraudulent", 1.0), ("Germany", 449.0), ("/order-confirmation", 796.0))
FLOW = (("(entrance) → /", 5200.0), ("/ → /product", 3100.0), ("/product → /cart", 1500.0),
        ("/cart → /checkout", 900.0), ("/checkout → /order-confirmation", 610.0))
FUNNEL = (("/", 16_100.0), ("/product", 14_300.0), ("/cart", 4_705.0), ("/checkout", 2_017.0),
          ("/order-confirmation", 796.0))


def value_of(metric: MetricConfig, minutes_ago: int, ups: frozenset[str]) -> float:
    """A metric's value: for an up metric (`ups`, those of status grids) 1, 0 for the checkout;
    else wide for its unit, a little lower an hour ago so tiles show a change."""
    if metric.id in ups:
        return 0.0 if "checkout" in metric.id else 1.0
    base = WIDE.get(metric.unit, 8_888.0)
    return base * (1.0 - 0.002 * minutes_ago)


def feed_demo(hub: Hub, config: Config, now: float) -> None:
    """An hour of every metric (a point a minute), then each breakdown once."""
    ups = frozenset(m for page in config.pages for panel in page.panels
                    if panel.kind == "status" for m in panel.metrics)
    by_source: dict[str, list[MetricConfig]] = {}
    for metric in config.metrics:
        by_source.setdefault(metric.source, []).append(metric)
    for minutes_ago in range(60, -1, -1):
        at = now - minutes_ago * 60.0
        for source, metrics in by_source.items():
            samples = [Sample(m.id, at, value_of(m, minutes_ago, ups)) for m in metrics]
            hub.ingest(PollResult(source, at, samples))
    breakdowns: dict[str, list[Breakdown]] = {}
    for page in config.pages:
        for panel in page.panels:
            if not panel.breakdown:
                continue
            rows = {"funnel": FUNNEL, "flow": FLOW}.get(panel.kind, LONG_ROWS)
            source = panel.breakdown.split(".")[0]
            breakdowns.setdefault(source, []).append(Breakdown(panel.breakdown, now, rows))
    for source, tables in breakdowns.items():
        hub.ingest(PollResult(source, now, [], tables))


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def small_window(qapp: QApplication, request: pytest.FixtureRequest) -> Iterator[WallboardWindow]:
    config = load_config(demo_config_path())
    clock = ManualClock(START)
    hub = Hub(config, clock)
    bridge = EngineBridge(hub)
    feed_demo(hub, config, clock.now())
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    window.resize(*request.param)
    window.show()
    yield window
    timers = window.findChildren(QTimer)
    window.shutdown()
    running = [t.objectName() or repr(t) for t in timers if t.isActive()]
    window.close()
    window.deleteLater()
    bridge.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert not running, f"timers left running after shutdown: {running}"


def test_every_text_of_every_page_fits_a_small_window(small_window: WallboardWindow) -> None:
    window = small_window
    size = (window.width(), window.height())
    assert size in SIZES  # the window is as small as asked: nothing in it insists on more
    problems: list[str] = []
    for index, page in enumerate(window.pages):
        window.show_page(index)
        window.tick()
        QApplication.processEvents()
        assert (window.width(), window.height()) == size
        window.grab()  # paints every panel: the canvases record what they drew
        problems += [f"{page.page.name}: {p}" for p in text_problems(page)]
    assert not problems, "\n".join(problems)
