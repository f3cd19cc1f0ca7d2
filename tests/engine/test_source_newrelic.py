"""The New Relic connector against a fake NerdGraph on loopback, and against the demo server."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult
from noc_board.sources.base import BackfillSource, SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.newrelic import NewRelicSource
from noc_board.sources.newrelic_wire import cell_value, endpoint
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder, json_reply
from tests.engine.fakes.newrelic import FakeNerdGraph, graphql_error

NOW = 1_767_794_400.0
KEY = "NRAK-TESTKEY0123456789"
P95 = "SELECT percentile(duration, 95) AS 'p95' FROM Transaction SINCE 30 minutes ago"
RAW = "SELECT percentile(duration, 95) FROM Transaction"
BOTH = "SELECT count(*) AS 'txns', average(duration) AS 'avg' FROM Transaction"
SERIES = "SELECT count(*) AS 'txns' FROM Transaction SINCE 3 minutes ago TIMESERIES 1 minute"
FACETED = "SELECT count(*) FROM Transaction FACET appName"
APDEX = "SELECT apdex(duration, t: 0.5) FROM Transaction"
SPREAD = "SELECT percentile(duration, 50, 95) AS 'lat' FROM Transaction"
EMPTY = "SELECT average(duration) FROM Transaction WHERE appName = 'ghost'"


def bucket(begin: float, txns: int) -> dict[str, Any]:
    return {"beginTimeSeconds": int(begin), "endTimeSeconds": int(begin + 60), "txns": txns}


def fake() -> FakeNerdGraph:
    return FakeNerdGraph(results={
        P95: [{"p95": {"95": 0.231}}],
        RAW: [{"percentile.duration": {"95": 0.5}}],
        BOTH: [{"txns": 412, "avg": 0.118}],
        SERIES: [bucket(NOW - 180, 400), bucket(NOW - 120, 398), bucket(NOW - 60, 12)],
        FACETED: [{"facet": "checkout", "appName": "checkout", "count": 310},
                  {"facet": "search", "appName": "search", "count": 1200}],
        APDEX: [{"apdex.duration": {"score": 0.94, "s": 900, "t": 80, "f": 20, "count": 1000}}],
        SPREAD: [{"lat": {"50": 0.08, "95": 0.3}}],
        EMPTY: [{"average.duration": None}],
    })


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def make_source(
    client: httpx.AsyncClient,
    url: str,
    metrics: dict[str, tuple[str, str]],  # id -> (nrql, measure)
    *,
    key: str | None = KEY,
    account: str = "1234567",
    region: str = "us",
    policy: RequestPolicy | None = None,
    sleep: SleepRecorder | None = None,
    now: float = NOW,
) -> NewRelicSource:
    cfg = SourceConfig(name="nr", kind="newrelic", url=url, secret="nr-key", region=region,
                       account_id=account, timeout=10.0)
    configs = [MetricConfig(id=k, source="nr", query=q, measure=m)
               for k, (q, m) in metrics.items()]
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(4))
    return NewRelicSource(cfg, configs, http, ManualClock(now), key)


def values(result: PollResult) -> dict[str, float]:
    return {s.metric: s.value for s in result.samples}


# -- endpoints and values -----------------------------------------------------------------------

@pytest.mark.parametrize(("url", "region", "expected"), [
    ("", "us", "https://api.newrelic.com/graphql"),
    ("", "eu", "https://api.eu.newrelic.com/graphql"),
    ("", "jp", "https://api.jp.newrelic.com/graphql"),
    ("", "EU", "https://api.eu.newrelic.com/graphql"),
    ("http://127.0.0.1:8080", "eu", "http://127.0.0.1:8080/graphql"),
    ("https://proxy.example/nr/graphql", "us", "https://proxy.example/nr/graphql"),
])
def test_endpoint_by_region_or_url(url: str, region: str, expected: str) -> None:
    assert endpoint(url, region) == expected


def test_cell_values() -> None:
    assert cell_value(3) == 3.0 and cell_value("0.25") == 0.25
    assert math.isnan(cell_value(None))
    assert cell_value({"95": 0.231}) == 0.231
    assert cell_value({"score": 0.9, "s": 9, "count": 10}) == 0.9
    assert cell_value({"50": 0.1, "95": 0.3}, "95") == 0.3
    for bad in (True, [1], {"50": 0.1, "95": 0.3}, "fast"):
        with pytest.raises(ValueError):
            cell_value(bad)


async def test_single_values_aliases_and_percentiles(client: httpx.AsyncClient) -> None:
    chosen = {"p95": (P95, ""), "raw": (RAW, ""), "txns": (BOTH, "txns"), "avg": (BOTH, "avg"),
              "apdex": (APDEX, ""), "median": (SPREAD, "lat.50"), "empty": (EMPTY, "")}
    async with LoopbackServer(fake()) as server:
        result = await make_source(client, server.url, chosen).poll()
    got = values(result)
    assert {k: v for k, v in got.items() if k != "empty"} == {
        "p95": 0.231, "raw": 0.5, "txns": 412.0, "avg": 0.118, "apdex": 0.94, "median": 0.08}
    assert math.isnan(got["empty"]) and result.notes == ()
    assert {s.ts for s in result.samples} == {NOW}  # the window ends now
    assert len(server.requests) == 6  # the two metrics on BOTH share one query
    request = server.requests[0]
    assert request.path == "/graphql" and request.headers["api-key"] == KEY
    body = request.json()
    assert body["variables"]["accountId"] == 1234567
    assert "nrql(query: $nrql, timeout: 9)" in body["query"]


async def test_timeseries_reads_the_last_ended_bucket(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake()) as server:
        now_result = await make_source(client, server.url, {"t": (SERIES, "")}).poll()
        mid_result = await make_source(client, server.url, {"t": (SERIES, "")},
                                       now=NOW - 30).poll()
    (sample,) = now_result.samples
    assert (sample.ts, sample.value) == (NOW, 12.0)
    (sample,) = mid_result.samples  # NOW - 30: the last bucket is still filling
    assert (sample.ts, sample.value) == (NOW - 60, 398.0)


async def test_facets_give_a_breakdown(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake()) as server:
        result = await make_source(client, server.url, {"f": (FACETED, "")}).poll()
    assert values(result) == {"f": 310.0}
    (breakdown,) = result.breakdowns
    assert breakdown.rows == (("checkout", 310.0), ("search", 1200.0))


async def test_ambiguous_columns_ask_for_a_measure(client: httpx.AsyncClient) -> None:
    chosen = {"both": (BOTH, ""), "typo": (BOTH, "p99"), "spread": (SPREAD, "")}
    async with LoopbackServer(fake()) as server:
        result = await make_source(client, server.url, chosen).poll()
    assert all(math.isnan(v) for v in values(result).values())
    assert result.notes == (
        "both: unexpected New Relic response: 2 value columns (txns, avg); set measure to one",
        "typo: unexpected New Relic response: no column 'p99' in the result (columns: txns, avg)",
        "spread: unexpected New Relic response: an object with keys 50, 95: set measure to "
        "alias.key",
    )


# -- errors -------------------------------------------------------------------------------------

async def test_errors_inside_http_200(client: httpx.AsyncClient) -> None:
    bad = "SELECT count(*) FORM Transaction"
    nerd = fake()
    nerd.failures[APDEX] = graphql_error("NRQL query timed out", errorClass="TIMEOUT")
    nerd.warnings[P95] = graphql_error("Some events were dropped", errorClass="WARNING")
    chosen = {"p95": (P95, ""), "bad": (bad, ""), "slow": (APDEX, "")}
    async with LoopbackServer(nerd) as server:
        result = await make_source(client, server.url, chosen).poll()
    got = values(result)
    assert got["p95"] == 0.231 and math.isnan(got["bad"]) and math.isnan(got["slow"])
    assert result.notes == (
        "p95: New Relic reported: WARNING: Some events were dropped",
        "bad: New Relic NRQL error: INVALID_INPUT: NRQL Syntax Error: Error at line 1 "
        "position 8, unexpected 'FORM'",
        "slow: New Relic NRQL error: TIMEOUT: NRQL query timed out (temporary; asked again "
        "next poll)",
    )
    assert len(server.requests) == 3  # errors in a 200 are not retried at once


async def test_every_query_failing_fails_the_poll(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake()) as server:
        with pytest.raises(SourceError, match=r"^New Relic NRQL error: .*Account 42 not found"):
            await make_source(client, server.url, {"p95": (P95, "")}, account="42").poll()
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, {"p95": (P95, "")}, key="NRAK-EXPIRED").poll()
    assert str(caught.value) == (
        "New Relic NRQL error: Invalid API key (BAD_API_KEY: check the User API key, and the "
        "region: an EU account's key fails on the US endpoint)")


@pytest.mark.parametrize(("reply", "message"), [
    (json_reply({"errors": [{"message": "Unauthorized"}]}, 401),
     "HTTP 401 from New Relic: Unauthorized"),
    (json_reply({"errors": [{"message": "Forbidden", "extensions": {
        "error_code": "BAD_API_KEY"}}]}, 403),
     "HTTP 403 from New Relic: Forbidden (BAD_API_KEY: check the User API key, and the "
     "region: an EU account's key fails on the US endpoint)"),
    (Reply(404, "<html>Not Found</html>", "text/html"), "HTTP 404 from New Relic: Not Found"),
])
async def test_http_errors(client: httpx.AsyncClient, reply: Reply, message: str) -> None:
    nerd = fake()
    nerd.errors.append(reply)
    async with LoopbackServer(nerd) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, {"p95": (P95, "")}).poll()
    assert str(caught.value) == message and len(server.requests) == 1


async def test_too_many_concurrent_requests_is_retried(client: httpx.AsyncClient) -> None:
    nerd = fake()
    nerd.errors += [json_reply({"errors": [{"message": "Too many requests"}]}, 429,
                               **{"Retry-After": "2"}),
                    Reply(503, "upstream unavailable", "text/plain")]
    sleep = SleepRecorder()
    async with LoopbackServer(nerd) as server:
        result = await make_source(client, server.url, {"p95": (P95, "")}, sleep=sleep).poll()
    assert values(result) == {"p95": 0.231} and sleep.waits[0] == 2.0 and len(sleep.waits) == 2


async def test_missing_key_or_account_sends_nothing(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake()) as server:
        with pytest.raises(SourceError, match=r"User API key .* keyring entry 'nr-key'"):
            await make_source(client, server.url, {"p95": (P95, "")}, key=None).poll()
        with pytest.raises(SourceError, match="numeric account id"):
            await make_source(client, server.url, {"p95": (P95, "")}, account="acme").poll()
    assert server.requests == []


async def test_backfill_from_timeseries_queries(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(fake()) as server:
        source = make_source(client, server.url, {"t": (SERIES, ""), "p": (P95, "")})
        assert isinstance(source, BackfillSource)
        result = await source.backfill(NOW - 100, NOW, 15.0)
    assert [(s.ts, s.value) for s in result.samples] == [(NOW - 60, 398.0), (NOW, 12.0)]
    assert len(server.requests) == 1  # only the TIMESERIES query has history


async def test_factory_builds_it(client: httpx.AsyncClient) -> None:
    from noc_board.sources.factory import build_source

    cfg = SourceConfig(name="nr", kind="newrelic", url="", region="eu", account_id="1",
                       secret="nr-key", timeout=30.0)
    source = build_source(cfg, [], HttpFetcher(client), ManualClock(NOW), KEY, "UTC")
    assert isinstance(source, NewRelicSource) and isinstance(source, BackfillSource)
    assert source.url == "https://api.eu.newrelic.com/graphql"
    assert source._http.policy.timeout == 30.0


def test_check_config_wants_keys_account_and_queries() -> None:
    from noc_board.config.loader import ConfigError, parse_config

    text = """
