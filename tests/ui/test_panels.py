"""Every panel kind on a real hub with fake published state: values, stale, failing, alarm.

Each panel of `full_board` is built on its own and fed by a real presenter from a real hub and a
store with two weeks of rollups behind the heatmap and the comparisons; `board.refresh()` is the
repaint tick, and time moves only with the manual clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from noc_board.core.alarms import AlarmEvent, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.store import Store
from noc_board.ui.bars_panel import BarsPanelWidget
from noc_board.ui.board_page import build_panel
from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.clock_panel import ClockPanelWidget
from noc_board.ui.flow_panel import FlowPanelWidget
from noc_board.ui.funnel_panel import FunnelPanelWidget
from noc_board.ui.heatmap_panel import HeatmapPanelWidget
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.status_grid import StatusGridWidget
from noc_board.ui.theme import palette
from noc_board.ui.timeseries_panel import TimeSeriesPanelWidget

from .full_board import START, feed, full_config, open_full_store, up_id

W = TypeVar("W", bound=PanelFrameWidget)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_full_store(tmp_path, START)
    yield s
    s.close()


@pytest.fixture
def hub(clock: ManualClock) -> Hub:
    config = full_config()
    # no rotation here: the page under test stays up (rotation has its own tests)
    return Hub(replace(config, board=replace(config.board, rotate=0.0)), clock)


class Board:
    """One panel of the full board, fed by a real presenter: `refresh()` is the repaint tick."""

    def __init__(self, hub: Hub, clock: ManualClock, history: HistoryReader | None) -> None:
        self.hub = hub
        self.clock = clock
        self.theme = palette("dark")
        self.presenter = BoardPresenter(hub, history, dt.UTC)
        self.widgets: list[PanelFrameWidget] = []

    def panel(self, kind: type[W], title: str = "") -> W:
        config = self.hub.config
        for page in config.pages:
            for panel in page.panels:
                widget = build_panel(panel, config, self.theme)
                if isinstance(widget, kind) and (not title or panel.title == title):
                    widget.resize(900, 520)
                    widget.show()
                    self.widgets.append(widget)
                    self.refresh()
                    return widget
                widget.deleteLater()
        raise AssertionError(f"no {kind.__name__} {title}")

    def refresh(self) -> None:
        self.presenter.refresh(self.widgets, self.clock.now(), draw_series=True)

    def close(self) -> None:
        for widget in self.widgets:
            widget.stop_timers()
            widget.close()
            widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def board(qapp: QApplication, hub: Hub, store: Store, clock: ManualClock) -> Iterator[Board]:
    b = Board(hub, clock, HistoryReader(store.rollups))
    yield b
    b.close()


def drawn_colours(widget: QWidget) -> int:
    """How many distinct colours a widget paints (a blank panel paints one or two)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), dtype=np.uint32)[: image.width() * image.height()]
    return int(np.unique(data[::7]).size)


def status(widget: PanelFrameWidget) -> str:
    """The status the panel draws ("ok", "stale", "failing", "nodata")."""
    assert widget.state is not None
    return widget.state.status


def go_stale(clock: ManualClock, seconds: float = 400.0) -> None:
    clock.advance(seconds)


def fail(hub: Hub, clock: ManualClock, source: str) -> None:
    for _ in range(2):
        hub.source_failed(source, "HTTP 503: Service Unavailable", clock.now())


# --- top-N bars ------------------------------------------------------------------------------


def test_bars_values_stale_failing_and_nothing(board: Board, hub: Hub,
                                               clock: ManualClock) -> None:
    bars = board.panel(BarsPanelWidget)
    assert status(bars) == "nodata"
    assert not bars.shown.bars and bars.canvas.note == "no data yet"
    feed(hub, clock)
    board.refresh()
    assert bars.state is not None and bars.state.title == "Top products"
    assert [b.label for b in bars.shown.bars][:2] == ["Espresso machine", "Grinder"]
    assert bars.shown.bars[0].value_text == "12.4k EUR"  # the source's currency
    assert bars.shown.more_text.startswith("+3 more")
    assert drawn_colours(bars.canvas) > 10
    go_stale(clock)
    board.refresh()
    assert status(bars) == "stale" and bars.canvas.greyed
    assert bars.reason_label.isVisibleTo(bars) and "stale" in bars.reason_label.text()
    assert bars.shown.bars  # the last known rows stay, dimmed, with the reason
    fail(hub, clock, "stripe")
    board.refresh()
    assert status(bars) == "failing"
    assert "source down: stripe: HTTP 503" in bars.reason_label.text()


