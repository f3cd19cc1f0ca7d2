"""A real Prometheus scraping the demo's /metrics answers the demo queries as the demo server does.

The demo configuration's PromQL must work against a real Prometheus too; this proves the
gauges make that true (same series, same labels, same values at the same instant).
"""

from __future__ import annotations

import dataclasses
import math
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from noc_board.core.clock import SystemClock
from noc_board.core.scenario import Baseline, Incident, Scenario
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator
from tests.conftest import real_binary

QUERIES = (
    "marketplace_active_users",
    'marketplace_error_ratio{service="checkout"}',
    'marketplace_up{service="search"}',
    "marketplace_latency_p95_seconds",
    "sum(marketplace_requests_per_second)",
    "avg(marketplace_latency_p95_seconds)",
    "max(node_cpu_utilisation)",
    'node_cpu_utilisation{instance="db-1"}',
    "http_requests_total",
    "marketplace_route_latency_p95_seconds",
    'marketplace_route_requests_per_second{route="/checkout"}',
    'marketplace_route_responses_per_second{code="5xx"}',
    'marketplace_route_responses_per_second{route="/product",code="404"}',
    "marketplace_db_connections_ratio",
    'marketplace_db_connections_ratio{db="checkout-db"}',
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    now = time.time()
    # search is down for the whole test, so a NaN p95 goes through the real scrape as well
    scenario = Scenario(
        start=now - 86400,
        duration=2 * 86400,
        step=60.0,
        seed=3,
        baseline=Baseline(),
        incidents=(Incident("outage", now - 3600, 7200.0, 1.0, "search"),),
    )
    with DemoServer(MarketSimulator(scenario), SystemClock()) as server:
        yield server


@pytest.fixture
def prometheus(demo: DemoServer, tmp_path: Path) -> Iterator[httpx.Client]:
    binary = real_binary("prometheus")
    target = demo.url.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: marketplace\n    honor_labels: true\n"
        f"    static_configs:\n      - targets: ['{target}']\n",
        encoding="utf-8",
    )
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/-/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "Prometheus did not get ready"
                assert proc.poll() is None, "Prometheus exited"
                time.sleep(0.1)
            yield client
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _vector(client: httpx.Client, query: str, at: float) -> list[dict[str, Any]]:
    got = client.get("/api/v1/query", params={"query": query, "time": f"{at:.3f}"})
    assert got.status_code == 200, got.text
    result: list[dict[str, Any]] = got.json()["data"]["result"]
    return result


def _scrape_time(prom: httpx.Client) -> float:
    """The time of a scrape that is not within a second of a simulator step boundary."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = _vector(prom, "timestamp(marketplace_active_users)", time.time())
        if found:
            at = float(found[0]["value"][1])
            if at % 60 < 58:
                return at
        time.sleep(0.5)
    raise AssertionError("Prometheus scraped nothing from the demo server")


@pytest.mark.real_server
def test_real_prometheus_answers_like_the_demo_server(
    demo: DemoServer, prometheus: httpx.Client
) -> None:
    at = _scrape_time(prometheus)
    with httpx.Client(base_url=demo.url) as ours:
        for query in QUERIES:
            real = sorted(_vector(prometheus, query, at), key=lambda s: sorted(s["metric"].items()))
            mine = sorted(_vector(ours, query, at), key=lambda s: sorted(s["metric"].items()))
            assert [s["metric"] for s in real] == [s["metric"] for s in mine], query
            assert real, query
            for r, m in zip(real, mine, strict=True):
                assert r["value"][0] == m["value"][0]
                a, b = float(r["value"][1]), float(m["value"][1])
                if "http_requests_total" in query:  # integrated over the scrape's few ms
                    assert a == pytest.approx(b, rel=1e-4, abs=1.0), query
                elif math.isnan(a) or math.isnan(b):
                    assert math.isnan(a) and math.isnan(b), query
                else:
                    assert a == pytest.approx(b, rel=1e-12), query


@pytest.mark.real_server
async def test_prometheus_connector_reads_the_simulator_through_real_prometheus(
    demo: DemoServer, prometheus: httpx.Client
) -> None:
    """The connector, on a real Prometheus scraping the demo, reads the simulator's values."""
    from noc_board.config.loader import load_config
    from noc_board.core.clock import ManualClock
    from noc_board.engine.launch import demo_config_path
    from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
    from noc_board.sources.prometheus import PrometheusSource

    at = _scrape_time(prometheus)
    config = load_config(demo_config_path())
    cfg = config.source("prometheus")
    assert cfg is not None
    real = dataclasses.replace(cfg, url=str(prometheus.base_url).rstrip("/"))
    metrics = [m for m in config.metrics if m.source == "prometheus"]
    async with make_client() as client:
        fetcher = HttpFetcher(client, RequestPolicy(timeout=5))
        source = PrometheusSource(real, metrics, fetcher, ManualClock(at), None)
        result = await source.poll()
        await fetcher.aclose()
    got = {s.metric: s.value for s in result.samples}
    truth = demo.simulator.state_at(at)
    assert got["users.concurrent"] == pytest.approx(truth.active_users, rel=1e-9)
    assert got["health.cpu"] == pytest.approx(max(truth.cpu.values()), rel=1e-9)
    assert got["health.db_p95"] == pytest.approx(truth.db_query_p95, rel=1e-9)
    for service, state in truth.services.items():
        assert got[f"health.{service}.up"] == (1.0 if state.up else 0.0)
        assert got[f"health.{service}.error_rate"] == pytest.approx(state.error_ratio, rel=1e-9)
    assert got["health.search.up"] == 0.0  # the outage in the fixture's scenario
    assert len(got) == len(metrics)