[[sources]]
name = "nr"
kind = "newrelic"
url = ""
account_id = "acme"

[[sources]]
name = "dd"
kind = "datadog"
url = ""
site = "datadoghq.eu"
secret = "dd-api"

[[metrics]]
id = "page"
source = "nr"

[[metrics]]
id = "load"
source = "dd"

[[metrics]]
id = "alerting"
source = "dd"
measure = "monitors_alert"
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "board.toml")
    assert [str(e) for e in caught.value.errors] == [
        "board.toml:2: sources[0].secret: required for a newrelic source: the name of the "
        "keyring entry holding the User API key, NRAK-... (sent as API-Key)",
        "board.toml:6: sources[0].account_id: a New Relic account id is a number, e.g. "
        '"1234567"',
        "board.toml:8: sources[1].secret2: required for a datadog source: the name of the "
        "keyring entry holding the application key (sent as DD-APPLICATION-KEY)",
        "board.toml:15: metrics[0].query: required for a metric of a newrelic source ('nr'): "
        "the NRQL, e.g. SELECT count(*) FROM Transaction",
        "board.toml:19: metrics[1].query: required for a metric of a datadog source ('dd'): "
        "the metric query, e.g. avg:system.load.1{*}, unless a monitor measure is set",
    ]


# -- the demo server ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    from noc_board.core.scenario import Baseline, Incident, Scenario
    from noc_board.demo.server import DemoServer
    from noc_board.demo.simulator import MarketSimulator

    scenario = Scenario(start=NOW - 86400, duration=2 * 86400, step=15.0, seed=9,
                        baseline=Baseline(), incidents=(
                            Incident("outage", NOW - 900, 1200, 1.0, "payments"),))
    with DemoServer(MarketSimulator(scenario), ManualClock(NOW)) as server:
        yield server.url


