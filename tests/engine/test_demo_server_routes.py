"""The demo server's Prometheus face for the insights: route gauges and the database pool.

Instant and range queries, label matchers, and the /metrics exposition, against the simulator
at a manual clock (a real Prometheus scraping them is in test_demo_server_prometheus.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from noc_board.core.clock import ManualClock
from noc_board.core.scenario import ROUTES, Baseline, Incident, Scenario
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator

MONDAY = 1767571200.0  # 2026-01-05T00:00:00Z
NOW = MONDAY + 2 * 86400 + 20 * 3600 + 17.25  # Wednesday 20:00:17.25
SLOW = Incident("latency", NOW - 1800, 3600.0, 4.0, "/checkout")
SCENARIO = Scenario(start=MONDAY, duration=7 * 86400, seed=7, baseline=Baseline(),
                    incidents=(SLOW,))
ROUTE_METRICS = (
    "marketplace_route_requests_per_second",
    "marketplace_route_latency_p95_seconds",
    "marketplace_route_responses_per_second",
    "marketplace_db_connections_ratio",
)


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    return MarketSimulator(SCENARIO)


@pytest.fixture(scope="module")
def client(sim: MarketSimulator) -> Iterator[httpx.Client]:
    with DemoServer(sim, ManualClock(NOW)) as server, httpx.Client(
            base_url=server.url, timeout=10) as c:
        yield c


def instant(client: httpx.Client, query: str) -> list[dict[str, Any]]:
    got = client.get("/api/v1/query", params={"query": query})
    assert got.status_code == 200, got.text
    body = got.json()["data"]
    assert body["resultType"] == "vector"
    result: list[dict[str, Any]] = body["result"]
    return result


def matrix(client: httpx.Client, query: str, start: float, end: float, step: float
           ) -> list[dict[str, Any]]:
    got = client.get("/api/v1/query_range",
                     params={"query": query, "start": start, "end": end, "step": step})
    assert got.status_code == 200, got.text
    body = got.json()["data"]
    assert body["resultType"] == "matrix"
    result: list[dict[str, Any]] = body["result"]
    return result


def test_route_p95_is_a_vector_of_every_route(client: httpx.Client, sim: MarketSimulator
                                               ) -> None:
    found = instant(client, "marketplace_route_latency_p95_seconds")
    assert sorted(s["metric"]["route"] for s in found) == sorted(ROUTES)
    truth = sim.state_at(NOW).routes
    for s in found:
        assert s["metric"]["__name__"] == "marketplace_route_latency_p95_seconds"
        assert s["metric"]["job"] == "marketplace"
        assert s["value"][0] == NOW
        assert float(s["value"][1]) == truth[s["metric"]["route"]].p95_latency
    slowest = max(found, key=lambda s: float(s["value"][1]))
    assert slowest["metric"]["route"] == "/checkout"  # the incident, over the slow help page


def test_responses_by_code_with_a_label_matcher(client: httpx.Client, sim: MarketSimulator
                                                 ) -> None:
    truth = sim.state_at(NOW).routes
    errors = instant(client, 'marketplace_route_responses_per_second{code="5xx"}')
    assert sorted(s["metric"]["route"] for s in errors) == sorted(ROUTES)
    assert {s["metric"]["code"] for s in errors} == {"5xx"}
    for s in errors:
        assert float(s["value"][1]) == truth[s["metric"]["route"]].errors_per_second
    one = instant(client, 'marketplace_route_responses_per_second{route="/product",code="404"}')
    assert len(one) == 1
    assert float(one[0]["value"][1]) == truth["/product"].not_found_per_second
    both = instant(client, 'marketplace_route_responses_per_second{route="/cart"}')
    assert sorted(s["metric"]["code"] for s in both) == ["404", "5xx"]
    requests = instant(client, 'marketplace_route_requests_per_second{route="/checkout"}')
    assert float(requests[0]["value"][1]) == truth["/checkout"].requests_per_second


def test_the_pool_instant_and_range(client: httpx.Client, sim: MarketSimulator) -> None:
    found = instant(client, "marketplace_db_connections_ratio")
    assert [s["metric"]["db"] for s in found] == ["checkout-db"]
    assert float(found[0]["value"][1]) == sim.state_at(NOW).db_connections["checkout-db"]
    series = matrix(client, 'marketplace_db_connections_ratio{db="checkout-db"}',
                    NOW - 6 * 3600, NOW, 300)
    assert len(series) == 1
    points = series[0]["values"]
    assert len(points) == 73
    for ts, value in points:
        assert float(value) == sim.state_at(float(ts)).db_connections["checkout-db"]
    values = [float(v) for _, v in points]
    assert max(values) > 0.6 > min(values)  # the slow checkout holds connections


def test_route_range_queries(client: httpx.Client, sim: MarketSimulator) -> None:
    series = matrix(client, "marketplace_route_latency_p95_seconds", NOW - 3600, NOW, 60)
    assert sorted(s["metric"]["route"] for s in series) == sorted(ROUTES)
    by_route = {s["metric"]["route"]: s["values"] for s in series}
    for ts, value in by_route["/checkout"]:
        truth = sim.state_at(float(ts)).routes["/checkout"].p95_latency
        assert float(value) == truth
    before = float(by_route["/checkout"][0][1])  # an hour ago, before the incident
    after = float(by_route["/checkout"][-1][1])
    assert after > 3 * before
    errors = matrix(client, 'marketplace_route_responses_per_second{code="5xx"}',
                    NOW - 600, NOW, 120)
    assert len(errors) == len(ROUTES)
    assert all(len(s["values"]) == 6 for s in errors)


def test_aggregations_over_routes(client: httpx.Client, sim: MarketSimulator) -> None:
    state = sim.state_at(NOW)
    total = instant(client, "sum(marketplace_route_requests_per_second)")
    assert float(total[0]["value"][1]) == pytest.approx(
        sum(s.requests_per_second for s in state.services.values()), rel=1e-12)
    worst = instant(client, "max(marketplace_route_latency_p95_seconds)")
    assert float(worst[0]["value"][1]) == max(r.p95_latency for r in state.routes.values())


def test_the_exposition_has_the_route_and_pool_gauges(client: httpx.Client,
                                                      sim: MarketSimulator) -> None:
    text = client.get("/metrics").text
    for name in ROUTE_METRICS:
        assert f"# TYPE {name} gauge" in text
    state = sim.state_at(NOW)
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    checkout = state.routes["/checkout"]
    assert float(lines['marketplace_route_latency_p95_seconds{route="/checkout"}']) == \
        checkout.p95_latency
    assert float(lines['marketplace_route_requests_per_second{route="/help/shipping"}']) == \
        state.routes["/help/shipping"].requests_per_second
    assert float(lines['marketplace_route_responses_per_second{code="5xx",route="/checkout"}']
                 ) == checkout.errors_per_second
    assert float(lines['marketplace_route_responses_per_second{code="404",route="/checkout"}']
                 ) == checkout.not_found_per_second
    pool = float(lines['marketplace_db_connections_ratio{db="checkout-db"}'])
    assert pool == state.db_connections["checkout-db"] and not math.isnan(pool)
