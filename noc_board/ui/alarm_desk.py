"""The alarm desk around a board window: the horn and the tray icon, wired to bridge and window.

`create_alarm_desk` is what the composition root (`noc_board.app`) calls once per process, on
the main window: one horn however many screens show the board. It makes

- the horn (unless `board.sound` is false) on a `QSoundEffectSink`, fed every published alarm
  list; "no audio device" becomes one notice on the board, taken back when sound returns;
- the tray icon with the unacknowledged count and a desktop notification per new alarm, only
  where the desktop has a system tray.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QSystemTrayIcon

from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.clock import Clock
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.sound import AlarmHorn, QSoundEffectSink, SoundSink
from noc_board.ui.tray import AlarmTray, TrayFactory, create_alarm_tray

log = logging.getLogger(__name__)


class AlarmDesk(QObject):
    """Owns the horn and the tray of one board; a child of the window, gone with it."""

    def __init__(
        self, window: WallboardWindow, bridge: EngineBridge, horn: AlarmHorn | None,
        tray: AlarmTray | None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = bridge
        self.horn = horn
        self.tray = tray
        self._notice = ""
        bridge.alarms_changed.connect(self._on_alarms)
        bridge.alarm_events.connect(self._on_events)
        if horn is not None:
            horn.unavailable.connect(self._on_unavailable)
            horn.restored.connect(self._on_restored)
            window.attach_horn(horn)
        if tray is not None:
            tray.show_requested.connect(self._show_window)
            tray.silence_requested.connect(window.silence_horn)
        self._connected = True

    def start(self) -> None:
        """Load the clips and sound for the alarms already standing (restored from the journal)."""
        alarms = self.bridge.hub.alarms()
        if self.horn is not None:
            self.horn.start()
            self.horn.update(alarms)
        if self.tray is not None:
            self.tray.update_alarms(alarms)

    def _on_alarms(self, alarms: tuple[Alarm, ...]) -> None:
        if self.horn is not None:
            self.horn.update(alarms)
        if self.tray is not None:
            self.tray.update_alarms(alarms)

    def _on_events(self, events: tuple[AlarmEvent, ...]) -> None:
        if self.tray is not None:
            self.tray.notify(self.bridge.hub.alarms(), events)

    def _on_unavailable(self, reason: str) -> None:
        self._notice = reason
        self.window.show_notice(reason)

    def _on_restored(self) -> None:
        if self._notice:
            self.window.clear_notice(self._notice)
            self._notice = ""

    def _show_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)

    def shutdown(self) -> None:
        """Stop the horn, take the tray icon away, stop listening (idempotent)."""
        if self.horn is not None:
            self.horn.shutdown()
        if self.tray is not None:
            self.tray.shutdown()
        if self._connected:
            self._connected = False
            self.bridge.alarms_changed.disconnect(self._on_alarms)
            self.bridge.alarm_events.disconnect(self._on_events)


def create_alarm_desk(
    window: WallboardWindow, bridge: EngineBridge, clock: Clock, *,
    sink: SoundSink | None = None, tray_factory: TrayFactory = QSystemTrayIcon,
    tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
) -> AlarmDesk:
    """The horn (per `board.sound`) and the tray (where one exists) for `window`; not started."""
    config = window.hub.config
    board = config.board
    horn: AlarmHorn | None = None
    if board.sound:
        horn = AlarmHorn(
            sink if sink is not None else QSoundEffectSink(parent=window),
            clock,
            volume=board.volume,
            repeat=board.sound_repeat,
            silence_for=board.silence_for,
            parent=window,
        )
    else:
        log.info("the alarm horn is off (board.sound = false): alarms are visual only")
    currencies = {}
    for metric in config.metrics:
        source = config.source(metric.source)
        currencies[metric.id] = source.currency if source is not None else "USD"
    tray = create_alarm_tray(
        window.theme, {m.id: m for m in config.metrics}, board.title, currencies, window,
        tray_factory, tray_available,
    )
    return AlarmDesk(window, bridge, horn, tray)
