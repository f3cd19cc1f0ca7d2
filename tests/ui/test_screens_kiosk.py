"""Screens (one window per configured screen, unplug and replug) and kiosk behaviour (the idle
cursor, the screensaver held off, operators noticed)."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from noc_board.config.schema import ScreenConfig
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.ui.board_controller import BoardController
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.kiosk import BUS_NAME, IdleWatcher, ScreensaverInhibitor, dbus_screensaver
from noc_board.ui.screens import ScreenManager, ScreenSlot, match_name, plan_slots

from ..conftest import real_binary
from .full_board import START, full_config


def flush() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


# --- which windows ---------------------------------------------------------------------------


def test_plan_one_window_per_configured_screen_with_its_pages() -> None:
    config = full_config()
    assert [(s.name, s.fullscreen, len(s.pages)) for s in plan_slots(config, None, False)] == [
        (None, False, 2)]
    screens = [ScreenConfig(name="HDMI-1", pages=["Business"]),
               ScreenConfig(name="DP-2", pages=[], fullscreen=False)]
    config = replace(config, board=replace(config.board, screens=screens))
    slots = plan_slots(config, None, False)
    assert [(s.name, s.fullscreen, [p.name for p in s.pages]) for s in slots] == [
        ("HDMI-1", True, ["Business"]), ("DP-2", False, ["Operations", "Business"])]
    only = plan_slots(config, "DP-2", True)  # --screen wins: one window, every page
    assert [(s.name, s.fullscreen, len(s.pages)) for s in only] == [("DP-2", True, 2)]


def test_screen_names_match_exactly_then_ignoring_case() -> None:
    assert match_name("HDMI-1", ["DP-1", "HDMI-1"]) == 1
    assert match_name("hdmi-1", ["DP-1", "HDMI-1"]) == 1
    assert match_name("HDMI-2", ["DP-1", "HDMI-1"]) is None


class FakeScreens:
    """What the manager asks of the system: the screens, the primary, and their names."""

    def __init__(self, screen: QScreen, name: str) -> None:
        self.real = screen
        self.names = {id(screen): name}
        self.present = True

    def screens(self) -> list[QScreen]:
        return [self.real] if self.present else []

    def primary(self) -> QScreen | None:
        return self.real if self.present else None

    def name_of(self, screen: QScreen) -> str:
        return self.names[id(screen)]


@pytest.fixture
def fake(qapp: QApplication) -> FakeScreens:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return FakeScreens(screen, "DP-1")


def test_a_missing_screen_falls_back_and_the_window_returns_when_it_is_plugged_in(
    fake: FakeScreens, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    slot = ScreenSlot("HDMI-1", False, [], window)
    manager = ScreenManager([slot], None, fake.screens, fake.primary, fake.name_of)
    try:
        manager.place_all()
        assert slot.displaced and slot.screen is fake.real and window.isVisible()
        assert "no screen called 'HDMI-1'" in caplog.text and "'DP-1'" in caplog.text
        fake.names[id(fake.real)] = "HDMI-1"  # the wall's screen is plugged in
        manager.screen_added(fake.real)
        assert not slot.displaced and slot.screen is fake.real
        manager.screen_removed(fake.real)  # unplugged again: nowhere to go but nowhere
        assert slot.displaced
    finally:
        manager.close()
    assert slot.window is None  # the manager lets go of its windows


def test_a_dpi_or_geometry_change_refits_full_screen_windows(fake: FakeScreens,
                                                            qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    slot = ScreenSlot(None, True, [], window)
    manager = ScreenManager([slot], None, fake.screens, fake.primary, fake.name_of)
    try:
        manager.place_all()
        assert window.isFullScreen()
        window.showNormal()
        window.setGeometry(0, 0, 100, 100)
        manager.screen_changed(fake.real)
        assert window.isFullScreen()
        qtbot.waitUntil(lambda: window.geometry() == fake.real.geometry(), timeout=2000)
    finally:
        manager.close()


# --- kiosk -----------------------------------------------------------------------------------


def test_idle_cursor_hides_in_full_screen_and_returns_on_a_touch(qapp: QApplication) -> None:
    clock = ManualClock(0.0)
    pos = [QPoint(10, 10)]
    full = [True]
    touched: list[int] = []
    watcher = IdleWatcher(60.0, True, clock.now, lambda: full[0], cursor_pos=lambda: pos[0])
    watcher.listeners.append(lambda: touched.append(1))
    try:
        clock.advance(59)
        watcher.check()
        assert not watcher.cursor_hidden
        clock.advance(1)
        watcher.check()
        assert watcher.cursor_hidden
        assert QGuiApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor
        pos[0] = QPoint(20, 10)  # the mouse moved: an operator
        watcher.check()
        assert not watcher.cursor_hidden and QGuiApplication.overrideCursor() is None
        assert touched == [1]
        full[0] = False
        clock.advance(600)
        watcher.check()
        assert not watcher.cursor_hidden  # a window on a desk keeps its cursor
    finally:
        watcher.stop()


def test_keys_anywhere_count_as_an_operator(qapp: QApplication, qtbot: QtBot) -> None:
    clock = ManualClock(0.0)
    touched: list[int] = []
    watcher = IdleWatcher(60.0, True, clock.now, lambda: False)
    watcher.listeners.append(lambda: touched.append(1))
    other = QWidget()
    qtbot.addWidget(other)
    watcher.start()
    try:
        QTest.keyClick(other, Qt.Key.Key_X)
        QTest.mouseClick(other, Qt.MouseButton.LeftButton)
        assert len(touched) >= 2
    finally:
        watcher.stop()
    touched.clear()
    QTest.keyClick(other, Qt.Key.Key_X)
    assert touched == []  # stopped: the filter is gone


class FakeBus:
    def __init__(self, cookie: int | None = 42) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.cookie = cookie

    def call(self, method: str, *args: object) -> object:
        self.calls.append((method, args))
        return Reply([self.cookie] if self.cookie is not None else [], "")


class Reply:
    def __init__(self, values: list[object], error: str) -> None:
        self._values, self._error = values, error

    def arguments(self) -> list[object]:
        return self._values

    def errorMessage(self) -> str:
        return self._error


def test_screensaver_inhibit_and_release_over_dbus() -> None:
    bus = FakeBus()
    inhibitor = ScreensaverInhibitor(platform="linux", dbus=lambda: bus)
    assert inhibitor.inhibit("the wall") is True and inhibitor.active
    assert bus.calls == [("Inhibit", ("NOC Board", "the wall"))]
    assert inhibitor.inhibit() is True and len(bus.calls) == 1  # already held
    inhibitor.release()
    assert bus.calls[-1] == ("UnInhibit", (42,)) and not inhibitor.active


def test_without_a_way_to_inhibit_the_board_says_so_once(
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="noc_board.ui.kiosk")
    no_bus = ScreensaverInhibitor(platform="linux", dbus=lambda: None)
    assert no_bus.inhibit() is False and no_bus.inhibit() is False
    assert no_bus.unavailable
    elsewhere = ScreensaverInhibitor(platform="plan9")
    assert elsewhere.inhibit() is False
    assert caplog.text.count("screensaver not held off") == 1  # plan9; the bus said its own
    refused = ScreensaverInhibitor(platform="linux", dbus=lambda: FakeBus(cookie=None))
    assert refused.inhibit() is False


def test_the_real_session_bus_when_there_is_none(caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO, logger="noc_board.ui.kiosk")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    inhibitor = ScreensaverInhibitor(platform="linux")
    assert inhibitor.inhibit() is False
    assert "screensaver not held off" in caplog.text


# --- the controller ties them together -------------------------------------------------------


@pytest.fixture
def controller(qapp: QApplication) -> Iterator[tuple[BoardController, FakeBus]]:
    clock = ManualClock(START)
    hub = Hub(full_config(), clock)
    bridge = EngineBridge(hub)
    bus = FakeBus()
    c = BoardController(bridge, clock, fullscreen=True, tick_ms=0,
                        inhibitor=ScreensaverInhibitor(platform="linux", dbus=lambda: bus))
    yield c, bus
    c.shutdown()
    bridge.close()
    flush()


def test_full_screen_holds_off_the_screensaver_and_touches_reach_every_window(
    controller: tuple[BoardController, FakeBus]
) -> None:
    c, bus = controller
    windows = c.build()
    assert windows[0].isFullScreen()
    assert c.inhibitor.active and bus.calls[0][0] == "Inhibit"
    assert c.idle is not None
    c.idle.touched()
    windows[0].tick()
    assert "operator" in windows[0].page_label.text()
    c.show_config_errors(["board.toml:3: board.rotate: must be at least 0s"])
    assert not windows[0].config_errors_label.isHidden()
    rebuilt = c.build()  # errors outlive a rebuild until cleared
    assert not rebuilt[0].config_errors_label.isHidden()
    c.shutdown()
    assert not c.inhibitor.active and bus.calls[-1][0] == "UnInhibit"


def test_closing_a_window_ends_the_board_but_a_rebuild_does_not(
    controller: tuple[BoardController, FakeBus], qtbot: QtBot
) -> None:
    c, _ = controller
    c.build()
    with qtbot.assertNotEmitted(c.closed):
        c.build()
    main = c.main_window
    assert main is not None
    with qtbot.waitSignal(c.closed, timeout=1000):
        main.close()


FAKE_SAVER = """
import sys
from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, Slot
from PySide6.QtDBus import QDBusConnection

