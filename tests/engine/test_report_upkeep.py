"""What the engine does for the reports: notes and incidents through the hub (journaled first),
the daily rollup pruning, and the products breakdown kept in the rollups."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from noc_board.config.loader import parse_config
from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.engine.report_upkeep import (
    DAY,
    FIRST_PRUNE,
    MAX_ROWS,
    BreakdownRecorder,
    RollupPruner,
    kept_breakdowns,
)
from noc_board.engine.runtime import Engine
from noc_board.reports.context import ReportContext
from noc_board.reports.export import export_report
from noc_board.store import open_store
from noc_board.store.journal import INCIDENT, NOTE
from noc_board.store.operator_log import OperatorLog, OperatorLogError
from tests.engine.test_reports import read_csv

T0 = 1_771_369_200.0  # 2026-02-18 00:00 in Berlin
CONFIG = """
[board]
timezone = "Europe/Berlin"

[[sources]]
name = "stripe"
kind = "stripe"
url = "http://127.0.0.1:9"
auth = "bearer"
secret = "stripe-key"

[[metrics]]
id = "sales.top_products"
source = "stripe"
kpi = "sales.top_products"
unit = "money"
measure = "top_products"

[[metrics]]
id = "health.checkout.error_rate"
source = "stripe"
measure = "decline_rate_1h"
unit = "ratio"

[[rules]]
id = "errors"
metric = "health.checkout.error_rate"
level = 0.1
severity = "critical"
"""


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG, "c.toml")


def test_hub_journals_notes_and_incidents_before_telling_listeners(
        config: Config, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    with open_store(tmp_path / "j.sqlite3") as store:
        hub = Hub(config, clock, StoreRecorder(store), operator_log=OperatorLog(store.journal))
        seen: list[tuple[str, int]] = []
        hub.subscribe_journal(lambda kind: seen.append(
            (kind, len(store.journal.entries(kinds=[NOTE, INCIDENT])))))
        hub.ingest(PollResult("stripe", T0, [Sample("health.checkout.error_rate", T0, 0.5)]))
        (alarm,) = hub.alarms()
        clock.advance(120)
        hub.add_note("alice", "errors after deploy", flagged=True)
        incident = hub.open_incident([alarm.key], "Checkout errors", "alice")
        assert incident.started_at == T0 and incident.severity == "critical"
        assert incident.alarms == (alarm.key,)
        hub.update_incident(incident.id, {"cause": "deploy 4711"}, "bob")
        assert seen == [("note", 1), ("incident", 2), ("incident", 3)]
        assert hub.incidents()[incident.id].cause == "deploy 4711"
        assert [n.text for n in hub.notes(T0, None)] == ["errors after deploy"]
        with pytest.raises(OperatorLogError):
            hub.update_incident("INC-0404", {"cause": "?"}, "bob")
    bare = Hub(config, clock)
    with pytest.raises(OperatorLogError, match="no journal"):
        bare.add_note("alice", "x")
    assert bare.notes() == [] and bare.incidents() == {}


def test_pruner_keeps_the_configured_history(config: Config, tmp_path: Path) -> None:
    now = T0 + 800 * 86_400.0
    with open_store(tmp_path / "j.sqlite3") as store:
        store.rollups.add([Sample("m", now - 40 * 86_400.0, 1.0),   # minutes go, hours stay
                           Sample("m", now - 740 * 86_400.0, 1.0),  # both go
                           Sample("m", now - 3600.0, 1.0)])
        pruner = RollupPruner(store, config, lambda: now)
        result = pruner.prune()
        assert result is not None and (result.minutes, result.hours) == (2, 1)
        assert len(store.rollups.hours("m", now - 800 * 86_400.0, now)) == 2
        assert len(store.rollups.minutes("m", now - 800 * 86_400.0, now)) == 1
        longer = dataclasses.replace(config, reports=dataclasses.replace(
            config.reports, keep_minutes=60 * 86_400.0))
        store.rollups.add([Sample("n", now - 50 * 86_400.0, 1.0)])
        assert RollupPruner(store, longer, lambda: now).prune() == (0, 0, 0)


async def test_pruner_runs_after_start_and_then_daily(config: Config, tmp_path: Path) -> None:
    waits: list[float] = []
    pruned = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            pruned.set()
            await asyncio.Event().wait()  # until cancelled

    with open_store(tmp_path / "j.sqlite3") as store:
        pruner = RollupPruner(store, config, lambda: T0, sleep=sleep)
        pruner.start()
        await asyncio.wait_for(pruned.wait(), 5)
        await pruner.stop()
        assert waits == [FIRST_PRUNE, DAY, DAY] and pruner.last is not None


def test_products_breakdown_is_kept_and_ranked_in_the_monthly_review(
        config: Config, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    with open_store(tmp_path / "j.sqlite3") as store:
        hub = Hub(config, clock, StoreRecorder(store))
        recorder = BreakdownRecorder(store, config, hub.breakdown)
        hub.subscribe(recorder)
        for day in range(3):  # three days; each day's figures count up from midnight
            for minute, share in ((600, 0.5), (1380, 1.0)):
                t = T0 + day * 86_400 + minute * 60
                clock.set(t)
                rows = (("Lamp", 900.0 * share), ("Chair", 400.0 * share),
                        ("Desk", (100.0 + 500 * day) * share))
                hub.ingest(PollResult("stripe", t, breakdowns=[
                    Breakdown("sales.top_products", t, rows)]))
                hub.ingest(PollResult("stripe", t + 10, breakdowns=[  # too soon: not kept
                    Breakdown("sales.top_products", t + 10, rows)]))
        names = [n for n in store.rollups.metrics() if "#" in n]
        assert sorted(names) == ["sales.top_products#Chair", "sales.top_products#Desk",
                                 "sales.top_products#Lamp"]
        assert sum(r.count for r in store.rollups.hours("sales.top_products#Lamp", T0,
                                                        T0 + 3 * 86_400)) == 6
        ctx = ReportContext(config, store.journal, store.rollups, T0 + 20 * 86_400)
        out = tmp_path / "m.csv"
        export_report(ctx, "monthly", out, T0 - 17 * 86_400)
        products = read_csv(out)["products"]
        assert [(r["Product"], float(r["February 2026"])) for r in products] == [
            ("Lamp", 2700.0), ("Desk", 1800.0), ("Chair", 1200.0)]


async def test_engine_wires_the_operator_log_pruner_and_products(
        config: Config, tmp_path: Path) -> None:
    engine = Engine.create(config, ManualClock(T0), lambda name: "key", tmp_path / "j.sqlite3")
    try:
        assert engine.hub.operator_log is not None and engine.pruner is not None
        note = engine.hub.add_note("alice", "hello")
        assert engine.store is not None
        assert engine.store.journal.get(note.id or 0) is not None
        assert any(isinstance(listener, BreakdownRecorder)
                   for listener in engine.hub._listeners)
    finally:
        await engine.close()


INSIGHTS_CONFIG = CONFIG + """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"

