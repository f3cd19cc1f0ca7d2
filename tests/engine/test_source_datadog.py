"""The Datadog connector against a fake Datadog API on loopback, and against the demo server."""

from __future__ import annotations

import json
import math
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult
from noc_board.sources.base import BackfillSource, SourceError
from noc_board.sources.datadog import LOOKBACK, DatadogSource
from noc_board.sources.datadog_wire import api_base
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from tests.engine.fakes.datadog import FakeDatadog, dd_error, monitor
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder

NOW = 1_767_794_400.0
MS = int(NOW * 1000)
API, APP = "dd-api-0123456789", "dd-app-abcdef012345"
LOAD = "avg:system.load.1{env:prod}"
CPU = "avg:system.cpu.user{env:prod} by {host}"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def make_source(
    client: httpx.AsyncClient,
    url: str,
    metrics: dict[str, tuple[str, str]] | None = None,  # id -> (query, measure)
    *,
    api: str = "v2",
    keys: tuple[str | None, str | None] = (API, APP),
    policy: RequestPolicy | None = None,
    sleep: SleepRecorder | None = None,
    site: str = "",
) -> DatadogSource:
    cfg = SourceConfig(name="dd", kind="datadog", url=url, secret="dd-api", secret2="dd-app",
                       api_version=api, site=site)
    chosen = metrics if metrics is not None else {"load": (LOAD, ""), "cpu": (CPU, "")}
    configs = [MetricConfig(id=k, source="dd", query=q, measure=m) for k, (q, m) in chosen.items()]
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(3))
    return DatadogSource(cfg, configs, http, ManualClock(NOW), *keys)


def values(result: PollResult) -> dict[str, float]:
    return {s.metric: s.value for s in result.samples}


def fake_with_data() -> FakeDatadog:
    return FakeDatadog(series={
        LOAD: [([], [(MS - 60_000.0, 1.5), (MS - 40_000.0, 1.75), (MS - 20_000.0, None)])],
        CPU: [(["host:web1"], [(MS - 40_000.0, 12.5), (MS - 20_000.0, 13.25)]),
              (["host:web2"], [(MS - 40_000.0, 40.0), (MS - 20_000.0, None)]),
              (["host:db1"], [(MS - 40_000.0, None)])],
    })


# -- the API host -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "site", "base", "noted"), [
    ("", "", "https://api.datadoghq.com", False),
    ("", "datadoghq.eu", "https://api.datadoghq.eu", False),
    ("", "EU", "https://api.datadoghq.eu", False),
    ("", "us3.datadoghq.com", "https://api.us3.datadoghq.com", False),
    ("", "us5", "https://api.us5.datadoghq.com", False),
    ("", "ap1.datadoghq.com", "https://api.ap1.datadoghq.com", False),
    ("", "ddog-gov.com", "https://api.ddog-gov.com", False),
    ("", "datadoghq.moon", "https://api.datadoghq.com", True),
    ("https://app.datadoghq.eu/", "", "https://api.datadoghq.eu", False),
    ("https://us5.datadoghq.com", "us5.datadoghq.com", "https://api.us5.datadoghq.com", False),
    ("https://api.datadoghq.com", "datadoghq.eu", "https://api.datadoghq.com", True),
    ("http://127.0.0.1:8126/dd", "", "http://127.0.0.1:8126/dd", False),
])
def test_api_base_from_url_or_site(url: str, site: str, base: str, noted: bool) -> None:
    got, note = api_base(url, site)
    assert got == base and (note is not None) == noted


async def test_site_picks_the_host_requested(client: httpx.AsyncClient) -> None:
    source = make_source(client, "", site="datadoghq.eu")
    assert source.base_url == "https://api.datadoghq.eu"


# -- v2 timeseries ------------------------------------------------------------------------------

async def test_v2_one_request_for_every_query(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake_with_data()) as server:
        result = await make_source(client, server.url).poll()
    assert values(result) == {"load": 1.75, "cpu": 13.25}  # the last point that has a value
    load = next(s for s in result.samples if s.metric == "load")
    assert load.ts == NOW - 40  # milliseconds in the answer, seconds in the sample
    (request,) = server.requests
    assert request.path == "/api/v2/query/timeseries"
    assert request.headers["dd-api-key"] == API and request.headers["dd-application-key"] == APP
    body = request.json()["data"]
    assert body["type"] == "timeseries_request"
    assert body["attributes"]["from"] == MS - LOOKBACK * 1000 and body["attributes"]["to"] == MS
    assert [q["query"] for q in body["attributes"]["queries"]] == [LOAD, CPU]
    assert {q["data_source"] for q in body["attributes"]["queries"]} == {"metrics"}
    (breakdown,) = result.breakdowns
    assert breakdown.metric == "cpu"
    assert breakdown.rows[:2] == (("host:web2", 40.0), ("host:web1", 13.25))
    assert math.isnan(breakdown.rows[2][1])  # db1 had no point: last, and not zero
    assert result.notes == ()


