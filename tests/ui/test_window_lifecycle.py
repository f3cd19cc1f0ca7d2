"""The window's life: torn down without leaks or running timers; rendered legibly at 1080p."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from noc_board.config.schema import Config, PageConfig, PanelConfig
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow

from .conftest import ERRORS, LATENCY, ORDERS, START, feed_healthy, ingest

SCREENSHOT = Path("/tmp/noc_ui_check.png")


def _flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def test_teardown_frees_pages_tiles_and_timers(
    qapp: object, hub: Hub, clock: ManualClock
) -> None:
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=1000)
    window.resize(1920, 1080)
    window.show()
    feed_healthy(hub, clock)
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05, LATENCY: 900.0})
    window.tick()
    window.banner.request_ack()  # an open dialog must go too
    timers = window.findChildren(QTimer)
    assert sum(t.isActive() for t in timers) >= 3  # the tick and two flashing panels
    refs: list[weakref.ref[QObject]] = [weakref.ref(window)]
    refs += [weakref.ref(p) for p in window.pages]
    refs += [weakref.ref(panel) for page in window.pages for panel in page.panels]
    refs.append(weakref.ref(window.banner))

    window.close()
    window.deleteLater()
    del window
    _flush_deletes()

    alive = [r() for r in refs if r() is not None]
    assert not alive, f"still alive after teardown: {alive}"
    running = [t for t in timers if shiboken6.isValid(t) and t.isActive()]
    assert not running
    assert all(not shiboken6.isValid(t) for t in timers)  # deleted with their owners
    ingest(hub, "prom", clock.now() + 1, **{ERRORS: 0.001})  # the bridge outlives the window
    bridge.close()


def _rich_config(config: Config) -> Config:
    """The test board's first page, filled out like a real one."""
    overview = PageConfig(name="Overview", panels=[
        PanelConfig(kind="stat", metrics=[ORDERS], x=0, y=0, w=6, h=6, window=1800.0),
        PanelConfig(kind="stat", metrics=[ERRORS], x=6, y=0, w=6, h=6, window=1800.0),
        PanelConfig(kind="stat", metrics=[LATENCY], x=12, y=0, w=6, h=6, window=1800.0),
        PanelConfig(kind="stat", metrics=[ORDERS], title="Orders vs yesterday", compare="day",
                    x=18, y=0, w=6, h=6, window=1800.0),
        PanelConfig(kind="timeseries", metrics=[LATENCY], title="Checkout p95 latency",
                    x=0, y=6, w=12, h=10, window=3600.0),
        PanelConfig(kind="timeseries", metrics=[ERRORS], title="Checkout error rate",
                    x=12, y=6, w=12, h=10, window=3600.0),
    ])
    return replace(config, pages=[overview, *config.pages[1:]])


def test_render_at_1080p_is_not_blank(qtbot: QtBot, config: Config) -> None:
    clock = ManualClock(START)
    hub = Hub(_rich_config(config), clock)
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    feed_healthy(hub, clock, minutes=55)
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.041, LATENCY: 610.0})
    clock.advance(4)
    window.tick()
    QCoreApplication.processEvents()  # let the layouts settle (no waiting: nothing is timed)

    image = window.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(SCREENSHOT))
    saved = QImage(str(SCREENSHOT))
    colours = {saved.pixel(x, y) for x in range(0, 1920, 7) for y in range(0, 1080, 7)}
    assert len(colours) > 40, "the board rendered (nearly) blank"
    critical = int(window.theme.critical.lstrip("#"), 16) | 0xFF000000
    assert critical in colours  # the alarm border and badge are drawn
    window.close()
    bridge.close()
