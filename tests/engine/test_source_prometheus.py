"""The Prometheus connector against a fake Prometheus on loopback."""

from __future__ import annotations

import contextlib
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
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.prometheus import MAX_POINTS, PrometheusSource, backfill_step
from tests.engine.fakes.garbage import any_json, maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder, json_reply
from tests.engine.fakes.prometheus import FakePrometheus, vector
from tests.engine.fakes.tls import CertFiles, TlsLoopbackServer, issue, make_ca

NOW = 1_718_000_100.0


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def source(
    client: httpx.AsyncClient,
    url: str,
    queries: dict[str, str],
    key: str | None = None,
    sleep: SleepRecorder | None = None,
    policy: RequestPolicy | None = None,
    **cfg: Any,
) -> PrometheusSource:
    config = SourceConfig(name="prom", kind="prometheus", url=url, **cfg)
    metrics = [MetricConfig(id=mid, source="prom", query=q) for mid, q in queries.items()]
    metrics.append(MetricConfig(id="other.source", source="stripe", measure="orders_today"))
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(1))
    return PrometheusSource(config, metrics, http, ManualClock(NOW), key)


def values(result: Any) -> dict[str, float]:
    return {s.metric: s.value for s in result.samples}


async def test_instant_queries_post_forms_under_a_path_prefix(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(prefix="/prometheus", answers={
        "up": vector("1", "0", ts=1_718_000_000),
        "rate(x[5m])": vector("0.25", ts=1_718_000_000.5),
    })
    async with LoopbackServer(fake) as server:
        src = source(client, server.url + "/prometheus/", {"m.up": "up", "m.rate": "rate(x[5m])"})
        result = await src.poll()
    assert result.source == "prom" and result.polled_at == NOW
    assert values(result) == {"m.up": 1.0, "m.rate": 0.25}  # the first series
    by_id = {s.metric: s for s in result.samples}
    assert by_id["m.up"].ts == 1_718_000_000 and isinstance(by_id["m.up"].ts, float)
    assert by_id["m.rate"].ts == 1_718_000_000.5
    assert result.notes == ()
    request = server.requests[0]
    assert request.method == "POST" and request.path == "/prometheus/api/v1/query"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = request.params()
    assert form["time"] == f"{NOW:.3f}" and form["timeout"] == "10s"


async def test_special_values(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={
        "a": vector("NaN"), "b": vector("+Inf"), "c": vector("-Inf"), "d": vector("1e-07"),
    })
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, {q: q for q in "abcd"}).poll()
    got = values(result)
    assert math.isnan(got["a"]) and got["b"] == math.inf and got["c"] == -math.inf
    assert got["d"] == 1e-07


async def test_empty_result_is_no_number_with_a_note(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"absent": {"resultType": "vector", "result": []}})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, {"m": "absent"}).poll()
    assert math.isnan(result.samples[0].value) and result.samples[0].ts == NOW
    assert result.notes == ("m: query returned no data",)


async def test_scalar_matrix_and_string_results(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={
        "scalar(1)": {"resultType": "scalar", "result": [1_718_000_000, "42"]},
        "x[1m]": {"resultType": "matrix", "result": [
            {"metric": {"a": "1"}, "values": [[1_718_000_000, "1"], [1_718_000_015, "2.5"]]},
            {"metric": {"a": "2"}, "values": [[1_718_000_000, "9"]]}]},
        "s1": {"resultType": "string", "result": [1_718_000_000, "17"]},
        "s2": {"resultType": "string", "result": [1_718_000_000, "hello"]},
    })
    async with LoopbackServer(fake) as server:
        result = await source(
            client, server.url, {"sc": "scalar(1)", "mx": "x[1m]", "s1": "s1", "s2": "s2"}
        ).poll()
    got = values(result)
    assert got["sc"] == 42.0 and got["mx"] == 2.5 and got["s1"] == 17.0
    assert math.isnan(got["s2"])
    assert {s.metric: s.ts for s in result.samples}["mx"] == 1_718_000_015
    assert result.notes == ("s2: string result 'hello' is not a number",)


