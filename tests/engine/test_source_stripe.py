"""The Stripe connector against a fake Stripe on loopback: paging, increments, money, lists."""

from __future__ import annotations

import asyncio
import itertools
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

from noc_board.config.schema import Config, MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState
from noc_board.core.samples import PollResult
from noc_board.engine.hub import Hub
from noc_board.engine.scheduler import PollPlan, Scheduler
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.source_state import MemoryState
from noc_board.sources.stripe import StripeSource
from noc_board.sources.stripe_figures import MEASURES
from noc_board.sources.stripe_money import Converter, to_major
from tests.engine.fakes.garbage import maybe, replies
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request, SleepRecorder
from tests.engine.fakes.stripe import (
    FakeStripe,
    charge,
    dispute,
    intent,
    line_item,
    refund,
    session,
    stripe_error,
)

BERLIN = ZoneInfo("Europe/Berlin")
MIDNIGHT = int(datetime(2026, 1, 7, tzinfo=BERLIN).timestamp())  # a Wednesday
NOW = MIDNIGHT + 14 * 3600  # 14:00 in Berlin
KEY = "rk_test_wallboard_0123"
BASIC = ("orders_today", "revenue_today", "aov_today", "refunds_today", "refund_value_today",
         "refund_rate_today", "failed_payments_today", "decline_rate_1h", "orders_last_hour",
         "revenue_last_hour")


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
    measures: tuple[str, ...] = BASIC,
    policy: RequestPolicy | None = None,
    state: Any = None,
    backfill_days: int = 1,
    **kwargs: Any,
) -> StripeSource:
    cfg = SourceConfig(name="stripe", kind="stripe", url=url, auth="bearer", secret="stripe-key",
                       backfill_days=backfill_days)
    metrics = [MetricConfig(id=f"pay.{m}", source="stripe", measure=m) for m in measures]
    http = HttpFetcher(client, policy, SleepRecorder(), random.Random(3))
    kwargs.setdefault("slice_seconds", 86400)  # fewer requests; one test checks hour slices
    return StripeSource(cfg, metrics, http, clock, key, "Europe/Berlin", rates, state=state,
                        **kwargs)


def values(result: PollResult) -> dict[str, float]:
    return {s.metric.removeprefix("pay."): s.value for s in result.samples}


def breakdown(result: PollResult, name: str) -> dict[str, float]:
    (found,) = [b for b in result.breakdowns if b.metric == name]
    return dict(found.rows)


def charge_queries(server: LoopbackServer) -> list[dict[str, str]]:
    return [dict(r.query) for r in server.requests if r.path == "/v1/charges"]


def test_minor_units_to_major() -> None:
    assert to_major(2599, "usd") == 25.99
    assert to_major(1200, "jpy") == 1200
    assert to_major(1230, "kwd") == 1.230
    assert to_major(1230, "KWD") == 1.23
    assert to_major(5, "eur") == 0.05
    money = Converter("USD", {"EUR": 1.1})
    assert money.convert(1000, "eur") == pytest.approx(11.0)
    assert money.convert(1000, "jpy") is None


