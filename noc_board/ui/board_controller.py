"""The board's windows over one bridge: one per screen, kiosk behaviour, rebuilt on a reload.

The composition root (`noc_board.app`) makes one `BoardController` and calls `build()`; on a
configuration reload it calls `suspend()` (ticks stop, so nothing reads the engine being
replaced), rebinds the bridge to the new engine, then `build()` again: every window is closed and
made anew from the new configuration, on the same screens. `closed` fires when an operator closes
a window, which ends the program.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from noc_board.core.clock import Clock
from noc_board.ui.board_watchdog import StallWatchdog
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.kiosk import IdleWatcher, ScreensaverInhibitor
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.screens import ScreenManager, ScreenSlot, plan_slots

log = logging.getLogger(__name__)

# called with the main window each time it is built; returns how to undo what it attached
MainWindowHook = Callable[[WallboardWindow], Callable[[], None] | None]


class BoardController(QObject):
    """Builds, places and rebuilds the board's windows; see the module docstring.

    Signals:
        closed(): an operator closed a board window.
    """

    closed = Signal()

    def __init__(
        self, bridge: EngineBridge, clock: Clock, screen: str | None = None,
        fullscreen: bool = False, tick_ms: int = 1000, on_main_window: MainWindowHook | None = None,
        inhibitor: ScreensaverInhibitor | None = None, watchdog: StallWatchdog | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.clock = clock
        self.cli_screen = screen
        self.cli_fullscreen = fullscreen
        self.tick_ms = tick_ms
        self.on_main_window = on_main_window
        self.inhibitor = inhibitor if inhibitor is not None else ScreensaverInhibitor()
        self.watchdog = watchdog
        self.windows: list[WallboardWindow] = []
        self.screens: ScreenManager | None = None
        self.idle: IdleWatcher | None = None
        self._undo_hook: Callable[[], None] | None = None
        self._errors: tuple[str, ...] = ()
        self._closing = False

    @property
    def main_window(self) -> WallboardWindow | None:
        return self.windows[0] if self.windows else None

    # --- building ---------------------------------------------------------------------------

    def build(self) -> list[WallboardWindow]:
        """(Re)make every window from the bridge's current configuration and show them."""
        self._teardown_windows()
        config = self.bridge.hub.config
        slots = plan_slots(config, self.cli_screen, self.cli_fullscreen)
        for slot in slots:
            window = WallboardWindow(self.bridge.hub, self.bridge, self.clock, self.tick_ms,
                                     pages=slot.pages)
            window.closed.connect(self._window_closed)
            if self.watchdog is not None:
                window.on_tick = self.watchdog.beat
            if self._errors:
                window.show_config_errors(self._errors)
            slot.window = window
            self.windows.append(window)
        self.screens = ScreenManager(slots, self)
        self.screens.place_all()
        board = config.board
        self.idle = IdleWatcher(board.idle_resume, board.kiosk, self.clock.now,
                                self.any_full_screen, self)
        self.idle.listeners.append(self._touched)
        self.idle.timer.timeout.connect(self._update_inhibitor)
        self.idle.start()
        self._update_inhibitor()
        main = self.main_window
        if main is not None and self.on_main_window is not None:
            self._undo_hook = self.on_main_window(main)
        return list(self.windows)

    def suspend(self) -> None:
        """Stop every window's tick (before the engine under them is replaced)."""
        for window in self.windows:
            window.tick_timer.stop()

    def _teardown_windows(self) -> None:
        if self._undo_hook is not None:
            self._undo_hook()
            self._undo_hook = None
        if self.idle is not None:
            self.idle.stop()
            self.idle.deleteLater()
            self.idle = None
        if self.screens is not None:
            self.screens.close()
            self.screens.deleteLater()
            self.screens = None
        windows, self.windows = self.windows, []
        self._closing = True
        try:
            for window in windows:
                window.closed.disconnect(self._window_closed)
                window.close()
                window.deleteLater()
        finally:
            self._closing = False

    def shutdown(self) -> None:
        """Close every window and let the screensaver go (idempotent)."""
        self._teardown_windows()
        self.inhibitor.release()

    # --- across windows ---------------------------------------------------------------------

    def any_full_screen(self) -> bool:
        return any(w.isFullScreen() for w in self.windows)

    def _update_inhibitor(self) -> None:
        config = self.bridge.hub.config
        wanted = config.board.kiosk and self.any_full_screen()
        if wanted and not self.inhibitor.active:
            self.inhibitor.inhibit("the NOC wallboard is showing")
        elif not wanted and self.inhibitor.active:
            self.inhibitor.release()

    def _touched(self) -> None:
        for window in self.windows:
            window.operator_touched()

    def _window_closed(self) -> None:
        if not self._closing:
            self.closed.emit()

    def show_config_errors(self, errors: Sequence[str]) -> None:
        """Show (or, with none, clear) a refused configuration's errors on every window."""
        self._errors = tuple(errors)
        for window in self.windows:
            window.show_config_errors(self._errors)

    def show_page_for_metric(self, metric_id: str) -> bool:
        """Every window that shows `metric_id` jumps to its page; False when none does."""
        shown = [w.show_page_for_metric(metric_id) for w in self.windows]
        return any(shown)

    def slots(self) -> list[ScreenSlot]:
        return list(self.screens.slots) if self.screens is not None else []
