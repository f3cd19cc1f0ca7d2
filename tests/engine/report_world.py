"""A store written by a replayed scenario, for the report tests (built once per test session).

Two months and a half of a simulated marketplace (January to the start of March 2026, Europe/
Berlin) land in a real SQLite store the way a running board puts them there:

- the live day, Wednesday 18 February 2026, is replayed minute by minute through the real Hub
  with the StoreRecorder (rollups and journal), the escalation engine, and operators who
  acknowledge, write notes and open, edit and resolve an incident at set times;
- the other days are folded into the rollups from the simulator's figures every 5 minutes
  (the history a board that had been running would have), with two outages of their own.

Every alarm event the hub publishes is kept (`World.events`), so tests can compute the expected
figures without reading the journal or the rollups.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from noc_board.config.loader import parse_config
from noc_board.config.schema import Config
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.clock import ManualClock
from noc_board.core.health import SourceHealth
from noc_board.core.samples import PollResult, Sample
from noc_board.core.scenario import parse_scenario
from noc_board.engine.escalation import EscalationEngine
from noc_board.engine.hub import Hub
from noc_board.engine.notifiers import Message, Notifier
from noc_board.engine.replay_sim import MetricFeed, simulate
from noc_board.engine.replay_store import BufferedRecorder
from noc_board.store import Store, open_store
from noc_board.store.operator_log import OperatorLog

CONFIG = """
[board]
title = "Marketplace NOC"
timezone = "Europe/Berlin"
operators = ["alice", "bob"]

[reports]
handovers = ["06:00", "14:00", "22:00"]
slo = 0.999

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "1m"

[[sources]]
name = "stripe"
kind = "stripe"
url = "http://127.0.0.1:9"
interval = "1m"
auth = "bearer"
secret = "stripe-key"

[[metrics]]
id = "users.concurrent"
source = "prom"
label = "Users on site"
kpi = "users.active_now"
good = "up"
query = "marketplace_active_users"

[[metrics]]
id = "sales.orders_today"
source = "stripe"
label = "Orders today"
kpi = "sales.transactions_today"
good = "up"
measure = "orders_today"

[[metrics]]
id = "sales.revenue_today"
source = "stripe"
label = "Revenue today"
kpi = "sales.transaction_value_today"
unit = "money"
good = "up"
measure = "revenue_today"

[[metrics]]
id = "sales.refunds_today"
source = "stripe"
label = "Refunds today"
kpi = "sales.refunds_today"
good = "down"
measure = "refunds_today"

[[metrics]]
id = "health.checkout.up"
source = "prom"
label = "Checkout up"
kpi = "health.up"
good = "up"
query = 'marketplace_up{service="checkout"}'

[[metrics]]
id = "health.web.up"
source = "prom"
label = "Web up"
kpi = "health.up"
good = "up"
query = 'marketplace_up{service="web"}'

[[metrics]]
id = "health.checkout.error_rate"
source = "prom"
label = "Checkout 5xx rate"
unit = "ratio"
good = "down"
query = 'marketplace_error_ratio{service="checkout"}'

[[rules]]
id = "checkout-errors"
metric = "health.checkout.error_rate"
level = 0.05
clear = 0.02
hold = "2m"
severity = "critical"
route = "tech"
summary = "Checkout errors above 5 %"

[[rules]]
id = "checkout-down"
metric = "health.checkout.up"
op = "below"
level = 0.5
clear = 0.5
severity = "critical"
route = "tech"
summary = "Checkout is down"

[[routes]]
name = "tech"

[[routes.levels]]
delay = "5m"
notify = []
"""

# Wednesday 18 February 2026 in Berlin (UTC+1): 00:00 local is 23:00 UTC the day before
LIVE_START = "2026-02-17T23:00:00Z"
LIVE = f"""
start = "{LIVE_START}"
duration = "24h"
step = "1m"
seed = 5

[[incidents]]
kind = "errors"
start = "2026-02-18T06:10:00Z"
duration = "30m"
magnitude = 0.3
target = "checkout"

[[incidents]]
kind = "outage"
start = "2026-02-18T09:00:00Z"
duration = "20m"
magnitude = 1.0
target = "checkout"

[[incidents]]
kind = "source_down"
start = "2026-02-18T11:00:00Z"
duration = "20m"
target = "stripe"

[[incidents]]
kind = "errors"
start = "2026-02-18T12:40:00Z"
duration = "10m"
magnitude = 0.3
target = "checkout"
"""
HISTORY = """
start = "2025-12-31T23:00:00Z"
duration = "61d"
step = "5m"
seed = 5

[[incidents]]
kind = "outage"
start = "2026-01-20T03:00:00Z"
duration = "20m"
target = "web"

[[incidents]]
kind = "outage"
start = "2026-02-10T03:00:00Z"
duration = "30m"
target = "checkout"
"""
LIVE_T0 = 1_771_369_200.0  # 2026-02-17T23:00:00Z
LIVE_T1 = LIVE_T0 + 86_400.0
HISTORY_T0 = 1_767_222_000.0  # 2025-12-31T23:00:00Z: 1 January 2026 00:00 in Berlin
HISTORY_T1 = HISTORY_T0 + 61 * 86_400.0  # 2 March 2026 00:00 in Berlin


def local(hhmm: str) -> float:
    """Unix seconds of a local time on the live day ("07:21")."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return LIVE_T0 + hours * 3600 + minutes * 60


