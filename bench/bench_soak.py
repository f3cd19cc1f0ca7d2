"""Weeks without a restart: memory over 72 hours of polling, and the CPU of the steady board.

1. Soak (accelerated): the 24-panel board (bench/board24.py) on a manual clock, fed a poll every
   5 s of simulated time for 72 h (51,840 polls: every metric, tables every third poll, an
   incident an hour that raises and clears alarms), the window's repaint tick after every poll
   and a real paint every simulated minute, with the journal and rollups in a real SQLite
   store. RSS, Python objects and Qt objects are taken after a 2-hour warm-up (ring buffers
   full) and at the end. Target: RSS growth under 5 %.
2. Steady CPU (real time): the same board on the system clock at its normal rate (data every
   5 s, repaint tick 1 Hz) for `--cpu-seconds`; the process' CPU time over the wall time.
   Target: under 5 % of one core.

    QT_QPA_PLATFORM=offscreen python bench/bench_soak.py [--hours 72] [--cpu-seconds 60]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from board24 import INTERVAL, Feeder, board_config
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QApplication

from noc_board.core.clock import ManualClock, SystemClock
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.store import Store, open_store
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow

WARMUP_H = 2.0


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(clock: ManualClock | SystemClock, store: Store) -> tuple[Hub, EngineBridge,
                                                                   WallboardWindow, int]:
    config = board_config()
    hub = Hub(config, clock, StoreRecorder(store))
    bridge = EngineBridge(hub, history=HistoryReader(store.rollups))
    tick_ms = 0 if isinstance(clock, ManualClock) else 1000
    window = WallboardWindow(hub, bridge, clock, tick_ms=tick_ms)
    window.resize(1920, 1080)
    window.show()
    return hub, bridge, window, len(config.pages[0].panels)


def snapshot(window: WallboardWindow) -> tuple[float, int, int]:
    gc.collect()
    return rss_mib(), len(gc.get_objects()), len(window.findChildren(QObject))


def soak(app: QApplication, hours: float) -> None:
    clock = ManualClock(1_767_225_600.0)  # 2026-01-01 00:00 UTC
    store = open_store(Path(tempfile.mkdtemp()) / "soak.sqlite3")
    hub, bridge, window, panels = build(clock, store)
    feeder = Feeder()
    polls = int(hours * 3600 / INTERVAL)
    warmup = int(WARMUP_H * 3600 / INTERVAL)
    per_minute = int(60 / INTERVAL)
    started = time.perf_counter()
    start = (0.0, 0, 0)
    alarms_raised = 0
    for n in range(warmup + polls):
        clock.advance(INTERVAL)
        feeder.poll(hub, clock.now())
        hub.tick()
        window.tick()
        if n % per_minute == 0:
            QCoreApplication.processEvents()  # a real paint, flashing borders included
        if n == warmup:
            start = snapshot(window)
            raised_before = sum(1 for a in hub.alarms() if a.raised_at)
            t_warm = time.perf_counter()
        if n > warmup and n % (polls // 12 or 1) == 0:
            done = (n - warmup) / polls
            print(f"  {done * hours:5.1f} h simulated, RSS {rss_mib():.1f} MiB, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    alarms_raised = len(store.journal.entries(kinds=["alarm"], limit=100_000))
    end = snapshot(window)
    wall = time.perf_counter() - t_warm
    growth = (end[0] - start[0]) / start[0] * 100
    print(f"soak: {hours:g} h of polling ({polls:,} polls of {panels} panels, every "
          f"{INTERVAL:g} s) simulated in {wall / 60:.1f} min after a {WARMUP_H:g} h warm-up; "
          f"{alarms_raised} alarm transitions journaled")
    print(f"  RSS start {start[0]:.1f} MiB, end {end[0]:.1f} MiB, growth {growth:+.2f} % "
          f"(target < 5 %)")
    print(f"  Python objects {start[1]:,} -> {end[1]:,}; Qt objects under the window "
          f"{start[2]:,} -> {end[2]:,}")
    del raised_before
    window.shutdown()
    window.close()
    bridge.close()
    store.close()


def steady_cpu(app: QApplication, seconds: float) -> None:
    clock = SystemClock()
    store = open_store(Path(tempfile.mkdtemp()) / "cpu.sqlite3")
    hub, bridge, window, panels = build(clock, store)
    feeder = Feeder()
    now = clock.now()
    for i in range(1440, 0, -1):  # a full ring of history, as a running board has
        feeder.poll(hub, now - i * INTERVAL)
    gc.freeze()  # as noc_board.app does once the board is up
    feed = QTimer()
    feed.setInterval(int(INTERVAL * 1000))
    feed.timeout.connect(lambda: feeder.poll(hub, clock.now()))
    feed.start()
    marks: dict[str, float] = {}

    def begin() -> None:
        marks["cpu"], marks["wall"] = cpu_seconds(), time.perf_counter()

    warmup = 5.0
    QTimer.singleShot(int(warmup * 1000), begin)
    QTimer.singleShot(int((warmup + seconds) * 1000), app.quit)
    app.exec()
    used = cpu_seconds() - marks["cpu"]
    wall = time.perf_counter() - marks["wall"]
    print(f"steady CPU: {used / wall * 100:.2f} % of one core over {wall:.0f} s "
          f"({panels} panels, new data every {INTERVAL:g} s, repaint tick 1 Hz, 1920x1080, "
          f"platform {QApplication.platformName()}; target < 5 %)")
    feed.stop()
    window.shutdown()
    window.close()
    bridge.close()
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=72.0, help="simulated hours to soak")
    parser.add_argument("--cpu-seconds", type=float, default=60.0, help="real-time CPU run")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    if args.hours > 0:
        soak(app, args.hours)
    if args.cpu_seconds > 0:
        steady_cpu(app, args.cpu_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
