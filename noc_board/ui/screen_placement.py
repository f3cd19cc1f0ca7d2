"""Putting the board on the right screen (`--screen NAME`) and full screen (`--fullscreen`)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


def find_screen(name: str | None) -> QScreen:
    """The screen called `name` (exactly, else ignoring case), or the primary screen.

    When the name matches nothing, says so in the log with the names that exist.
    """
    primary = QGuiApplication.primaryScreen()
    if not name:
        return primary
    screens = QGuiApplication.screens()
    match = next((s for s in screens if s.name() == name), None)
    if match is None:
        match = next((s for s in screens if s.name().casefold() == name.casefold()), None)
    if match is None:
        names = ", ".join(repr(s.name()) for s in screens) or "none"
        log.warning(
            "no screen called %r; using the primary screen %r. Screens: %s",
            name, primary.name(), names,
        )
        return primary
    return match


def set_full_screen(window: QWidget, full: bool) -> None:
    """Full screen and frameless, or back to a normal framed window."""
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint, full)
    if full:
        window.showFullScreen()
    else:
        window.showNormal()


def place_on_screen(window: QWidget, name: str | None, fullscreen: bool) -> QScreen:
    """Move `window` to the screen called `name` (or the primary one) and show it there."""
    screen = find_screen(name)
    window.setScreen(screen)
    geometry = screen.availableGeometry()
    window.move(geometry.topLeft())
    if fullscreen:
        window.setGeometry(screen.geometry())
        set_full_screen(window, True)
    else:
        window.resize(geometry.size())
        window.show()
    return screen
