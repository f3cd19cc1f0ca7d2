"""The PayPal connector against a fake PayPal on loopback: tokens, paging, windows, lag, errors."""

from __future__ import annotations

import contextlib
import itertools
import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.scenario import Incident, Scenario
from noc_board.demo.paypal_api import LAG as DEMO_LAG
from noc_board.demo.paypal_api import paid_with_paypal, sale_json
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.paypal import LAG, MAX_WINDOW, PayPalSource, rfc3339, split_window
from noc_board.sources.paypal_wire import paypal_error
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder, json_reply
from tests.engine.fakes.paypal import FakePayPal, rest_error, stamp, txn

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC).timestamp()
MIDNIGHT = datetime(2024, 6, 10, tzinfo=UTC).timestamp()
MEASURES = ("sales_today", "revenue_today", "aov_today", "refunds_today", "refunded_today",
            "refund_rate_today", "pending_today", "denied_today", "reversals_today",
            "data_lag")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def source(client: httpx.AsyncClient, fake: FakePayPal, url: str, clock: ManualClock,
           measures: tuple[str, ...] = MEASURES, secret: str | None = "s3cr3t-app-secret",
           sleep: SleepRecorder | None = None, policy: RequestPolicy | None = None,
           **kwargs: Any) -> PayPalSource:
    cfg = SourceConfig(name="paypal", kind="paypal", url=url, client_id=fake.client_id,
                       secret="paypal-secret", currency="USD", rates={"EUR": 1.1})
    metrics = [MetricConfig(id=f"pp.{m}", source="paypal", measure=m) for m in measures]
    http = HttpFetcher(client, policy, sleep or SleepRecorder(), random.Random(1))
    return PayPalSource(cfg, metrics, http, clock, secret, "UTC", **kwargs)


def values(result: Any) -> dict[str, float]:
    return {s.metric.removeprefix("pp."): s.value for s in result.samples}


def day_of_sales() -> list[dict[str, Any]]:
    return [
        txn("1AA", MIDNIGHT + 3600, "10.00"),
        txn("2BB", MIDNIGHT + 7200, "20.50"),
        txn("3CC", MIDNIGHT + 7300, "100.00", currency="EUR"),
        txn("4DD", MIDNIGHT + 8000, "15.00", status="P"),
        txn("5EE", MIDNIGHT + 9000, "99.00", status="D"),
        txn("6FF", MIDNIGHT + 9500, "-5.00", code="T1107"),
        txn("7GG", MIDNIGHT + 9600, "-20.50", code="T1201"),
        txn("8HH", MIDNIGHT + 9700, "-300.00", code="T0400"),  # a withdrawal: not counted
        txn("9II", MIDNIGHT - 600, "70.00"),  # yesterday
        txn("0JJ", NOW - 1800, "40.00"),  # not reported yet (the lag is an hour)
    ]


async def test_today_figures_through_the_token_flow(client: httpx.AsyncClient) -> None:
    clock = ManualClock(NOW)
    fake = FakePayPal(NOW, day_of_sales())
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, clock)
        result = await src.poll()
        clock.advance(60)
        fake.now += 60
        await src.poll()
    got = values(result)
    assert got["sales_today"] == 3 and got["revenue_today"] == pytest.approx(140.5)
    assert got["aov_today"] == pytest.approx(140.5 / 3)
    assert got["refunds_today"] == 1 and got["refunded_today"] == pytest.approx(5.0)
    assert got["refund_rate_today"] == pytest.approx(1 / 3)
    assert got["pending_today"] == 1 and got["denied_today"] == 1
    assert got["reversals_today"] == 1 and got["data_lag"] == pytest.approx(3600)
    by_id = {s.metric: s.ts for s in result.samples}
    assert by_id["pp.sales_today"] == NOW - 3600  # the data time: the lag shows as age
    assert by_id["pp.data_lag"] == NOW
    assert result.polled_at == NOW and result.notes == ()
    (breakdown,) = result.breakdowns
    assert breakdown.metric == "paypal.revenue_by_currency"
    assert breakdown.rows == (("EUR", 100.0), ("USD", 30.5))
    token, search = server.requests[0], server.requests[1]
    assert token.method == "POST" and token.params() == {"grant_type": "client_credentials"}
    assert token.headers["authorization"].startswith("Basic ")
    assert search.headers["authorization"] == "Bearer A21AA00000001fake"
    params = fake.searches[0]
    assert params["start_date"] == "2024-06-10T00:00:00Z"
    assert params["end_date"] == "2024-06-10T12:00:00Z"
    assert (params["page_size"], params["page"]) == ("500", "1")
    assert params["fields"] == "transaction_info"
    assert fake.token_requests == 1  # the token is cached across polls


