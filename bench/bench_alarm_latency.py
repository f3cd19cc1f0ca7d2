"""Time from a sample crossing a threshold to the banner showing it and the horn's play request.

The board is the demo configuration's, full size (1920x1080, offscreen unless a DISPLAY is set),
on a real hub journaling into a real SQLite store (each alarm transition is an fsynced append
before it is published), with the alarm desk (horn and tray) attached. Each round hands the hub
one poll result whose sample crosses a rule's level (`hub.ingest`, what the scheduler does when
a poll returns), then measures, from just before that call:

    ingest     until `hub.ingest` returns (rules, journal, every listener, synchronously)
    horn       until the horn handed its clip to the sink (the play request)
    banner     until the banner lists the alarm
    painted    until the banner has been painted with it (the event loop ran)

then acknowledges and clears the alarm for the next round. The rules' `hold` is set to 0 so
the crossing sample raises at once: a hold is the rule's choice, not latency. The target
(issue 4) is under 100 ms beyond the poll itself. Prints figures; asserts nothing.

    python bench/bench_alarm_latency.py [--rounds 40] [--real-sound] [--no-store]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from noc_board.config.loader import load_config
from noc_board.config.schema import Config, RuleConfig
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.resources import resource_path
from noc_board.store import open_store
from noc_board.ui.alarm_desk import create_alarm_desk
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.sound import QSoundEffectSink, RecordingSink, SoundSink

T0 = 1_767_794_400.0  # 2026-01-07T14:00:00Z
TARGET_MS = 100.0
QUIET_POLLS = 30  # normal polls between rounds (flapping looks at the last 21)


class PaintWatch(QObject):
    """Notes the perf_counter of the first paint of the watched widget after `arm()`."""

    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None

    def arm(self) -> None:
        self.painted_at = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
        return False


class TimedSink:
    """Wraps a sink and notes when each play was requested."""

    def __init__(self, inner: SoundSink) -> None:
        self.inner = inner
        self.requested_at: float | None = None

    def prepare(self) -> str | None:
        return self.inner.prepare()

    def play(self, clip: str, volume: float) -> str | None:
        self.requested_at = time.perf_counter()
        return self.inner.play(clip, volume)

    def stop(self) -> None:
        self.inner.stop()


def _breach_value(rule: RuleConfig) -> tuple[float, float]:
    """A value beyond the rule's level, and one past its clear level."""
    clear = rule.level if rule.clear is None else rule.clear
    if rule.op == "above":
        return rule.level * 2 + 1.0, clear / 2 - 1.0 if clear <= 0 else clear / 2
    return rule.level / 2 - 1.0 if rule.level <= 0 else rule.level / 2, clear * 2 + 1.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _stats(name: str, values: list[float]) -> str:
    return (f"{name:<8} median {statistics.median(values):7.2f} ms   p95 {_p95(values):7.2f} ms"
            f"   max {max(values):7.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--real-sound", action="store_true",
                        help="the real QSoundEffect sink (needs an audio device)")
    parser.add_argument("--no-store", action="store_true", help="no journal (no fsync)")
    args = parser.parse_args()

    loaded = load_config(resource_path("config", "demo.toml"))
    config: Config = replace(loaded, rules=[replace(r, hold=0.0) for r in loaded.rules])
    rule = config.rules[0]
    source = next(m.source for m in config.metrics if m.id == rule.metric)
    high, low = _breach_value(rule)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    clock = ManualClock(T0)
    with tempfile.TemporaryDirectory() as folder:
        store = None if args.no_store else open_store(Path(folder) / "bench.sqlite")
        hub = Hub(config, clock, StoreRecorder(store) if store is not None else None)
        bridge = EngineBridge(hub)
        window = WallboardWindow(hub, bridge, clock, tick_ms=0)
        window.resize(1920, 1080)
        window.show()
        inner: SoundSink = QSoundEffectSink(parent=window) if args.real_sound else RecordingSink()
        sink = TimedSink(inner)
        desk = create_alarm_desk(window, bridge, clock, sink=sink, tray_available=lambda: False)
        desk.start()
        watch = PaintWatch()
        window.banner.installEventFilter(watch)
        loop = QEventLoop()

        def poll(value: float) -> None:
            sample = Sample(metric=rule.metric, ts=clock.now(), value=value)
            hub.ingest(PollResult(source=source, polled_at=clock.now(), samples=[sample]))

        figures: dict[str, list[float]] = {"ingest": [], "horn": [], "banner": [], "painted": []}
        poll(low)
        window.tick()
        app.processEvents()
        for _ in range(args.rounds):
            clock.advance(15)
            watch.arm()
            sink.requested_at = None
            t0 = time.perf_counter()
            poll(high)
            t_ingest = time.perf_counter()
            t_banner = t_ingest if window.banner.top_key() == rule.id else None
            deadline = t0 + 2.0
            while time.perf_counter() < deadline and (
                watch.painted_at is None or t_banner is None
            ):
                loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
                if t_banner is None and window.banner.top_key() == rule.id:
                    t_banner = time.perf_counter()
            if t_banner is None or watch.painted_at is None or sink.requested_at is None:
                print("the alarm did not reach the banner or the horn within 2 s")
                return 1
            figures["ingest"].append((t_ingest - t0) * 1000)
            figures["horn"].append((sink.requested_at - t0) * 1000)
            figures["banner"].append((t_banner - t0) * 1000)
            figures["painted"].append((watch.painted_at - t0) * 1000)
            hub.acknowledge(rule.id, "bench")
            for _ in range(QUIET_POLLS):  # long enough quiet that flapping detection rests
                clock.advance(15)
                poll(low)
            if next(a for a in hub.alarms() if a.key == rule.id).state is not AlarmState.NORMAL:
                print("the alarm did not return to normal between rounds")
                return 1
            app.processEvents()

        sound = "QSoundEffect" if args.real_sound else "recording sink"
        journal = "no journal" if store is None else "SQLite journal (fsynced appends)"
        print(f"alarm latency: demo board 1920x1080, rule {rule.id!r}, {args.rounds} rounds, "
              f"{journal}, {sound}, platform {QGuiApplication.platformName()}")
        for name, values in figures.items():
            print(_stats(name, values))
        worst = max(_p95(figures["painted"]), _p95(figures["horn"]))
        verdict = "within" if worst < TARGET_MS else "OVER"
        print(f"target: banner painted and horn requested under {TARGET_MS:.0f} ms after the "
              f"poll returned: {verdict} (p95 {worst:.1f} ms)")
        desk.shutdown()
        window.shutdown()
        window.close()
        bridge.close()
        if store is not None:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