async def test_against_the_demo_server(client: httpx.AsyncClient, demo_url: str) -> None:
    chosen = {
        "page": ("SELECT percentile(duration, 95) FROM PageView SINCE 5 minutes ago", ""),
        "web": ("SELECT percentile(duration, 95) AS 'p95', count(*) AS 'n' FROM Transaction "
                "WHERE appName = 'web' SINCE 10 minutes ago TIMESERIES 1 minute", "p95"),
        "apdex": ("SELECT apdex(duration, t: 0.5) FROM Transaction SINCE 5 minutes ago", ""),
        "pay": ("SELECT average(duration) FROM Transaction WHERE appName = 'payments' "
                "SINCE 5 minutes ago", ""),
        "apps": ("SELECT count(*) FROM Transaction FACET appName SINCE 5 minutes ago", ""),
        "typo": ("SELECT count(*) FORM Transaction", ""),
    }
    result = await make_source(client, demo_url, chosen).poll()
    got = values(result)
    assert 0.9 < got["page"] < 5 and 0.05 < got["web"] < 2 and 0.5 < got["apdex"] <= 1
    assert math.isnan(got["pay"]) and math.isnan(got["typo"])  # payments is down
    (apps,) = result.breakdowns
    assert [label for label, _ in apps.rows][:1] == ["web"] and len(apps.rows) == 5
    assert dict(apps.rows)["payments"] == 0
    assert result.notes == ("typo: New Relic NRQL error: INVALID_INPUT: NRQL Syntax Error: "
                            "Error at line 1 position 17, unexpected 'FORM'",)
    bad_key = make_source(client, demo_url, {"page": chosen["page"]}, key="not-a-user-key")
    with pytest.raises(SourceError, match="BAD_API_KEY"):
        await bad_key.poll()