async def test_warnings_become_notes(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"up": vector("1")},
                          warnings={"up": ["PromQL info: metric might not be a counter"]})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, {"m": "up"}).poll()
    assert values(result) == {"m": 1.0}
    assert result.notes == ("m: Prometheus warning: PromQL info: metric might not be a counter",)


async def test_a_bad_query_fails_alone(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"up": vector("1")})
    async with LoopbackServer(fake) as server:
        result = await source(client, server.url, {"good": "up", "bad": "up{"}).poll()
    got = values(result)
    assert got["good"] == 1.0 and math.isnan(got["bad"])
    (note,) = result.notes
    assert note.startswith('bad: HTTP 400 from Prometheus: bad_data: invalid parameter "query"')


async def test_every_query_failing_fails_the_poll(client: httpx.AsyncClient) -> None:
    execution = json_reply({"status": "error", "errorType": "execution",
                            "error": "many-to-many matching not allowed"}, 422)
    fake = FakePrometheus(answers={"a": execution, "b": execution})
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError) as caught:
            await source(client, server.url, {"a": "a", "b": "b"}).poll()
    assert str(caught.value) == (
        "HTTP 422 from Prometheus: execution: many-to-many matching not allowed"
    )
    assert len(fake.answers) == 2 and caught.value.status == 422


async def test_503_plain_text_while_starting(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    fake = FakePrometheus(answers={"up": vector("1")}, starting=True)
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, {"m": "up"}, sleep=sleep)
        with pytest.raises(SourceError) as caught:
            await src.poll()
        with pytest.raises(SourceError, match="server starting"):
            await src.probe()
        fake.starting = False
        assert await src.probe() == "Prometheus Server is Ready."
        assert values(await src.poll()) == {"m": 1.0}
    assert str(caught.value) == "HTTP 503 from Prometheus: Service Unavailable (server starting?)"
    assert len(sleep.waits) >= 3  # 503 is retried before giving up


async def test_error_status_inside_a_200(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"q": json_reply({"status": "error", "error": "odd"})})
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError, match="Prometheus answered status 'error': odd"):
            await source(client, server.url, {"m": "q"}).poll()


@pytest.mark.parametrize("auth", ["basic", "bearer"])
async def test_auth_headers(client: httpx.AsyncClient, auth: str) -> None:
    fake = FakePrometheus(answers={"up": vector("1")})
    if auth == "basic":
        fake.basic = ("ops", "s3cret-pass")
    else:
        fake.bearer = "tok-abcdef"
    secret = "s3cret-pass" if auth == "basic" else "tok-abcdef"
    async with LoopbackServer(fake) as server:
        good = source(client, server.url, {"m": "up"}, secret, auth=auth, username="ops")
        assert values(await good.poll()) == {"m": 1.0}
        wrong = source(client, server.url, {"m": "up"}, "nope-nope", auth=auth, username="ops")
        with pytest.raises(SourceError, match=r"^HTTP 401 from Prometheus: Unauthorized$"):
            await wrong.poll()
        missing = source(client, server.url, {"m": "up"}, None, auth=auth, secret="prom-key")
        with pytest.raises(SourceError, match="keyring entry 'prom-key'"):
            await missing.poll()
    assert server.requests[0].headers["authorization"].startswith(auth.capitalize())


def test_backfill_step_never_trips_the_limit() -> None:
    assert backfill_step(0, 3600, 15) == 15  # small ranges keep the asked step
    for span in (86_400 * 30, 86_400 * 7 + 1, 11_000 * 15 + 0.001, 123_456.789):
        step = backfill_step(0, span, 15)
        assert span / step <= MAX_POINTS
        assert step == pytest.approx(max(15, span / MAX_POINTS), abs=0.001)


async def test_backfill_uses_query_range_within_the_limit(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"up": vector("1")})
    start, end = NOW - 7 * 86_400, NOW
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, {"m": "up"})
        result = await src.backfill(start, end, 15.0)
        # the fake enforces the rule: the asked-for step alone would have been refused
        http = HttpFetcher(client, RequestPolicy(), SleepRecorder(), random.Random(1))
        with pytest.raises(SourceError, match="exceeded maximum resolution"):
            await http.post_json(server.url + "/api/v1/query_range", data={
                "query": "up", "start": start, "end": end, "step": 15})
    form = server.requests[0].params()
    assert server.requests[0].path == "/api/v1/query_range"
    assert float(form["step"]) == pytest.approx(7 * 86_400 / 11_000, abs=0.001)
    assert 10_000 < len(result.samples) <= MAX_POINTS + 1
    assert result.samples[0].ts == pytest.approx(start) and result.samples[0].value == 0.0
    assert all(s.metric == "m" for s in result.samples)


