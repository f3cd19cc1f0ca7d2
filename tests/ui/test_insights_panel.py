"""The insights panel offscreen: the lines it shows from a planted store, and a feed that never
makes the GUI thread wait for the digest (it runs in a worker thread and lands on a later tick).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.reports.insight_digest import InsightDigest, insight_digest
from noc_board.store import Rollups, Store
from noc_board.ui.board_page import build_panel
from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.insights_feed import INSIGHTS_REFRESH
from noc_board.ui.insights_panel import InsightsPanelWidget, capacity_widths, fitting_rows
from noc_board.ui.theme import palette

from ..unit.insight_store import NOW, SLOW_ROUTE, insights_config, planted_store


class Panel:
    """The insights panel of `insights_config()`, fed by a real presenter; `refresh()` is the
    repaint tick (visible by default)."""

    def __init__(self, history: HistoryReader | None, size: tuple[int, int] = (900, 420)) -> None:
        self.config: Config = insights_config()
        self.clock = ManualClock(NOW)
        self.hub = Hub(self.config, self.clock)
        self.presenter = BoardPresenter(self.hub, history, dt.UTC)
        widget = build_panel(self.config.pages[0].panels[0], self.config, palette("dark"))
        assert isinstance(widget, InsightsPanelWidget)
        self.widget = widget
        widget.resize(*size)
        widget.show()

    def refresh(self, visible: bool = True) -> None:
        self.presenter.refresh([self.widget], self.clock.now(), draw_series=visible)

    def settle(self, qtbot: QtBot) -> None:
        """Wait for the digest in flight, then the tick that delivers it."""
        feed = self.presenter.feeds.insights
        qtbot.waitUntil(lambda: not feed.pending(self.widget), timeout=5000)
        self.refresh()

    def close(self) -> None:
        self.widget.stop_timers()
        self.widget.close()
        self.widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = planted_store(tmp_path)
    yield s
    s.close()


@pytest.fixture
def panel(qapp: QApplication, store: Store) -> Iterator[Panel]:
    p = Panel(HistoryReader(store.rollups))
    yield p
    p.close()


def drawn_colours(widget: QWidget) -> int:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), dtype=np.uint32)[: image.width() * image.height()]
    return int(np.unique(data[::3]).size)


def test_the_panel_shows_the_slow_route_and_the_short_history(panel: Panel,
                                                              qtbot: QtBot) -> None:
    panel.refresh()
    assert panel.widget.state is not None and panel.widget.state.status == "nodata"
    assert panel.widget.canvas.note == "reading the history…"
    panel.settle(qtbot)
    lines = panel.widget.lines()
    assert lines[0].startswith(f"{SLOW_ROUTE} 1.8 s p95 · ")
    assert len(panel.widget.shown.routes) == 5  # panel.limit
    assert lines[-2].startswith("Checkout database · peak ")
    assert "not enough history (" in lines[-1] and "of 14 days)" in lines[-1]
    state = panel.widget.state
    assert state is not None and (state.status, state.title, state.age_text) == (
        "ok", "Insights", "just now")
    assert drawn_colours(panel.widget.canvas) > 6  # text in several tones, not a blank
    panel.clock.advance(120.0)
    panel.refresh()
    assert panel.widget.state is not None and panel.widget.state.age_text == "2m ago"


@pytest.mark.parametrize("size", [(620, 300), (470, 210)])
def test_it_paints_at_wall_sizes(qapp: QApplication, store: Store, qtbot: QtBot,
                                 size: tuple[int, int]) -> None:
    """An 8-of-24-column, 6-row panel at 1920x1080 and at 1420x800."""
    p = Panel(HistoryReader(store.rollups), size)
    try:
        p.refresh()
        p.settle(qtbot)
        canvas = p.widget.canvas
        routes, capacity = fitting_rows(len(p.widget.shown.routes), 2, canvas.height())
        assert capacity == 2 and 1 <= routes <= 5
        assert drawn_colours(canvas) > 6
    finally:
        p.close()


def test_rows_give_way_routes_first() -> None:
    assert fitting_rows(5, 2, 400.0) == (5, 2)
    assert fitting_rows(5, 2, 150.0) == (3, 2)
    assert fitting_rows(5, 2, 60.0) == (1, 1)


def test_a_narrow_capacity_line_keeps_its_outlook() -> None:
    assert capacity_widths(600.0, 150.0, 200.0) == (150.0, 250.0, 200.0)  # all fit
    assert capacity_widths(400.0, 150.0, 230.0) == (150.0, 20.0, 230.0)  # the peak elided
    assert capacity_widths(400.0, 150.0, 260.0) == (140.0, 0.0, 260.0)  # then the name
    name, peak, outlook = capacity_widths(300.0, 150.0, 320.0)  # down to a third of the line
    assert (name, peak, outlook) == (100.0, 0.0, 200.0)  # then the outlook is elided


def test_the_feed_returns_before_the_digest_runs(panel: Panel, qtbot: QtBot) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_digest(rollups: Rollups, config: Config, zone: str, now: float,
                    window: float) -> InsightDigest:
        started.set()
        assert release.wait(10.0)
        return insight_digest(rollups, config, zone, now, window)

    panel.presenter.feeds.insights.digest = slow_digest
    try:
        began = time.perf_counter()
        panel.refresh()
        panel.refresh()  # a second tick does not wait either, nor start another digest
        assert time.perf_counter() - began < 0.5
        assert started.wait(5.0)
        assert panel.presenter.feeds.insights.pending(panel.widget)
        assert panel.widget.shown.empty and panel.widget.canvas.note == "reading the history…"
    finally:
        release.set()
    panel.settle(qtbot)
    assert panel.widget.shown.routes[0].route == SLOW_ROUTE


async def test_with_a_running_loop_the_digest_lands_without_a_tick(panel: Panel) -> None:
    panel.refresh()  # on the loop's thread, as the app's tick is (qasync)
    assert panel.widget.shown.empty
    for _ in range(500):  # the worker hands the digest to the loop: no refresh needed
        if not panel.widget.shown.empty:
            break
        await asyncio.sleep(0.01)
    assert panel.widget.shown.routes[0].route == SLOW_ROUTE
    state = panel.widget.state
    assert state is not None and (state.status, state.age_text) == ("ok", "just now")


def test_digests_at_most_every_five_minutes_and_only_while_visible(panel: Panel,
                                                                   qtbot: QtBot) -> None:
    calls: list[float] = []

    def counted(rollups: Rollups, config: Config, zone: str, now: float,
                window: float) -> InsightDigest:
        calls.append(now)
        return insight_digest(rollups, config, zone, now, window)

    panel.presenter.feeds.insights.digest = counted
    panel.refresh(visible=False)
    assert calls == [] and panel.presenter.feeds.insights.pending(panel.widget) is False
    panel.refresh()
    panel.settle(qtbot)
    assert calls == [NOW]
    panel.clock.advance(INSIGHTS_REFRESH - 1)
    panel.refresh()
    assert calls == [NOW]
    panel.clock.advance(2)
    panel.refresh(visible=False)  # due, but its page is hidden
    assert calls == [NOW]
    panel.refresh()
    panel.settle(qtbot)
    assert calls == [NOW, NOW + INSIGHTS_REFRESH + 1]


def test_a_failing_digest_or_store_says_why(panel: Panel, store: Store, qtbot: QtBot) -> None:
    def broken(rollups: Rollups, config: Config, zone: str, now: float,
               window: float) -> InsightDigest:
        raise RuntimeError("planted bug")

    panel.presenter.feeds.insights.digest = broken
    panel.refresh()
    panel.settle(qtbot)
    state = panel.widget.state
    assert state is not None and state.status == "nodata"
    assert "the insights failed: RuntimeError: planted bug" in panel.widget.canvas.note

    panel.presenter.feeds.insights.digest = insight_digest
    store.close()
    panel.clock.advance(INSIGHTS_REFRESH)
    panel.refresh()
    panel.settle(qtbot)
    assert "the store cannot be read" in panel.widget.canvas.note


def test_without_a_store_the_panel_says_so(qapp: QApplication) -> None:
    p = Panel(None)
    try:
        p.refresh()
        assert p.widget.state is not None and p.widget.state.status == "nodata"
        assert p.widget.canvas.note == "no history: the board runs without its store"
    finally:
        p.close()
