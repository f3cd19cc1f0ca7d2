"""The GA4 connector against a fake GA4 Data API on loopback."""

from __future__ import annotations

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
from noc_board.sources.base import SourceError
from noc_board.sources.factory import build_source
from noc_board.sources.ga4 import MEASURES, GA4Source
from noc_board.sources.ga4_wire import cast_value
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from tests.engine.fakes.ga4 import FakeGA4, google_error, quota
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder

NOW = 1_767_794_400.0
TOKEN = "ya29.test-token"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def make_source(
    client: httpx.AsyncClient,
    url: str,
    measures: tuple[str, ...] = MEASURES,
    token: str | None = TOKEN,
    property_id: str = "123456789",
    policy: RequestPolicy | None = None,
    sleep: SleepRecorder | None = None,
) -> GA4Source:
    cfg = SourceConfig(name="ga", kind="ga4", url=url, auth="bearer", secret="ga-token",
                       property_id=property_id)
    metrics = [MetricConfig(id=f"web.{m}", source="ga", measure=m) for m in measures]
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(5))
    source = build_source(cfg, metrics, http, ManualClock(NOW), token, "UTC")
    assert isinstance(source, GA4Source)
    return source


def values(result: PollResult) -> dict[str, float]:
    return {s.metric.removeprefix("web."): s.value for s in result.samples}


def test_values_are_cast_by_type() -> None:
    assert cast_value("1532", "TYPE_INTEGER") == 1532.0
    assert cast_value("187.5", "TYPE_SECONDS") == 187.5
    assert cast_value("1500", "TYPE_MILLISECONDS") == 1.5
    assert cast_value("2", "TYPE_MINUTES") == 120.0
    assert cast_value("0.25", "TYPE_HOURS") == 900.0
    assert cast_value("12045.5", "TYPE_CURRENCY") == 12045.5
    with pytest.raises(ValueError):
        cast_value("n/a", "TYPE_FLOAT")


async def test_one_report_and_one_realtime_call(client: httpx.AsyncClient) -> None:
    fake = FakeGA4()
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url).poll()
    assert values(result) == {
        "active_users_realtime": 87.0, "active_users_today": 1532.0, "sessions_today": 2010.0,
        "avg_session_duration": 187.4123, "pages_per_session": 4.25, "bounce_rate": 0.4211,
        "engagement_rate": 0.5789,
    }
    assert all(s.ts == NOW for s in result.samples) and result.notes == ()
    paths = sorted(r.path for r in server.requests)
    assert paths == ["/v1beta/properties/123456789:runRealtimeReport",
                     "/v1beta/properties/123456789:runReport"]
    report = next(r for r in server.requests if r.path.endswith(":runReport")).json()
    assert report["dateRanges"] == [{"startDate": "today", "endDate": "today"}]
    assert report["returnPropertyQuota"] is True and len(report["metrics"]) == 6
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests)


async def test_only_the_calls_needed(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeGA4()) as server:
        result = await make_source(client, server.url, ("active_users_realtime",)).poll()
    assert values(result) == {"active_users_realtime": 87.0}
    assert [r.path.rsplit(":", 1)[1] for r in server.requests] == ["runRealtimeReport"]


async def test_values_follow_the_headers_not_the_request_order(client: httpx.AsyncClient) -> None:
    fake = FakeGA4()
    fake.report["averageSessionDuration"] = ("TYPE_MILLISECONDS", "90500")
    async with LoopbackServer(fake) as server:
        got = values(await make_source(client, server.url, ("avg_session_duration",)).poll())
    assert got == {"avg_session_duration": 90.5}


async def test_no_rows_is_no_data_not_zero(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeGA4(no_rows=True)) as server:
        result = await make_source(client, server.url).poll()
    assert all(math.isnan(v) for v in values(result).values())
    assert set(result.notes) == {"GA4 realtime: no rows yet; shown as no data",
                                 "GA4: no rows yet; shown as no data"}


async def test_low_quota_is_a_note(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeGA4(quota=quota(remaining_per_hour=1_200))) as server:
        result = await make_source(client, server.url, ("sessions_today",)).poll()
    assert values(result) == {"sessions_today": 2010.0}
    assert result.notes == ("GA4 quota tokensPerHour low: 1200 of 40000 left (3%)",)


@pytest.mark.parametrize(("reply", "message"), [
    (google_error(400, "INVALID_ARGUMENT", "Field sessionz is not a valid metric."),
     "HTTP 400 from GA4: INVALID_ARGUMENT: Field sessionz is not a valid metric."),
    (google_error(403, "PERMISSION_DENIED", "User does not have sufficient permissions."),
     "HTTP 403 from GA4: PERMISSION_DENIED: User does not have sufficient permissions."),
])
async def test_error_shapes(client: httpx.AsyncClient, reply: Reply, message: str) -> None:
    fake = FakeGA4(errors=[reply])
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, ("sessions_today",)).poll()
    assert str(caught.value) == message
    assert len(server.requests) == 1  # a 4xx is not retried


