"""Every KPI of the mission is on the demo board, and `poll --demo --once` gives each a value.

The poll is the real program in a real process (`python -m noc_board poll --demo --once
--json`): the simulator on loopback, every connector against its wire format, the Stripe
catch-up of the demo's history included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from noc_board.config.loader import load_config
from noc_board.config.schema import Config
from noc_board.core.kpis import MISSION, by_id, covering
from noc_board.engine.launch import demo_config_path
from noc_board.engine.report_upkeep import kept_breakdowns


@pytest.fixture(scope="module")
def demo() -> Config:
    return load_config(demo_config_path())


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "noc_board", "poll", "--demo", "--once", "--json"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr  # 1: a source failed; the test says which
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_every_mission_kpi_is_mapped_in_the_demo(demo: Config) -> None:
    mapped = {m.kpi for m in demo.metrics if m.kpi}
    missing = [item for item in MISSION if not {k.id for k in covering(item)} & mapped]
    assert not missing, f"mission KPIs without a metric in demo.toml: {missing}"


def test_each_mapped_metric_uses_a_provider_of_its_kpi(demo: Config) -> None:
    for metric in demo.metrics:
        if not metric.kpi:
            continue
        kpi = by_id(metric.kpi)
        source = demo.source(metric.source)
        assert kpi is not None and source is not None, metric.id
        kinds = {p.kind for p in kpi.providers}
        assert source.kind in kinds, f"{metric.id}: {source.kind} is no provider of {kpi.id}"
        measures = {p.measure for p in kpi.providers if p.kind == source.kind}
        if source.kind in ("ga4", "stripe"):
            assert metric.measure in measures, metric.id


def test_poll_demo_once_gives_every_mapped_kpi_a_value(
    demo: Config, report: dict[str, Any],
) -> None:
    sources = report["sources"]
    needed = {m.source for m in demo.metrics if m.kpi}
    for name in needed:
        assert sources[name]["state"] in ("ok", "degraded"), (name, sources[name]["error"])
    empty = [m.id for m in demo.metrics if m.kpi and report["metrics"][m.id]["value"] is None]
    assert not empty, f"no value for {empty}; sources: {sources}"
    for metric in demo.metrics:
        kpi = by_id(metric.kpi) if metric.kpi else None
        if kpi is not None and kpi.table:  # a table KPI comes with its rows
            rows = report["metrics"][metric.id].get("rows")
            assert rows and all(isinstance(label, str) for label, _ in rows), metric.id


def test_the_behaviour_flow_and_funnel_read_as_pages(report: dict[str, Any]) -> None:
    flow = report["metrics"]["behaviour.flow"]["rows"]
    assert all(" → " in label for label, _ in flow)
    assert any(label.startswith("(entrance) → ") for label, _ in flow)
    funnel = report["metrics"]["behaviour.funnel"]["rows"]
    assert [label for label, _ in funnel] == [
        "/", "/product", "/cart", "/checkout", "/order-confirmation"]
    counts = [value for _, value in funnel]
    assert counts == sorted(counts, reverse=True)  # the demo's funnel narrows


ROUTE_METRICS = ("health.route_p95", "health.route_requests", "health.route_5xx",
                 "health.route_404")


def test_the_insights_of_the_demo_read_kept_breakdowns(demo: Config) -> None:
    insights = demo.insights
    assert (insights.route_latency, insights.route_requests, insights.route_5xx,
            insights.route_404) == ROUTE_METRICS
    assert insights.load == "health.requests"
    assert [(c.name, c.metric, c.limit) for c in insights.capacity] == [
        ("Checkout database", "health.db_connections", 0.85),
        ("App servers (CPU)", "health.cpu", 0.85)]
    assert kept_breakdowns(demo) >= {*ROUTE_METRICS, "behaviour.flow", "sales.top_products"}
    for metric_id in ROUTE_METRICS:
        metric = demo.metric(metric_id)
        assert metric is not None and metric.by == "route" and metric.source == "prometheus"


def test_poll_demo_once_reads_routes_as_rows_largest_first(report: dict[str, Any]) -> None:
    for metric_id in ROUTE_METRICS:
        got = report["metrics"][metric_id]
        rows = got["rows"]
        assert len(rows) >= 3 and all(label.startswith("/") for label, _ in rows), metric_id
        values = [v for _, v in rows]
        assert values == sorted(values, reverse=True) and got["value"] == values[0], metric_id
    routes = {label for label, _ in report["metrics"]["health.route_requests"]["rows"]}
    assert {label for label, _ in report["metrics"]["health.route_p95"]["rows"]} == routes
    db = report["metrics"]["health.db_connections"]
    assert 0 < db["value"] < 1 and db["unit"] == "ratio" and "rows" not in db