# --- funnel ----------------------------------------------------------------------------------


def test_funnels_from_a_breakdown_and_from_metrics(board: Board, hub: Hub,
                                                   clock: ManualClock) -> None:
    table = board.panel(FunnelPanelWidget, "")
    metrics = board.panel(FunnelPanelWidget, "Metric funnel")
    feed(hub, clock)
    board.refresh()
    assert [s.label for s in table.shown.steps] == ["/", "/product", "/cart", "/checkout",
                                                    "/thanks"]
    assert table.shown.steps[1].drop_text == "−40.4%"
    assert [s.count_text for s in metrics.shown.steps] == ["5,200", "1,500", "610"]
    assert metrics.shown.overall_text == "11.73% of Visits → Orders"
    assert drawn_colours(table.canvas) > 10
    fail(hub, clock, "ga4")
    board.refresh()
    assert status(table) == "failing"
    assert status(metrics) == "failing"
    assert table.canvas.greyed and metrics.canvas.greyed


# --- behaviour flow --------------------------------------------------------------------------


def test_flow_shows_paths_and_exits(board: Board, hub: Hub, clock: ManualClock) -> None:
    flow = board.panel(FlowPanelWidget)
    assert flow.canvas.note == "no data yet"
    feed(hub, clock)
    board.refresh()
    body = flow.shown
    assert body.left[0].label == "Entrance" and body.right[-1].label == "Exit"
    assert body.summary_text.endswith("% of views end the visit")
    assert drawn_colours(flow.canvas) > 20
    go_stale(clock)
    board.refresh()
    assert status(flow) == "stale" and flow.canvas.greyed
    hub.ingest(PollResult("ga4", clock.now(), [],
                          [Breakdown("ga4.behaviour_flow", clock.now(), (("nonsense", 3.0),))]))
    board.refresh()
    assert status(flow) == "nodata"
    assert "no \"from → to\" page transitions" in flow.canvas.note


# --- heatmap ---------------------------------------------------------------------------------


def test_heatmap_reads_the_rollups_and_marks_now(board: Board, hub: Hub,
                                                 clock: ManualClock) -> None:
    heat = board.panel(HeatmapPanelWidget)
    feed(hub, clock)
    board.refresh()
    body = heat.shown
    assert body.filled == 168  # two weeks of history fill every cell
    assert body.high > body.low
    assert heat.canvas.now_cell == (2, 14)  # Wednesday 14:00 UTC
    assert status(heat) == "ok"
    assert drawn_colours(heat.canvas) > 20
    fail(hub, clock, "prom")
    board.refresh()
    assert status(heat) == "failing" and heat.canvas.greyed


def test_heatmap_without_a_store_says_why(qapp: QApplication, hub: Hub,
                                          clock: ManualClock) -> None:
    board = Board(hub, clock, None)
    try:
        heat = board.panel(HeatmapPanelWidget)
        assert status(heat) == "nodata"
        assert heat.canvas.note == "no history: the board runs without its store"
    finally:
        board.close()


# --- status grid -----------------------------------------------------------------------------


def test_status_grid_up_down_uptime_response_and_alarm(board: Board, hub: Hub,
                                                       clock: ManualClock) -> None:
    grid = board.panel(StatusGridWidget)
    feed(hub, clock, search_down=True)
    board.refresh()
    rows = {r.name: r for r in grid.rows()}
    assert (rows["Checkout"].state_text, rows["Checkout"].uptime_text) == ("UP", "100%")
    assert rows["Checkout"].response_text == "300 ms"
    search = rows["Search"]
    assert (search.state_text, search.response_text) == ("DOWN", "—")  # no number while down
    assert search.since_text.startswith("down ")
    assert search.uptime_text == "97.1%"  # down for the last 105 s of the hour
    assert grid.state is not None and grid.state.alarm == "unacked"  # search-down fired
    assert grid.flash_timer.isActive()
    assert grid.state.alarm_text == "⚠ CRITICAL"
    assert drawn_colours(grid.canvas) > 10
    go_stale(clock)
    board.refresh()
    assert all(r.state == "unknown" for r in grid.rows())  # stale: neither UP nor DOWN