@ClassInfo({"D-Bus Interface": "org.freedesktop.ScreenSaver"})
class Saver(QObject):
    @Slot(str, str, result="uint")
    def Inhibit(self, app, reason):
        print("Inhibit", app, reason, flush=True)
        return 7

    @Slot("uint")
    def UnInhibit(self, cookie):
        print("UnInhibit", cookie, flush=True)

app = QCoreApplication([])
bus = QDBusConnection.connectToBus(sys.argv[1], "saver")
saver = Saver()
assert bus.registerService("org.freedesktop.ScreenSaver")
assert bus.registerObject("/org/freedesktop/ScreenSaver", saver,
                          QDBusConnection.RegisterOption.ExportAllSlots)
print("ready", flush=True)
app.exec()
"""


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private dbus-daemon with a fake org.freedesktop.ScreenSaver in another process."""
    daemon = subprocess.Popen([real_binary("dbus-daemon"), "--session", "--print-address",
                               "--nofork", "--nopidfile"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    script = tmp_path / "saver.py"
    script.write_text(FAKE_SAVER)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    saver = subprocess.Popen([sys.executable, str(script), address], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert saver.stdout is not None and saver.stdout.readline().strip() == "ready"
    yield address
    saver.terminate()
    daemon.terminate()
    saver.communicate(timeout=10)
    daemon.communicate(timeout=10)


def test_inhibit_over_a_real_dbus(session_bus: str, qapp: QApplication) -> None:
    from PySide6.QtDBus import QDBusConnection

    inhibitor = ScreensaverInhibitor(platform="linux",
                                     dbus=lambda: dbus_screensaver(session_bus))
    assert inhibitor.inhibit("the NOC wall") is True
    assert inhibitor._cookie == 7  # the service's answer, over the bus
    assert QDBusConnection(BUS_NAME).isConnected()
    inhibitor.release()
    assert not inhibitor.active
    # released by closing the connection that asked (PySide6 cannot send UnInhibit's "u")
    assert not QDBusConnection(BUS_NAME).isConnected()
