"""Each page is built, fed, torn down and checked with weak references: nothing outlives it.

Also the whole board rebuilt by a configuration reload: the old windows, pages and panels go.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from noc_board.config.loader import load_config
from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.resources import resource_path
from noc_board.store import Store
from noc_board.ui.board_controller import BoardController
from noc_board.ui.board_page import BoardPageWidget
from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.kiosk import ScreensaverInhibitor
from noc_board.ui.theme import palette

from .full_board import START, feed, full_config, open_full_store


def flush() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_full_store(tmp_path, START)
    yield s
    s.close()


def demo_config() -> Config:
    return load_config(resource_path("config", "demo.toml"))


def page_refs(page: BoardPageWidget) -> list[weakref.ref[QObject]]:
    refs: list[weakref.ref[QObject]] = [weakref.ref(page)]
    for panel in page.panels:
        refs.append(weakref.ref(panel))
        refs += [weakref.ref(child) for child in panel.findChildren(QObject)]
    return refs


@pytest.mark.parametrize("which", ["full", "demo"])
def test_every_page_is_freed_when_torn_down(qapp: QApplication, store: Store, which: str) -> None:
    config = full_config() if which == "full" else demo_config()
    clock = ManualClock(START)
    hub = Hub(config, clock)
    if which == "full":
        feed(hub, clock, search_down=True)  # data, an alarm (flashing), breakdowns
    presenter = BoardPresenter(hub, HistoryReader(store.rollups), dt.UTC)
    theme = palette("dark")
    for page_config in config.pages:
        page = BoardPageWidget(page_config, config, theme)
        page.resize(1920, 960)
        page.show()
        presenter.refresh(page.panels, clock.now(), draw_series=True)
        clock.advance(1)
        presenter.refresh(page.panels, clock.now(), draw_series=True)
        timers = page.findChildren(QTimer)
        refs = page_refs(page)
        assert len(refs) > 3 * len(page.panels)
        page.stop_timers()
        assert not [t.objectName() for t in timers if t.isActive()]
        page.close()
        page.deleteLater()
        del page
        flush()
        alive = [r() for r in refs if r() is not None and shiboken6.isValid(r())]
        assert not alive, f"{page_config.name}: still alive after teardown: {alive[:5]}"
    assert len(presenter._drawn) == 0  # the presenter's caches hold panels weakly


class NoScreensaver(ScreensaverInhibitor):
    def __init__(self) -> None:
        super().__init__(platform="none")


def test_a_rebuilt_board_frees_the_old_windows(qapp: QApplication) -> None:
    clock = ManualClock(START)
    hub = Hub(full_config(), clock)
    bridge = EngineBridge(hub)
    controller = BoardController(bridge, clock, tick_ms=0, inhibitor=NoScreensaver())
    try:
        first = controller.build()
        feed(hub, clock)
        for window in first:
            window.tick()
        del window  # the loop's own reference
        refs: list[weakref.ref[QObject]] = [weakref.ref(w) for w in first]
        refs += [weakref.ref(p) for w in first for page in w.pages for p in page.panels]
        hooks = len(hub._listeners)
        del first
        rebuilt = Hub(full_config(), clock)  # a reload: a new engine, the same bridge
        bridge.rebind(rebuilt)
        second = controller.build()
        assert len(second) == 1 and second[0].hub is rebuilt
        del second
        flush()
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"still alive after the rebuild: {alive[:5]}"
        assert len(hub._listeners) == hooks - 1  # the old hub lost the bridge's relay
    finally:
        controller.shutdown()
        bridge.close()
        flush()