@dataclass
class World:
    """The store file, the configuration and what happened, for the tests to check against."""

    path: Path
    config: Config
    events: list[AlarmEvent]
    live: MetricFeed
    history: MetricFeed
    incident_id: str = ""
    notes: list[str] = field(default_factory=list)

    def open(self) -> Store:
        return open_store(self.path)


class _Collector:
    def __init__(self) -> None:
        self.events: list[AlarmEvent] = []

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        pass

    def health_changed(self, health: SourceHealth) -> None:
        pass

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        self.events.extend(events)


class _NoTransport:
    async def send(self, url: str, message: Message) -> None:  # pragma: no cover - unused
        raise AssertionError("the test routes notify nobody")


Intent = Callable[[Hub, World], None]


def _intents() -> dict[float, list[Intent]]:
    def ack(key: str, who: str) -> Intent:
        return lambda hub, world: hub.acknowledge(key, who, "on it")

    def note(who: str, text: str, flagged: bool = False) -> Intent:
        def run(hub: Hub, world: World) -> None:
            hub.add_note(who, text, flagged)
            world.notes.append(text)
        return run

    def open_incident(hub: Hub, world: World) -> None:
        keys = [a.key for a in hub.alarms() if a.rule in ("checkout-down", "checkout-errors")
                and a.active]
        world.incident_id = hub.open_incident(keys, "Checkout down", "bob").id

    def edit_incident(hub: Hub, world: World) -> None:
        hub.update_incident(world.incident_id, {
            "cause": "A database failover left checkout without connections.",
            "resolution": "Restarted the checkout pool at 10:18.",
            "actions": "Add a connection health check to the checkout readiness probe.",
        }, "bob")

    def resolve(hub: Hub, world: World) -> None:
        hub.update_incident(world.incident_id, {"status": "resolved"}, "bob")

    plan: dict[str, list[Intent]] = {
        "07:21": [ack("checkout-errors", "alice")],
        "08:00": [note("alice", "Checkout errors after deploy 4711; rolled back at 07:35.")],
        "10:03": [ack("checkout-down", "bob")],
        "10:05": [open_incident],
        "10:06": [ack("checkout-errors", "bob")],
        "10:40": [edit_incident],
        "10:45": [resolve],
        "13:50": [note("bob", "Watch checkout: the errors at 13:40 are not explained yet.",
                       flagged=True)],
    }
    return {local(k): v for k, v in plan.items()}


def _fold_history(store: Store, feed: MetricFeed) -> None:
    """The history's figures (outside the live day) into the rollups, as a board recorded them."""
    keep = (feed.times < LIVE_T0) | (feed.times >= LIVE_T1)
    times = feed.times[keep].tolist()
    batch: list[Sample] = []
    for metric, values in feed.values.items():
        for t, v in zip(times, values[keep].tolist(), strict=True):
            batch.append(Sample(metric, t, v))
    store.rollups.add(batch)


def _replay_live(store: Store, config: Config, feed: MetricFeed, world: World) -> None:
    clock = ManualClock(LIVE_T0)
    recorder = BufferedRecorder(store)
    hub = Hub(config, clock, recorder, operator_log=OperatorLog(store.journal))
    collector = _Collector()
    hub.subscribe(collector)
    notifier = Notifier(clock, _NoTransport())
    escalation = EscalationEngine(config.routes, notifier, clock,
                                  journal=store.journal.append, board=config.board.title)
    hub.subscribe(escalation)
    intents = _intents()
    source_of = {m.id: m.source for m in config.metrics}
    for i in range(feed.first, feed.times.shape[0]):
        t = float(feed.times[i])
        clock.set(t)
        for source in ("prom", "stripe"):
            if feed.down[source][i]:
                hub.source_failed(source, "HTTP 503 (simulated source_down)", t)
                continue
            samples = [Sample(m, t, float(v[i])) for m, v in feed.values.items()
                       if source_of[m] == source and np.isfinite(v[i])]
            hub.ingest(PollResult(source, t, samples))
        hub.tick()
        escalation.step(t)
        for intent in intents.get(t, []):
            intent(hub, world)
        if (i - feed.first) % 60 == 59:
            recorder.flush()
    recorder.flush()
    world.events = collector.events


@functools.cache
def build_world() -> World:
    """Build the store once per test session (a few seconds) and return what happened."""
    folder = Path(tempfile.mkdtemp(prefix="noc-report-world-"))
    atexit.register(shutil.rmtree, folder, True)
    config = parse_config(CONFIG, "report-world.toml")
    metrics = [m.id for m in config.metrics]
    # a week before January and two days before the live day: refunds trail their orders
    history = simulate(config, parse_scenario(HISTORY, "history.toml"), metrics, 7 * 86_400.0)
    live = simulate(config, parse_scenario(LIVE, "live.toml"), metrics, 2 * 86_400.0)
    path = folder / "journal.sqlite3"
    world = World(path, config, [], live, history)
    with open_store(path) as store:
        _fold_history(store, history)
        _replay_live(store, config, live, world)
    return world