[[sources]]
name = "ga4"
kind = "ga4"
url = "http://127.0.0.1:9"
property_id = "123"

[[metrics]]
id = "health.route_p95"
source = "prom"
by = "route"
query = "route_p95"
unit = "seconds"

[[metrics]]
id = "health.route_requests"
source = "prom"
by = "route"
query = "route_rps"

[[metrics]]
id = "health.route_5xx"
source = "prom"
by = "route"
query = "route_5xx"

[[metrics]]
id = "health.route_404"
source = "prom"
by = "route"
query = "route_404"

[[metrics]]
id = "behaviour.flow"
source = "ga4"
kpi = "behaviour.flow"
measure = "behaviour_flow"

[[metrics]]
id = "health.requests"
source = "prom"
query = "requests"

[insights]
route_latency = "health.route_p95"
route_requests = "health.route_requests"
route_5xx = "health.route_5xx"
route_404 = "health.route_404"
load = "health.requests"
"""
ROUTES = ("health.route_p95", "health.route_requests", "health.route_5xx", "health.route_404")


def test_kept_breakdowns_are_products_routes_and_flow() -> None:
    config = parse_config(INSIGHTS_CONFIG, "c.toml")
    assert kept_breakdowns(config) == {"sales.top_products", "behaviour.flow", *ROUTES}
    assert kept_breakdowns(parse_config(CONFIG, "c.toml")) == {"sales.top_products"}
    only_flow = parse_config(INSIGHTS_CONFIG.replace('route_latency = "health.route_p95"\n', "")
                             + 'flow = "health.route_p95"\n', "c.toml")
    assert kept_breakdowns(only_flow) == {"sales.top_products", *ROUTES[1:],
                                          "health.route_p95"}  # not behaviour.flow: named


def test_route_and_flow_rows_are_kept_once_a_minute_per_metric(tmp_path: Path) -> None:
    config = parse_config(INSIGHTS_CONFIG, "c.toml")
    clock = ManualClock(T0)
    with open_store(tmp_path / "j.sqlite3") as store:
        hub = Hub(config, clock, StoreRecorder(store))
        recorder = BreakdownRecorder(store, config, hub.breakdown)
        hub.subscribe(recorder)

        def poll(t: float, *metrics: str, rows: tuple[tuple[str, float], ...]) -> None:
            clock.set(t)
            source = "ga4" if metrics == ("behaviour.flow",) else "prom"
            hub.ingest(PollResult(source, t, breakdowns=[Breakdown(m, t, rows)
                                                        for m in metrics]))

        slow = (("/search", 1.5), ("/cart", 0.4))
        poll(T0, *ROUTES, rows=slow)
        poll(T0 + 30, "health.route_p95", rows=(("/search", 9.0),))  # too soon: not kept
        poll(T0 + 45, "behaviour.flow", rows=(("/ → /cart", 12.0),))  # its first: kept
        poll(T0 + 60, "health.route_p95", rows=(("/search", 2.5),))  # a minute on: kept
        many = tuple((f"/r{i}", float(100 - i)) for i in range(MAX_ROWS + 5))
        poll(T0 + 90, "health.route_404", rows=many)  # 90 s after its last: kept, capped
        poll(T0 + 100, "health.requests", rows=(("/x", 1.0),))  # not a kept breakdown
        names = set(store.rollups.metrics())
        assert {f"{m}#/search" for m in ROUTES} <= names
        assert "behaviour.flow#/ → /cart" in names and "health.requests#/x" not in names
        assert len([n for n in names if n.startswith("health.route_404#")]) == MAX_ROWS + 2
        assert "health.route_404#/r49" in names and "health.route_404#/r50" not in names
        # kept by the hour only: the hour holds both kept polls, and no minute rows are made
        hours = store.rollups.hours("health.route_p95#/search", T0, T0 + 120)
        assert [(r.count, r.last) for r in hours] == [(2, 2.5)]
        assert store.rollups.minutes("health.route_p95#/search", T0, T0 + 120) == []
        assert [r.last for r in store.rollups.hours("health.route_5xx#/cart", T0,
                                                    T0 + 120)] == [0.4]
