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
from noc_board.sources.ga4 import GA4Source
from noc_board.sources.ga4_reports import STANDARD, referrer_label
from noc_board.sources.ga4_wire import cast_value
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from tests.engine.fakes.ga4 import FakeGA4, google_error, quota
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder

NOW = 1_767_794_400.0
TOKEN = "ya29.test-token"
CLASSIC = ("active_users_realtime", "active_users_today", "sessions_today",
           "avg_session_duration", "pages_per_session", "bounce_rate", "engagement_rate")
FUNNEL = ["/", "/product", "/cart", "/checkout"]
SHOP = "https://shop.example"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def make_source(
    client: httpx.AsyncClient,
    url: str,
    measures: tuple[str, ...] = CLASSIC,
    token: str | None = TOKEN,
    property_id: str = "123456789",
    policy: RequestPolicy | None = None,
    sleep: SleepRecorder | None = None,
    funnel: list[str] | None = None,
) -> GA4Source:
    cfg = SourceConfig(name="ga", kind="ga4", url=url, auth="bearer", secret="ga-token",
                       property_id=property_id, funnel=funnel or [])
    metrics = [MetricConfig(id=f"web.{m}", source="ga", measure=m) for m in measures]
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(5))
    source = build_source(cfg, metrics, http, ManualClock(NOW), token, "UTC")
    assert isinstance(source, GA4Source)
    return source


def values(result: PollResult) -> dict[str, float]:
    return {s.metric.removeprefix("web."): s.value for s in result.samples}


def table(result: PollResult, name: str) -> list[tuple[str, float]]:
    (found,) = [b for b in result.breakdowns if b.metric == name]
    return list(found.rows)


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


async def test_every_standard_measure_in_requests_of_ten_metrics(
    client: httpx.AsyncClient,
) -> None:
    measures = (*STANDARD, "dau_per_mau", "conversion_rate_session", "quota_left")
    async with LoopbackServer(FakeGA4()) as server:
        result = await make_source(client, server.url, measures).poll()
    got = values(result)
    assert got["dau"] == 1532 and got["wau"] == 6100 and got["mau"] == 15320
    assert got["dau_per_mau"] == pytest.approx(1532 / 15320)  # the 28-day window
    assert got["engaged_sessions_today"] == 1164 and got["key_events_today"] == 61
    assert got["session_key_event_rate"] == 0.0299 and got["purchases_today"] == 50
    assert got["purchase_revenue_today"] == 2104.5
    assert got["conversion_rate_session"] == pytest.approx(50 / 2010)  # session-based
    assert got["conversion_rate_user"] == 0.031  # user-based: GA4 purchaserConversionRate
    assert got["quota_left"] == pytest.approx(13_990 / 14_000)
    sizes = sorted(len(r.json()["metrics"]) for r in server.requests)
    assert sizes == [5, 10] and result.notes == ()


async def test_realtime_by_minute_page_and_country(client: httpx.AsyncClient) -> None:
    fake = FakeGA4(realtime_tables={
        ("minutesAgo",): [(["00"], {"activeUsers": "12"}), (["01"], {"activeUsers": "15"}),
                          (["29"], {"activeUsers": "9"})],
        ("unifiedScreenName",): [(["Cart"], {"activeUsers": "20"}),
                                 (["Home"], {"activeUsers": "61"}),
                                 (["Product"], {"activeUsers": "44"})],
        ("country",): [(["Germany"], {"activeUsers": "50"}), (["France"], {"activeUsers": "31"})],
    })
    measures = ("realtime_by_minute", "realtime_by_page", "realtime_by_country")
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, measures).poll()
    assert table(result, "web.realtime_by_minute") == [("29", 9.0), ("01", 15.0), ("00", 12.0)]
    assert table(result, "ga.realtime_by_page") == [("Home", 61.0), ("Product", 44.0),
                                                    ("Cart", 20.0)]
    assert table(result, "ga.realtime_by_country")[0] == ("Germany", 50.0)
    assert values(result) == {"realtime_by_minute": 12.0, "realtime_by_page": 61.0,
                              "realtime_by_country": 50.0}
    bodies = [r.json() for r in server.requests]
    assert all(r.path.endswith(":runRealtimeReport") for r in server.requests)
    assert sorted(b["dimensions"][0]["name"] for b in bodies) == [
        "country", "minutesAgo", "unifiedScreenName"]