async def test_pages_are_followed_to_total_pages(client: httpx.AsyncClient) -> None:
    fake = FakePayPal(NOW, [txn(f"P{i:05d}", MIDNIGHT + i, "1.00") for i in range(1234)])
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(NOW)).poll()
    assert [s["page"] for s in fake.searches] == ["1", "2", "3"]
    assert values(result)["sales_today"] == 1234
    assert values(result)["revenue_today"] == pytest.approx(1234.0)


async def test_token_renewed_before_expiry_and_after_a_401(client: httpx.AsyncClient) -> None:
    clock = ManualClock(NOW)
    fake = FakePayPal(NOW, day_of_sales(), expires_in=120)
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, clock)
        await src.poll()
        clock.advance(50)  # within the lifetime less the margin: cached
        await src.poll()
        assert fake.token_requests == 1
        clock.advance(20)
        await src.poll()
        assert fake.token_requests == 2
        fake.revoke()  # PayPal forgets the token early: one 401, a new token, the same poll
        result = await src.poll()
    assert fake.token_requests == 3 and values(result)["sales_today"] == 3


async def test_refused_credentials_name_the_oauth_error(client: httpx.AsyncClient) -> None:
    fake = FakePayPal(NOW)
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, ManualClock(NOW), secret="wrong-secret-value")
        with pytest.raises(SourceError) as caught:
            await src.poll()
        missing = source(client, fake, server.url, ManualClock(NOW), secret=None)
        with pytest.raises(SourceError, match="keyring entry 'paypal-secret'"):
            await missing.poll()
    assert str(caught.value) == (
        "token request: HTTP 401 from PayPal: invalid_client: Client Authentication failed")
    assert caught.value.status == 401 and fake.searches == []


def test_split_window_respects_31_days() -> None:
    start = int(MIDNIGHT)
    pieces = split_window(start, start + 100 * 86400)
    assert pieces[0][0] == start and pieces[-1][1] == start + 100 * 86400
    assert all(hi - lo <= MAX_WINDOW for lo, hi in pieces)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(pieces))
    assert split_window(start, start) == [(start, start)]
    assert rfc3339(1_718_000_000.9) == "2024-06-10T06:13:20Z"


async def test_month_window_is_split_and_the_server_refuses_longer(
        client: httpx.AsyncClient) -> None:
    now = datetime(2024, 7, 31, 12, tzinfo=UTC).timestamp()
    july = datetime(2024, 7, 1, tzinfo=UTC).timestamp()
    fake = FakePayPal(now, [txn(f"M{d:03d}", july + d * 86400, "2.00") for d in range(31)])
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, ManualClock(now),
                     measures=("sales_month", "revenue_month", "sales_today"),
                     max_window=10 * 86400)
        result = await src.poll()
        http = HttpFetcher(client, RequestPolicy(), SleepRecorder(), random.Random(1),
                           service="PayPal", error_hook=paypal_error)
        token = next(iter(fake.tokens))
        with pytest.raises(SourceError) as caught:
            await http.get_json(server.url + "/v1/reporting/transactions", params={
                "start_date": rfc3339(july), "end_date": rfc3339(july + 32 * 86400)},
                headers={"Authorization": f"Bearer {token}"})
    starts = [s["start_date"] for s in fake.searches]
    assert starts[:4] == ["2024-07-01T00:00:00Z", "2024-07-11T00:00:01Z",
                          "2024-07-21T00:00:02Z", "2024-07-31T00:00:03Z"]
    assert values(result) == {"sales_month": 31, "revenue_month": 62.0, "sales_today": 1}
    assert str(caught.value) == (
        "HTTP 400 from PayPal: INVALID_REQUEST: Request is not well-formed, syntactically "
        "incorrect, or violates schema. (end_date: Date range is greater than 31 days) "
        "[debug_id f1a2b3c4d5e6]")