async def test_backfill_only_asks_for_the_wanted_metrics(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"up": vector("1"), "down": vector("0")})
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, {"m": "up", "n": "down"})
        result = await src.backfill(NOW - 3600, NOW, 60.0, only={"n"})
    assert [r.params()["query"] for r in server.requests] == ["down"]
    assert {s.metric for s in result.samples} == {"n"}


async def test_backfill_rejects_a_backwards_range(client: httpx.AsyncClient) -> None:
    src = source(client, "http://127.0.0.1:9", {"m": "up"})
    with pytest.raises(SourceError, match="bad backfill range"):
        await src.backfill(NOW, NOW - 60, 15)


series = st.fixed_dictionaries(
    {"metric": maybe(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))},
    optional={"value": maybe(st.tuples(maybe(st.integers(0, 2**40)),
                                       maybe(st.sampled_from(["1", "NaN", "+Inf", "x"])))),
              "values": maybe(st.lists(st.tuples(st.integers(), st.sampled_from(["1", "y"])))),
              "histogram": any_json},
)
envelope = st.fixed_dictionaries(
    {"status": maybe(st.sampled_from(["success", "error"]))},
    optional={
        "data": maybe(st.fixed_dictionaries({
            "resultType": maybe(st.sampled_from(["vector", "matrix", "scalar", "string"])),
            "result": maybe(st.lists(series, max_size=3)),
        })),
        "warnings": maybe(st.lists(st.text(max_size=10), max_size=2)),
        "error": maybe(st.text(max_size=20)), "errorType": maybe(st.text(max_size=8)),
    },
)


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    """One server for every example: each example refills `queue`."""
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=replies(envelope), second=replies(envelope))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    first: Reply,
    second: Reply,
) -> None:
    server, queue = garbage_server
    queue[:] = [first, second]
    src = source(client, server.url, {"m": "q"}, policy=RequestPolicy(max_retries=1))
    try:
        result = await src.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert [s.metric for s in result.samples] == ["m"]
        event("poll answered")
    with contextlib.suppress(SourceError):
        await src.backfill(NOW - 600, NOW, 15)


# -- scrape targets, TLS with a private CA, error bodies ------------------------------------

TARGETS: list[dict[str, Any]] = [
    {"labels": {"job": "node", "instance": "10.0.0.5:9100"}, "scrapePool": "node",
     "scrapeUrl": "http://10.0.0.5:9100/metrics", "lastError": "", "health": "up",
     "lastScrape": "2024-06-10T08:00:01.5+00:00", "lastScrapeDuration": 0.01},
    {"labels": {"job": "node", "instance": "10.0.0.6:9100"}, "scrapePool": "node",
     "scrapeUrl": "http://10.0.0.6:9100/metrics", "lastError": "context deadline exceeded",
     "health": "down"},
    {"labels": {}, "scrapePool": "blackbox", "scrapeUrl": "http://127.0.0.1:9115/probe",
     "health": "unknown"},  # an old server: no globalUrl, scrapeInterval...
]


def target_source(client: httpx.AsyncClient, url: str, queries: dict[str, str],
                  measures: tuple[str, ...], **cfg: Any) -> PrometheusSource:
    config = SourceConfig(name="prom", kind="prometheus", url=url, **cfg)
    metrics = [MetricConfig(id=mid, source="prom", query=q) for mid, q in queries.items()]
    metrics += [MetricConfig(id=f"t.{m}", source="prom", measure=m) for m in measures]
    http = HttpFetcher(client, RequestPolicy(max_retries=1), SleepRecorder(), random.Random(1))
    return PrometheusSource(config, metrics, http, ManualClock(NOW), None)