async def test_behaviour_flow_reads_from_to(client: httpx.AsyncClient) -> None:
    fake = FakeGA4(tables={("pageReferrer", "pagePath"): [
        ([f"{SHOP}/", "/product"], {"screenPageViews": "420"}),
        (["", "/"], {"screenPageViews": "900"}),
        (["https://www.google.com/", "/"], {"screenPageViews": "300"}),
        ([f"{SHOP}/product?id=7", "/cart"], {"screenPageViews": "120"}),
        ([f"{SHOP}/product?id=9", "/cart"], {"screenPageViews": "30"}),
    ]})
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ("behaviour_flow",)).poll()
    assert table(result, "web.behaviour_flow") == [
        ("(entrance) → /", 900.0), ("/ → /product", 420.0), ("www.google.com → /", 300.0),
        ("/product → /cart", 150.0)]
    assert table(result, "ga.behaviour_flow") == table(result, "web.behaviour_flow")
    assert values(result) == {"behaviour_flow": 900.0}
    body = server.requests[0].json()
    assert body["dimensions"] == [{"name": "pageReferrer"}, {"name": "pagePath"}]
    assert body["orderBys"] == [{"metric": {"metricName": "screenPageViews"}, "desc": True}]


def test_referrer_labels() -> None:
    assert referrer_label("", "shop.example") == "(entrance)"
    assert referrer_label("(not set)", "shop.example") == "(entrance)"
    assert referrer_label("https://shop.example", "shop.example") == "/"
    assert referrer_label("https://shop.example/cart?x=1", "shop.example") == "/cart"
    assert referrer_label("https://news.example/story", "shop.example") == "news.example"


async def test_funnel_counts_and_drop_off(client: httpx.AsyncClient) -> None:
    fake = FakeGA4(tables={("pagePath",): [
        (["/"], {"activeUsers": "1000"}), (["/product"], {"activeUsers": "600"}),
        (["/cart"], {"activeUsers": "150"}), (["/about"], {"activeUsers": "70"}),
    ]})
    measures = ("funnel", "funnel_dropoff", "funnel_step_2", "funnel_step_4")
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, measures, funnel=FUNNEL).poll()
    assert table(result, "web.funnel") == [("/", 1000.0), ("/product", 600.0),
                                           ("/cart", 150.0), ("/checkout", 0.0)]
    drops = dict(table(result, "web.funnel_dropoff"))
    assert drops["/ → /product"] == pytest.approx(0.4)
    assert drops["/product → /cart"] == pytest.approx(0.75)
    assert drops["/cart → /checkout"] == 1.0
    assert values(result) == {"funnel": 0.0, "funnel_dropoff": 1.0, "funnel_step_2": 600.0,
                              "funnel_step_4": 0.0}
    (request,) = server.requests
    assert request.json()["dimensionFilter"]["filter"]["inListFilter"]["values"] == FUNNEL


async def test_funnel_without_steps_is_a_note(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeGA4()) as server:
        result = await make_source(client, server.url, ("funnel",)).poll()
    assert math.isnan(values(result)["funnel"]) and server.requests == []
    assert result.notes == (
        "funnel measures need `funnel`: the page paths of the steps, in order",)


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
        result = await make_source(client, server.url, ("sessions_today", "quota_left")).poll()
    assert values(result) == {"sessions_today": 2010.0, "quota_left": 0.03}
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
dim = st.fixed_dictionaries({}, optional={"value": maybe(st.sampled_from(
    ["", "/cart", "https://a.example/x", "07", "Germany"]))})
report_shape = st.fixed_dictionaries({}, optional={
    "metricHeaders": maybe(st.lists(st.fixed_dictionaries(
        {"name": maybe(st.sampled_from(["activeUsers", "sessions", "screenPageViews"]))},
        optional={"type": maybe(st.sampled_from(["TYPE_INTEGER", "TYPE_MILLISECONDS", "X"]))},
    ), max_size=3)),
    "dimensionHeaders": maybe(st.lists(st.fixed_dictionaries(
        {"name": maybe(st.sampled_from(["pagePath", "pageReferrer", "minutesAgo"]))}),
        max_size=2)),
    "rows": maybe(st.lists(st.fixed_dictionaries(
        {"metricValues": maybe(st.lists(value, max_size=3))},
        optional={"dimensionValues": maybe(st.lists(dim, max_size=2))}), max_size=3)),
    "propertyQuota": maybe(st.dictionaries(
        st.sampled_from(["tokensPerHour", "concurrentRequests", "other"]),
        maybe(st.fixed_dictionaries({}, optional={
            "consumed": maybe(st.integers(-5, 10**6)),
            "remaining": maybe(st.integers(-5, 10**6))})))),
    "metadata": maybe(st.fixed_dictionaries({}, optional={"emptyReason": maybe(st.text())})),
})
FUZZED = (*CLASSIC, "realtime_by_minute", "realtime_by_page", "behaviour_flow", "funnel",
          "dau_per_mau", "quota_left")


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(replies(report_shape), min_size=1, max_size=3))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    bodies: list[Reply],
) -> None:
    server, queue = garbage_server
    queue[:] = bodies
    src = make_source(client, server.url, FUZZED, policy=RequestPolicy(max_retries=1),
                      funnel=FUNNEL)
    try:
        result = await src.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert len(result.samples) == len(FUZZED)
        event("poll answered")