def test_status_reads_the_store_when_the_window_is_longer_than_memory(
    board: Board, hub: Hub, clock: ManualClock, store: Store
) -> None:
    grid = board.panel(StatusGridWidget)
    day = 86_400.0
    store.rollups.add([Sample(up_id("payments"), START - day + i * 60.0, 1.0 if i % 10 else 0.0)
                       for i in range(1440)])
    grid.panel = replace(grid.panel, window=day)
    feed(hub, clock, minutes=10)
    board.refresh()
    rows = {r.name: r for r in grid.rows()}
    assert rows["Payments"].uptime_text == "90.0%" and rows["Payments"].span_text == "1d"
    assert rows["Checkout"].span_text == "over 10m"  # nothing stored: says what it covers


# --- clock and stat extras -------------------------------------------------------------------


def test_clock_shows_its_time_zone(board: Board) -> None:
    face = board.panel(ClockPanelWidget)
    assert face.shown.time_text == "15:00:00"  # Europe/Berlin at 14:00 UTC
    assert face.shown.zone_text == "Europe/Berlin · CET (UTC+01:00)"
    assert drawn_colours(face.canvas) > 3


def test_stat_tile_threshold_colour_and_history_comparison(board: Board, hub: Hub,
                                                           clock: ManualClock) -> None:
    tile = board.panel(StatTileWidget)
    feed(hub, clock)
    board.refresh()
    state = tile.state
    assert state is not None and state.level == ""
    assert state.change_text.startswith("▲")  # vs yesterday's 0.30 % from the rollups
    assert tile.caption_label.text() == "vs yesterday"
    clock.advance(15)
    hub.ingest(PollResult("prom", clock.now(), [Sample("health.error_rate", clock.now(), 0.03)]))
    board.refresh()
    assert tile.state is not None and tile.state.level == "warning"
    assert tile.reason_label.text() == "▲ over 2.00% · warning"
    assert board.theme.warning in tile.value_label.styleSheet()


def test_chart_bands_overlay_and_alarm_marks(board: Board, hub: Hub,
                                             clock: ManualClock) -> None:
    chart = board.panel(TimeSeriesPanelWidget)
    feed(hub, clock)
    board.refresh()
    assert [t.level for t in chart.thresholds] == [2.0, 5.0]  # in the chart's scale (%)
    assert not any(rect.isVisible() for rect, _ in chart.band_items)  # above the data
    assert chart.overlay is not None
    x, y = chart.overlay.getData()
    assert x is not None and len(x) > 10 and np.allclose(y, 0.3)  # yesterday, from the rollups
    assert chart.overlay_label == "yesterday"
    clock.advance(15)
    hub.ingest(PollResult("prom", clock.now(), [Sample("health.error_rate", clock.now(), 0.08)]))
    board.refresh()
    assert chart.state is not None and chart.state.alarm == "unacked"
    visible = [rect for rect, _ in chart.band_items if rect.isVisible()]
    assert len(visible) == 2  # the data now reaches both levels
    mx, _ = chart.mark_items["critical"].getData()
    assert mx is not None and len(mx) == 2 and abs(mx[0]) < 0.01  # raised just now
    # a raise that has since cleared is remembered (bounded) from the published events
    earlier = AlarmEvent(clock.now() - 600, "k", "errors-warn", "health.error_rate", "raised",
                         "warning", 0.03, AlarmState.NORMAL, AlarmState.UNACKED)
    board.presenter.note_events([earlier])
    clock.advance(1)
    board.refresh()
    wx, _ = chart.mark_items["warning"].getData()
    assert wx is not None and pytest.approx(-10.0167, abs=1e-3) in list(wx)
