"""The composition root of the wallboard: Qt application, qasync loop, engine, window.

Start-up: load the configuration (exit 2 with file:line: key: message when it is bad), build the
engine, build the window on the engine's hub, start polling. Shutdown: stop the poll loops, close
the HTTP client, close the journal, then leave.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
import types
from pathlib import Path

log = logging.getLogger(__name__)


class FailureCounter(logging.Handler):
    """Counts errors logged anywhere, and exceptions that escape Qt slots, for `--smoke`."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: types.TracebackType | None
    ) -> None:
        self.count += 1
        log.critical("unhandled exception", exc_info=(kind, exc, tb))


def _has_display(smoke: bool) -> bool:
    """Whether Qt can open a window; a headless smoke run falls back to the offscreen platform."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    if smoke:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return True
    return False


def run_board(
    config_path: Path | None,
    demo: bool,
    fullscreen: bool,
    screen: str | None,
    smoke: float | None,
    screenshot: Path | None,
) -> int:
    """Run the wallboard until the window closes (or `smoke` seconds pass); the exit code."""
    from noc_board.config.loader import ConfigError
    from noc_board.core.clock import SystemClock
    from noc_board.engine.launch import launch

    clock = SystemClock()
    try:
        started = launch(config_path, demo, clock)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"noc-board: cannot read the configuration: {exc}", file=sys.stderr)
        return 2

    if not _has_display(smoke is not None):
        print(
            "noc-board: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Run it in a "
            "desktop session, or set QT_QPA_PLATFORM=offscreen for a headless check.",
            file=sys.stderr,
        )
        started.stop()
        return 2

    import qasync
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from noc_board.engine.runtime import Engine
    from noc_board.ui.bridge import EngineBridge
    from noc_board.ui.main_window import WallboardWindow, place_on_screen

    class FirstFrameLogger(QObject):
        """Logs the wall time of the window's first paint (bench/bench_startup.py reads it)."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                log.info("first frame painted at %.3f", time.time())
            return False

    failures = FailureCounter()
    logging.getLogger().addHandler(failures)
    sys.excepthook = failures.excepthook

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("NOC Board")
    app.setOrganizationName("NOCBoard")
    # the coroutine below closes the engine after the window; Qt must not end the loop first
    app.setQuitOnLastWindowClosed(False)

    async def main() -> None:
        engine = Engine.create(started.config, clock, started.secrets, started.store_path)
        bridge = EngineBridge(engine.hub)
        window = WallboardWindow(engine.hub, bridge, clock)
        for name in engine.missing_secrets:
            window.show_notice(f"secret {name!r} is not set: noc-board secrets set {name}")
        done = asyncio.Event()
        app.aboutToQuit.connect(done.set)
        window.closed.connect(done.set)
        first_frame = FirstFrameLogger(window)
        window.installEventFilter(first_frame)
        place_on_screen(window, screen, fullscreen)
        engine.scheduler.start()
        loop = asyncio.get_running_loop()
        if smoke is not None:
            loop.call_later(smoke, done.set)
        try:
            await done.wait()
            if screenshot is not None:
                window.grab().save(str(screenshot))
                log.info("screenshot saved to %s", screenshot)
        finally:
            bridge.close()
            window.close()
            await engine.close()

    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(main())
    finally:
        started.stop()
        logging.getLogger().removeHandler(failures)
        sys.excepthook = sys.__excepthook__
    if smoke is not None and failures.count:
        print(f"noc-board: {failures.count} error(s) during the smoke run", file=sys.stderr)
        return 1
    return 0
