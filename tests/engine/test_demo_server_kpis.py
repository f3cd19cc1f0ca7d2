"""The demo server's KPI sources over loopback: Stripe payment intents, disputes and checkout
sessions, GA4 pages, flows, funnels and active-user windows, the Prometheus health gauges."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from noc_board.core.clock import ManualClock
from noc_board.core.scenario import parse_scenario
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator

WEEK = Path(__file__).resolve().parents[2] / "resources" / "demo" / "week.toml"
SCENARIO = parse_scenario(WEEK.read_text(encoding="utf-8"), str(WEEK))
NOW = SCENARIO.start + 2 * 86400 + 14 * 3600 + 17.25  # Wednesday 14:00:17.25
CHECKOUT_DOWN = SCENARIO.start + 20 * 3600 + 20 * 60  # Monday 20:20, checkout outage
KEY = {"Authorization": "Bearer rk_test_demo"}
TOKEN = {"Authorization": "Bearer ya29.anything"}
REPORT = "/v1beta/properties/123456:runReport"
REALTIME = "/v1beta/properties/123456:runRealtimeReport"
TODAY = [{"startDate": "today", "endDate": "today"}]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with DemoServer(MarketSimulator(SCENARIO), ManualClock(NOW)) as server, httpx.Client(
            base_url=server.url, timeout=10) as c:
        yield c


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


# -- Stripe --------------------------------------------------------------------------------

def test_payment_intents_agree_with_their_charges(client: httpx.Client) -> None:
    since = int(NOW - 2 * 3600)
    intents = walk(client, "/v1/payment_intents", {"limit": 100, "created[gte]": since})
    charges = walk(client, "/v1/charges", {"limit": 100, "created[gte]": since})
    assert len({c["payment_intent"] for c in charges}) == len(intents) > 100
    created = [i["created"] for i in intents]
    assert created == sorted(created, reverse=True)
    retried = [i for i in intents if i["status"] == "succeeded"
               and i["latest_charge"][3:] != i["id"][3:]]
    assert retried  # declined first, then paid by a retry of the same intent
    attempts = client.get("/v1/charges", params={"payment_intent": retried[0]["id"]},
                          headers=KEY).json()["data"]
    assert [c["status"] for c in attempts] == ["succeeded", "failed"]
    assert attempts[0]["amount"] == attempts[1]["amount"] == retried[0]["amount"]
    failed = next(i for i in intents if i["status"] == "requires_payment_method")
    assert failed["last_payment_error"]["code"] and failed["amount_received"] == 0
    one = client.get(f"/v1/payment_intents/{failed['id']}", headers=KEY).json()
    assert one == failed


def test_disputes_come_days_after_their_charges(client: httpx.Client) -> None:
    disputes = walk(client, "/v1/disputes", {"limit": 100, "created[gte]": int(NOW - 2 * 86400)})
    assert disputes
    for d in disputes:
        charge = client.get(f"/v1/charges/{d['charge']}", headers=KEY).json()
        assert charge["status"] == "succeeded" and charge["amount"] == d["amount"]
        assert 86400 <= d["created"] - charge["created"] <= 6 * 86400
        assert d["status"] == "needs_response" and d["object"] == "dispute"
    missing = client.get("/v1/disputes/dp_3nope", headers=KEY)
    assert missing.status_code == 404


def test_checkout_sessions_carry_their_line_items(client: httpx.Client) -> None:
    params = {"limit": 100, "created[gte]": int(NOW - 3600), "expand[]": "data.line_items"}
    sessions = walk(client, "/v1/checkout/sessions", params)
    assert {s["status"] for s in sessions} >= {"complete", "open"}
    for s in sessions:
        items = s["line_items"]["data"]
        assert sum(i["amount_total"] for i in items) == s["amount_total"]
        assert all(i["description"] and i["quantity"] >= 1 for i in items)
    two = next(s for s in sessions if len(s["line_items"]["data"]) == 2)
    listed = client.get(f"/v1/checkout/sessions/{two['id']}/line_items", params={"limit": 1},
                        headers=KEY).json()
    assert listed["has_more"] is True and listed["data"] == two["line_items"]["data"][:1]
    rest = client.get(f"/v1/checkout/sessions/{two['id']}/line_items",
                      params={"limit": 1, "starting_after": listed["data"][0]["id"]},
                      headers=KEY).json()
    assert rest["data"] == two["line_items"]["data"][1:] and rest["has_more"] is False
    plain = client.get("/v1/checkout/sessions", params={"limit": 3}, headers=KEY).json()
    assert all("line_items" not in s for s in plain["data"])  # only when expanded


# -- GA4 -----------------------------------------------------------------------------------

def report(client: httpx.Client, body: dict[str, Any], path: str = REPORT) -> dict[str, Any]:
    got = client.post(path, json=body, headers=TOKEN)
    assert got.status_code == 200, got.text
    answer: dict[str, Any] = got.json()
    return answer


def test_active_users_over_1_7_and_28_days(client: httpx.Client) -> None:
    body = report(client, {"dateRanges": TODAY, "metrics": [
        {"name": "active1DayUsers"}, {"name": "active7DayUsers"}, {"name": "active28DayUsers"},
        {"name": "activeUsers"}, {"name": "engagedSessions"}, {"name": "sessions"},
        {"name": "purchaserConversionRate"}]})
    one, seven, month, active, engaged, sessions, buyers = (
        float(v["value"]) for v in body["rows"][0]["metricValues"])
    assert one == active and one < seven <= month
    assert 0 < engaged < sessions and 0 < buyers < 0.2
    too_many = client.post(REPORT, json={"dateRanges": TODAY, "metrics": [
        {"name": "sessions"}] * 11}, headers=TOKEN)
    assert too_many.status_code == 400 and "at most 10" in too_many.json()["error"]["message"]


def test_pages_flows_and_a_funnel_filter(client: httpx.Client) -> None:
    flow = report(client, {"dateRanges": TODAY, "metrics": [{"name": "screenPageViews"}],
                           "dimensions": [{"name": "pageReferrer"}, {"name": "pagePath"}],
                           "orderBys": [{"metric": {"metricName": "screenPageViews"},
                                         "desc": True}], "limit": 5})
    assert len(flow["rows"]) == 5 and flow["rowCount"] > 5
    views = [int(r["metricValues"][0]["value"]) for r in flow["rows"]]
    assert views == sorted(views, reverse=True)
    steps = ["/", "/product", "/cart", "/checkout", "/order-confirmation"]
    funnel = report(client, {"dateRanges": TODAY, "metrics": [{"name": "activeUsers"}],
                             "dimensions": [{"name": "pagePath"}], "dimensionFilter": {
                                 "filter": {"fieldName": "pagePath",
                                            "inListFilter": {"values": steps}}}})
    users = {r["dimensionValues"][0]["value"]: int(r["metricValues"][0]["value"])
             for r in funnel["rows"]}
    assert set(users) == set(steps)
    assert [users[s] for s in steps] == sorted(users.values(), reverse=True)
    bad = client.post(REPORT, json={"dateRanges": TODAY, "metrics": [{"name": "sessions"}],
                                    "dimensions": [{"name": "pagePath"}]}, headers=TOKEN)
    assert bad.status_code == 400


def test_realtime_by_country(client: httpx.Client) -> None:
    body = report(client, {"metrics": [{"name": "activeUsers"}],
                           "dimensions": [{"name": "country"}], "limit": 3,
                           "orderBys": [{"metric": {"metricName": "activeUsers"},
                                         "desc": True}]}, REALTIME)
    assert [r["dimensionValues"][0]["value"] for r in body["rows"]] == [
        "United States", "Germany", "United Kingdom"]


# -- Prometheus ------------------------------------------------------------------------------

def query(client: httpx.Client, expr: str) -> float:
    [series] = client.get("/api/v1/query", params={"query": expr}).json()["data"]["result"]
    return float(series["value"][1])


def test_health_gauges_for_the_mission_kpis(client: httpx.Client) -> None:
    assert 0 < query(client, 'marketplace_http_404_ratio{service="web"}') < 0.02
    assert 1.1 < query(client, "marketplace_page_load_p75_seconds") < 4.0
    assert 0.99 < query(client, 'marketplace_availability_24h_ratio{service="web"}') <= 1.0
    text = client.get("/metrics").text
    assert "# TYPE marketplace_downtime_24h_seconds gauge" in text


def test_an_outage_shows_as_downtime_and_lost_availability() -> None:
    clock = ManualClock(CHECKOUT_DOWN + 600)
    with DemoServer(MarketSimulator(SCENARIO), clock) as server, httpx.Client(
            base_url=server.url, timeout=10) as c:
        down = query(c, 'marketplace_downtime_24h_seconds{service="checkout"}')
        healthy = query(c, 'marketplace_downtime_24h_seconds{service="web"}')
        availability = query(c, 'marketplace_availability_24h_ratio{service="checkout"}')
        load = query(c, "marketplace_page_load_p75_seconds")
    assert down > 60 and healthy == 0.0 and availability < 0.999
    assert not math.isnan(load)
