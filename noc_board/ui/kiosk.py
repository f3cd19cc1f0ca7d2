"""Kiosk niceties for a wall: the idle cursor hidden, the screensaver held off, operators noticed.

- `IdleWatcher` notices an operator: keys, clicks and wheel turns anywhere in the application (an
  event filter that looks only at the event type) and mouse moves (the cursor position, read once
  a second, so no widget needs mouse tracking). It tells its listeners (the windows hold their
  rotation) and, in kiosk mode, hides the cursor over a full-screen board after `idle` seconds.
- `ScreensaverInhibitor` asks the desktop not to blank the screen while a board is full screen:
  on Linux through `org.freedesktop.ScreenSaver.Inhibit` over D-Bus (QtDBus), on Windows with
  `SetThreadExecutionState`, on macOS by running `caffeinate -d -w PID`. Where none of these is
  possible it says so in one log line and the board runs on.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication

log = logging.getLogger(__name__)

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})
APP_NAME = "NOC Board"


class IdleWatcher(QObject):
    """Tells `listeners` when an operator touches the board; hides the idle cursor in kiosk mode.

    `full_screen()` says whether a board window is full screen (the cursor hides only then);
    `now` is the board's clock.
    """

    def __init__(self, idle: float, kiosk: bool, now: Callable[[], float],
                 full_screen: Callable[[], bool], parent: QObject | None = None,
                 cursor_pos: Callable[[], QPoint] = QCursor.pos) -> None:
        super().__init__(parent)
        self.idle = idle
        self.kiosk = kiosk
        self._now = now
        self._full_screen = full_screen
        self._cursor_pos = cursor_pos
        self._last_pos = cursor_pos()
        self.last_activity = now()
        self.cursor_hidden = False
        self.listeners: list[Callable[[], None]] = []
        self.timer = QTimer(self)
        self.timer.setObjectName("idle-watch")
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        app = QGuiApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QGuiApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.show_cursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self.touched()
        return False

    def touched(self) -> None:
        """An operator did something: tell the listeners, bring the cursor back."""
        self.last_activity = self._now()
        self.show_cursor()
        for listener in list(self.listeners):
            listener()

    def check(self) -> None:
        """Once a second: a moved cursor is an operator; a long idle hides the cursor."""
        pos = self._cursor_pos()
        if pos != self._last_pos:
            self._last_pos = pos
            self.touched()
            return
        if (self.kiosk and not self.cursor_hidden and self._full_screen()
                and self._now() - self.last_activity >= self.idle):
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self.cursor_hidden = True

    def show_cursor(self) -> None:
        if self.cursor_hidden:
            QGuiApplication.restoreOverrideCursor()
            self.cursor_hidden = False


class DBusCaller(Protocol):
    """The part of a D-Bus interface the inhibitor uses (QDBusInterface in the product)."""

    def call(self, method: str, *args: object) -> object: ...


BUS_NAME = "noc-board-screensaver"


def dbus_screensaver(address: str | None = None) -> DBusCaller | None:
    """org.freedesktop.ScreenSaver on a private connection to the session bus (or the bus at
    `address`), or None with the reason logged.

    WORKAROUND: PySide6's QtDBus sends every Python int as a signed 32-bit "i", and
    `UnInhibit` takes an unsigned "u", so strict implementations refuse it. The spec drops an
    inhibition when the connection that asked for it goes away, so the inhibitor holds its own
    connection and `close()` ends it: that releases the screensaver whatever `UnInhibit` did.
    """
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface
    except ImportError as exc:
        log.info("screensaver not held off: QtDBus is not available (%s)", exc)
        return None
    target: Any = address if address else QDBusConnection.BusType.SessionBus
    bus = QDBusConnection.connectToBus(target, BUS_NAME)
    if not bus.isConnected():
        log.info("screensaver not held off: no D-Bus session bus (%s)",
                 bus.lastError().message() or "not connected")
        QDBusConnection.disconnectFromBus(BUS_NAME)
        return None
    iface = QDBusInterface("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                           "org.freedesktop.ScreenSaver", bus)
    if not iface.isValid():
        log.info("screensaver not held off: the desktop offers no org.freedesktop.ScreenSaver "
                 "(%s)", iface.lastError().message())
        QDBusConnection.disconnectFromBus(BUS_NAME)
        return None
    return _QtDBus(iface, bus)


class _QtDBus:
    """A QDBusInterface on its own connection, as a `DBusCaller` that can be closed."""

    def __init__(self, iface: Any, bus: Any) -> None:
        self._iface = iface
        self.bus = bus

    def call(self, method: str, *args: object) -> object:
        return self._iface.call(method, *args)

    def close(self) -> None:
        from PySide6.QtDBus import QDBusConnection

        self._iface = None
        QDBusConnection.disconnectFromBus(BUS_NAME)


def _reply_value(reply: object) -> object | None:
    """The first value of a QDBusMessage reply (None for an error reply)."""
    arguments = getattr(reply, "arguments", None)
    error = getattr(reply, "errorMessage", None)
    if callable(error) and error():
        log.info("screensaver not held off: %s", error())
        return None
    values = arguments() if callable(arguments) else None
    return values[0] if values else None


class ScreensaverInhibitor:
    """Holds off the screensaver while `inhibit()` is in force; `release()` lets it go."""

    def __init__(self, platform: str = sys.platform,
                 dbus: Callable[[], DBusCaller | None] = dbus_screensaver) -> None:
        self.platform = platform
        self._dbus_factory = dbus
        self._dbus: DBusCaller | None = None
        self._cookie: object | None = None
        self._caffeinate: subprocess.Popen[bytes] | None = None
        self._windows_held = False
        self.unavailable = False  # tried and refused: not asked again (one log line)

    @property
    def active(self) -> bool:
        return (self._cookie is not None or self._caffeinate is not None
                or self._windows_held)

    def inhibit(self, reason: str = "the wallboard is showing") -> bool:
        """Ask the platform not to blank the screen; True when it agreed. A platform that
        refused once is not asked again (it said why in the log)."""
        if self.active:
            return True
        if self.unavailable:
            return False
        held = self._inhibit(reason)
        self.unavailable = not held
        return held

    def _inhibit(self, reason: str) -> bool:
        if self.platform.startswith("linux"):
            self._dbus = self._dbus_factory()
            if self._dbus is None:
                return False
            self._cookie = _reply_value(self._dbus.call("Inhibit", APP_NAME, reason))
            if self._cookie is not None:
                log.info("screensaver held off (org.freedesktop.ScreenSaver)")
            return self._cookie is not None
        if self.platform == "win32":
            return self._windows(True)
        if self.platform == "darwin" and shutil.which("caffeinate"):
            self._caffeinate = subprocess.Popen(
                ["caffeinate", "-d", "-w", str(os.getpid())])
            log.info("screensaver held off (caffeinate)")
            return True
        log.info("screensaver not held off: no way known on %s", self.platform)
        return False

    def release(self) -> None:
        """Let the screensaver work again (idempotent)."""
        if self._cookie is not None and self._dbus is not None:
            reply = self._dbus.call("UnInhibit", self._cookie)
            error = getattr(reply, "errorMessage", None)
            if callable(error) and error():
                log.debug("UnInhibit refused (%s); closing the connection releases it", error())
            close = getattr(self._dbus, "close", None)
            if close is not None:
                close()
            self._dbus = None
            log.info("screensaver released")
        self._cookie = None
        if self._caffeinate is not None:
            self._caffeinate.terminate()
            self._caffeinate.wait(timeout=5)
            self._caffeinate = None
        if self._windows_held:
            self._windows(False)

    def _windows(self, hold: bool) -> bool:  # pragma: no cover - Windows only
        import ctypes

        es_continuous, es_display_required, es_system_required = 0x80000000, 0x2, 0x1
        flags = es_continuous | (es_display_required | es_system_required if hold else 0)
        loader: Any = ctypes
        kernel32 = loader.windll.kernel32
        ok = bool(kernel32.SetThreadExecutionState(flags))
        self._windows_held = hold and ok
        if hold:
            log.info("screensaver %s (SetThreadExecutionState)",
                     "held off" if ok else "not held off")
        return ok
