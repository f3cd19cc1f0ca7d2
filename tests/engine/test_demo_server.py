"""The demo server over loopback: Prometheus, Stripe and GA4 wire formats, errors and 503s."""

from __future__ import annotations

import io
import math
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from noc_board.core.clock import ManualClock
from noc_board.core.scenario import Incident, Scenario, parse_scenario
from noc_board.demo.commands import demo_server_command
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator

WEEK = Path(__file__).resolve().parents[2] / "resources" / "demo" / "week.toml"
SCENARIO = parse_scenario(WEEK.read_text(encoding="utf-8"), str(WEEK))
NOW = SCENARIO.start + 2 * 86400 + 14 * 3600 + 17.25  # Wednesday 14:00:17.25
CHECKOUT_DOWN = SCENARIO.start + 20 * 3600 + 20 * 60  # Monday 20:20, checkout outage
KEY = {"Authorization": "Bearer rk_test_demo"}
TOKEN = {"Authorization": "Bearer ya29.anything"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    return MarketSimulator(SCENARIO)


@pytest.fixture(scope="module")
def client(sim: MarketSimulator) -> Iterator[httpx.Client]:
    """One server for the tests that only read, at a clock that stays at NOW."""
    with DemoServer(sim, ManualClock(NOW)) as server, httpx.Client(
            base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture
def moving(clock: ManualClock) -> Iterator[httpx.Client]:
    """A server of its own whose clock the test moves."""
    with DemoServer(MarketSimulator(SCENARIO), clock) as server, httpx.Client(
            base_url=server.url, timeout=10) as c:
        yield c


# -- Prometheus ----------------------------------------------------------------------------

def test_instant_query_by_get_and_post_form(client: httpx.Client, sim: MarketSimulator) -> None:
    q = 'marketplace_error_ratio{service="checkout"}'
    got = client.get("/api/v1/query", params={"query": q})
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    body = got.json()
    assert body["status"] == "success" and body["data"]["resultType"] == "vector"
    [series] = body["data"]["result"]
    assert series["metric"]["__name__"] == "marketplace_error_ratio"
    assert series["metric"]["service"] == "checkout" and series["metric"]["job"] == "marketplace"
    ts, value = series["value"]
    assert ts == NOW and isinstance(value, str)
    assert float(value) == sim.state_at(NOW).services["checkout"].error_ratio
    posted = client.post("/api/v1/query", data={"query": q})
    assert posted.json() == body
    merged = client.post("/api/v1/query?time=1767794400", data={"query": q}).json()
    assert merged["data"]["result"][0]["value"][0] == 1767794400  # int: no milliseconds


def test_aggregations_and_empty_results(client: httpx.Client, sim: MarketSimulator) -> None:
    state = sim.state_at(NOW)
    rps = [s.requests_per_second for s in state.services.values()]

    def value(query: str) -> float:
        [series] = client.get("/api/v1/query", params={"query": query}).json()["data"]["result"]
        assert series["metric"] == {}
        return float(series["value"][1])

    assert value("sum(marketplace_requests_per_second)") == pytest.approx(sum(rps))
    assert value(" avg( marketplace_requests_per_second ) ") == pytest.approx(sum(rps) / 5)
    assert value("max(marketplace_requests_per_second)") == pytest.approx(max(rps))
    assert value('sum(node_cpu_utilisation{instance="db-1"})') == pytest.approx(state.cpu["db-1"])
    for query in ("no_such_metric", 'marketplace_up{service="kitchen"}',
                  'sum(marketplace_up{service="kitchen"})'):
        body = client.get("/api/v1/query", params={"query": query}).json()
        assert body == {"status": "success", "data": {"resultType": "vector", "result": []}}


@pytest.mark.parametrize("query", ["rate(http_requests_total[5m])", "marketplace_up > 0",
                                   'marketplace_up{service=~"c.*"}', "sum by (service) (x)", ""])
def test_unsupported_queries_are_bad_data(client: httpx.Client, query: str) -> None:
    got = client.get("/api/v1/query", params={"query": query})
    assert got.status_code == 400
    body = got.json()
    assert body["status"] == "error" and body["errorType"] == "bad_data"
    assert body["error"].startswith('invalid parameter "query"')
    if query:
        assert "unsupported expression in the demo server" in body["error"]


def test_range_query_shape(client: httpx.Client, sim: MarketSimulator) -> None:
    start, end = CHECKOUT_DOWN - 1200, CHECKOUT_DOWN  # from 20:00; checkout is down at 20:10
    got = client.get("/api/v1/query_range", params={
        "query": "marketplace_latency_p95_seconds", "start": start, "end": end, "step": "1m"})
    data = got.json()["data"]
    assert data["resultType"] == "matrix"
    services = [s["metric"]["service"] for s in data["result"]]
    assert services == sorted(services)  # sorted by labels
    checkout = next(s for s in data["result"] if s["metric"]["service"] == "checkout")
    stamps = [p[0] for p in checkout["values"]]
    assert stamps == [int(start + 60 * k) for k in range(21)]
    assert all(isinstance(t, int) for t in stamps)
    assert all(isinstance(p[1], str) for p in checkout["values"])
    assert checkout["values"][-1][1] == "NaN"  # down: no p95
    assert float(checkout["values"][0][1]) == pytest.approx(
        sim.state_at(start).services["checkout"].p95_latency)
    fractional = client.post("/api/v1/query_range", data={
        "query": "marketplace_active_users", "start": "1767794400.5",
        "end": "2026-01-07T14:00:10.5Z", "step": "5"}).json()["data"]["result"][0]["values"]
    assert [p[0] for p in fractional] == [1767794400.5, 1767794405.5, 1767794410.5]


def test_range_query_stops_at_now(client: httpx.Client) -> None:
    got = client.get("/api/v1/query_range", params={
        "query": "marketplace_active_users", "start": NOW - 120, "end": NOW + 3600, "step": 60})
    values = got.json()["data"]["result"][0]["values"]
    assert values[0][0] == NOW - 120
    assert values[-1][0] <= NOW + 300  # Prometheus' lookback, no further


@pytest.mark.parametrize(("params", "message"), [
    ({"start": 0, "end": 110_001, "step": 10}, "exceeded maximum resolution of 11,000 points"),
    ({"start": 0, "end": 100, "step": 0}, 'invalid parameter "step": zero or negative'),
    ({"start": 0, "end": 100, "step": "-5s"}, 'invalid parameter "step"'),
    ({"start": 100, "end": 0, "step": 1}, 'invalid parameter "end": end timestamp must not be'),
    ({"start": "soon", "end": 0, "step": 1}, 'invalid parameter "start": cannot parse "soon"'),
])
def test_range_query_rules(client: httpx.Client, params: dict[str, Any], message: str) -> None:
    got = client.get("/api/v1/query_range", params={"query": "marketplace_up", **params})
    assert got.status_code == 400
    assert got.json()["errorType"] == "bad_data" and message in got.json()["error"]


def test_exactly_11000_points_are_allowed(client: httpx.Client) -> None:
    got = client.get("/api/v1/query_range", params={
        "query": "marketplace_network_rtt_seconds", "start": NOW - 110_000, "end": NOW,
        "step": 10})
    assert got.status_code == 200
    assert len(got.json()["data"]["result"][0]["values"]) == 11_001


def test_ready_and_healthy(client: httpx.Client) -> None:
    assert client.get("/-/ready").text == "Prometheus Server is Ready.\n"
    assert client.get("/-/healthy").text == "Prometheus Server is Healthy.\n"
    assert client.head("/-/ready").status_code == 200


_SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_]\w*="[^"]*",?)*\})? (\S+)')