async def test_nulls_only_and_no_series_are_no_data(client: httpx.AsyncClient) -> None:
    fake = FakeDatadog(series={LOAD: [([], [(MS - 20_000.0, None), (MS - 0.0, None)])]})
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url).poll()
    assert all(math.isnan(v) for v in values(result).values())
    assert set(result.notes) == {"load: no points in the last 10 min",
                                 "cpu: the query matched no series"}


async def test_a_bad_query_is_found_by_asking_alone(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.bad_queries.add(CPU)
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url).poll()
    got = values(result)
    assert got["load"] == 1.75 and math.isnan(got["cpu"])
    assert result.notes == (f"cpu: HTTP 400 from Datadog: Error parsing query: unable to parse "
                            f"{CPU}",)
    assert len(server.requests) == 3  # the batch, then each query alone; a 400 is not retried


async def test_partial_errors_are_a_note(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.series.pop(CPU)
    fake.partial = "query b: metric not found"
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url).poll()
    assert values(result)["load"] == 1.75
    assert result.notes == ("cpu: Datadog reported partial errors: query b: metric not found",)


# -- v1 query -----------------------------------------------------------------------------------

async def test_v1_seconds_in_milliseconds_out(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake_with_data()) as server:
        result = await make_source(client, server.url, api="v1").poll()
    assert values(result) == {"load": 1.75, "cpu": 13.25}
    assert {s.ts for s in result.samples} == {NOW - 40, NOW - 20}
    assert sorted(r.params()["query"] for r in server.requests) == sorted([LOAD, CPU])
    for request in server.requests:
        assert request.path == "/api/v1/query"
        params = request.params()
        assert (int(params["from"]), int(params["to"])) == (int(NOW - LOOKBACK), int(NOW))


async def test_v1_error_in_a_200(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.status_errors[CPU] = "Rollup interval too small"
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, api="v1").poll()
    assert values(result)["load"] == 1.75 and math.isnan(values(result)["cpu"])
    assert result.notes == ("cpu: Datadog query error: Rollup interval too small",)


# -- monitors -----------------------------------------------------------------------------------

MONITOR_METRICS = {m: ("", m) for m in ("monitors_alert", "monitors_warn", "monitors_no_data",
                                        "monitors_not_ok", "monitor_state")}


async def test_monitor_states_over_pages(client: httpx.AsyncClient) -> None:
    monitors = [monitor(i, f"ok {i:03d}", "OK", "team:web") for i in range(230)]
    monitors += [monitor(900, "Checkout errors", "Alert", "team:web"),
                 monitor(901, "Heartbeat", "No Data", "team:web"),
                 monitor(902, "Latency", "Warn", "team:db"),
                 monitor(903, "Muted", "Ignored", "team:db")]
    async with LoopbackServer(FakeDatadog(monitors=monitors)) as server:
        result = await make_source(client, server.url, MONITOR_METRICS).poll()
    assert values(result) == {"monitors_alert": 1, "monitors_warn": 1, "monitors_no_data": 1,
                              "monitors_not_ok": 3, "monitor_state": 3}
    assert [r.params()["page"] for r in server.requests] == ["0", "1", "2"]  # one listing
    rows = {b.metric: b.rows for b in result.breakdowns}
    assert rows["monitors_not_ok"] == (("Checkout errors (Alert)", 3.0),
                                       ("Heartbeat (No Data)", 2.0), ("Latency (Warn)", 1.0))
    assert rows["monitors_no_data"] == (("Heartbeat (No Data)", 2.0),)


