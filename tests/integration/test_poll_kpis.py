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