def parse_exposition(text: str) -> dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]:
    """A minimal text-format check: HELP and TYPE before samples, every sample line valid."""
    families: dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]] = {}
    helped: set[str] = set()
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split(" ")[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name in helped and name not in families and kind in ("gauge", "counter")
            families[name] = (kind, {})
        else:
            m = _SAMPLE.fullmatch(line)
            assert m, line
            name = m.group(1)
            labels = tuple(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            families[name][1][labels] = float(m.group(4))
    return families


def test_metrics_exposition_parses_and_agrees_with_the_query_api(
        moving: httpx.Client, clock: ManualClock) -> None:
    client = moving
    clock.set(CHECKOUT_DOWN)
    got = client.get("/metrics")
    assert got.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = parse_exposition(got.text)
    for name in ("marketplace_active_users", "marketplace_up", "marketplace_latency_p95_seconds",
                 "marketplace_error_ratio", "marketplace_requests_per_second",
                 "node_cpu_utilisation", "marketplace_db_query_p95_seconds",
                 "marketplace_network_rtt_seconds"):
        assert families[name][0] == "gauge"
    kind, requests = families["http_requests_total"]
    assert kind == "counter"
    assert math.isnan(families["marketplace_latency_p95_seconds"][1][(("service", "checkout"),)])
    assert families["marketplace_up"][1][(("service", "checkout"),)] == 0
    for name, (_, samples) in families.items():
        for labels, value in samples.items():
            matchers = ",".join(f'{k}="{v}"' for k, v in labels)
            [series] = client.get("/api/v1/query", params={
                "query": f"{name}{{{matchers}}}"}).json()["data"]["result"]
            assert series["value"][1] == repr(value) or float(series["value"][1]) == value or (
                math.isnan(value) and series["value"][1] == "NaN")
    # while checkout is down its requests are refused (503), none served
    clock.advance(60)
    later = parse_exposition(client.get("/metrics").text)["http_requests_total"][1]
    refused = (("code", "503"), ("service", "checkout"))
    served = (("code", "200"), ("service", "checkout"))
    assert later[refused] > requests[refused] and later[served] == requests[served]
    assert all(later[k] >= requests[k] for k in requests)  # counters only go up


# -- Stripe --------------------------------------------------------------------------------

def walk(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = client.get(path, params={**params, **({"starting_after": cursor} if cursor
                                                     else {})}, headers=KEY).json()
        assert page["object"] == "list" and page["url"] == path
        seen += page["data"]
        if not page["has_more"]:
            return seen
        cursor = str(page["data"][-1]["id"])


def test_paging_walks_every_charge_once_newest_first(client: httpx.Client,
                                                     sim: MarketSimulator) -> None:
    since = int(NOW - 3 * 3600)
    charges = walk(client, "/v1/charges", {"limit": 100, "created[gte]": since})
    expected = sim.charges_between(since, NOW + 1, as_of=NOW)
    assert len(charges) == len(expected) > 300
    assert {c["id"] for c in charges} == {c.id for c in expected}
    created = [int(str(c["created"])) for c in charges]
    assert created == sorted(created, reverse=True)
    assert max(created) <= NOW and min(created) >= since
    small = walk(client, "/v1/charges", {"limit": 7, "created[gte]": int(NOW - 1800)})
    recent = [c["id"] for c in charges if int(str(c["created"])) >= NOW - 1800]
    assert [c["id"] for c in small] == recent


def test_ending_before_pages_towards_newer(client: httpx.Client) -> None:
    newest = walk(client, "/v1/charges", {"limit": 100, "created[gte]": int(NOW - 1200)})
    oldest_id = newest[-1]["id"]
    page = client.get("/v1/charges", params={"ending_before": oldest_id, "limit": 5},
                      headers=KEY).json()
    assert [c["id"] for c in page["data"]] == [c["id"] for c in newest[-6:-1]]
    assert page["has_more"] is True
    top = client.get("/v1/charges", params={"ending_before": newest[2]["id"], "limit": 5},
                     headers=KEY).json()
    assert [c["id"] for c in top["data"]] == [c["id"] for c in newest[:2]]
    assert top["has_more"] is False


def test_created_filters_with_raw_and_encoded_brackets(client: httpx.Client) -> None:
    lo, hi = int(NOW - 600), int(NOW - 300)
    raw = client.get(f"/v1/charges?limit=100&created[gt]={lo}&created[lte]={hi}", headers=KEY)
    encoded = client.get(f"/v1/charges?limit=100&created%5Bgt%5D={lo}&created%5Blte%5D={hi}",
                         headers=KEY)
    assert raw.json() == encoded.json()
    created = [c["created"] for c in raw.json()["data"]]
    assert created and all(lo < c <= hi for c in created)
    lt = client.get("/v1/charges", params={"limit": 100, "created[gte]": lo, "created[lt]": hi},
                    headers=KEY).json()["data"]
    assert all(lo <= c["created"] < hi for c in lt)
    exact = client.get("/v1/charges", params={"created": created[0]}, headers=KEY).json()["data"]
    assert exact and all(c["created"] == created[0] for c in exact)
    future = client.get("/v1/charges", params={"created": int(NOW) + 100}, headers=KEY).json()
    assert future["data"] == [] and future["has_more"] is False


def test_a_charge_object_is_complete(client: httpx.Client) -> None:
    page = client.get("/v1/charges", params={"limit": 100}, headers=KEY).json()
    assert len(page["data"]) == 100 and page["has_more"] is True
    default = client.get("/v1/charges", headers=KEY).json()
    assert len(default["data"]) == 10
    charge = page["data"][0]
    for field in ("id", "object", "amount", "amount_captured", "amount_refunded", "currency",
                  "created", "livemode", "status", "paid", "captured", "refunded", "disputed",
                  "failure_code", "failure_message", "payment_intent", "balance_transaction",
                  "customer", "metadata", "outcome", "description"):
        assert field in charge
    assert charge["object"] == "charge" and isinstance(charge["amount"], int)
    assert charge["livemode"] is False
    failed = next(c for c in page["data"] if c["status"] == "failed")
    assert failed["paid"] is False and failed["failure_code"] and failed["outcome"]["reason"]
    one = client.get(f"/v1/charges/{charge['id']}", headers=KEY).json()
    assert one == charge
    missing = client.get("/v1/charges/ch_3nope", headers=KEY)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"


def test_refunds_list(client: httpx.Client, sim: MarketSimulator) -> None:
    since = int(NOW - 86400)
    refunds = walk(client, "/v1/refunds", {"limit": 100, "created[gte]": since})
    expected = sim.refunds_between(since, NOW + 1)
    assert [r["id"] for r in refunds] == [r.id for r in reversed(expected)] or (
        {r["id"] for r in refunds} == {r.id for r in expected})
    assert len(refunds) == len(expected) > 50
    created = [r["created"] for r in refunds]
    assert created == sorted(created, reverse=True)
    first = refunds[0]
    assert first["object"] == "refund" and first["charge"].startswith("ch_")
    by_charge = client.get("/v1/refunds", params={"charge": first["charge"]}, headers=KEY).json()
    assert [r["id"] for r in by_charge["data"]] == [first["id"]]
    charge = client.get(f"/v1/charges/{first['charge']}", headers=KEY).json()
    assert charge["amount_refunded"] == first["amount"]


def test_currencies_in_the_charges(client: httpx.Client) -> None:
    charges = walk(client, "/v1/charges", {"limit": 100, "created[gte]": int(NOW - 6 * 3600)})
    currencies = {c["currency"] for c in charges}
    assert currencies == {"usd", "jpy", "kwd"}
    assert all(int(str(c["amount"])) % 10 == 0 for c in charges if c["currency"] == "kwd")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer pk_test_123456789"},
                                     {"Authorization": "Token sk_test_1"}])
def test_stripe_wants_a_secret_or_restricted_key(client: httpx.Client,
                                                 headers: dict[str, str]) -> None:
    got = client.get("/v1/charges", headers=headers)
    assert got.status_code == 401
    assert got.json()["error"]["type"] == "invalid_request_error"
    assert "sk_test_1" not in got.text


def test_basic_auth_with_the_key_as_user_works(client: httpx.Client) -> None:
    assert client.get("/v1/charges", auth=("sk_test_abc", "")).status_code == 200


@pytest.mark.parametrize(("params", "param"), [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
    ({"created[gte]": "yesterday"}, "created[gte]"), ({"colour": "red"}, "colour"),
    ({"starting_after": "ch_3nope"}, "starting_after"),
])
def test_stripe_parameter_errors(client: httpx.Client, params: dict[str, Any],
                                 param: str) -> None:
    got = client.get("/v1/charges", params=params, headers=KEY)
    assert got.status_code == 400
    error = got.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert got.headers["request-id"].startswith("req_")


def test_both_cursors_at_once_are_refused(client: httpx.Client) -> None:
    got = client.get("/v1/charges", params={"starting_after": "a", "ending_before": "b"},
                     headers=KEY)
    assert got.status_code == 400 and "only specify one" in got.json()["error"]["message"]


# -- GA4 -----------------------------------------------------------------------------------

REALTIME = "/v1beta/properties/123456:runRealtimeReport"
REPORT = "/v1beta/properties/123456:runReport"


def test_realtime_active_users(client: httpx.Client, sim: MarketSimulator) -> None:
    body = client.post(REALTIME, json={"metrics": [{"name": "activeUsers"}]},
                       headers=TOKEN).json()
    assert body["metricHeaders"] == [{"name": "activeUsers", "type": "TYPE_INTEGER"}]
    assert "dimensionHeaders" not in body and "propertyQuota" not in body
    assert body["kind"] == "analyticsData#runRealtimeReport"
    assert body["rows"] == [{"metricValues": [{"value": str(sim.realtime_active_users(NOW))}]}]
    assert body["rowCount"] == 1


def test_realtime_by_minute_and_by_screen(client: httpx.Client) -> None:
    by_minute = client.post(REALTIME, json={
        "metrics": [{"name": "activeUsers"}, {"name": "screenPageViews"}],
        "dimensions": [{"name": "minutesAgo"}], "returnPropertyQuota": True},
        headers=TOKEN).json()
    assert [r["dimensionValues"][0]["value"] for r in by_minute["rows"]] == [
        f"{m:02d}" for m in range(30)]
    assert all(v["value"].isdigit() for r in by_minute["rows"] for v in r["metricValues"])
    quota = by_minute["propertyQuota"]
    assert quota["tokensPerHour"]["consumed"] >= 1 and quota["concurrentRequests"]["remaining"]
    by_screen = client.post(REALTIME, json={
        "metrics": [{"name": "activeUsers"}], "dimensions": [{"name": "unifiedScreenName"}],
        "limit": 3}, headers=TOKEN).json()
    assert by_screen["rowCount"] == 6 and len(by_screen["rows"]) == 3
    users = [int(r["metricValues"][0]["value"]) for r in by_screen["rows"]]
    assert users == sorted(users, reverse=True)


@pytest.mark.parametrize(("path", "body", "words"), [
    (REALTIME, {"metrics": [{"name": "sessions"}]}, "sessions is not a valid metric"),
    (REALTIME, {"metrics": [{"name": "bounceRate"}]}, "bounceRate is not a valid metric"),
    (REALTIME, {"metrics": [{"name": "activeUsers"}], "dimensions": [{"name": "date"}]},
     "date is not a valid dimension"),
    (REALTIME, {"metrics": [{"name": "activeUsers"}],
                "minuteRanges": [{"startMinutesAgo": 45}]}, "startMinutesAgo"),
    (REPORT, {"metrics": [{"name": "happiness"}], "dateRanges": [
        {"startDate": "today", "endDate": "today"}]}, "happiness is not a valid metric"),
    (REPORT, {"metrics": [{"name": "sessions"}]}, "dateRanges"),
    (REPORT, {"metrics": [{"name": "sessions"}], "dateRanges": [
        {"startDate": "someday", "endDate": "today"}]}, "Invalid startDate"),
])
def test_ga4_invalid_arguments(client: httpx.Client, path: str, body: dict[str, Any],
                               words: str) -> None:
    got = client.post(path, json=body, headers=TOKEN)
    assert got.status_code == 400
    error = got.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert words in error["message"]


def test_run_report_today_and_by_date(client: httpx.Client, sim: MarketSimulator) -> None:
    metrics = ["activeUsers", "sessions", "averageSessionDuration", "screenPageViewsPerSession",
               "bounceRate", "engagementRate"]
    today = client.post(REPORT, json={
        "dateRanges": [{"startDate": "today", "endDate": "today"}],
        "metrics": [{"name": m} for m in metrics], "returnPropertyQuota": True},
        headers=TOKEN).json()
    assert [h["type"] for h in today["metricHeaders"]] == [
        "TYPE_INTEGER", "TYPE_INTEGER", "TYPE_SECONDS", "TYPE_FLOAT", "TYPE_FLOAT", "TYPE_FLOAT"]
    [row] = today["rows"]
    values = [v["value"] for v in row["metricValues"]]
    assert all(isinstance(v, str) for v in values)
    figures = sim.analytics_between(NOW - (NOW % 86400), NOW)
    assert int(values[1]) == figures.sessions
    assert float(values[4]) + float(values[5]) == pytest.approx(1)
    assert today["metadata"]["timeZone"] == "Etc/UTC" and "propertyQuota" in today
    week = client.post(REPORT, json={
        "dateRanges": [{"startDate": "7daysAgo", "endDate": "today"}],
        "dimensions": [{"name": "date"}], "metrics": [{"name": "activeUsers"}],
        "metricAggregations": ["TOTAL"]}, headers=TOKEN).json()
    dates = [r["dimensionValues"][0]["value"] for r in week["rows"]]
    assert dates == ["20260105", "20260106", "20260107"]  # nothing before the start
    assert week["rowCount"] == 3 and week["totals"][0]["dimensionValues"][0]["value"] == (
        "RESERVED_TOTAL")


def test_a_report_without_data_has_no_rows(client: httpx.Client) -> None:
    body = client.post(REPORT, json={
        "dateRanges": [{"startDate": "2025-12-01", "endDate": "2025-12-31"}],
        "metrics": [{"name": "sessions"}]}, headers=TOKEN).json()
    assert "rows" not in body and "rowCount" not in body
    assert body["metricHeaders"] == [{"name": "sessions", "type": "TYPE_INTEGER"}]


def test_ga4_wants_a_token(client: httpx.Client) -> None:
    got = client.post(REALTIME, json={"metrics": [{"name": "activeUsers"}]})
    assert got.status_code == 401 and got.json()["error"]["status"] == "UNAUTHENTICATED"
    token = client.post("/token", data={"grant_type": "x"}).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0


# -- source down ---------------------------------------------------------------------------

@pytest.fixture
def outage_client(clock: ManualClock) -> Iterator[httpx.Client]:
    down = tuple(Incident("source_down", NOW - 60, 600.0, 1.0, target)
                 for target in ("prometheus", "stripe", "ga4"))
    scenario = Scenario(SCENARIO.start, SCENARIO.duration, incidents=down)
    with DemoServer(MarketSimulator(scenario), clock) as server, httpx.Client(
            base_url=server.url) as c:
        yield c


def test_down_sources_answer_503_in_their_own_shape(outage_client: httpx.Client,
                                                    clock: ManualClock) -> None:
    c = outage_client
    prom = c.get("/api/v1/query", params={"query": "marketplace_up"})
    assert prom.status_code == 503 and prom.text == "Service Unavailable"
    assert prom.headers["content-type"].startswith("text/plain")
    assert c.get("/-/ready").status_code == 503
    assert c.get("/metrics").status_code == 200  # the marketplace itself still exposes
    stripe = c.get("/v1/charges", headers=KEY)
    assert stripe.status_code == 503 and stripe.json()["error"]["type"] == "api_error"
    ga4 = c.post(REALTIME, json={"metrics": [{"name": "activeUsers"}]}, headers=TOKEN)
    assert ga4.status_code == 503 and ga4.json()["error"]["status"] == "UNAVAILABLE"
    clock.advance(600)
    assert c.get("/api/v1/query", params={"query": "marketplace_up"}).status_code == 200
    assert c.get("/v1/charges", headers=KEY).status_code == 200
    assert c.post(REALTIME, json={"metrics": [{"name": "activeUsers"}]},
                  headers=TOKEN).status_code == 200


# -- lifecycle -----------------------------------------------------------------------------

def test_stop_closes_idle_keep_alive_connections(clock: ManualClock) -> None:
    server = DemoServer(MarketSimulator(SCENARIO), clock)
    before = set(threading.enumerate())
    server.start()
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/").status_code == 200  # the connection stays open in the pool
        assert c.get("/nowhere").status_code == 404
        started = time.perf_counter()
        server.stop()
        assert time.perf_counter() - started < 2
    assert set(threading.enumerate()) <= before  # the serving and handler threads are gone
    with pytest.raises(RuntimeError):
        _ = server.url


def test_demo_server_command_prints_its_url_and_stops() -> None:
    out = io.StringIO()
    stop = threading.Event()
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(demo_server_command(0, out, stop)))
    runner.start()
    deadline = time.monotonic() + 10
    while "http://" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    url = re.search(r"http://127\.0\.0\.1:\d+", out.getvalue())
    assert url, out.getvalue()
    assert httpx.get(url.group(0) + "/-/healthy").status_code == 200
    stop.set()
    runner.join(timeout=10)
    assert codes == [0]
