"""The composition root of the wallboard: Qt application, qasync loop, engine, window.

Start-up: load the configuration (exit 2 with file:line: key: message when it is bad), build the
engine, build the window on the engine's hub, start polling. Shutdown: stop the poll loops, close
the HTTP client, close the journal, then leave.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
import types
from collections.abc import Callable
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
    # what start-up makes lives as long as the board: the collector's passes over it while it is
    # made cost ~13% of a cold start's CPU (bench/bench_bundle.py). Back on after gc.freeze().
    gc.disable()
    from noc_board.config.loader import ConfigError
    from noc_board.core.clock import SystemClock
    from noc_board.engine.launch import launch

    clock = SystemClock()
    try:
        started = launch(config_path, demo, clock)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        gc.enable()
        return 2
    except OSError as exc:
        print(f"noc-board: cannot read the configuration: {exc}", file=sys.stderr)
        gc.enable()
        return 2

    if not _has_display(smoke is not None):
        print(
            "noc-board: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Run it in a "
            "desktop session, or set QT_QPA_PLATFORM=offscreen for a headless check.",
            file=sys.stderr,
        )
        started.stop()
        gc.enable()
        return 2

    import qasync
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from noc_board.config.schema import Config
    from noc_board.engine.config_watch import ConfigWatcher, EngineHost, Reload, watch
    from noc_board.engine.history import HistoryReader
    from noc_board.engine.runtime import Engine
    from noc_board.ui.alarm_desk import create_alarm_desk
    from noc_board.ui.board_controller import BoardController
    from noc_board.ui.board_watchdog import StallWatchdog
    from noc_board.ui.bridge import EngineBridge
    from noc_board.ui.main_window import WallboardWindow

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

    def create_engine(config: Config) -> Engine:
        return Engine.create(config, clock, started.secrets, started.store_path)

    def history_of(engine: Engine) -> HistoryReader | None:
        return HistoryReader(engine.store.rollups) if engine.store is not None else None

    # `--screenshot DIR` (no file extension, or an existing folder): one PNG per page
    shots_to_folder = screenshot is not None and (screenshot.is_dir() or not screenshot.suffix)

    async def main() -> None:
        host = EngineHost(create_engine, started.config, clock.now)
        engine = host.engine
        bridge = EngineBridge(engine.hub, history=history_of(engine),
                              refresh=engine.scheduler.refresh)
        watchdog = StallWatchdog()

        def attach_desk(window: WallboardWindow) -> Callable[[], None]:
            """The horn and the tray icon on the main window, made again with it on a reload."""
            desk = create_alarm_desk(window, bridge, clock)
            for name in host.engine.missing_secrets:
                window.show_notice(f"secret {name!r} is not set: noc-board secrets set {name}")
            desk.start()
            return desk.shutdown

        controller = BoardController(bridge, clock, screen, fullscreen,
                                     on_main_window=attach_desk, watchdog=watchdog)
        done = asyncio.Event()
        app.aboutToQuit.connect(done.set)
        controller.closed.connect(done.set)
        controller.build()
        main_window = controller.main_window
        if main_window is not None:
            main_window.installEventFilter(FirstFrameLogger(main_window))
        host.start()  # polling, escalation, the Alertmanager sync, the heatmaps' history
        watchdog.start()
        # what start-up allocated lives as long as the board: out of the collector's way, a
        # full collection pauses the GUI thread ~3 ms instead of ~25 (bench/bench_frames.py)
        gc.freeze()
        gc.enable()
        for made in controller.windows:  # and the pages each window makes after its first frame
            made.page_builder.finished.connect(gc.freeze)

        async def reload(change: Reload) -> None:
            """A changed configuration file: refused with its errors shown, or applied whole."""
            if change.config is None:
                controller.show_config_errors(change.errors)
                return
            controller.show_config_errors(())
            if change.config == host.config:
                return
            controller.suspend()
            engine = await host.replace(change.config)
            bridge.rebind(engine.hub, history_of(engine), engine.scheduler.refresh)
            controller.build()
            host.start()
            log.info("configuration reloaded: %d pages, %d metrics",
                     len(engine.config.pages), len(engine.config.metrics))

        watcher = ConfigWatcher(started.config_path, adapt=started.adapt)
        watching = asyncio.create_task(watch(watcher, reload), name="config-watch")
        loop = asyncio.get_running_loop()
        if smoke is not None:
            loop.call_later(smoke, done.set)
        try:
            await done.wait()
            window = controller.main_window
            if screenshot is not None and window is not None:
                # a screenshot shows data: give sources not heard from yet a little longer
                for _ in range(50):
                    healths = host.engine.hub.healths()
                    if all(h.last_attempt is not None for h in healths):
                        break
                    await asyncio.sleep(0.2)
                if shots_to_folder:
                    from noc_board.ui.screenshots import save_pages

                    for path in await save_pages(window, screenshot):
                        log.info("screenshot saved to %s", path)
                else:
                    window.grab().save(str(screenshot))
                    log.info("screenshot saved to %s", screenshot)
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
            controller.shutdown()
            bridge.close()
            watchdog.stop()
            await host.close()

    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(main())
    finally:
        gc.enable()  # (when start-up failed before it was)
        started.stop()
        logging.getLogger().removeHandler(failures)
        sys.excepthook = sys.__excepthook__
    if smoke is not None and failures.count:
        print(f"noc-board: {failures.count} error(s) during the smoke run", file=sys.stderr)
        return 1
    return 0
