"""The Alertmanager connector against a small fake of its API v2: alert states and silences as
board alarms, every error shape (bare-string bodies, go-openapi objects, the 410 of v1), and
garbage that must only ever be a SourceError."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import (
    AlertmanagerConfig,
    Config,
    MetricConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState
from noc_board.engine.am_sync import AlertmanagerSync
from noc_board.engine.hub import Hub
from noc_board.sources.alertmanager import (
    AlertmanagerApi,
    AlertmanagerSource,
    alarms_from_snapshot,
)
from noc_board.sources.alertmanager_wire import (
    Matcher,
    PostableAlert,
    PostableSilence,
    alertmanager_error,
    format_time,
    parse_time,
)
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy
from tests.engine.fakes.garbage import any_json, maybe, replies
from tests.engine.fakes.loopback import (
    LoopbackServer,
    Reply,
    Request,
    SleepRecorder,
    closed_port,
    json_reply,
)

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SILENCE_ID = "2f6b8c1e-0c1e-4a52-9d0e-5a1f3f0c9b11"


def alert(name: str, state: str, fingerprint: str, **status: list[str]) -> dict[str, Any]:
    return {
        "labels": {"alertname": name, "instance": "db1:9100", "severity": "critical",
                   "team": "tech"},
        "annotations": {"summary": f"{name} on db1", "value": "0.97"},
        "startsAt": "2025-12-31T23:55:00.123456789Z",  # Go may send nanoseconds
        "endsAt": "2026-01-01T00:05:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.123Z",
        "fingerprint": fingerprint,
        "receivers": [{"name": "oncall"}],
        "status": {"state": state, "silencedBy": status.get("silenced", []),
                   "inhibitedBy": status.get("inhibited", []), "mutedBy": []},
    }


ALERTS = [
    alert("DiskFull", "suppressed", "a1", silenced=[SILENCE_ID]),
    alert("HighLoad", "active", "b2"),
    alert("Replica", "suppressed", "c3", inhibited=["b2"]),
    alert("New", "unprocessed", "d4"),
]
SILENCES = [{
    "id": SILENCE_ID, "status": {"state": "active"},
    "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True}],
    "startsAt": "2025-12-31T23:58:00.000Z", "endsAt": "2026-01-01T02:00:00.000Z",
    "createdBy": "alice", "comment": "cleaning up", "updatedAt": "2025-12-31T23:58:00.000Z",
}, {
    "id": "9a", "status": {"state": "expired"},
    "matchers": [{"name": "alertname", "value": "Old.*", "isRegex": True}],
    "startsAt": "2025-12-30T00:00:00.000Z", "endsAt": "2025-12-30T01:00:00.000Z",
    "createdBy": "bob", "comment": "", "updatedAt": "2025-12-30T01:00:00.000Z",
}]


def string_reply(message: str, status: int) -> Reply:
    """Alertmanager's handler errors: a bare JSON string."""
    return Reply(status, json.dumps(message).encode(), "application/json")


def fake_alertmanager(request: Request) -> Reply:
    """GETs answer the lists above; writes answer the error shapes named in the body."""
    if request.path.startswith("/api/v1/"):
        return Reply(410, "Gone", "text/plain")
    if request.method == "GET" and request.path == "/api/v2/alerts":
        return json_reply(ALERTS)
    if request.method == "GET" and request.path == "/api/v2/silences":
        return json_reply(SILENCES)
    if request.method == "POST" and request.path == "/api/v2/silences":
        body = request.json()
        if "createdBy" not in body:
            return json_reply({"code": 602, "message": "createdBy in body is required"}, 422)
        if body["startsAt"] >= body["endsAt"]:
            return string_reply(
                "Failed to create silence: start time must be before end time", 400)
        return json_reply({"silenceID": "new-id"})
    if request.method == "POST" and request.path == "/api/v2/alerts":
        return string_reply("at least one label pair required", 400)
    if request.method == "DELETE" and request.path.endswith("/missing"):
        return string_reply("silence not found", 500)
    if request.method == "DELETE":
        return Reply(200, b"")
    return Reply(404, "404 page not found\n", "text/plain; charset=utf-8")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as made:
        yield made


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with LoopbackServer(fake_alertmanager) as running:
        yield running


