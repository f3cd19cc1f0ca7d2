"""The demo server's Alertmanager face: the connector reads the simulator's incidents as alerts,
and the wire (shapes, filters, errors, routing) is API v2's."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import msgspec
import pytest

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.scenario import Incident, Scenario
from noc_board.demo.alertmanager_api import FLAKY, fingerprint
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator
from noc_board.sources.alertmanager import MEASURES, AlertmanagerSource, alarms_from_snapshot
from noc_board.sources.alertmanager_wire import WireAlert, WireSilence, parse_time
from noc_board.sources.factory import build_source
from noc_board.sources.http import HttpFetcher

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
OUTAGE = START + 3600  # search down for 10 minutes, slow (inhibited) for 20
SCENARIO = Scenario(start=START, duration=86400.0, step=60.0, seed=7, incidents=(
    Incident("outage", OUTAGE, 600.0, 1.0, "search"),
    Incident("latency", OUTAGE - 300, 1200.0, 3.0, "search"),
))
DURING, AFTER = OUTAGE + 125.5, OUTAGE + 3600
RFC3339_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(DURING)


@pytest.fixture(scope="module")
def server(clock: ManualClock) -> Iterator[DemoServer]:
    with DemoServer(MarketSimulator(SCENARIO), clock) as running:
        yield running


@pytest.fixture
def http(server: DemoServer, clock: ManualClock) -> Iterator[httpx.Client]:
    clock.set(DURING)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture
async def aclient() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as made:
        yield made


async def test_the_connector_sees_the_outage_fire_and_only_the_silenced_probe_outside_it(
    server: DemoServer, clock: ManualClock, aclient: httpx.AsyncClient,
) -> None:
    cfg = SourceConfig(name="am", kind="alertmanager", url=server.url)
    metrics = [MetricConfig(id=m, source="am", measure=m) for m in MEASURES]
    source = build_source(cfg, metrics, HttpFetcher(aclient), clock, None, "UTC")
    assert isinstance(source, AlertmanagerSource)
    clock.set(DURING)
    during = await source.poll()
    assert {s.metric: s.value for s in during.samples} == {
        "alerts_firing": 1.0,  # ServiceDown; HighLatency of search is inhibited by it
        "alerts_suppressed": 2.0, "alerts_silenced": 1.0, "alerts_total": 3.0,
        "silences_active": 1.0}
    assert not during.notes
    assert source.latest is not None
    alarms = {a.rule: a for a in alarms_from_snapshot(source.latest)}
    down = alarms["ServiceDown"]
    assert (down.state, down.severity, down.raised_at) == (AlarmState.UNACKED, "critical", OUTAGE)
    assert alarms["HighLatency"].state is AlarmState.SUPPRESSED
    probe = alarms["ProbeFailing"]
    assert (probe.state, probe.acked_by, probe.ack_comment) == (
        AlarmState.ACKED, "ops-bot", "known flaky probe")
    clock.set(AFTER)
    after = await source.poll()
    assert {s.metric: s.value for s in after.samples} == {
        "alerts_firing": 0.0, "alerts_suppressed": 1.0, "alerts_silenced": 1.0,
        "alerts_total": 1.0, "silences_active": 1.0}


def test_alerts_have_the_wire_shape_of_api_v2(http: httpx.Client, server: DemoServer) -> None:
    got = http.get("/api/v2/alerts")
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    body = got.json()
    msgspec.json.decode(got.content, type=list[WireAlert], strict=True)
    assert [a["fingerprint"] for a in body] == sorted(a["fingerprint"] for a in body)
    for alert in body:
        assert {"labels", "annotations", "receivers", "fingerprint", "startsAt", "updatedAt",
                "endsAt", "status", "generatorURL"} == set(alert)
        assert set(alert["status"]) == {"state", "silencedBy", "inhibitedBy", "mutedBy"}
        assert all(RFC3339_MS.fullmatch(alert[k]) for k in ("startsAt", "endsAt", "updatedAt"))
        assert parse_time(alert["endsAt"]) > DURING  # firing: endsAt ahead, as Prometheus sends
        assert alert["fingerprint"] == fingerprint(alert["labels"])
        assert alert["receivers"] and alert["generatorURL"].startswith(server.url + "/graph?")
    down = next(a for a in body if a["labels"]["alertname"] == "ServiceDown")
    assert down["labels"] == {"alertname": "ServiceDown", "service": "search",
                              "severity": "critical", "team": "tech"}
    assert down["fingerprint"] == "a41ee2579c676b41"  # what Alertmanager 0.25 computed for it
    assert down["startsAt"] == "2026-01-01T01:00:00.000Z"
    assert down["status"] == {"state": "active", "silencedBy": [], "inhibitedBy": [],
                              "mutedBy": []}
    slow = next(a for a in body if a["labels"]["alertname"] == "HighLatency")
    assert slow["status"]["inhibitedBy"] == [down["fingerprint"]]
    assert slow["status"]["state"] == "suppressed"


def test_silences_and_the_silenced_alert_agree(http: httpx.Client) -> None:
    got = http.get("/api/v2/silences")
    [silence] = msgspec.json.decode(got.content, type=list[WireSilence], strict=True)
    assert (silence.createdBy, silence.comment, silence.status.state) == (
        "ops-bot", "known flaky probe", "active")
    assert parse_time(silence.startsAt) <= DURING < parse_time(silence.endsAt)
    probe = next(a for a in http.get("/api/v2/alerts").json()
                 if a["labels"] == FLAKY)
    assert probe["status"]["silencedBy"] == [silence.id]
    assert all(m.value == FLAKY[m.name] and not m.isRegex for m in silence.matchers)
    assert http.get(f"/api/v2/silence/{silence.id}").json()["id"] == silence.id
    assert http.get("/api/v2/silence/00000000-0000-0000-0000-000000000000").status_code == 404
    assert http.get("/api/v2/silences", params={"filter": 'alertname="Other"'}).json() == []


def names(http: httpx.Client, **params: str | list[str]) -> list[str]:
    return sorted(a["labels"]["alertname"] for a in http.get("/api/v2/alerts",
                                                             params=params).json())


def test_state_filters_and_matchers(http: httpx.Client) -> None:
    assert names(http) == ["HighLatency", "ProbeFailing", "ServiceDown"]
    assert names(http, active="false") == ["HighLatency", "ProbeFailing"]
    assert names(http, silenced="false") == ["HighLatency", "ServiceDown"]
    assert names(http, inhibited="false", silenced="false") == ["ServiceDown"]
    assert names(http, filter=['service="search"', 'alertname=~"Service.*"']) == ["ServiceDown"]
    assert names(http, filter="severity!=critical") == ["HighLatency", "ProbeFailing"]
    assert names(http, filter='service=""') == ["ProbeFailing"]  # empty: the label is absent
    bad = http.get("/api/v2/alerts", params={"filter": "garbage"})
    assert (bad.status_code, bad.json()) == (400, "bad matcher format: garbage")
    assert http.get("/api/v2/alerts", params={"filter": 'a=~"("'}).status_code == 400


def test_status_read_only_and_routing(http: httpx.Client) -> None:
    status = http.get("/api/v2/status").json()
    assert status["cluster"] == {"status": "disabled", "peers": []}
    assert {"version", "revision"} <= set(status["versionInfo"]) and status["config"]["original"]
    assert http.post("/api/v2/silences", json={}).status_code == 405
    assert http.get("/api/v2/nothing").status_code == 404
    # Datadog still owns its /api/v2 path, Prometheus the readiness of the shared port
    assert http.post("/api/v2/query/timeseries", json={}).status_code != 405
    assert http.get("/-/ready").text == "Prometheus Server is Ready.\n"