async def test_quota_exhausted_is_not_hammered(client: httpx.AsyncClient) -> None:
    exhausted = google_error(429, "RESOURCE_EXHAUSTED", "Exhausted property tokens per hour.")
    fake = FakeGA4(errors=[exhausted])
    sleep = SleepRecorder()
    async with LoopbackServer(fake) as server:
        with pytest.raises(SourceError) as caught:
            await make_source(client, server.url, ("sessions_today",), sleep=sleep).poll()
    assert str(caught.value) == (
        "rate limited by GA4; retry after 60s: RESOURCE_EXHAUSTED: "
        "Exhausted property tokens per hour."
    )
    assert caught.value.retry_after == 60.0 and sleep.waits == []


async def test_retry_info_delay_is_used(client: httpx.AsyncClient) -> None:
    busy = google_error(429, "RESOURCE_EXHAUSTED", "Too many concurrent requests.", details=[
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}])
    sleep = SleepRecorder()
    async with LoopbackServer(FakeGA4(errors=[busy])) as server:
        got = values(await make_source(client, server.url, ("sessions_today",),
                                       sleep=sleep).poll())
    assert got == {"sessions_today": 2010.0} and sleep.waits == [2.0]


async def test_one_call_failing_leaves_the_other(client: httpx.AsyncClient) -> None:
    fake = FakeGA4()
    fake.report["sessions"] = ("TYPE_INTEGER", "lots")  # unparseable
    async with LoopbackServer(fake) as server:
        result = await make_source(
            client, server.url, ("active_users_realtime", "sessions_today")
        ).poll()
    got = values(result)
    assert got["active_users_realtime"] == 87.0 and math.isnan(got["sessions_today"])
    (note,) = result.notes
    assert note.startswith("GA4: unexpected GA4 response: could not convert string to float")


async def test_auth_and_config_errors(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeGA4()) as server:
        with pytest.raises(SourceError, match=r"^HTTP 401 from GA4: UNAUTHENTICATED: "):
            await make_source(client, server.url, token="ya29.expired").poll()
        with pytest.raises(SourceError, match="keyring entry 'ga-token'"):
            await make_source(client, server.url, token=None).poll()
        with pytest.raises(SourceError, match="numeric id"):
            await make_source(client, server.url, property_id="").poll()
        with pytest.raises(SourceError, match="PERMISSION_DENIED"):
            await make_source(client, server.url, property_id="42").poll()
    # no request at all without a token or a property id; 4xx answers are not retried
    assert len(server.requests) == 4


async def test_token_provider_seam(client: httpx.AsyncClient) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.invalidated = 0

        async def token(self) -> str:
            return "ya29.expired" if not self.invalidated else TOKEN

        def invalidate(self) -> None:
            self.invalidated += 1

    provider = Rotating()
    metrics = [MetricConfig(id="web.s", source="ga", measure="sessions_today")]
    async with LoopbackServer(FakeGA4()) as server:
        cfg = SourceConfig(name="ga", kind="ga4", url=server.url, property_id="123456789")
        http = HttpFetcher(client, None, SleepRecorder(), random.Random(5))
        src = build_source(cfg, metrics, http, ManualClock(NOW), None, "UTC", tokens=provider)
        with pytest.raises(SourceError, match="UNAUTHENTICATED"):
            await src.poll()  # a 401 invalidates the token...
        result = await src.poll()  # ...and the next poll gets a fresh one
    assert provider.invalidated == 1 and result.samples[0].value == 2010.0


value = st.fixed_dictionaries({}, optional={"value": maybe(st.sampled_from(["1", "0.5", "x", ""]))})
report_shape = st.fixed_dictionaries({}, optional={
    "metricHeaders": maybe(st.lists(st.fixed_dictionaries(
        {"name": maybe(st.sampled_from(["activeUsers", "sessions", "bounceRate"]))},
        optional={"type": maybe(st.sampled_from(["TYPE_INTEGER", "TYPE_MILLISECONDS", "X"]))},
    ), max_size=3)),
    "rows": maybe(st.lists(st.fixed_dictionaries(
        {"metricValues": maybe(st.lists(value, max_size=3))}), max_size=2)),
    "propertyQuota": maybe(st.dictionaries(
        st.sampled_from(["tokensPerHour", "concurrentRequests", "other"]),
        maybe(st.fixed_dictionaries({}, optional={
            "consumed": maybe(st.integers(-5, 10**6)),
            "remaining": maybe(st.integers(-5, 10**6))})))),
    "metadata": maybe(st.fixed_dictionaries({}, optional={"emptyReason": maybe(st.text())})),
})


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(replies(report_shape), min_size=1, max_size=3))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    bodies: list[Reply],
) -> None:
    server, queue = garbage_server
    queue[:] = bodies
    src = make_source(client, server.url, policy=RequestPolicy(max_retries=1))
    try:
        result = await src.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert len(result.samples) == len(MEASURES)
        event("poll answered")