def api(client: httpx.AsyncClient, url: str) -> AlertmanagerApi:
    return AlertmanagerApi(url, HttpFetcher(client, sleep=SleepRecorder()))


async def test_alerts_and_silences_become_board_alarms(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    snapshot = await api(client, server.url).snapshot(NOW)
    alarms = {a.rule: a for a in alarms_from_snapshot(snapshot)}
    disk = alarms["DiskFull"]  # silenced: acknowledged by the silence's author, until its end
    assert (disk.state, disk.acked_by, disk.ack_comment) == (
        AlarmState.ACKED, "alice", "cleaning up")
    assert disk.ack_until == parse_time("2026-01-01T02:00:00Z")
    assert disk.key == "am:a1" and disk.severity == "critical" and disk.route == "tech"
    assert disk.summary == "DiskFull on db1" and disk.value == 0.97
    assert disk.raised_at == pytest.approx(NOW - 300 + 0.123456, abs=1e-6)
    assert alarms["HighLoad"].state is AlarmState.UNACKED
    replica = alarms["Replica"]
    assert replica.state is AlarmState.SUPPRESSED and replica.suppressed_by == "inhibited by b2"
    new = alarms["New"]
    assert new.state is AlarmState.UNACKED and "not yet processed" in new.detail
    assert [s.id for s in snapshot.active_silences()] == [SILENCE_ID]


async def test_the_source_counts_alerts_and_silences(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    cfg = SourceConfig(name="am", kind="prometheus", url=server.url + "/api/v1")
    measures = ["alerts_firing", "alerts_suppressed", "alerts_silenced", "alerts_total",
                "silences_active", "nonsense"]
    metrics = [MetricConfig(id=m, source="am", measure=m) for m in measures]
    source = AlertmanagerSource(cfg, metrics, HttpFetcher(client), ManualClock(NOW), None)
    result = await source.poll()
    values = {s.metric: s.value for s in result.samples}
    assert {k: v for k, v in values.items() if k != "nonsense"} == {
        "alerts_firing": 2.0, "alerts_suppressed": 2.0, "alerts_silenced": 1.0,
        "alerts_total": 4.0, "silences_active": 1.0,
    }
    assert values["nonsense"] != values["nonsense"]  # NaN, with a note saying why
    assert "unknown measure 'nonsense'" in result.notes[0]
    assert source.latest is not None and len(source.latest.alerts) == 4
    assert all(r.path.startswith("/api/v2/") for r in server.requests)  # /api/v1 dropped


async def test_a_bare_string_error_body_is_the_message_and_is_not_retried(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    bad = PostableSilence((Matcher("alertname", "x"),), NOW, NOW, "alice", "")
    with pytest.raises(SourceError) as caught:
        await api(client, server.url).post_silence(bad)
    assert str(caught.value) == (
        "HTTP 400 from Alertmanager: Failed to create silence: start time must be before end "
        "time")
    assert caught.value.status == 400
    assert len(server.requests) == 1
    await api(client, server.url).post_alerts([])  # nothing to push: no request
    assert len(server.requests) == 1
    with pytest.raises(SourceError, match="at least one label pair required"):
        await api(client, server.url).post_alerts([PostableAlert({}, NOW, NOW + 60)])


async def test_a_go_openapi_error_object_is_read_too(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    fetcher = HttpFetcher(client, sleep=SleepRecorder())
    with pytest.raises(SourceError) as caught:
        await fetcher.derive(error_hook=alertmanager_error).post_json(
            server.url + "/api/v2/silences", json={"matchers": []})
    assert "createdBy in body is required (code 602)" in str(caught.value)


async def test_the_removed_v1_api_says_what_to_do(client: httpx.AsyncClient,
                                                  server: LoopbackServer) -> None:
    am = api(client, server.url)
    am.base = server.url + "/api/v1/x"  # a proxy that still routes to v1
    with pytest.raises(SourceError) as caught:
        await am.alerts()
    assert caught.value.status == 410
    assert "API v1 is gone (removed in Alertmanager 0.27)" in str(caught.value)
    assert len(server.requests) == 1  # a 410 is final


async def test_expiring_a_silence_it_no_longer_knows_is_not_an_error(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    am = api(client, server.url)
    assert await am.expire_silence(SILENCE_ID) is True
    assert await am.expire_silence("missing") is False  # 0.25 answers 500 "silence not found"
    with pytest.raises(SourceError, match="no Alertmanager API v2 here"):
        await AlertmanagerApi(server.url + "/elsewhere", HttpFetcher(client)).silences()


async def test_a_sync_against_an_alertmanager_that_is_down_reports_it_and_carries_on(
    client: httpx.AsyncClient,
) -> None:
    config = Config(
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://x")],
        metrics=[MetricConfig(id="err", source="prom", query="q")],
        rules=[RuleConfig(id="errs", metric="err", level=0.05)],
    )
    clock = ManualClock(NOW)
    hub = Hub(config, clock)
    url = f"http://127.0.0.1:{closed_port()}"
    fetcher = HttpFetcher(client, RequestPolicy(max_retries=0), sleep=SleepRecorder())
    sync = AlertmanagerSync(hub, AlertmanagerApi(url, fetcher), AlertmanagerConfig(url=url),
                            clock, board="a", on_health=hub.report_health)
    await sync.sync_once()
    await sync.sync_once()
    health = hub.health("alertmanager")
    assert health.state is HealthState.DOWN
    assert health.last_error is not None and "cannot connect" in health.last_error


def test_times_parse_as_go_writes_them_and_format_as_alertmanager_does() -> None:
    assert parse_time("2026-01-01T00:00:00Z") == NOW
    assert parse_time("2026-01-01T00:00:00.5+00:00") == NOW + 0.5
    assert parse_time("2026-01-01T01:00:00.000000001+01:00") == NOW
    assert format_time(NOW + 0.25) == "2026-01-01T00:00:00.250Z"
    with pytest.raises(ValueError, match="not an RFC 3339 time"):
        parse_time("yesterday")


def test_matchers_follow_alertmanager_rules() -> None:
    labels = {"alertname": "DiskFull", "instance": "db12:9100"}
    assert Matcher("instance", "db[0-9]+:9100", is_regex=True).matches(labels)
    assert not Matcher("instance", "db1", is_regex=True).matches(labels)  # anchored
    assert Matcher("alertname", "CPU", is_equal=False).matches(labels)
    assert Matcher("missing", "", is_regex=False).matches(labels)  # absent is ""
    assert not Matcher("alertname", "([", is_regex=True).matches(labels)


wire_alert = st.fixed_dictionaries(
    {"labels": maybe(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)),
     "startsAt": maybe(st.sampled_from(["2026-01-01T00:00:00Z", "soon", ""])),
     "endsAt": maybe(st.just("2026-01-01T00:05:00.000Z")),
     "fingerprint": maybe(st.text(max_size=8)),
     "status": maybe(st.fixed_dictionaries({
         "state": maybe(st.sampled_from(["active", "suppressed", "unprocessed"])),
         "silencedBy": maybe(st.lists(st.text(max_size=4), max_size=2))}))},
)


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as running:
        yield running, queue


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=replies(st.lists(wire_alert, max_size=3)), second=replies(any_json))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    first: Reply,
    second: Reply,
) -> None:
    server, queue = garbage_server
    queue[:] = [first, second]
    cfg = SourceConfig(name="am", kind="prometheus", url=server.url)
    fetcher = HttpFetcher(client, RequestPolicy(max_retries=1), sleep=SleepRecorder())
    metrics = [MetricConfig(id="n", source="am", measure="alerts_total")]
    source = AlertmanagerSource(cfg, metrics, fetcher, ManualClock(NOW), None)
    try:
        result = await source.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert [s.metric for s in result.samples] == ["n"]
        assert source.latest is not None
        alarms_from_snapshot(source.latest)  # whatever was accepted also reads as alarms
