"""Pages made lazily: the first frame has only the first page, the rest follow a turn at a time.

A board of three one-metric pages (Orders, Latency, Errors; the checkout-errors rule watches the
error rate, shown only on Errors). Checks that the first paint happens with only the first page
made, that the others are made one per event-loop turn after it and show the hub's data at once,
and that a page wanted before its turn (a key, a new alarm, the rotation) is made on the spot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from noc_board.config.schema import Config, PageConfig, PanelConfig
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.ui.board_page import BoardPageWidget
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.page_builder import PageBuilder
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.theme import palette
from noc_board.ui.timeseries_panel import TimeSeriesPanelWidget

from .conftest import ERRORS, LATENCY, ORDERS, feed_healthy, ingest, make_config


def three_pages(rotate: float = 0.0) -> Config:
    def page(name: str, metric: str) -> PageConfig:
        return PageConfig(name=name, panels=[
            PanelConfig(kind="stat", metrics=[metric], x=0, y=0, w=8, h=6),
            PanelConfig(kind="timeseries", metrics=[metric], x=8, y=0, w=16, h=6),
        ])

    config = make_config()
    board = replace(config.board, rotate=rotate)
    return replace(config, board=board, pages=[
        page("Orders", ORDERS), page("Latency", LATENCY), page("Errors", ERRORS)])


def built(window: WallboardWindow) -> list[bool]:
    return [page.built for page in window.pages]


def stat(window: WallboardWindow, index: int) -> StatTileWidget:
    return next(p for p in window.pages[index].panels if isinstance(p, StatTileWidget))


def chart(window: WallboardWindow, index: int) -> TimeSeriesPanelWidget:
    return next(p for p in window.pages[index].panels if isinstance(p, TimeSeriesPanelWidget))


class FirstPaint(QObject):
    """Notes which pages were made when the window painted for the first time."""

    def __init__(self, window: WallboardWindow) -> None:
        super().__init__(window)
        self.window = window
        self.built: list[bool] | None = None
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.built is None:
            self.built = built(self.window)
        return False


@pytest.fixture
def make_window(
    qapp: QApplication, clock: ManualClock
) -> Iterator[tuple[Hub, WallboardWindow]]:
    hub = Hub(three_pages(), clock)
    bridge = EngineBridge(hub)
    feed_healthy(hub, clock)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    window.resize(1280, 720)
    yield hub, window
    timers = window.findChildren(QTimer)
    window.shutdown()
    assert not [t.objectName() for t in timers if t.isActive()]
    window.close()
    window.deleteLater()
    bridge.close()


def test_the_first_frame_has_only_the_first_page_then_one_page_a_turn(
    make_window: tuple[Hub, WallboardWindow],
) -> None:
    _, window = make_window
    assert built(window) == [True, False, False]
    assert window.pages[1].panels == [] and window.pages[1].layout() is None  # an empty shell
    first = FirstPaint(window)
    window.show()
    counts = []
    for _ in range(10):
        QApplication.processEvents()
        counts.append(sum(built(window)))
        if first.built is None:
            assert counts[-1] == 1, "a page was made before the first frame"
    assert first.built == [True, False, False]
    painted_at = counts.index(1)  # the turn of the first paint
    assert counts[painted_at:painted_at + 3] == [1, 2, 3]  # then one page per turn
    assert not window.page_builder.timer.isActive()  # and the chain ends
    assert window.page_index() == 0  # made in the background: nothing else moved
    # a page made late shows the hub's data at once, before any repaint tick
    assert stat(window, 2).value_label.text() == "0.30"
    assert stat(window, 1).value_label.text() == "352"


def test_a_key_makes_the_next_page_at_once(make_window: tuple[Hub, WallboardWindow]) -> None:
    _, window = make_window
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.page_index() == 1
    assert built(window) == [True, True, False]  # only the page wanted, not the rest
    assert stat(window, 1).value_label.text() == "352"
    assert chart(window, 1).legend_texts() == ["Checkout p95 352 ms"]  # its series drawn too
    QTest.keyClick(window, Qt.Key.Key_Left)
    QTest.keyClick(window, Qt.Key.Key_Left)  # wraps round to the last page
    assert window.page_index() == 2 and built(window) == [True, True, True]
    assert stat(window, 2).value_label.text() == "0.30"


def test_a_new_alarm_makes_its_page_and_jumps_there(
    make_window: tuple[Hub, WallboardWindow], clock: ManualClock
) -> None:
    hub, window = make_window
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05, LATENCY: 400.0})  # checkout-errors fires
    assert window.page_index() == 2  # the error rate is only on Errors
    assert built(window) == [True, False, True]
    tile = stat(window, 2)
    assert tile.value_label.text() == "5.00"
    assert tile.state is not None
    assert (tile.state.alarm, tile.state.severity) == ("unacked", "critical")
    assert tile.flash_timer.isActive()  # the page of the alarm flashes at once


def test_the_rotation_and_a_metric_jump_make_pages_on_the_spot(
    qapp: QApplication, clock: ManualClock
) -> None:
    hub = Hub(three_pages(rotate=30.0), clock)
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    try:
        clock.advance(31)
        window.tick()  # Orders had its 30 s: the rotation goes on to Latency
        assert window.page_index() == 1 and built(window) == [True, True, False]
        assert stat(window, 1).value_label.text() == "—"  # made, and fed: nothing known yet
        assert window.show_page_for_metric(ERRORS) is True  # (the jump to a new alarm)
        assert window.page_index() == 2 and built(window) == [True, True, True]
        assert window.build_all_pages() == 0  # nothing left to make
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        bridge.close()


def test_a_window_closed_early_makes_no_more_pages(
    make_window: tuple[Hub, WallboardWindow],
) -> None:
    _, window = make_window
    window.show()
    window.shutdown()
    for _ in range(5):
        QApplication.processEvents()
    assert built(window) == [True, False, False]
    assert window.build_all_pages() == 2  # on demand (a screenshot of every page) still works
    assert all(p.panels for p in window.pages)


def test_without_a_first_frame_the_pages_are_made_after_a_grace(
    qtbot: QtBot, qapp: QApplication
) -> None:
    config = three_pages()
    theme = palette("dark")
    pages = [BoardPageWidget(page, config, theme, build=index == 1)
             for index, page in enumerate(config.pages)]
    made: list[BoardPageWidget] = []
    finished: list[bool] = []
    builder = PageBuilder(pages, lambda: 1, made.append, grace_ms=50)
    builder.finished.connect(lambda: finished.append(True))
    try:
        assert builder.pending() == [2, 0]  # next in rotation order first
        assert builder.timer.isActive() and builder.timer.interval() == 50
        qtbot.waitUntil(lambda: len(made) == 2, timeout=2000)
        assert made == [pages[2], pages[0]] and finished == [True]
        assert all(page.panels for page in pages) and not builder.timer.isActive()
    finally:
        builder.stop()
        for page in pages:
            page.deleteLater()
        builder.deleteLater()