async def test_monitors_filtered_by_tags(client: httpx.AsyncClient) -> None:
    monitors = [monitor(1, "Checkout errors", "Alert", "team:web"),
                monitor(2, "Slow queries", "Warn", "team:db")]
    chosen = {"db_state": ("team:db", "monitor_state"), "none": ("team:none", "monitor_state")}
    async with LoopbackServer(FakeDatadog(monitors=monitors)) as server:
        result = await make_source(client, server.url, chosen).poll()
    got = values(result)
    assert got["db_state"] == 1 and math.isnan(got["none"])
    assert result.notes == ("none: no monitors tagged team:none",)
    assert sorted(r.params()["monitor_tags"] for r in server.requests) == ["team:db", "team:none"]


async def test_unknown_measure_is_a_note(client: httpx.AsyncClient) -> None:
    chosen = {"load": (LOAD, ""), "odd": ("", "monitors_red")}
    async with LoopbackServer(fake_with_data()) as server:
        result = await make_source(client, server.url, chosen).poll()
    assert [s.metric for s in result.samples] == ["load"]
    assert result.notes[0].startswith("odd: unknown Datadog measure 'monitors_red'; known: ")


# -- errors and rate limits ---------------------------------------------------------------------

async def test_forbidden_names_the_keys_and_is_not_retried(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake_with_data()) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, keys=("wrong", APP)).poll()
    assert str(caught.value) == (
        "HTTP 403 from Datadog: Forbidden (check the API key, the application key, and the "
        "site: keys work only on their own site)")
    assert caught.value.status == 403 and len(server.requests) == 1


async def test_keys_echoed_in_an_error_are_redacted(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.errors.append(dd_error(400, f"bad keys {API} / {APP}"))
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, {"load": (LOAD, "")}).poll()
    assert str(caught.value) == "HTTP 400 from Datadog: bad keys *** / ***"


async def test_missing_keys_say_which(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake_with_data()) as server:
        with pytest.raises(SourceError, match=r"needs the application key \(keyring entry "
                                              r"'dd-app'\)$"):
            await make_source(client, server.url, keys=(API, None)).poll()
        with pytest.raises(SourceError, match=r"needs the API key \(keyring entry 'dd-api'\) "
                                              r"and the application key"):
            await make_source(client, server.url, keys=(None, "")).poll()
    assert server.requests == []