async def test_the_first_day_is_listed_slice_by_slice_and_paged(
    client: httpx.AsyncClient,
) -> None:
    fake = FakeStripe(charges=[
        charge(f"ch_{i:03d}", MIDNIGHT + 10 * i, 1000) for i in range(250)  # 00:00-00:41
    ] + [charge("ch_noon", MIDNIGHT + 12 * 3600, 500),
         charge("ch_yesterday", MIDNIGHT - 7200, 99_999)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, ManualClock(NOW), slice_seconds=3600)
        result = await src.poll()
    got = values(result)
    assert got["orders_today"] == 251 and got["revenue_today"] == 2505.0
    assert got["aov_today"] == pytest.approx(2505.0 / 251)
    queries = charge_queries(server)
    # the backlog before 13:00 in hour slices, the first slice in three pages, newest first
    assert queries[0] == {"limit": "100", "created[gte]": str(MIDNIGHT),
                          "created[lt]": str(MIDNIGHT + 3600)}
    assert queries[1]["starting_after"] == "ch_150" and queries[2]["starting_after"] == "ch_050"
    # contiguous slices up to 13:00, longer while they take few pages
    slices = [q for q in queries if "created[lt]" in q and "starting_after" not in q]
    bounds = [(int(q["created[gte]"]), int(q["created[lt]"])) for q in slices]
    assert bounds[-1][1] == NOW - 3600
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert bounds[1][1] - bounds[1][0] == 7200
    assert queries[-1] == {"limit": "100", "created[gte]": str(NOW - 3600)}  # then the tail
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert result.notes == ()


async def test_polls_count_only_what_is_new_and_never_twice(client: httpx.AsyncClient) -> None:
    clock = ManualClock(NOW)
    fake = FakeStripe(charges=[charge("ch_a", MIDNIGHT + 10, 500), charge("ch_b", NOW - 30, 700)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock)
        assert values(await src.poll())["orders_today"] == 2
        # ch_b was younger than a minute: it stays in the tail and is listed again
        fake.charges += [charge("ch_c", NOW - 30, 300), charge("ch_d", NOW + 10, 100)]
        clock.advance(15)
        server.requests.clear()
        got = values(await src.poll())
        first = charge_queries(server)[0]
        clock.advance(120)
        server.requests.clear()
        again = values(await src.poll())
        later = charge_queries(server)[0]
    assert first == {"limit": "100", "created[gte]": str(NOW - 60)}
    assert got["orders_today"] == 4 and got["revenue_today"] == 16.0
    assert again["orders_today"] == 4 and again["revenue_today"] == 16.0
    assert later["created[gte]"] == str(NOW + 15 - 60)  # what the second poll had settled


async def test_a_pending_charge_holds_the_cursor_until_it_settles(
    client: httpx.AsyncClient,
) -> None:
    clock = ManualClock(NOW)
    pending = charge("ch_p", NOW - 600, 4000, status="pending")
    fake = FakeStripe(charges=[pending, charge("ch_n", NOW - 300, 1000)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock)
        assert values(await src.poll())["orders_today"] == 1
        pending.update(status="succeeded", paid=True)
        clock.advance(30)
        server.requests.clear()
        got = values(await src.poll())
    assert charge_queries(server)[0]["created[gte]"] == str(NOW - 600)
    assert got["orders_today"] == 2 and got["revenue_today"] == 50.0


async def test_a_failed_poll_loses_nothing(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[charge(f"ch_{i}", NOW - 1800 + i, 100) for i in range(150)])
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, ManualClock(NOW))
        # page one arrives, page two fails for good
        first_page = fake(_request_for(fake, NOW - 3600))
        fake.errors = [first_page, stripe_error(400, "invalid_request_error", "nope")]
        with pytest.raises(SourceError, match="HTTP 400 from Stripe: nope"):
            await src.poll()
        got = values(await src.poll())
    assert got["orders_today"] == 150


def _request_for(fake: FakeStripe, since: int) -> Request:
    return Request("GET", f"/v1/charges?limit=100&created%5Bgte%5D={since}",
                   {"authorization": f"Bearer {fake.key}"}, b"")


async def test_a_restart_resumes_at_the_saved_cursor(
    client: httpx.AsyncClient, tmp_path: Any,
) -> None:
    from noc_board.store import open_store

    clock = ManualClock(NOW)
    fake = FakeStripe(
        charges=[charge(f"ch_{i}", MIDNIGHT + 400 * i, 1000) for i in range(120)],
        refunds=[refund("re_1", MIDNIGHT + 5000, 400)],
    )
    with open_store(tmp_path / "noc.db") as store:
        async with LoopbackServer(fake) as server:
            first = make_source(client, server.url, clock, state=store.source_state.handle("s"))
            before = values(await first.poll())
            await first.aclose()  # the board stops
            fake.charges.append(charge("ch_new", NOW + 100, 2000))
            fake.refunds.append(refund("re_2", NOW + 50, 600))
            clock.advance(300)
            server.requests.clear()
            second = make_source(client, server.url, clock, state=store.source_state.handle("s"))
            after = values(await second.poll())
            queries = charge_queries(server)
    assert before["orders_today"] == 120 and before["revenue_today"] == 1200.0
    assert after["orders_today"] == 121 and after["revenue_today"] == 1220.0
    assert after["refunds_today"] == 2 and after["refund_value_today"] == 10.0
    # no day listed again: the tail since the saved cursor, then the counted part of the hour
    assert queries[0] == {"limit": "100", "created[gte]": str(NOW - 60)}
    assert queries[1] == {"limit": "100", "created[gte]": str(NOW + 300 - 3600),
                          "created[lt]": str(NOW - 60)}
    assert after["orders_last_hour"] == 3  # two counted before the restart, and ch_new


async def test_a_catch_up_that_fails_halfway_resumes_without_double_counting(
    client: httpx.AsyncClient,
) -> None:
    state = MemoryState()
    clock = ManualClock(NOW)
    fake = FakeStripe(charges=[charge(f"ch_{i}", MIDNIGHT + 600 * i, 100) for i in range(80)])
    broken = {"on": True}

    def handler(request: Request) -> Reply:
        query = dict(request.query)
        if (broken["on"] and request.path == "/v1/charges"
                and query.get("created[gte]") == str(MIDNIGHT + 3 * 3600)):
            return stripe_error(500, "api_error", "boom")
        return fake(request)

    async with LoopbackServer(handler) as server:
        src = make_source(client, server.url, clock, state=state,
                          policy=RequestPolicy(max_retries=0), slice_seconds=3600)
        with pytest.raises(SourceError, match="boom"):
            await src.poll()
        await src.aclose()
        cursor = int(state.data["cursor.charges"])
        assert cursor == MIDNIGHT + 3 * 3600  # three slices were counted and saved
        broken["on"] = False
        server.requests.clear()
        again = make_source(client, server.url, clock, state=state)
        got = values(await again.poll())
    assert charge_queries(server)[0]["created[gte]"] == str(cursor)
    assert got["orders_today"] == 80 and got["revenue_today"] == 80.0


async def test_week_and_month_count_from_the_days_listed(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[
        charge("ch_dec", MIDNIGHT - 8 * 86400, 1000),  # 30 December: another month
        charge("ch_fri", MIDNIGHT - 5 * 86400, 2000),  # Friday 2 January: last week
        charge("ch_mon", MIDNIGHT - 2 * 86400, 3000),  # Monday
        charge("ch_tue", MIDNIGHT - 1 * 86400, 4000),
        charge("ch_wed", MIDNIGHT + 60, 5000),
    ])
    week = ("orders_today", "orders_week", "orders_month", "revenue_week", "revenue_month")
    async with LoopbackServer(fake) as server:
        whole = await make_source(client, server.url, ManualClock(NOW), measures=week,
                                  backfill_days=10).poll()
        short = make_source(client, server.url, ManualClock(NOW), measures=week)
        partial = await short.poll()
        assert (await short.poll()).notes == ()  # said once, not on every poll
    assert values(whole) == {"orders_today": 1, "orders_week": 3, "orders_month": 4,
                             "revenue_week": 120.0, "revenue_month": 140.0}
    assert whole.notes == ()
    assert values(partial)["orders_week"] == 1
    assert partial.notes == ("week and month totals count from 2026-01-07 00:00, "
                             "when counting began",)


async def test_a_backlog_does_not_block_the_board(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[charge(f"ch_{i}", MIDNIGHT + 1800 * i, 100) for i in range(28)],
                      delay=0.01)
    clock = ManualClock(NOW)

    class Other:
        name = "other"
        polls = 0

        async def poll(self) -> PollResult:
            self.polls += 1
            return PollResult("other", clock.now())

    other = Other()
    config = Config(
        sources=[SourceConfig(name="stripe", kind="stripe", url="x"),
                 SourceConfig(name="other", kind="prometheus", url="x")],
        metrics=[MetricConfig(id="pay.orders_today", source="stripe", measure="orders_today")])
    hub = Hub(config, clock)
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock, measures=("orders_today",),
                          catchup_wait=0.0, slice_seconds=3600)
        busy = await src.poll()  # returns at once: the listing goes on in the background
        (note,) = busy.notes
        assert note.startswith("catching up with Stripe: counted up to 2026-01-07 ")
        assert note.endswith("figures follow when done") and math.isnan(busy.samples[0].value)
        scheduler = Scheduler(hub, [src, other], {"stripe": PollPlan(0.05, jitter=0.0),
                                                  "other": PollPlan(0.01, jitter=0.0)}, clock)
        scheduler.start()
        series = hub.series("pay.orders_today")
        assert series is not None
        polls_while_busy = 0
        for _ in range(500):
            await asyncio.sleep(0.01)
            clock.advance(0.5)  # samples need a later timestamp to be appended
            if len(series) and not math.isnan(series.last_value()):
                break
            polls_while_busy = other.polls
        await scheduler.stop()
        await src.aclose()
    assert series.last_value() == 28
    assert polls_while_busy >= 5  # the other source kept being polled meanwhile
    assert hub.health("stripe").state is HealthState.OK


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
    assert breakdown(plain, "stripe.revenue_by_currency") == {
        "JPY": 1200.0, "KWD": 1.23, "USD": 25.99}
    assert plain.notes == ("payments in JPY, KWD left out of USD totals (no exchange rate)",)
    with_rates = values(rated)
    assert with_rates["revenue_today"] == pytest.approx(25.99 + 1200 * 0.0067 + 1.23 * 3.25)
    assert with_rates["aov_today"] == pytest.approx(with_rates["revenue_today"] / 3)
    assert rated.notes == ()


async def test_refunds_returns_and_rates(client: httpx.AsyncClient) -> None:
    returned = refund("re_1", MIDNIGHT + 900, 2500)
    returned["reason"] = "requested_by_customer"
    fake = FakeStripe(
        charges=[charge(f"ch_{i}", MIDNIGHT + 100 * i, 5000) for i in range(8)],
        refunds=[returned, refund("re_2", MIDNIGHT + 950, 5000),
                 refund("re_x", MIDNIGHT + 960, 5000, status="failed"),
                 refund("re_old", MIDNIGHT - 3 * 3600, 5000)],
    )
    measures = (*BASIC, "refund_value_rate_today", "returns_today", "refund_reasons")
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ManualClock(NOW), measures=measures).poll()
    got = values(result)
    assert got["refunds_today"] == 2 and got["refund_value_today"] == 75.0
    assert got["refund_rate_today"] == 2 / 8
    assert got["refund_value_rate_today"] == 75.0 / 400.0
    assert got["returns_today"] == 1 and got["refund_reasons"] == 2
    assert breakdown(result, "pay.refund_reasons") == {"requested_by_customer": 1.0,
                                                        "unspecified": 1.0}


