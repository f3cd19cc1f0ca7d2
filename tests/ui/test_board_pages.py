"""The window's pages and keys: rotation, holds, the jump to an alarm, Space, R, ?, config errors,
and the board's own heartbeat (engine silent, board stalled)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.ui.board_watchdog import StallWatchdog, TickGap
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow

from .conftest import ERRORS, LATENCY, feed_healthy, ingest, make_config


def rotating(config: Config, rotate: float = 30.0) -> Config:
    board = replace(config.board, rotate=rotate, idle_resume=60.0, alarm_hold=120.0)
    return replace(config, board=board)


class Refresher:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


@pytest.fixture
def refresher() -> Refresher:
    return Refresher()


@pytest.fixture
def board(qapp: QApplication, clock: ManualClock,
          refresher: Refresher) -> Iterator[tuple[WallboardWindow, Hub]]:
    hub = Hub(rotating(make_config()), clock)
    bridge = EngineBridge(hub, refresh=refresher)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    window.resize(1280, 720)
    window.show()
    yield window, hub
    window.shutdown()
    window.close()
    window.deleteLater()
    bridge.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def test_pages_rotate_on_the_tick(board: tuple[WallboardWindow, Hub],
                                  clock: ManualClock) -> None:
    window, _ = board
    assert window.page_index() == 0
    assert window.page_label.text() == "Overview  ·  1/2  ·  next 30s"
    clock.advance(29)
    window.tick()
    assert window.page_index() == 0
    clock.advance(1)
    window.tick()
    assert window.page_index() == 1
    clock.advance(30)
    window.tick()
    assert window.page_index() == 0


def test_an_operator_holds_the_page_and_rotation_resumes_when_idle(
    board: tuple[WallboardWindow, Hub], clock: ManualClock, qtbot: QtBot
) -> None:
    window, _ = board
    clock.advance(10)
    QTest.keyClick(window, Qt.Key.Key_Right)  # a key is an operator at the board
    assert window.page_index() == 1
    clock.advance(59)
    window.tick()
    assert window.page_index() == 1
    assert window.page_label.text().endswith("‖ operator 1s")
    clock.advance(1)
    window.tick()
    assert window.page_index() == 0  # idle for idle_resume: rotation goes on


def test_space_pauses_rotation(board: tuple[WallboardWindow, Hub], clock: ManualClock,
                               qtbot: QtBot) -> None:
    window, _ = board
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.page_label.text().endswith("‖ paused (Space)")
    clock.advance(600)
    window.tick()
    assert window.page_index() == 0
    QTest.keyClick(window, Qt.Key.Key_Space)  # resumed; the key press itself holds idle_resume
    clock.advance(59)
    window.tick()
    assert window.page_index() == 0
    clock.advance(1)
    window.tick()
    assert window.page_index() == 1


def test_a_new_alarm_jumps_to_its_page_and_holds_there(
    board: tuple[WallboardWindow, Hub], clock: ManualClock
) -> None:
    window, hub = board
    window.show_page(1)
    assert window.show_page_for_metric(ORDERS_ONLY_ON_OVERVIEW) is True
    assert window.page_index() == 0
    assert window.show_page_for_metric("no.such.metric") is False
    feed_healthy(hub, clock)
    clock.advance(15)
    window.show_page(1)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05, LATENCY: 400.0})  # checkout-errors fires
    assert window.page_index() == 1  # page 2 shows the error rate too: it stays
    assert "‖ alarm 120s" in window.page_label.text()
    window.show_page(0)  # looking elsewhere does not end the hold
    clock.advance(100)
    window.tick()
    assert window.page_index() == 0  # held for alarm_hold, not the page's 30 s
    clock.advance(25)
    window.tick()
    assert window.page_index() == 1


ORDERS_ONLY_ON_OVERVIEW = "biz.orders_per_minute"


def test_r_polls_every_source_now(board: tuple[WallboardWindow, Hub], refresher: Refresher,
                                  qtbot: QtBot) -> None:
    window, _ = board
    QTest.keyClick(window, Qt.Key.Key_R)
    assert refresher.calls == 1


def test_r_without_an_engine_says_so(window: WallboardWindow, qtbot: QtBot) -> None:
    QTest.keyClick(window, Qt.Key.Key_R)
    assert window.message_label.text() == "⚠ refresh is not available on this board"


def test_question_mark_shows_the_keys_over_the_page(window: WallboardWindow,
                                                    qtbot: QtBot) -> None:
    assert not window.help_overlay.isVisible()
    QTest.keyClick(window, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert window.help_overlay.isVisible()
    central = window.centralWidget()
    assert central is not None and window.help_overlay.geometry() == central.rect()
    assert window.help_overlay.close_timer.isActive()  # a wall left with it open recovers
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.help_overlay.isVisible()
    assert not window.help_overlay.close_timer.isActive()


def test_a_refused_configuration_is_shown_on_the_board(window: WallboardWindow) -> None:
    errors = [f"board.toml:{n}: rules[0].level: expected a number, got a string"
              for n in range(6)]
    window.show_config_errors(errors)
    text = window.config_errors_label.text()
    assert not window.config_errors_label.isHidden()
    assert text.startswith("✖ configuration not applied (the last good one stays in force)")
    assert "board.toml:3: rules[0].level" in text and "… and 2 more" in text
    window.show_config_errors([])
    assert window.config_errors_label.isHidden()


def test_the_heartbeat_says_when_the_engine_went_silent(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock, minutes=1)
    window.tick()
    assert "engine 0s" in window.heartbeat_label.text()
    clock.advance(200)  # slowest source polls every 60 s: silent after 3 of them
    window.tick()
    assert window.heartbeat_label.text() == "⚠ engine silent 3m"
    assert window.heartbeat_label.property("silent") is True


def test_a_late_tick_means_the_board_was_stalled() -> None:
    now = [0.0]
    gap = TickGap(1.0, monotonic=lambda: now[0])
    assert gap.tick() is None
    now[0] = 1.1
    assert gap.tick() is None
    now[0] = 13.1
    assert gap.tick() == pytest.approx(12.0)


def test_the_watchdog_thread_logs_a_stalled_board_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="noc_board.ui.board_watchdog")
    now = [0.0]
    dog = StallWatchdog(stall_after=10.0, monotonic=lambda: now[0])
    dog.beat()
    now[0] = 11.0
    assert dog.check(False) is True
    assert dog.check(True) is True and dog.stalls == 1
    dog.beat()
    assert dog.check(True) is False
    assert "GUI thread is stalled" in caplog.text and "repaints again" in caplog.text
    dog.start()
    dog.stop()  # the thread ends on stop
    assert dog._thread is None


def test_the_running_tick_feeds_the_page_over_several_frames(
    qapp: QApplication, clock: ManualClock, qtbot: QtBot
) -> None:
    hub = Hub(make_config(), clock)
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=60_000)  # running, but not by itself
    try:
        feed_healthy(hub, clock, minutes=2)
        window.tick()
        panels = window.pages[0].panels
        pending = len(window.refresher.batches)
        assert pending == len(panels) - 1  # one panel with new data fed now, one a frame after
        assert window.refresher.timer.isActive()
        refresher = window.refresher
        qtbot.waitUntil(lambda: not refresher.batches and not refresher.timer.isActive(),
                        timeout=2000)
        assert all(p.state is not None and p.state.status == "ok" for p in panels)
        clock.advance(1)
        window.tick()  # nothing new: the panels are recomputed a few a frame
        assert len(window.refresher.batches) == 1  # 4 panels: 3 now, 1 a frame later
    finally:
        window.shutdown()
        assert not window.refresher.timer.isActive()
        window.close()
        window.deleteLater()
        bridge.close()
