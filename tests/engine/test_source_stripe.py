"""The Stripe connector against a fake Stripe on loopback: paging, increments, money."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.stripe import StripeSource
from noc_board.sources.stripe_ledger import MEASURES
from noc_board.sources.stripe_money import Converter, to_major
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request, SleepRecorder
from tests.engine.fakes.stripe import FakeStripe, charge, refund, stripe_error

BERLIN = ZoneInfo("Europe/Berlin")
MIDNIGHT = int(datetime(2026, 1, 7, tzinfo=BERLIN).timestamp())
NOW = MIDNIGHT + 14 * 3600  # 14:00 in Berlin
KEY = "rk_test_wallboard_0123"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def make_source(
    client: httpx.AsyncClient,
    url: str,
    clock: ManualClock,
    rates: Mapping[str, float] | None = None,
    key: str | None = KEY,
    measures: tuple[str, ...] = MEASURES,
    policy: RequestPolicy | None = None,
) -> StripeSource:
    cfg = SourceConfig(name="stripe", kind="stripe", url=url, auth="bearer", secret="stripe-key")
    metrics = [MetricConfig(id=f"pay.{m}", source="stripe", measure=m) for m in measures]
    http = HttpFetcher(client, policy, SleepRecorder(), random.Random(3))
    return StripeSource(cfg, metrics, http, clock, key, "Europe/Berlin", rates)


def values(result: PollResult) -> dict[str, float]:
    return {s.metric.removeprefix("pay."): s.value for s in result.samples}


def breakdown(result: PollResult, name: str) -> dict[str, float]:
    (found,) = [b for b in result.breakdowns if b.metric == f"stripe.{name}"]
    return dict(found.rows)


def test_minor_units_to_major() -> None:
    assert to_major(2599, "usd") == 25.99
    assert to_major(1200, "jpy") == 1200
    assert to_major(1230, "kwd") == 1.230
    assert to_major(1230, "KWD") == 1.23
    assert to_major(5, "eur") == 0.05
    money = Converter("USD", {"EUR": 1.1})
    assert money.convert(1000, "eur") == pytest.approx(11.0)
    assert money.convert(1000, "jpy") is None


async def test_first_poll_pages_through_the_day(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[
        charge(f"ch_{i:03d}", MIDNIGHT + 60 * i, 1000) for i in range(250)
    ] + [charge("ch_yesterday", MIDNIGHT - 7200, 99_999)])
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ManualClock(NOW)).poll()
    got = values(result)
    assert got["orders_today"] == 250 and got["revenue_today"] == 2500.0
    assert got["aov_today"] == 10.0
    charge_requests = [r for r in server.requests if r.path == "/v1/charges"]
    assert len(charge_requests) == 3
    first, second, third = (dict(r.query) for r in charge_requests)
    assert first == {"limit": "100", "created[gte]": str(MIDNIGHT)}
    assert second["starting_after"] == "ch_150"  # newest first: 249..150 on page one
    assert third["starting_after"] == "ch_050"
    assert charge_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert result.notes == ()


async def test_second_poll_is_incremental_without_loss_or_double_counting(
    client: httpx.AsyncClient,
) -> None:
    newest = MIDNIGHT + 3600
    fake = FakeStripe(charges=[charge("ch_a", MIDNIGHT + 10, 500), charge("ch_b", newest, 700)])
    clock = ManualClock(NOW)
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock)
        assert values(await src.poll())["orders_today"] == 2
        # one more in the same second as the newest seen (the fetch boundary), one later
        fake.charges += [charge("ch_c", newest, 300), charge("ch_d", newest + 600, 100)]
        clock.advance(15)
        server.requests.clear()
        got = values(await src.poll())
        request = next(r for r in server.requests if r.path == "/v1/charges")
        clock.advance(15)
        again = values(await src.poll())
    assert dict(request.query)["created[gte]"] == str(newest)
    assert got["orders_today"] == 4 and got["revenue_today"] == 16.0
    assert again["orders_today"] == 4 and again["revenue_today"] == 16.0


async def test_a_pending_charge_is_refetched_until_it_settles(client: httpx.AsyncClient) -> None:
    pending = charge("ch_p", MIDNIGHT + 100, 4000, status="pending")
    fake = FakeStripe(charges=[pending, charge("ch_n", MIDNIGHT + 5000, 1000)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, ManualClock(NOW))
        assert values(await src.poll())["orders_today"] == 1
        pending.update(status="succeeded", paid=True)
        server.requests.clear()
        got = values(await src.poll())
    assert dict(server.requests[0].query)["created[gte]"] == str(MIDNIGHT + 100)
    assert got["orders_today"] == 2 and got["revenue_today"] == 50.0


async def test_a_failed_poll_loses_nothing(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[charge(f"ch_{i}", MIDNIGHT + i, 100) for i in range(150)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, ManualClock(NOW))
        # page one arrives, page two fails for good
        first_page = fake(_request_for(fake))
        fake.errors = [first_page, stripe_error(400, "invalid_request_error", "nope")]
        with pytest.raises(SourceError, match="HTTP 400 from Stripe: nope"):
            await src.poll()
        got = values(await src.poll())
    assert got["orders_today"] == 150


def _request_for(fake: FakeStripe) -> Request:
    return Request("GET", f"/v1/charges?limit=100&created%5Bgte%5D={MIDNIGHT}",
                   {"authorization": f"Bearer {fake.key}"}, b"")


async def test_currencies_without_a_rate_stay_out_of_totals(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[
        charge("ch_usd", MIDNIGHT + 1, 2599, "usd"),
        charge("ch_jpy", MIDNIGHT + 2, 1200, "jpy"),
        charge("ch_kwd", MIDNIGHT + 3, 1230, "kwd"),
    ])
    async with LoopbackServer(fake) as server:
        plain = await make_source(client, server.url, ManualClock(NOW)).poll()
        rated = await make_source(
            client, server.url, ManualClock(NOW), rates={"JPY": 0.0067, "kwd": 3.25}
        ).poll()
    got = values(plain)
    assert got["orders_today"] == 3  # every order counts...
    assert got["revenue_today"] == 25.99  # ...but only convertible money adds up
    assert got["aov_today"] == 25.99
    assert breakdown(plain, "revenue_by_currency") == {"JPY": 1200.0, "KWD": 1.23, "USD": 25.99}
    assert plain.notes == ("payments in JPY, KWD left out of USD totals (no exchange rate)",)
    with_rates = values(rated)
    assert with_rates["revenue_today"] == pytest.approx(25.99 + 1200 * 0.0067 + 1.23 * 3.25)
    assert with_rates["aov_today"] == pytest.approx(with_rates["revenue_today"] / 3)
    assert rated.notes == ()


async def test_refunds_and_rates(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(
        charges=[charge(f"ch_{i}", MIDNIGHT + 100 * i, 5000) for i in range(8)],
        refunds=[refund("re_1", MIDNIGHT + 900, 2500), refund("re_2", MIDNIGHT + 950, 5000),
                 refund("re_x", MIDNIGHT + 960, 5000, status="failed"),
                 refund("re_old", MIDNIGHT - 3 * 3600, 5000)],
    )
    async with LoopbackServer(fake) as server:
        got = values(await make_source(client, server.url, ManualClock(NOW)).poll())
    assert got["refunds_today"] == 2 and got["refund_value_today"] == 75.0
    assert got["refund_rate_today"] == 2 / 8


async def test_decline_rate_over_the_last_hour(client: httpx.AsyncClient) -> None:
    hour = NOW - 3600
    fake = FakeStripe(charges=(
        [charge(f"ch_ok{i}", hour + 60 * i, 1000) for i in range(6)]
        + [charge(f"ch_no{i}", hour + 30 + 60 * i, 1000, status="failed") for i in range(2)]
        + [charge(f"ch_early{i}", MIDNIGHT + 60 * i, 1000, status="failed") for i in range(5)]
    ))
    async with LoopbackServer(fake) as server:
        got = values(await make_source(client, server.url, ManualClock(NOW)).poll())
    assert got["decline_rate_1h"] == 2 / 8
    assert got["failed_payments_today"] == 7
    assert got["orders_last_hour"] == 6 and got["revenue_last_hour"] == 60.0


async def test_no_orders_is_no_number_for_ratios(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeStripe()) as server:
        got = values(await make_source(client, server.url, ManualClock(NOW)).poll())
    assert got["orders_today"] == 0 and got["revenue_today"] == 0
    assert math.isnan(got["aov_today"]) and math.isnan(got["refund_rate_today"])
    assert math.isnan(got["decline_rate_1h"])


async def test_the_day_rolls_over(client: httpx.AsyncClient) -> None:
    next_midnight = int(datetime(2026, 1, 8, tzinfo=BERLIN).timestamp())
    fake = FakeStripe(charges=[charge("ch_morning", MIDNIGHT + 3600, 1000),
                               charge("ch_late", next_midnight - 1200, 2000)])
    clock = ManualClock(next_midnight - 600)
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock)
        assert values(await src.poll())["orders_today"] == 2
        fake.charges.append(charge("ch_new_day", next_midnight + 60, 4000))
        clock.set(next_midnight + 1800)  # 00:30
        got = values(await src.poll())
    assert got["orders_today"] == 1 and got["revenue_today"] == 40.0
    assert got["orders_last_hour"] == 2 and got["revenue_last_hour"] == 60.0  # 23:30-00:30
    assert set(src._ledger.charges.items) == {"ch_late", "ch_new_day"}  # the rest is dropped


async def test_top_products(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[
        charge("ch_1", MIDNIGHT + 1, 3000, metadata={"product": "Boots"}),
        charge("ch_2", MIDNIGHT + 2, 1000, description="Socks"),
        charge("ch_3", MIDNIGHT + 3, 2500, metadata={"product": "Boots"}),
        charge("ch_4", MIDNIGHT + 4, 9900, status="failed", metadata={"product": "Tent"}),
    ])
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ManualClock(NOW)).poll()
    (top,) = [b for b in result.breakdowns if b.metric == "stripe.top_products"]
    assert top.rows == (("Boots", 55.0), ("Socks", 10.0))


async def test_errors(client: httpx.AsyncClient) -> None:
    fake = FakeStripe()
    async with LoopbackServer(fake) as server:
        wrong = make_source(client, server.url, ManualClock(NOW), key="rk_test_wrongkey_9876")
        with pytest.raises(SourceError) as caught:
            await wrong.poll()
        assert caught.value.status == 401
        assert str(caught.value).startswith("HTTP 401 from Stripe: Invalid API Key provided")
        assert "rk_test_wrongkey_9876" not in str(caught.value)
        with pytest.raises(SourceError, match="keyring entry 'stripe-key'"):
            await make_source(client, server.url, ManualClock(NOW), key=None).poll()
        limited = Reply(429, b'{"error": {"type": "invalid_request_error", "code": "rate_limit",'
                             b' "message": "Too many requests"}}', "application/json",
                        {"Retry-After": "45", "Stripe-Should-Retry": "false"})
        fake.errors = [limited]
        with pytest.raises(SourceError) as rate:
            await make_source(client, server.url, ManualClock(NOW)).poll()
    assert rate.value.retry_after == 45.0
    assert str(rate.value) == (
        "rate limited by Stripe; retry after 45s: Too many requests (rate_limit)"
    )


async def test_unknown_measure_is_a_note(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeStripe()) as server:
        result = await make_source(
            client, server.url, ManualClock(NOW), measures=("orders_today", "mrr")
        ).poll()
    assert math.isnan(values(result)["mrr"])
    assert result.notes[0].startswith("pay.mrr: unknown Stripe measure 'mrr'; known: ")


charge_shape = st.fixed_dictionaries({
    "id": maybe(st.sampled_from(["ch_1", "ch_2", "ch_3"])),
    "created": maybe(st.integers(NOW - 90_000, NOW + 10)),
    "amount": maybe(st.integers(-5, 10**12)),
    "currency": maybe(st.sampled_from(["usd", "jpy", "kwd", "USD", ""])),
    "status": maybe(st.sampled_from(["succeeded", "failed", "pending", "weird"])),
}, optional={"metadata": maybe(st.dictionaries(st.sampled_from(["product"]), st.text(max_size=5))),
             "description": maybe(st.text(max_size=5))})
page_shape = st.fixed_dictionaries(
    {"data": maybe(st.lists(charge_shape, max_size=3))},
    optional={"has_more": maybe(st.booleans()), "object": maybe(st.just("list"))},
)


@pytest.fixture
async def garbage_server() -> AsyncIterator[tuple[LoopbackServer, list[Reply]]]:
    queue: list[Reply] = []

    def handler(request: Any) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async with LoopbackServer(handler) as server:
        yield server, queue


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(replies(page_shape), min_size=1, max_size=4))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    bodies: list[Reply],
) -> None:
    server, queue = garbage_server
    queue[:] = bodies
    src = make_source(client, server.url, ManualClock(NOW),
                      policy=RequestPolicy(max_retries=1))
    src._max_pages = 3
    for _ in range(2):
        try:
            result = await src.poll()
        except SourceError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert len(result.samples) == len(MEASURES)
            event("poll answered")
