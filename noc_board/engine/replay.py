"""`noc-board replay`: the configured rules over a scenario or recorded series, in simulated time.

The run goes through the real `Hub` (and so the alarm book, flap damping and maintenance
windows) with a manual clock: at each step every source is polled (the simulator's figures, or
a refusal during a `source_down` incident), then the hub ticks. Seasonal baselines read the
whole run's figures through an `ArrayHistory` that never shows a rule its future. For a
scenario the marketplace is simulated from days before its start (refunds arrive days after
their charges), and the board's store holds the figures of `history` seconds before the start,
as that of a board that had been running would; the last hours of them are played silently so
windows and rolling baselines are warm when the scenario starts. `history = 0` is a new board.

Output (DESIGN.md): one JSON object per alarm event, in time order, nothing else on stdout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from noc_board.config.schema import Config, RuleConfig
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.clock import ManualClock
from noc_board.core.health import SourceHealth
from noc_board.core.rules.history import ArrayHistory, FloatArray
from noc_board.core.samples import PollResult, Sample
from noc_board.core.scenario import Scenario
from noc_board.engine.hub import Hub
from noc_board.engine.replay_csv import RecordedSeries
from noc_board.engine.replay_sim import SIMULATED_KINDS, simulate
from noc_board.engine.replay_store import FLUSH_EVERY, BufferedRecorder, fold_feed
from noc_board.store import Store

PRINTED_EVENTS = frozenset({"raised", "escalated", "cleared", "severity_changed"})
DEFAULT_HISTORY = 28 * 86_400.0
SPIN_UP = 6 * 3600.0  # history played through the rules, silently, before the scenario starts
WORLD_PAST = 11 * 86_400.0  # the simulated marketplace's own past: refunds come days later
REFUSED = "HTTP 503 (simulated source_down)"

Poll = tuple[str, list[Sample] | None]  # (source, samples) or (source, None) for a refusal
Step = tuple[float, list[Poll]]


@dataclass
class ReplayResult:
    """The events of a run (from the start on) and what was left out, and why."""

    events: list[AlarmEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    start: float = 0.0


class _Collector:
    """A hub listener that keeps the alarm events."""

    def __init__(self) -> None:
        self.events: list[AlarmEvent] = []

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        pass

    def health_changed(self, health: SourceHealth) -> None:
        pass

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        self.events.extend(events)


def watched_metrics(rule: RuleConfig) -> tuple[str, ...]:
    """The metrics whose points a rule needs (a stale rule needs only its source's health)."""
    if rule.kind == "stale":
        return ()
    if rule.kind == "burn_rate" and rule.total:
        return (rule.metric, rule.total)
    return (rule.metric,)


def keep_rules(
    config: Config, available: set[str], health_of: set[str] | None
) -> tuple[Config, list[str]]:
    """The configuration with only the rules the replay can feed, and a note for each other.

    `health_of`: the sources whose health the replay simulates (None: none, for recorded series).
    """
    kept: list[RuleConfig] = []
    skipped: list[str] = []
    for rule in config.rules:
        if rule.kind == "stale":
            metric = config.metric(rule.metric)
            source = rule.source or (metric.source if metric is not None else "")
            if health_of is not None and source in health_of:
                kept.append(rule)
            else:
                skipped.append(f"rule {rule.id}: the replay does not simulate the health of "
                               f"source {source!r}")
            continue
        missing = [m for m in watched_metrics(rule) if m not in available]
        if missing:
            skipped.append(f"rule {rule.id}: no replayed series for {', '.join(missing)}")
        else:
            kept.append(rule)
    return dataclasses.replace(config, rules=kept), skipped


def _run(config: Config, steps: Iterable[Step], history: ArrayHistory, clock: ManualClock,
         start: float, recorder: BufferedRecorder | None = None) -> list[AlarmEvent]:
    hub = Hub(config, clock, recorder, history)
    collector = _Collector()
    hub.subscribe(collector)
    for n, (t, polls) in enumerate(steps):
        clock.set(t)
        for source, samples in polls:
            if samples is None:
                hub.source_failed(source, REFUSED, t)
            else:
                hub.ingest(PollResult(source, t, samples))
        hub.tick()
        if recorder is not None and n % FLUSH_EVERY == FLUSH_EVERY - 1:
            recorder.flush()
    if recorder is not None:
        recorder.flush()
    return [e for e in collector.events if e.ts >= start]


def replay_scenario(
    config: Config, scenario: Scenario, history: float = DEFAULT_HISTORY,
    store: Store | None = None,
) -> ReplayResult:
    """Run `config`'s rules over `scenario` through the simulator; with a `store`, also keep
    there what a board running all along would hold (engine.replay_store)."""
    step = scenario.step
    needed = [m for rule in config.rules for m in watched_metrics(rule)]
    if store is not None:
        needed = [m.id for m in config.metrics]
    sources = [s for s in config.sources if s.kind in SIMULATED_KINDS]
    # a source polled faster than the step is polled once a step; its staleness follows
    config = dataclasses.replace(config, sources=[
        dataclasses.replace(s, interval=max(s.interval, step)) for s in config.sources])
    feed = simulate(config, scenario, needed, max(history, WORLD_PAST))
    config, skipped = keep_rules(config, set(feed.values), {s.name for s in sources})
    skipped = [*feed.skipped, *skipped]
    source_of = {m.id: m.source for m in config.metrics}
    # what the board's store holds: the `history` before the start, and nothing a refused poll
    # would have brought
    unknown = feed.times < scenario.start - history
    masked: dict[str, tuple[FloatArray, FloatArray]] = {}
    for metric, values in feed.values.items():
        down = feed.down.get(source_of.get(metric, ""))
        hidden = unknown if down is None else unknown | down
        masked[metric] = (feed.times, np.where(hidden, np.nan, values))
    clock = ManualClock(float(feed.times[0]))
    archive = ArrayHistory(masked, now=clock.now)
    every = {s.name: max(1, round(s.interval / step)) for s in sources}
    by_source: dict[str, list[str]] = {}
    for metric in feed.values:
        by_source.setdefault(source_of.get(metric, ""), []).append(metric)
    first = max(0, feed.first - math.ceil(min(history, SPIN_UP) / step))

    def steps() -> Iterator[Step]:
        for i in range(first, feed.times.shape[0]):
            t = float(feed.times[i])
            polls: list[Poll] = []
            for s in sources:
                if (i - feed.first) % every[s.name]:
                    continue
                if feed.down[s.name][i]:
                    polls.append((s.name, None))
                else:
                    polls.append((s.name, [Sample(m, t, float(feed.values[m][i]))
                                           for m in by_source.get(s.name, ())]))
            yield t, polls

    recorder = None
    if store is not None:
        played_from = float(feed.times[first])
        known_from = scenario.start - history
        fold_feed(store, feed, source_of, known_from, played_from)
        fold_feed(store, feed, source_of, played_from, scenario.end, rows_only=True)
        recorder = BufferedRecorder(store)
    events = _run(config, steps(), archive, clock, scenario.start, recorder)
    return ReplayResult(events, skipped, scenario.start)


def replay_series(config: Config, recorded: Sequence[RecordedSeries]) -> ReplayResult:
    """Run `config`'s rules over recorded series (each named by a configured metric id)."""
    config, skipped = keep_rules(config, {r.metric for r in recorded}, None)
    source_of = {m.id: m.source for m in config.metrics}
    stamps = np.unique(np.concatenate([r.times for r in recorded]))
    ticks = stamps
    if stamps.size > 1:  # ticks between points too, so silence is noticed when it happens
        gap = float(np.median(np.diff(stamps)))
        if gap > 0 and (stamps[-1] - stamps[0]) / gap < 5_000_000:
            ticks = np.union1d(stamps, np.arange(stamps[0], stamps[-1], gap))
    index = {r.metric: {float(t): float(v) for t, v in zip(r.times, r.values, strict=True)}
             for r in recorded}

    def steps() -> Iterator[Step]:
        for t in ticks.tolist():
            polls: dict[str, list[Sample]] = {}
            for metric, points in index.items():
                if t in points:
                    polls.setdefault(source_of.get(metric, ""), []).append(
                        Sample(metric, t, points[t]))
            yield t, list(polls.items())

    start = float(stamps[0])
    clock = ManualClock(start)
    archive = ArrayHistory({r.metric: (r.times, r.values) for r in recorded}, now=clock.now)
    return ReplayResult(_run(config, steps(), archive, clock, start), skipped, start)


def iso_utc(ts: float) -> str:
    """2026-01-07T14:03:00Z (with milliseconds only when the time has them)."""
    when = dt.datetime.fromtimestamp(ts, dt.UTC)
    if when.microsecond:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_line(event: AlarmEvent) -> str:
    """One event as DESIGN.md's JSON line."""
    value = float(f"{event.value:.6g}") if math.isfinite(event.value) else None
    return json.dumps({
        "ts": iso_utc(event.ts),
        "rule": event.rule,
        "metric": event.metric,
        "event": event.event,
        "severity": event.severity,
        "value": value,
    })


def write_events(events: Iterable[AlarmEvent], out: TextIO) -> int:
    """Print the events replay prints (raised, escalated, cleared, severity_changed)."""
    n = 0
    for event in events:
        if event.event in PRINTED_EVENTS:
            out.write(event_line(event) + "\n")
            n += 1
    return n


def replay_command(
    config_path: Path | None,
    scenario_path: Path | None,
    series: Sequence[str],
    history: str,
    out: TextIO,
    err: TextIO,
    store_path: Path | None = None,
) -> int:
    """Exit 0 after printing the events, 2 on a bad configuration, scenario, series or store.

    `store_path` (with a scenario): also write the replayed board into that SQLite store."""
    from noc_board.config.loader import ConfigError, load_config
    from noc_board.core.scenario import parse_scenario
    from noc_board.core.units import parse_duration
    from noc_board.engine.replay_csv import SeriesFileError, parse_spec, read_series

    if config_path is None:
        print("noc-board replay: give --config FILE", file=err)
        return 2
    if (scenario_path is None) == (not series):
        print("noc-board replay: give either --scenario FILE or --series METRIC=CSV ...",
              file=err)
        return 2
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=err)
        return 2
    if scenario_path is not None:
        try:
            lead = parse_duration(history)
            scenario = parse_scenario(scenario_path.read_text(encoding="utf-8"),
                                      str(scenario_path))
        except (ValueError, OSError) as exc:
            print(f"noc-board replay: {exc}", file=err)
            return 2
        # the hub logs each source going down; in a replay that is the scenario, not news
        hub_log = logging.getLogger("noc_board.engine.hub")
        level = hub_log.level
        hub_log.setLevel(logging.WARNING)
        try:
            if store_path is None:
                result = replay_scenario(config, scenario, lead)
            else:
                from noc_board.store import StoreError, open_store

                try:
                    with open_store(store_path) as store:
                        result = replay_scenario(config, scenario, lead, store)
                except StoreError as exc:
                    print(f"noc-board replay: {exc}", file=err)
                    return 2
                print(f"noc-board replay: wrote the replayed board to {store_path} (figures "
                      f"from {iso_utc(scenario.start - lead)} to {iso_utc(scenario.end)}, "
                      f"{len(result.events)} alarm events)", file=err)
        finally:
            hub_log.setLevel(level)
    else:
        if store_path is not None:
            print("noc-board replay: --store goes with --scenario", file=err)
            return 2
        try:
            recorded = []
            for spec in series:
                metric, path = parse_spec(spec)
                if config.metric(metric) is None:
                    raise SeriesFileError(f"--series {spec!r}: {metric!r} is not a metric of "
                                          f"{config_path}")
                recorded.append(read_series(metric, path))
        except SeriesFileError as exc:
            print(f"noc-board replay: {exc}", file=err)
            return 2
        result = replay_series(config, recorded)
    for note in result.skipped:
        print(f"noc-board replay: skipped {note}", file=err)
    try:
        write_events(result.events, out)
        out.flush()
    except BrokenPipeError:
        # the reader left (`| head`): not our failure; keep Python's exit flush from raising
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return 0