async def test_a_result_set_too_large_is_split(client: httpx.AsyncClient) -> None:
    fake = FakePayPal(NOW, [txn(f"L{i:05d}", MIDNIGHT + 100 * i, "1.00") for i in range(300)],
                      max_results=100)
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(NOW)).poll()
    assert values(result)["sales_today"] == 300
    assert len(fake.searches) > 3  # refused, then halves until each fits


async def test_lag_across_midnight_reports_the_data_day(client: httpx.AsyncClient) -> None:
    now = MIDNIGHT + 3600  # 01:00, and PayPal is complete to 21:00 the day before
    sales = [txn("Y1", MIDNIGHT - 10 * 3600, "8.00"), txn("Y2", MIDNIGHT - 4 * 3600, "2.00"),
             txn("T1", MIDNIGHT + 60, "5.00")]
    fake = FakePayPal(now, sales, lag=4 * 3600)
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(now)).poll()
    got = values(result)
    assert got["sales_today"] == 2 and got["revenue_today"] == pytest.approx(10.0)
    assert got["data_lag"] == 4 * 3600
    assert {s.ts for s in result.samples if s.metric != "pp.data_lag"} == {now - 4 * 3600}
    assert fake.searches[0]["start_date"] == "2024-06-09T00:00:00Z"


async def test_without_a_refresh_time_the_newest_transaction_dates_the_data(
        client: httpx.AsyncClient) -> None:
    fake = FakePayPal(NOW, day_of_sales(), report_refreshed=False)
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(NOW)).poll()
    # the newest transaction counted (the withdrawal at +9700 is not one)
    assert {s.ts for s in result.samples if s.metric != "pp.data_lag"} == {MIDNIGHT + 9600}


async def test_later_polls_reread_the_lag_and_never_double_count(
        client: httpx.AsyncClient) -> None:
    clock = ManualClock(NOW)
    sales = day_of_sales()
    fake = FakePayPal(NOW, sales)
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, clock)
        await src.poll()
        clock.advance(3600)
        fake.now += 3600
        sales[3]["transaction_status"] = "S"  # the pending sale settled
        sales.append(txn("LATE", NOW - 4000, "1.00"))  # arrived late, dated before the data
        result = await src.poll()
        clock.advance(60)
        fake.now += 60
        again = await src.poll()
    got = values(result)
    assert got["sales_today"] == 6 and got["pending_today"] == 0
    assert got["revenue_today"] == pytest.approx(140.5 + 15 + 40 + 1)
    assert values(again) == got | {"data_lag": 3600.0}
    # the pending sale pulled the second re-read back to midnight; then only the lag is re-read
    assert fake.searches[1]["start_date"] == "2024-06-10T00:00:00Z"
    assert fake.searches[2]["start_date"] == rfc3339(NOW - LAG)