async def test_decline_rate_counts_unique_attempts(client: httpx.AsyncClient) -> None:
    hour = NOW - 3600
    fake = FakeStripe(charges=(
        [charge(f"ch_ok{i}", hour + 60 * i, 1000) for i in range(5)]
        # pi_r: declined twice, then paid: one attempt, not declined
        + [charge("ch_r1", hour + 400, 1000, status="failed", payment_intent="pi_r"),
           charge("ch_r2", hour + 410, 1000, status="failed", payment_intent="pi_r"),
           charge("ch_r3", hour + 420, 1000, payment_intent="pi_r")]
        # pi_x: declined three times, never paid: one declined attempt
        + [charge(f"ch_x{i}", hour + 500 + i, 1000, status="failed", payment_intent="pi_x")
           for i in range(3)]
        + [charge(f"ch_early{i}", MIDNIGHT + 60 * i, 1000, status="failed") for i in range(5)]
    ))
    measures = (*BASIC, "failure_codes")
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ManualClock(NOW), measures=measures).poll()
    got = values(result)
    assert got["decline_rate_1h"] == 1 / 7  # ok0-4, pi_r, pi_x
    assert got["failed_payments_today"] == 10  # every failed charge, retries included
    assert got["orders_last_hour"] == 6 and got["revenue_last_hour"] == 60.0
    assert breakdown(result, "pay.failure_codes") == {"card_declined": 10.0}
    assert got["failure_codes"] == 10