async def test_demo_newrelic_down_fails_inside_a_200(client: httpx.AsyncClient) -> None:
    from noc_board.core.scenario import parse_scenario
    from noc_board.demo.server import DemoServer
    from noc_board.demo.simulator import MarketSimulator

    scenario = parse_scenario(
        'start = "2026-01-07T00:00:00Z"\nduration = "1d"\n[[incidents]]\nkind = "source_down"\n'
        'target = "newrelic"\nstart = "2026-01-07T12:00:00Z"\nduration = "10m"\n', "s.toml")
    at = scenario.start + 12 * 3600 + 60
    with DemoServer(MarketSimulator(scenario), ManualClock(at)) as server:
        source = make_source(client, server.url, {"n": ("SELECT count(*) FROM Transaction", "")},
                             now=at)
        with pytest.raises(SourceError) as caught:
            await source.poll()
    assert str(caught.value) == ("New Relic NRQL error: INTERNAL_SERVER_ERROR: An error "
                                 "occurred resolving this field (temporary; asked again next "
                                 "poll)")


# -- garbage ------------------------------------------------------------------------------------

cell = maybe(st.none() | st.floats(-1e6, 1e6) | st.dictionaries(
    st.sampled_from(["95", "50", "score"]), maybe(st.floats(0, 10)), max_size=2))
row = st.fixed_dictionaries({}, optional={
    "p95": cell, "count": cell, "facet": maybe(st.text(max_size=5)),
    "endTimeSeconds": maybe(st.integers(int(NOW) - 120, int(NOW) + 60))})
nrql_shape = st.fixed_dictionaries({
    "data": maybe(st.fixed_dictionaries({"actor": maybe(st.fixed_dictionaries({
        "account": maybe(st.fixed_dictionaries({
            "nrql": maybe(st.none() | st.fixed_dictionaries({
                "results": maybe(st.lists(row, max_size=3))}, optional={
                "metadata": maybe(st.fixed_dictionaries({}, optional={
                    "timeWindow": maybe(st.fixed_dictionaries({}, optional={
                        "end": maybe(st.integers(0, 2 * 10**12))})),
                    "facets": maybe(st.lists(st.text(max_size=5), max_size=1))}))}))}))}))})),
}, optional={
    "errors": maybe(st.lists(st.fixed_dictionaries({}, optional={
        "message": maybe(st.text(max_size=20)),
        "extensions": maybe(st.fixed_dictionaries({}, optional={
            "errorClass": maybe(st.sampled_from(["TIMEOUT", "INVALID_INPUT"])),
            "error_code": maybe(st.sampled_from(["BAD_API_KEY"]))}))}), max_size=2)),
})


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(replies(nrql_shape), min_size=1, max_size=3),
       measure=st.sampled_from(["", "p95", "p95.95", "count"]))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    bodies: list[Reply],
    measure: str,
) -> None:
    server, queue = garbage_server
    queue[:] = bodies
    chosen = {"a": (P95, measure), "b": (SERIES, ""), "c": (FACETED, "")}
    source = make_source(client, server.url, chosen, policy=RequestPolicy(max_retries=1))
    try:
        result = await source.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert [s.metric for s in result.samples] == ["a", "b", "c"]
        event("poll answered")
    try:
        await source.backfill(NOW - 600, NOW, 60.0)
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)