async def test_rest_errors_and_rate_limits(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    fake = FakePayPal(NOW, day_of_sales())
    limited = rest_error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to "
                         "rate limiting.")
    async with LoopbackServer(fake) as server:
        src = source(client, fake, server.url, ManualClock(NOW), sleep=sleep)
        fake.queued = [limited, limited]
        assert values(await src.poll())["sales_today"] == 3  # retried after backoff
        assert len(sleep.waits) == 2
        fake.queued = [limited] * 4
        with pytest.raises(SourceError, match=r"^rate limited by PayPal: RATE_LIMIT_REACHED"):
            await src.poll()
        fake.queued = [rest_error(403, "NOT_AUTHORIZED", "Authorization failed due to "
                                  "insufficient permissions.")]
        with pytest.raises(SourceError) as forbidden:
            await src.poll()
        fake.queued = [rest_error(400, "INVALID_REQUEST", "Request is not well-formed.",
                                  field="start_date", issue="INVALID_PARAMETER_SYNTAX")]
        with pytest.raises(SourceError) as invalid:
            await src.poll()
        fake.queued = [Reply(503, "<html>upstream down</html>", "text/html")] * 4
        with pytest.raises(SourceError, match=r"^HTTP 503 from PayPal"):
            await src.poll()
        assert values(await src.poll())["sales_today"] == 3  # failures changed nothing
    assert str(forbidden.value).startswith("HTTP 403 from PayPal: NOT_AUTHORIZED: Authorization")
    assert "tick Transaction Search" in str(forbidden.value)
    assert str(invalid.value) == (
        "HTTP 400 from PayPal: INVALID_REQUEST: Request is not well-formed. "
        "(start_date: INVALID_PARAMETER_SYNTAX) [debug_id f1a2b3c4d5e6]")


async def test_unreadable_rows_are_skipped_with_a_note(client: httpx.AsyncClient) -> None:
    bad = [txn("B1", MIDNIGHT + 10, "ten"), txn("B2", MIDNIGHT + 20, "1.00", currency="$"),
           dict(txn("B3", MIDNIGHT + 30, "1.00"),
                transaction_initiation_date="2024-06-10T00:00:30"),  # no offset
           txn("B4", MIDNIGHT + 40, "NaN"), txn("B5", MIDNIGHT + 50, "1.00", status="Q")]
    fake = FakePayPal(NOW, [*bad, txn("G1", MIDNIGHT + 60, "4.00", currency="JPY")])
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(NOW)).poll()
    assert values(result)["sales_today"] == 1
    assert values(result)["revenue_today"] == 0.0  # no JPY rate: left out, and said so
    assert result.notes == (
        "no rate to USD for JPY: left out of money totals (set `rates` on the source)",
        "5 transactions with unreadable fields were skipped")


async def test_unknown_measure_is_no_number_with_a_note(client: httpx.AsyncClient) -> None:
    fake = FakePayPal(NOW)
    async with LoopbackServer(fake) as server:
        result = await source(client, fake, server.url, ManualClock(NOW),
                              measures=("sales_today", "bogus")).poll()
    assert values(result)["sales_today"] == 0 and math.isnan(values(result)["bogus"])
    assert result.notes[0].startswith("pp.bogus: unknown PayPal measure 'bogus'; known: ")