async def test_disputes_intents_and_net_revenue(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(
        charges=[charge(f"ch_{i}", NOW - 1000 + i, 10_000) for i in range(3)],
        refunds=[refund("re_1", NOW - 900, 1500)],
        disputes=[dispute("dp_1", NOW - 800, 2000), dispute("dp_old", MIDNIGHT - 60, 9000)],
        intents=[intent("pi_1", NOW - 1000, 10_000),
                 intent("pi_2", NOW - 990, 5000, "requires_payment_method", "card_declined"),
                 intent("pi_3", NOW - 980, 5000, "requires_payment_method")],
    )
    measures = ("net_revenue_today", "disputes_today", "dispute_value_today",
                "payment_intents_today", "payment_intents_succeeded_today",
                "payment_intents_failed_today")
    async with LoopbackServer(fake) as server:
        got = values(await make_source(client, server.url, ManualClock(NOW),
                                       measures=measures).poll())
    assert got == {"net_revenue_today": 300.0 - 15.0 - 20.0, "disputes_today": 1,
                   "dispute_value_today": 20.0, "payment_intents_today": 3,
                   "payment_intents_succeeded_today": 1, "payment_intents_failed_today": 1}


async def test_top_products_from_checkout_line_items(client: httpx.AsyncClient) -> None:
    many = [line_item(f"Part {n}", 1, 100) for n in range(3)] + [line_item("Boots", 1, 4000)]
    fake = FakeStripe(sessions=[
        session("cs_1", NOW - 900, [line_item("Boots", 2, 6000), line_item("Socks", 3, 900)]),
        session("cs_2", NOW - 800, many),  # more than the expansion holds
        session("cs_open", NOW - 700, [line_item("Tent", 1, 99_000)], status="open"),
    ])
    measures = ("top_products", "top_products_units")
    async with LoopbackServer(fake) as server:
        result = await make_source(client, server.url, ManualClock(NOW), measures=measures).poll()
    assert breakdown(result, "pay.top_products") == {"Boots": 100.0, "Socks": 9.0,
                                                     "Part 0": 1.0, "Part 1": 1.0, "Part 2": 1.0}
    assert breakdown(result, "pay.top_products_units")["Socks"] == 3.0
    assert breakdown(result, "stripe.top_products")["Boots"] == 100.0
    assert values(result) == {"top_products": 100.0, "top_products_units": 3.0}
    sessions = [dict(r.query) for r in server.requests if r.path == "/v1/checkout/sessions"]
    assert sessions[0]["expand[]"] == "data.line_items"
    assert [r.path for r in server.requests if r.path.endswith("/line_items")] == [
        "/v1/checkout/sessions/cs_2/line_items"]


async def test_top_products_from_charges_without_checkout(client: httpx.AsyncClient) -> None:
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
    assert not [r for r in server.requests if "checkout" in r.path]


async def test_no_orders_is_no_number_for_ratios(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(FakeStripe()) as server:
        got = values(await make_source(client, server.url, ManualClock(NOW),
                                       measures=MEASURES).poll())
    assert got["orders_today"] == 0 and got["revenue_today"] == 0
    assert math.isnan(got["aov_today"]) and math.isnan(got["refund_rate_today"])
    assert math.isnan(got["decline_rate_1h"]) and math.isnan(got["top_products"])


async def test_the_day_rolls_over(client: httpx.AsyncClient) -> None:
    next_midnight = int(datetime(2026, 1, 8, tzinfo=BERLIN).timestamp())
    fake = FakeStripe(charges=[charge("ch_morning", MIDNIGHT + 3600, 1000),
                               charge("ch_late", next_midnight - 1200, 2000)])
    clock = ManualClock(next_midnight - 600)
    state = MemoryState()
    async with LoopbackServer(fake) as server:
        src = make_source(client, server.url, clock, state=state,
                          measures=(*BASIC, "orders_week"))
        assert values(await src.poll())["orders_today"] == 2
        fake.charges.append(charge("ch_new_day", next_midnight + 60, 4000))
        clock.set(next_midnight + 1800)  # 00:30
        got = values(await src.poll())
    assert got["orders_today"] == 1 and got["revenue_today"] == 40.0
    assert got["orders_week"] == 3
    assert got["orders_last_hour"] == 2 and got["revenue_last_hour"] == 60.0  # 23:30-00:30
    assert {k for k in state.data if k.startswith("day.")} == {"day.2026-01-07",
                                                             "day.2026-01-08"}


async def test_another_account_starts_counting_again(client: httpx.AsyncClient) -> None:
    state = MemoryState()
    fake = FakeStripe(charges=[charge("ch_1", NOW - 100, 1000)])
    async with LoopbackServer(fake) as one, LoopbackServer(FakeStripe()) as other:
        assert values(await make_source(client, one.url, ManualClock(NOW),
                                        state=state).poll())["orders_today"] == 1
        moved = await make_source(client, other.url, ManualClock(NOW), state=state).poll()
    assert values(moved)["orders_today"] == 0
    assert moved.notes[0] == "the Stripe account or time zone changed: counting starts again"


async def test_unreadable_saved_state_starts_again(client: httpx.AsyncClient) -> None:
    state = MemoryState()
    fake = FakeStripe(charges=[charge("ch_1", NOW - 100, 1000)])
    async with LoopbackServer(fake) as server:
        await make_source(client, server.url, ManualClock(NOW), state=state).poll()
        state.data["day.2026-01-07"] = '{"orders": "many"}'
        again = await make_source(client, server.url, ManualClock(NOW), state=state).poll()
    assert values(again)["orders_today"] == 1
    assert again.notes[0] == "the saved Stripe counts were unreadable: counting starts again"


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
            await make_source(client, server.url, ManualClock(NOW - 13 * 3600)).poll()
    assert rate.value.retry_after == 45.0
    assert str(rate.value) == (
        "rate limited by Stripe; retry after 45s: Too many requests (rate_limit)"
    )


async def test_stripe_should_retry_is_obeyed(client: httpx.AsyncClient) -> None:
    fake = FakeStripe(charges=[charge("ch_1", NOW - 100, 1000)])
    sleep = SleepRecorder()
    busy = Reply(429, b'{"error": {"type": "invalid_request_error", "code": "lock_timeout",'
                      b' "message": "busy"}}', "application/json",
                 {"Retry-After": "2", "Stripe-Should-Retry": "true"})
    broken = Reply(500, b'{"error": {"type": "api_error", "message": "try later"}}',
                   "application/json", {"Stripe-Should-Retry": "false"})
    async with LoopbackServer(fake) as server:
        cfg = SourceConfig(name="stripe", kind="stripe", url=server.url, secret="k")
        metrics = [MetricConfig(id="pay.orders_today", source="stripe", measure="orders_today")]
        http = HttpFetcher(client, None, sleep, random.Random(1))
        src = StripeSource(cfg, metrics, http, ManualClock(NOW - 13 * 3600), KEY, "Europe/Berlin")
        fake.errors = [busy]
        assert values(await src.poll()) == {"orders_today": 1}
        assert sleep.waits == [2.0]  # retried after the Retry-After
        fake.errors = [broken]
        with pytest.raises(SourceError, match="HTTP 500 from Stripe: try later"):
            await src.poll()
    assert sleep.waits == [2.0]  # Stripe-Should-Retry: false is not retried


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
             "description": maybe(st.text(max_size=5)),
             "payment_intent": maybe(st.sampled_from(["pi_1", None]))})
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


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(replies(page_shape), min_size=1, max_size=4))
async def test_garbage_only_ever_raises_source_error(
    client: httpx.AsyncClient,
    garbage_server: tuple[LoopbackServer, list[Reply]],
    bodies: list[Reply],
) -> None:
    server, queue = garbage_server
    queue[:] = bodies
    src = make_source(client, server.url, ManualClock(NOW - 13 * 3600 + 200),
                      policy=RequestPolicy(max_retries=1), max_pages=3)
    try:
        for _ in range(2):
            try:
                result = await src.poll()
            except SourceError as exc:
                assert str(exc) and "\n" not in str(exc)
            else:
                assert len(result.samples) == len(BASIC)
                event("poll answered")
    finally:
        await src.aclose()
