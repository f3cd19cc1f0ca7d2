"""The Prometheus connector reading a query by label (`by = "route"`) against the loopback fake:
every series a row of the metric's breakdown, largest first, the value the largest row."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.prometheus import PrometheusSource
from noc_board.sources.prometheus_breakdown import MAX_ROWS, NO_LABEL
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request, SleepRecorder, json_reply
from tests.engine.fakes.prometheus import FakePrometheus, vector

NOW = 1_718_000_100.0
TS = 1_718_000_100
P95 = ("histogram_quantile(0.95, sum by (le, route) "
       "(rate(http_request_duration_seconds_bucket[5m])))")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def by_route(*series: tuple[dict[str, str], str], ts: float = TS) -> dict[str, Any]:
    """`data` of a vector result: one series per (labels, value)."""
    return {"resultType": "vector",
            "result": [{"metric": labels, "value": [ts, v]} for labels, v in series]}


def source(client: httpx.AsyncClient, url: str, metrics: list[MetricConfig],
           policy: RequestPolicy | None = None) -> PrometheusSource:
    config = SourceConfig(name="prom", kind="prometheus", url=url)
    http = HttpFetcher(client, policy or RequestPolicy(max_retries=1), SleepRecorder(),
                       random.Random(1))
    return PrometheusSource(config, metrics, http, ManualClock(NOW), None)


def metric(mid: str, query: str, by: str = "route") -> MetricConfig:
    return MetricConfig(id=mid, source="prom", query=query, by=by)


def tables(result: PollResult) -> dict[str, tuple[tuple[str, float], ...]]:
    return {b.metric: b.rows for b in result.breakdowns}


def values(result: PollResult) -> dict[str, float]:
    return {s.metric: s.value for s in result.samples}


async def test_every_series_is_a_row_largest_first(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={
        P95: by_route(({"route": "/cart"}, "0.31"), ({"route": "/search"}, "1.8"),
                      ({"route": "/"}, "NaN"), ({"job": "web"}, "0.05"),
                      ({"route": "/checkout"}, "+Inf"), ({"route": "/product"}, "0.31")),
        "up": vector("1", "0"),
    })
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, [metric("health.route_p95", P95),
                                          MetricConfig(id="m.up", source="prom", query="up")])
        result = await src.poll()
    assert tables(result) == {"health.route_p95": (
        ("/checkout", math.inf), ("/search", 1.8), ("/cart", 0.31), ("/product", 0.31),
        (NO_LABEL, 0.05))}  # NaN dropped, ties by label, the unlabelled series is "(none)"
    assert values(result) == {"health.route_p95": math.inf, "m.up": 1.0}  # without by: first
    (table,) = result.breakdowns
    assert table.ts == TS and isinstance(table.ts, float)
    assert {s.metric: s.ts for s in result.samples}["health.route_p95"] == TS
    assert result.notes == ()


async def test_the_value_is_the_largest_row_and_other_labels_do_not_matter(
        client: httpx.AsyncClient) -> None:
    query = 'marketplace_route_responses_per_second{code="5xx"}'
    fake = FakePrometheus(answers={query: by_route(
        ({"route": "/a", "code": "5xx", "instance": "x"}, "0.5"),
        ({"route": "/b", "code": "5xx", "instance": "x"}, "2.25"))})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, [metric("r5", query)]).poll()
    assert values(result) == {"r5": 2.25}
    assert tables(result) == {"r5": (("/b", 2.25), ("/a", 0.5))}


async def test_series_repeating_a_label_keep_the_largest_with_a_note(
        client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"rps": by_route(
        ({"route": "/a", "instance": "1"}, "3"), ({"route": "/a", "instance": "2"}, "7"),
        ({"route": "/b", "instance": "1"}, "5"), ({"route": "/a", "instance": "3"}, "1"))})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, [metric("rps", "rps")]).poll()
    assert tables(result) == {"rps": (("/a", 7.0), ("/b", 5.0))}
    assert result.notes == ("rps: 2 series repeat a route value; the largest of each is kept "
                            "(aggregate the query by (route))",)


async def test_no_rows_is_no_number_with_a_note_and_an_empty_table(
        client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={
        "none": {"resultType": "vector", "result": []},
        "nans": by_route(({"route": "/a"}, "NaN"), ({"route": "/b"}, "NaN")),
    })
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, [metric("e", "none"),
                                                    metric("n", "nans")]).poll()
    assert all(math.isnan(v) for v in values(result).values())
    assert tables(result) == {"e": (), "n": ()}
    assert sorted(result.notes) == ["e: query returned no data", "n: no series has a number"]
    assert {s.metric: s.ts for s in result.samples} == {"e": NOW, "n": NOW}


async def test_matrix_scalar_and_string_results(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={
        "x[1m]": {"resultType": "matrix", "result": [
            {"metric": {"route": "/a"}, "values": [[TS - 15, "9"], [TS, "2"]]},
            {"metric": {"route": "/b"}, "values": [[TS, "4"]]},
            {"metric": {"route": "/c"}, "values": []}]},
        "scalar(1)": {"resultType": "scalar", "result": [TS, "42"]},
        "s": {"resultType": "string", "result": [TS, "hello"]},
    })
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, [
            metric("mx", "x[1m]"), metric("sc", "scalar(1)"), metric("st", "s")]).poll()
    assert tables(result) == {"mx": (("/b", 4.0), ("/a", 2.0)), "sc": ((NO_LABEL, 42.0),),
                              "st": ()}
    got = values(result)
    assert got["mx"] == 4.0 and got["sc"] == 42.0 and math.isnan(got["st"])
    assert result.notes == ("st: string result 'hello' is not a number",)


async def test_rows_are_capped(client: httpx.AsyncClient) -> None:
    many = [({"route": f"/r{i:03d}"}, str(i)) for i in range(MAX_ROWS + 20)]
    fake = FakePrometheus(answers={"many": by_route(*many)})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, [metric("m", "many")]).poll()
    rows = tables(result)["m"]
    assert len(rows) == MAX_ROWS and rows[0] == (f"/r{MAX_ROWS + 19:03d}", MAX_ROWS + 19.0)


async def test_a_failing_query_by_label_fails_alone_and_keeps_no_table(
        client: httpx.AsyncClient) -> None:
    execution = json_reply({"status": "error", "errorType": "execution",
                            "error": "found duplicate series for the match group"}, 422)
    fake = FakePrometheus(answers={"bad": execution, "good": by_route(({"route": "/"}, "1"))})
    async with LoopbackServer(fake) as server:
        mixed = await source(client, server.url, [metric("bad", "bad"),
                                                   metric("good", "good")]).poll()
        with pytest.raises(SourceError, match=r"^HTTP 422 from Prometheus: execution: found"):
            await source(client, server.url, [metric("bad", "bad")]).poll()
        odd = json_reply({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"route": "/"}, "value": [TS, "fast"]}]}})
        fake.answers["odd"] = odd
        with pytest.raises(SourceError, match=r"^unexpected Prometheus response"):
            await source(client, server.url, [metric("odd", "odd")]).poll()
    assert math.isnan(values(mixed)["bad"]) and values(mixed)["good"] == 1.0
    assert tables(mixed) == {"good": (("/", 1.0),)}
    assert mixed.notes[0].startswith("bad: HTTP 422 from Prometheus")


async def test_backfill_leaves_metrics_by_label_out(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"rps": by_route(({"route": "/"}, "1")), "up": vector("1")})
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, [metric("rps", "rps"),
                                          MetricConfig(id="up", source="prom", query="up")])
        result = await src.backfill(NOW - 60, NOW, 15)
        assert [r.params()["query"] for r in server.requests] == ["up"]
        assert {s.metric for s in result.samples} == {"up"} and len(result.samples) == 5
        assert result.breakdowns == [] and result.notes == ()
        alone = await source(client, server.url, [metric("rps", "rps")]).backfill(
            NOW - 60, NOW, 15)
    assert alone.samples == [] and alone.notes == ()  # nothing asked: no failure either


series = st.fixed_dictionaries(
    {"metric": maybe(st.dictionaries(st.sampled_from(["route", "x", ""]),
                                     maybe(st.sampled_from(["/a", "", "/b"])), max_size=2))},
    optional={"value": maybe(st.tuples(maybe(st.integers(0, 2**40)),
                                       maybe(st.sampled_from(["1", "NaN", "+Inf", "x"])))),
              "values": maybe(st.lists(st.tuples(st.integers(), st.sampled_from(["1", "y"])),
                                       max_size=3))},
)
envelope = st.fixed_dictionaries(
    {"status": st.just("success")},
    optional={"data": maybe(st.fixed_dictionaries({
        "resultType": maybe(st.sampled_from(["vector", "matrix", "scalar", "string"])),
        "result": maybe(st.lists(series, max_size=3)),
    }))},
)


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=replies(envelope), second=replies(envelope))
async def test_garbage_by_label_only_ever_raises_source_error(
    client: httpx.AsyncClient, garbage_server: tuple[LoopbackServer, list[Reply]],
    first: Reply, second: Reply,
) -> None:
    server, queue = garbage_server
    queue[:] = [first, second]
    src = source(client, server.url, [metric("m", "q")], policy=RequestPolicy(max_retries=1))
    try:
        result = await src.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert [s.metric for s in result.samples] == ["m"]
        for table in result.breakdowns:
            values_ = [v for _, v in table.rows]
            assert values_ == sorted(values_, reverse=True)
            assert not any(math.isnan(v) for v in values_)
            if values_:
                assert result.samples[0].value == values_[0]
    with contextlib.suppress(SourceError):
        await src.backfill(NOW - 600, NOW, 15)
