"""Benchmark of the seasonal drop/spike rule with its default settings.

Prints, for `kind = "seasonal"` with every knob at its default:

1. the NAB-style score (data/nab/README.md) on the NAB files: per file the windows caught, the
   false positives and the normalised score (standard profile: TP 1, FN 1, FP 0.11; 0 = never
   fires, 100 = perfect), and the score of the whole set;
2. the detections, false alarms and detection latency per incident on the week-long demo
   scenario with one incident of each kind (resources/demo/week.toml), with one seasonal rule
   on each of the demo figures an incident shows on, replayed with 4 weeks of history and
   again from nothing (a new board: the rule falls back and says so).

Run: python bench/bench_detectors.py [--nab DIR] [--scenario FILE] [--quick]
Not a test; asserts nothing. Takes about 25 s on a 2-core machine (--quick: the demo only, 10 s).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from noc_board.config.loader import load_config  # noqa: E402
from noc_board.config.schema import RuleConfig  # noqa: E402
from noc_board.core.alarm_book import AlarmBook  # noqa: E402
from noc_board.core.rules.history import ArrayHistory  # noqa: E402
from noc_board.core.samples import Sample  # noqa: E402
from noc_board.core.scenario import parse_scenario  # noqa: E402
from noc_board.engine.replay import replay_scenario  # noqa: E402

DEFAULT_NAB = ROOT.parent / "shared" / "data" / "nab"
DEFAULT_SCENARIO = ROOT / "resources" / "demo" / "week.toml"
DEMO_CONFIG = ROOT / "resources" / "config" / "demo.toml"
# the demo figure each incident kind shows on (source_down shows on none: a stale rule's job)
INDICATORS = {
    "users.concurrent": ("traffic_drop", "outage"),
    "sales.orders_rate": ("conversion_drop", "outage", "traffic_drop"),
    "health.checkout.error_rate": ("outage",),
    "health.payments.error_rate": ("errors",),
    "health.web.p95": ("latency",),
    "sales.decline_rate": ("payment_declines",),
    "sales.refund_rate": ("refund_spike",),
}
AFTERMATH = 3600.0  # a raise this soon after an incident ends is late, not a false alarm

# -- NAB scoring (numenta/NAB, nab/scorer.py and sweeper.py, standard profile) ----------------
TP_WEIGHT, FP_WEIGHT, FN_WEIGHT = 1.0, 0.11, 1.0


def _scaled_sigmoid(position: float) -> float:
    """NAB's score of a detection at a relative position (-1 window start, 0 window end,
    positive: that many window lengths after it)."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


@dataclasses.dataclass
class NabFile:
    """A file's raw, null and perfect scores and what the detector did."""

    name: str
    raw: float
    null: float
    perfect: float
    caught: int
    windows: int
    false_positives: int
    points: int

    @property
    def normalised(self) -> float:
        return 100.0 * (self.raw - self.null) / (self.perfect - self.null)


def nab_score(name: str, times: np.ndarray, windows: list[tuple[float, float]],
              detections: list[float]) -> NabFile:
    """Score detections (times of raises) against labelled windows as NAB does."""
    n = times.shape[0]
    probation = min(math.floor(0.15 * n), 750)
    probation_end = times[probation] if probation < n else times[-1]
    bounds = [(int(np.searchsorted(times, a)), int(np.searchsorted(times, b, side="right")) - 1)
              for a, b in windows]
    caught = [False] * len(windows)
    raw, fps = 0.0, 0
    for when in detections:
        if when < probation_end:
            continue
        i = int(np.searchsorted(times, when))
        inside = next((k for k, (a, b) in enumerate(windows) if a <= when <= b), None)
        if inside is not None:
            if not caught[inside]:
                caught[inside] = True
                lo, hi = bounds[inside]
                raw += TP_WEIGHT * _scaled_sigmoid(-(hi - i + 1) / (hi - lo + 1))
            continue
        fps += 1
        before = [k for k, (a, b) in enumerate(windows) if b < when]
        if not before:
            raw -= FP_WEIGHT
        else:
            lo, hi = bounds[before[-1]]
            raw += FP_WEIGHT * _scaled_sigmoid(abs(hi - i) / max(hi - lo, 1))
    raw -= FN_WEIGHT * caught.count(False)
    return NabFile(name, raw, -FN_WEIGHT * len(windows), TP_WEIGHT * _scaled_sigmoid(-1.0)
                   * len(windows), sum(caught), len(windows), fps, n)


def _nab_time(text: str) -> float:
    return dt.datetime.fromisoformat(text.split(".")[0]).replace(tzinfo=dt.UTC).timestamp()