async def test_targets_health_as_measures_and_a_table(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"probe_success": vector("1")}, targets=TARGETS)
    async with LoopbackServer(fake) as server:
        src = target_source(client, server.url, {"bb": "probe_success"},
                            ("targets_up", "targets_down", "targets_up_ratio"))
        result = await src.poll()
    assert values(result) == {"bb": 1.0, "t.targets_up": 1.0, "t.targets_down": 1.0,
                              "t.targets_up_ratio": 0.5}
    (table,) = result.breakdowns
    assert table.metric == "prom.targets" and table.ts == NOW
    label, value = table.rows[0]
    assert label == "blackbox/http://127.0.0.1:9115/probe" and math.isnan(value)
    assert table.rows[1:] == (("node/10.0.0.6:9100", 0.0), ("node/10.0.0.5:9100", 1.0))
    assert result.notes == ("target node/10.0.0.6:9100 down: context deadline exceeded",)
    targets = [r for r in server.requests if r.path == "/api/v1/targets"]
    assert len(targets) == 1 and targets[0].method == "GET"
    assert targets[0].query == [("state", "active")]


async def test_targets_failing_alone_or_with_everything(client: httpx.AsyncClient) -> None:
    fake = FakePrometheus(answers={"up": vector("1")},
                          targets=Reply(503, "Service Unavailable", "text/plain"))
    async with LoopbackServer(fake) as server:
        mixed = await target_source(client, server.url, {"m": "up"}, ("targets_up",)).poll()
        alone = target_source(client, server.url, {}, ("targets_up",))
        with pytest.raises(SourceError, match=r"^HTTP 503 from Prometheus: Service Unavail"):
            await alone.poll()
    assert values(mixed)["m"] == 1.0 and math.isnan(values(mixed)["t.targets_up"])
    assert mixed.notes[0].startswith("targets: HTTP 503 from Prometheus")
    assert mixed.breakdowns == []


async def test_timeout_error_body_on_503(client: httpx.AsyncClient) -> None:
    timeout = json_reply({"status": "error", "errorType": "timeout",
                          "error": "query timed out in expression evaluation"}, 503)
    fake = FakePrometheus(answers={"slow": timeout})
    async with LoopbackServer(fake) as server:
        src = source(client, server.url, {"m": "slow"}, policy=RequestPolicy(max_retries=1))
        with pytest.raises(SourceError) as caught:
            await src.poll()
    assert str(caught.value) == (
        "HTTP 503 from Prometheus: timeout: query timed out in expression evaluation")
    assert len(server.requests) == 2  # a 503 is worth one more try


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CertFiles]:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca(directory)
    return {"ca": ca, "server": issue(directory, "server", ca, 90)}


async def test_tls_with_a_private_ca(client: httpx.AsyncClient,
                                     pki: dict[str, CertFiles]) -> None:
    fake = FakePrometheus(answers={"up": vector("1")}, basic=("ops", "s3cret-pass"))
    async with TlsLoopbackServer(fake, pki["server"]) as server:
        def make(**cfg: Any) -> tuple[PrometheusSource, HttpFetcher]:
            config = SourceConfig(name="prom", kind="prometheus", url=server.url, auth="basic",
                                  username="ops", secret="prom-pass", **cfg)
            http = HttpFetcher(client, RequestPolicy(max_retries=0), SleepRecorder(),
                               random.Random(1))
            metric = MetricConfig(id="m", source="prom", query="up")
            return PrometheusSource(config, [metric], http, ManualClock(NOW), "s3cret-pass"), http

        trusted, http = make(ca_file=str(pki["ca"].cert))
        assert values(await trusted.poll()) == {"m": 1.0}
        assert await trusted.probe() == "Prometheus Server is Ready."
        series = await trusted.backfill(NOW - 60, NOW, 15)
        assert len(series.samples) == 5
        await http.aclose()
        system, _ = make()
        with pytest.raises(SourceError, match="certificate verify failed"):
            await system.poll()
        insecure, _ = make(insecure=True)
        assert values(await insecure.poll()) == {"m": 1.0}
        missing, _ = make(ca_file="/nonexistent/ca.pem")
        with pytest.raises(SourceError, match=r"CA file '/nonexistent/ca\.pem' does not exist"):
            await missing.poll()
    assert not client.is_closed