async def test_rate_limit_reset_is_waited_when_short(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.errors.append(dd_error(429, "Too many requests", **{
        "X-RateLimit-Limit": "1600", "X-RateLimit-Period": "3600",
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7", "X-RateLimit-Name": "query"}))
    sleep = SleepRecorder()
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, sleep=sleep).poll()
    assert values(result) == {"load": 1.75, "cpu": 13.25} and sleep.waits == [7.0]


async def test_rate_limit_reset_is_handed_to_the_scheduler(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.limit = 0  # every request is over the limit; resets in 1200 s
    sleep = SleepRecorder()
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, sleep=sleep).poll()
    assert str(caught.value) == ("rate limited by Datadog; retry after 1200s: Too many requests; "
                                 "limit 0 requests per 3600s (query)")
    assert caught.value.retry_after == 1200.0 and caught.value.status == 429
    assert sleep.waits == [] and len(server.requests) == 1


async def test_server_errors_are_retried(client: httpx.AsyncClient) -> None:
    fake = fake_with_data()
    fake.errors += [Reply(502, "<html>Bad Gateway</html>", "text/html"),
                    dd_error(500, "Internal Server Error")]
    sleep = SleepRecorder()
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, sleep=sleep).poll()
    assert values(result)["load"] == 1.75 and len(sleep.waits) == 2


async def test_backfill_asks_for_the_step_and_keeps_gaps(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake_with_data()) as server:
        source = make_source(client, server.url, {"load": (LOAD, ""), "m": ("", "monitor_state")})
        assert isinstance(source, BackfillSource)
        result = await source.backfill(NOW - 3600, NOW, 15.0)
    attributes = server.requests[0].json()["data"]["attributes"]
    assert attributes["interval"] == 15_000 and attributes["from"] == MS - 3_600_000
    assert [(s.ts, s.value) for s in result.samples[:2]] == [(NOW - 60, 1.5), (NOW - 40, 1.75)]
    assert math.isnan(result.samples[2].value)  # a gap stays a gap
    with pytest.raises(SourceError, match="bad backfill range"):
        await source.backfill(NOW, NOW - 1, 15.0)


async def test_factory_and_engine_pass_both_keys(client: httpx.AsyncClient) -> None:
    from noc_board.config.schema import Config
    from noc_board.engine.runtime import Engine
    from noc_board.sources.factory import build_source
    from noc_board.sources.policy import MIB

    async with LoopbackServer(fake_with_data()) as server:
        cfg = SourceConfig(name="dd", kind="datadog", url=server.url, secret="dd-api",
                           secret2="dd-app", timeout=2.5, max_body_mb=0.5)
        metrics = [MetricConfig(id="load", source="dd", query=LOAD)]
        http = HttpFetcher(client, RequestPolicy(max_retries=1), SleepRecorder())
        source = build_source(cfg, metrics, http, ManualClock(NOW), API, "UTC", secret2=APP)
        assert isinstance(source, DatadogSource) and isinstance(source, BackfillSource)
        policy = source._http.policy
        assert policy.timeout == 2.5 and policy.max_body_bytes == MIB // 2
        assert values(await source.poll()) == {"load": 1.75}
        stored = {"dd-api": API, "dd-app": APP}
        engine = Engine.create(Config(sources=[cfg], metrics=metrics), ManualClock(NOW),
                               stored.get, None, client=httpx.AsyncClient())
        try:
            assert engine.missing_secrets == []
            await engine.scheduler.poll_once()
            series = engine.hub.series("load")
            assert series is not None and series.last_value() == 1.75
        finally:
            await engine.close()
        engine = Engine.create(Config(sources=[cfg], metrics=metrics), ManualClock(NOW),
                               {"dd-api": API}.get, None, client=httpx.AsyncClient())
        await engine.close()
    assert engine.missing_secrets == ["dd-app"]


# -- the demo server ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_url() -> Any:
    from noc_board.core.scenario import Baseline, Incident, Scenario
    from noc_board.demo.server import DemoServer
    from noc_board.demo.simulator import MarketSimulator

    scenario = Scenario(start=NOW - 86400, duration=2 * 86400, step=15.0, seed=9,
                        baseline=Baseline(), incidents=(
                            Incident("outage", NOW - 900, 1200, 1.0, "payments"),))
    with DemoServer(MarketSimulator(scenario), ManualClock(NOW)) as server:
        yield server.url


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_against_the_demo_server(client: httpx.AsyncClient, demo_url: str, api: str) -> None:
    chosen = {"load": ("max:system.load.1{env:demo}", ""),
              "hosts": ("avg:system.load.1{*} by {host}", ""),
              "pay": ("avg:marketplace.latency.p95.seconds{service:payments}", ""),
              "web": ("avg:marketplace.latency.p95.seconds{service:web}", ""),
              "alerting": ("", "monitors_not_ok"), "nodata": ("", "monitors_no_data")}
    result = await make_source(client, demo_url, chosen, api=api).poll()
    got = values(result)
    assert 0 < got["load"] < 4 and 0 < got["web"] < 2
    assert math.isnan(got["pay"])  # payments is down: its latency is null
    assert got["alerting"] >= 1 and got["nodata"] == 1
    hosts = next(b for b in result.breakdowns if b.metric == "hosts")
    assert {label for label, _ in hosts.rows} == {"host:app-1", "host:app-2", "host:db-1"}
    assert max(v for _, v in hosts.rows) <= got["load"] + 1e-9
    nodata = next(b for b in result.breakdowns if b.metric == "nodata")
    assert nodata.rows == (("Payments p95 latency (No Data)", 2.0),)
    assert result.notes == ("pay: no points in the last 10 min",)


async def test_demo_server_routes_and_headers(client: httpx.AsyncClient, demo_url: str) -> None:
    keys = {"DD-API-KEY": "a", "DD-APPLICATION-KEY": "b"}
    window = {"from": str(int(NOW - 600)), "to": str(int(NOW))}
    answer = await client.get(f"{demo_url}/api/v1/query", params={
        **window, "query": "avg:system.cpu.user{host:app-1}"}, headers=keys)
    assert answer.status_code == 200 and answer.headers["x-ratelimit-limit"] == "3000"
    assert int(answer.headers["x-ratelimit-reset"]) > 0
    (series,) = answer.json()["series"]
    assert series["tag_set"] == [] and series["scope"] == "host:app-1"
    assert all(ms % 1000 == 0 and ms <= NOW * 1000 for ms, _ in series["pointlist"])
    refused = await client.get(f"{demo_url}/api/v1/query", params={**window, "query": "x"})
    assert refused.status_code == 403 and refused.json() == {"errors": ["Forbidden"]}
    bad = await client.get(f"{demo_url}/api/v1/query", params={**window, "query": "load"},
                           headers=keys)
    assert bad.status_code == 400 and bad.json()["errors"][0].startswith("Error parsing query")
    # the same path without Datadog's marks is still Prometheus'
    prom = await client.get(f"{demo_url}/api/v1/query", params={"query": "marketplace_up"})
    assert prom.json()["status"] == "success"
    paged = await client.get(f"{demo_url}/api/v1/monitor", params={"page": "1", "page_size": "4"},
                             headers=keys)
    assert [m["id"] for m in paged.json()] == [1005, 1006]
    listed = json.loads((await client.get(f"{demo_url}/api/v1/monitor", headers=keys)).text)
    assert {m["overall_state"] for m in listed} <= {"OK", "Warn", "Alert", "No Data"}


async def test_demo_datadog_down_answers_503(client: httpx.AsyncClient) -> None:
    from noc_board.core.scenario import parse_scenario
    from noc_board.demo.server import DemoServer
    from noc_board.demo.simulator import MarketSimulator

    scenario = parse_scenario(
        'start = "2026-01-07T00:00:00Z"\nduration = "1d"\n[[incidents]]\nkind = "source_down"\n'
        'target = "datadog"\nstart = "2026-01-07T12:00:00Z"\nduration = "10m"\n', "s.toml")
    at = scenario.start + 12 * 3600 + 60
    with DemoServer(MarketSimulator(scenario), ManualClock(at)) as server:
        source = make_source(client, server.url, policy=RequestPolicy(max_retries=0))
        with pytest.raises(SourceError, match=r"^HTTP 503 from Datadog: Service Unavailable$"):
            await source.poll()


# -- garbage ------------------------------------------------------------------------------------

point = st.tuples(maybe(st.floats(0, 2e12) | st.integers(0, 2 * 10**12)),
                  maybe(st.none() | st.floats(-1e6, 1e6)))
v2_shape = st.fixed_dictionaries({}, optional={
    "data": maybe(st.fixed_dictionaries({}, optional={"attributes": maybe(st.fixed_dictionaries(
        {}, optional={
            "series": maybe(st.lists(st.fixed_dictionaries({}, optional={
                "query_index": maybe(st.integers(-2, 3)),
                "group_tags": maybe(st.lists(st.text(max_size=6), max_size=2))}), max_size=3)),
            "times": maybe(st.lists(st.integers(0, 2 * 10**12), max_size=3)),
            "values": maybe(st.lists(st.lists(maybe(st.none() | st.floats(-1e3, 1e3)),
                                              max_size=3), max_size=3)),
        }))})),
    "errors": maybe(st.text(max_size=10)),
})
v1_shape = st.fixed_dictionaries({}, optional={
    "status": maybe(st.sampled_from(["ok", "error"])),
    "error": maybe(st.text(max_size=10)),
    "series": maybe(st.lists(st.fixed_dictionaries({}, optional={
        "pointlist": maybe(st.lists(point, max_size=3)),
        "scope": maybe(st.text(max_size=6))}), max_size=2)),
})
monitors_shape = st.lists(st.fixed_dictionaries({}, optional={
    "id": maybe(st.integers(0, 10**6)), "name": maybe(st.text(max_size=8)),
    "overall_state": maybe(st.sampled_from(["OK", "Alert", "No Data", "Warn", "Odd"]))}),
    max_size=3)
error_shape = st.fixed_dictionaries({"errors": maybe(st.lists(maybe(st.text()), max_size=2))})


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(api=st.sampled_from(["v1", "v2"]),
       bodies=st.lists(replies(v2_shape | v1_shape | monitors_shape | error_shape),
                       min_size=1, max_size=4),
       rate_headers=st.dictionaries(st.sampled_from(["X-RateLimit-Reset", "X-RateLimit-Limit",
                                                     "X-RateLimit-Period", "X-RateLimit-Name"]),
                                    st.sampled_from(["", "5", "-3", "1e400", "nan", "abc"])))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    api: str,
    bodies: list[Reply],
    rate_headers: dict[str, str],
) -> None:
    server, queue = garbage_server
    for reply in bodies:
        reply.headers.update(rate_headers)
    queue[:] = bodies
    chosen = {"load": (LOAD, ""), "cpu": (CPU, ""), "mon": ("", "monitors_not_ok")}
    source = make_source(client, server.url, chosen, api=api,
                         policy=RequestPolicy(max_retries=1))
    try:
        result = await source.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert [s.metric for s in result.samples] == ["load", "cpu", "mon"]
        event("poll answered")