info = st.fixed_dictionaries({}, optional={
    "transaction_id": maybe(st.text(max_size=6)),
    "transaction_event_code": maybe(st.sampled_from(["T0006", "T1107", "T1201", "T0400"])),
    "transaction_initiation_date": maybe(st.sampled_from([stamp(NOW - 7200), "2024-06-10",
                                                          "2024-06-10T01:00:00", ""])),
    "transaction_amount": maybe(st.fixed_dictionaries({
        "currency_code": maybe(st.sampled_from(["USD", "EUR", "usd", ""])),
        "value": maybe(st.sampled_from(["1.00", "-2.50", "NaN", "1e9999", "x", ""]))})),
    "transaction_status": maybe(st.sampled_from(["S", "P", "D", "V", "?"])),
})
page = st.fixed_dictionaries({}, optional={
    "transaction_details": maybe(st.lists(st.fixed_dictionaries(
        {}, optional={"transaction_info": maybe(info)}), max_size=3)),
    "page": maybe(st.integers(-1, 3)), "total_pages": maybe(st.integers(-2, 3)),
    "last_refreshed_datetime": maybe(st.sampled_from([stamp(NOW - 60), "soon", ""])),
})
token = st.fixed_dictionaries({"access_token": maybe(st.sampled_from(["A21AAx", "", " "]))},
                              optional={"expires_in": maybe(st.integers(-10, 10**6)),
                                        "token_type": maybe(st.sampled_from(["Bearer", "mac"]))})


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, dict[str, list[Reply]]]]:
    queues: dict[str, list[Reply]] = {"token": [], "search": []}

    def handler(request: Any) -> Reply:
        queue = queues["token" if request.path.endswith("/token") else "search"]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queues


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=replies(token), pages=st.lists(replies(page), min_size=1, max_size=3),
       good_token=st.booleans())
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, dict[str, list[Reply]]],
    first: Reply, pages: list[Reply], good_token: bool,
) -> None:
    server, queues = garbage_server
    queues["token"][:] = [json_reply({"access_token": "A21AA", "expires_in": 9})
                          if good_token else first]
    queues["search"][:] = pages
    fake = FakePayPal(NOW)
    src = source(client, fake, server.url, ManualClock(NOW), policy=RequestPolicy(max_retries=1),
                 max_pages=3)
    try:
        result = await src.poll()
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert len(result.samples) == len(MEASURES)
        event("poll answered")
    with contextlib.suppress(SourceError):
        await src.poll()


async def test_the_connector_reads_the_demo_server(client: httpx.AsyncClient) -> None:
    now = datetime(2026, 1, 7, 15, 30, tzinfo=UTC).timestamp()
    down = Incident("source_down", now + 600, 600.0, 1.0, "paypal")
    sim = MarketSimulator(Scenario(start=now - 3 * 86400, duration=4 * 86400, seed=5,
                                   incidents=(down,)))
    clock = ManualClock(now)
    rates = {"JPY": 1 / 150, "KWD": 1 / 0.31}
    with DemoServer(sim, clock) as demo:
        cfg = SourceConfig(name="paypal", kind="paypal", url=demo.url, client_id="demo",
                           secret="paypal-client-secret", rates=rates)
        metrics = [MetricConfig(id=m, source="paypal", measure=m) for m in MEASURES]
        http = HttpFetcher(client, RequestPolicy(max_retries=0), SleepRecorder(),
                           random.Random(1))
        src = PayPalSource(cfg, metrics, http, clock, "demo-paypal-secret", "UTC")
        result = await src.poll()
        clock.advance(900)
        with pytest.raises(SourceError, match=r"^HTTP 503 from PayPal: SERVICE_UNAVAILABLE"):
            await src.poll()
    data_time = math.floor(now - DEMO_LAG)
    midnight = datetime(2026, 1, 7, tzinfo=UTC).timestamp()
    every = sim.charges_between(midnight, data_time + 1, data_time)
    charges = [c for c in every if paid_with_paypal(c.id)]
    sales = [c for c in charges if sale_json(c, data_time)["transaction_status"] == "S"]
    refunds = [r for r in sim.refunds_between(midnight, data_time + 1)
               if paid_with_paypal(r.charge)]
    per_unit = {"usd": 100, "jpy": 1, "kwd": 1000}
    revenue = sum(c.amount / per_unit[c.currency] * {"usd": 1.0, "jpy": 1 / 150,
                                                      "kwd": 1 / 0.31}[c.currency]
                  for c in sales)
    got = {s.metric: s.value for s in result.samples}
    assert len(every) / 8 < len(charges) < len(every) / 2  # a share of the orders
    assert got["sales_today"] == len(sales)
    assert got["revenue_today"] == pytest.approx(revenue)
    assert got["refunds_today"] == len(refunds)
    assert got["denied_today"] == sum(1 for c in charges if c.status != "succeeded")
    assert got["data_lag"] == pytest.approx(now - data_time)
    assert result.samples[0].ts == data_time and result.notes == ()
