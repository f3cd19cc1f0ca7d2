"""One window per configured screen, chosen by name with a fallback, surviving unplug and replug.

`plan_slots` decides what windows the board has: `--screen NAME` gives one window there; else
`board.screens` gives one per entry (with its pages); else one window on the primary screen.
`ScreenManager` places them: a slot whose screen is missing goes to a screen no other window uses
(else the primary) and is marked displaced; when a screen is plugged in (`screenAdded`) displaced
windows whose screen it is move back; when one is unplugged (`screenRemoved`) its windows move to
the fallback; when a screen's geometry or DPI changes, its full-screen windows are re-fitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QMetaObject, QObject
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from noc_board.config.schema import Config, PageConfig
from noc_board.ui.screen_placement import set_full_screen

log = logging.getLogger(__name__)


@dataclass
class ScreenSlot:
    """A window the board wants: on which screen (None: the primary), full screen, its pages."""

    name: str | None
    fullscreen: bool
    pages: list[PageConfig]
    window: QWidget | None = None
    screen: QScreen | None = field(default=None, repr=False)
    displaced: bool = False  # not on its named screen (missing): move back when it returns


def plan_slots(config: Config, cli_screen: str | None, cli_fullscreen: bool) -> list[ScreenSlot]:
    """The windows of a board: see the module docstring."""
    pages = list(config.pages)
    if cli_screen or not config.board.screens:
        return [ScreenSlot(cli_screen or None, cli_fullscreen, pages)]
    by_name = {p.name: p for p in pages}
    slots = []
    for screen in config.board.screens:
        chosen = [by_name[n] for n in screen.pages if n in by_name] if screen.pages else pages
        slots.append(ScreenSlot(screen.name, screen.fullscreen or cli_fullscreen, chosen))
    return slots


def match_name(name: str, names: Sequence[str]) -> int | None:
    """Index of the screen called `name`: exactly, else ignoring case; None when missing."""
    for i, candidate in enumerate(names):
        if candidate == name:
            return i
    folded = name.casefold()
    return next((i for i, c in enumerate(names) if c.casefold() == folded), None)


class ScreenManager(QObject):
    """Keeps each slot's window on its screen (see the module docstring)."""

    def __init__(self, slots: Sequence[ScreenSlot], parent: QObject | None = None,
                 screens: Callable[[], list[QScreen]] = QGuiApplication.screens,
                 primary: Callable[[], QScreen | None] = QGuiApplication.primaryScreen,
                 name_of: Callable[[QScreen], str] = QScreen.name) -> None:
        super().__init__(parent)
        self.slots = list(slots)
        self._screens = screens
        self._primary = primary
        self._name_of = name_of
        self._watched: dict[int, list[QMetaObject.Connection]] = {}
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self.screen_added)
            app.screenRemoved.connect(self.screen_removed)
            self._app: QGuiApplication | None = app
        else:
            self._app = None

    def close(self) -> None:
        """Stop following screens (idempotent); the windows are no longer referenced."""
        for connections in self._watched.values():
            for connection in connections:
                QObject.disconnect(connection)
        self._watched.clear()
        for slot in self.slots:
            slot.window = None
            slot.screen = None
        if self._app is not None:
            self._app.screenAdded.disconnect(self.screen_added)
            self._app.screenRemoved.disconnect(self.screen_removed)
            self._app = None

    def choose(self, slot: ScreenSlot,
               gone: QScreen | None = None) -> tuple[QScreen | None, bool]:
        """The screen for `slot` and whether that is a fallback (`gone`: being unplugged)."""
        screens = [s for s in self._screens() if s is not gone]
        names = [self._name_of(s) for s in screens]
        if slot.name:
            index = match_name(slot.name, names)
            if index is not None:
                return screens[index], False
        primary = self._primary()
        if primary is gone:
            primary = screens[0] if screens else None
        if not slot.name:
            return primary, False
        used = {id(s.screen) for s in self.slots if s is not slot and s.screen is not None}
        free = next((s for s in screens if id(s) not in used), None)
        fallback = free or primary
        log.warning("no screen called %r; showing its window on %r until it is plugged in. "
                    "Screens: %s", slot.name,
                    self._name_of(fallback) if fallback is not None else "none",
                    ", ".join(repr(n) for n in names) or "none")
        return fallback, True

    def place(self, slot: ScreenSlot, gone: QScreen | None = None) -> None:
        """Put the slot's window on its screen (or the fallback) and show it there."""
        window = slot.window
        screen, displaced = self.choose(slot, gone)
        slot.screen, slot.displaced = screen, displaced
        if window is None or screen is None:
            return
        self._watch(screen)
        window.setScreen(screen)
        if slot.fullscreen:
            self._full_screen(window, screen)
        else:
            geometry = screen.availableGeometry()
            window.move(geometry.topLeft())
            window.resize(geometry.size())
            window.show()

    @staticmethod
    def _full_screen(window: QWidget, screen: QScreen) -> None:
        """Full screen on `screen`. The geometry is set after asking for full screen: without
        a window manager (a kiosk X session, Xvfb) nobody else would size the window, and set
        before it, some platforms drop the full-screen state."""
        window.setScreen(screen)
        set_full_screen(window, True)
        if window.geometry() != screen.geometry():
            window.setGeometry(screen.geometry())
            if not window.isFullScreen():
                window.showFullScreen()

    def place_all(self) -> None:
        for slot in self.slots:
            self.place(slot)

    def _watch(self, screen: QScreen) -> None:
        if id(screen) in self._watched:
            return
        self._watched[id(screen)] = [
            screen.geometryChanged.connect(lambda _rect, s=screen: self.screen_changed(s)),
            screen.logicalDotsPerInchChanged.connect(
                lambda _dpi, s=screen: self.screen_changed(s)),
        ]

    def screen_added(self, screen: QScreen) -> None:
        """A screen was plugged in: displaced windows whose screen it is move back."""
        name = self._name_of(screen)
        for slot in self.slots:
            if slot.displaced and slot.name and match_name(slot.name, [name]) is not None:
                log.info("screen %r is back: its window moves back to it", name)
                self.place(slot)

    def screen_removed(self, screen: QScreen) -> None:
        """A screen was unplugged: its windows move to a fallback until it returns."""
        self._watched.pop(id(screen), None)  # its signals went with it
        for slot in self.slots:
            if slot.screen is screen:
                log.info("screen %r was unplugged: its window moves", self._name_of(screen))
                slot.screen = None
                self.place(slot, gone=screen)
                slot.displaced = bool(slot.name) or slot.displaced

    def screen_changed(self, screen: QScreen) -> None:
        """A screen's geometry or DPI changed: re-fit its full-screen windows."""
        for slot in self.slots:
            if slot.screen is screen and slot.window is not None and slot.fullscreen:
                self._full_screen(slot.window, screen)