def seasonal_raises(times: np.ndarray, values: np.ndarray) -> list[float]:
    """Times at which the default seasonal rule raises its alarm on one series, through the
    alarm book as a board runs it (flapping damped), the history never showing the future."""
    now = [float(times[0])]
    history = ArrayHistory({"m": (times, values)}, now=lambda: now[0])
    book = AlarmBook([RuleConfig(id="bench", metric="m", kind="seasonal")], history=history)
    raises: list[float] = []
    for t, v in zip(times.tolist(), values.tolist(), strict=True):
        now[0] = t
        raises.extend(t for e in book.observe([Sample("m", t, v)]) if e.event == "raised")
    return raises


def bench_nab(folder: Path) -> None:
    windows = json.loads((folder / "combined_windows.json").read_text())
    print(f"NAB-style score, seasonal rule with default settings ({folder})")
    print(f"{'file':58} {'points':>6} {'caught':>7} {'FP':>4} {'score':>7}")
    files: list[NabFile] = []
    started = time.perf_counter()
    for name in sorted(windows):
        with (folder / name).open() as fh:
            rows = list(csv.DictReader(fh))
        times = np.array([_nab_time(r["timestamp"]) for r in rows])
        values = np.array([float(r["value"]) for r in rows])
        spans = [(_nab_time(a), _nab_time(b)) for a, b in windows[name]]
        scored = nab_score(name, times, spans, seasonal_raises(times, values))
        files.append(scored)
        print(f"{name:58} {scored.points:6d} {scored.caught:3d}/{scored.windows:<3d} "
              f"{scored.false_positives:4d} {scored.normalised:7.1f}")
    raw = sum(f.raw for f in files)
    null = sum(f.null for f in files)
    perfect = sum(f.perfect for f in files)
    print(f"{'all files':58} {sum(f.points for f in files):6d} "
          f"{sum(f.caught for f in files):3d}/{sum(f.windows for f in files):<3d} "
          f"{sum(f.false_positives for f in files):4d} "
          f"{100.0 * (raw - null) / (perfect - null):7.1f}")
    print(f"(published, whole corpus, standard profile: Numenta HTM ~70, Random Cut Forest ~52, "
          f"Twitter ADVec ~47, random ~11)  [{time.perf_counter() - started:.1f} s]")


def bench_demo(scenario_path: Path, history: float) -> None:
    base = load_config(DEMO_CONFIG)
    scenario = parse_scenario(scenario_path.read_text(), str(scenario_path))
    rules = [RuleConfig(id=f"seasonal:{m}", metric=m, kind="seasonal") for m in INDICATORS]
    config = dataclasses.replace(base, rules=rules, maintenance=[])
    started = time.perf_counter()
    result = replay_scenario(config, scenario, history)
    elapsed = time.perf_counter() - started
    raises = [e for e in result.events if e.event == "raised"]
    incidents = scenario.incident_windows()
    label = "4 weeks of history" if history else "no history (a new board)"
    print(f"\nDemo week {scenario_path.name}, {label}: one default seasonal rule on each of "
          f"{len(INDICATORS)} figures  [replay {elapsed:.1f} s]")
    print(f"{'incident':22} {'window (UTC)':18} {'latency':>7}  detected by")
    used: set[int] = set()
    for w in incidents:
        hits = [(n, e) for n, e in enumerate(raises) if w.start <= e.ts < w.end]
        used.update(n for n, _ in hits)
        used.update(n for n, e in enumerate(raises) if w.end <= e.ts < w.end + AFTERMATH)
        start = dt.datetime.fromtimestamp(w.start, dt.UTC).strftime("%a %d %H:%M")
        kind = f"{w.kind}" + (f" ({w.target})" if w.target else "")
        span = f"{start} +{(w.end - w.start) / 60:.0f}m"
        if hits:
            first = min(hits, key=lambda h: h[1].ts)[1]
            shown = ", ".join(sorted({e.metric for _, e in hits}))
            print(f"{kind:22} {span:18} {(first.ts - w.start) / 60:5.0f} m  {shown}")
        elif w.kind == "source_down":
            print(f"{kind:22} {span:18} {'--':>7}  (on no figure: a stale rule's job)")
        else:
            print(f"{kind:22} {span:18} {'--':>7}  missed")
    false = [e for n, e in enumerate(raises) if n not in used]
    detected = sum(1 for w in incidents if any(w.start <= e.ts < w.end for e in raises))
    print(f"detected {detected}/{len(incidents)} incidents; {len(false)} false alarms "
          f"(raises outside every incident and the hour after it)")
    for e in false:
        when = dt.datetime.fromtimestamp(e.ts, dt.UTC).strftime("%a %d %H:%M")
        print(f"  false alarm {when} {e.metric} = {e.value:.4g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB, help="the NAB data folder")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--quick", action="store_true", help="the demo week only")
    args = parser.parse_args()
    if not args.quick:
        bench_nab(args.nab)
    bench_demo(args.scenario, 28 * 86_400.0)
    bench_demo(args.scenario, 0.0)


if __name__ == "__main__":
    main()
