"""The marketplace simulator: determinism, seasonality and what each incident kind changes."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest

from noc_board.core.scenario import Baseline, Incident, Scenario
from noc_board.demo.simulator import MarketSimulator

MONDAY = 1767571200.0  # 2026-01-05T00:00:00Z, a Monday
DAY = 86400.0
AT = MONDAY + 2 * DAY + 14 * 3600  # Wednesday 14:00, inside every incident below


def scenario(*incidents: Incident, seed: int = 7) -> Scenario:
    return Scenario(start=MONDAY, duration=7 * DAY, seed=seed, baseline=Baseline(),
                    incidents=tuple(incidents))


def incident(kind: str, magnitude: float, target: str | None = None) -> Incident:
    return Incident(kind, AT - 600, 1800.0, magnitude, target)


def test_the_same_time_gives_the_same_state_whatever_the_call_order() -> None:
    times = [MONDAY + k * 7919.3 for k in range(40)]
    forward = MarketSimulator(scenario())
    first = [forward.state_at(t) for t in times]
    backward = MarketSimulator(scenario())
    second = [backward.state_at(t) for t in reversed(times)][::-1]
    assert first == second
    again = [forward.state_at(t) for t in times]
    assert again == first
    whole = forward.frame(times)  # a vectorised evaluation agrees with point queries
    assert whole.active_users.tolist() == [s.active_users for s in first]


def test_the_seed_changes_the_noise_not_the_shape() -> None:
    a = MarketSimulator(scenario(seed=1)).state_at(AT)
    b = MarketSimulator(scenario(seed=2)).state_at(AT)
    assert a.active_users != b.active_users
    assert a.active_users == pytest.approx(b.active_users, rel=0.3)


def test_a_gauge_holds_its_value_for_one_step() -> None:
    sim = MarketSimulator(scenario())
    assert sim.state_at(AT + 1) == sim.state_at(AT + 59)
    assert sim.state_at(AT + 59).active_users != sim.state_at(AT + 60).active_users


def test_nights_are_quieter_than_evenings_and_weekends_than_weekdays() -> None:
    sim = MarketSimulator(scenario())
    for day in range(7):
        night = sim.state_at(MONDAY + day * DAY + 4 * 3600)
        lunch = sim.state_at(MONDAY + day * DAY + 13.5 * 3600)
        evening = sim.state_at(MONDAY + day * DAY + 20.5 * 3600)
        assert night.active_users < 0.5 * evening.active_users
        assert night.active_users < 0.5 * lunch.active_users
        assert night.orders_per_hour < evening.orders_per_hour
    minutes = np.arange(0, 7 * DAY, 60.0)
    users = sim.frame(MONDAY + minutes).active_users.reshape(7, -1).mean(axis=1)
    assert users[5:].max() < users[:5].min()  # Saturday and Sunday
    assert users.mean() == pytest.approx(1500, rel=0.05)  # the baseline is the mean


def test_users_orders_and_conversion_agree() -> None:
    s = MarketSimulator(scenario()).state_at(AT)
    assert s.orders_per_hour == pytest.approx(s.sessions_per_hour * s.conversion_rate)
    assert s.conversion_rate == pytest.approx(0.028, rel=0.3)
    assert all(svc.up and 0 < svc.error_ratio < 0.02 for svc in s.services.values())
    assert all(0 < v < 1 for v in s.cpu.values())
    assert 0 < s.db_query_p95 < 0.1 and 0 < s.network_rtt < 0.02


def _pair(inc: Incident) -> tuple[MarketSimulator, MarketSimulator]:
    return MarketSimulator(scenario()), MarketSimulator(scenario(inc))


def test_an_outage_takes_its_service_down() -> None:
    calm, hit = _pair(incident("outage", 1.0, "checkout"))
    before, during = calm.state_at(AT), hit.state_at(AT)
    down = during.services["checkout"]
    assert not down.up and down.error_ratio == 1.0 and down.requests_per_second == 0
    assert math.isnan(down.p95_latency)
    assert during.orders_per_hour == 0 and during.conversion_rate == 0
    assert during.services["search"] == before.services["search"]
    assert during.active_users == before.active_users
    assert hit.state_at(AT + 1800) == calm.state_at(AT + 1800)  # over after 30 minutes


def test_a_whole_site_outage_loses_every_user() -> None:
    calm, hit = _pair(incident("outage", 1.0))
    during = hit.state_at(AT)
    assert during.active_users == 0 and during.orders_per_hour == 0
    assert not any(svc.up for svc in during.services.values())
    assert hit.incident_at(AT) is hit.scenario.incidents[0]
    assert calm.incident_at(AT) is None


def test_latency_multiplies_p95_of_its_target() -> None:
    calm, hit = _pair(incident("latency", 3.0, "web"))
    before, during = calm.state_at(AT), hit.state_at(AT)
    assert during.services["web"].p95_latency == pytest.approx(
        3 * before.services["web"].p95_latency)
    assert during.services["checkout"].p95_latency == before.services["checkout"].p95_latency
    assert during.cpu["app-1"] > before.cpu["app-1"]


def test_errors_set_the_error_ratio() -> None:
    calm, hit = _pair(incident("errors", 0.3, "checkout"))
    assert hit.state_at(AT).services["checkout"].error_ratio == 0.3
    assert hit.state_at(AT).services["web"] == calm.state_at(AT).services["web"]


def test_payment_declines_set_the_decline_rate_and_fail_charges() -> None:
    calm, hit = _pair(incident("payment_declines", 0.5))
    assert hit.state_at(AT).decline_rate == 0.5
    assert calm.state_at(AT).decline_rate == pytest.approx(0.06, rel=0.3)
    charges = hit.charges_between(AT - 600, AT + 1200)
    failed = sum(c.status == "failed" for c in charges) / len(charges)
    assert 0.4 < failed < 0.6
    assert all(c.failure_code for c in charges if c.status == "failed")
    # succeeded charges (orders) keep their rate: declined customers try again
    ok = sum(c.status == "succeeded" for c in charges)
    ok_calm = sum(c.status == "succeeded" for c in calm.charges_between(AT - 600, AT + 1200))
    assert ok == pytest.approx(ok_calm, rel=0.25)


@pytest.mark.parametrize(("kind", "figure"), [("traffic_drop", "active_users"),
                                              ("conversion_drop", "conversion_rate")])
def test_drops_lose_their_fraction(kind: str, figure: str) -> None:
    calm, hit = _pair(incident(kind, 0.6))
    before, during = calm.state_at(AT), hit.state_at(AT)
    assert getattr(during, figure) == pytest.approx(0.4 * getattr(before, figure))
    assert during.orders_per_hour == pytest.approx(0.4 * before.orders_per_hour)


def test_a_refund_spike_sets_the_rate_and_brings_refunds() -> None:
    calm, hit = _pair(incident("refund_spike", 0.5))
    assert hit.state_at(AT).refund_rate == 0.5
    window = (AT - 600, AT + 1200)
    spiked, usual = hit.refunds_between(*window), calm.refunds_between(*window)
    orders = sum(c.status == "succeeded" for c in hit.charges_between(*window))
    assert len(spiked) > 5 * max(1, len(usual))
    assert 0.3 < len(spiked) / orders < 0.7


def test_source_down_answers_for_its_source_only() -> None:
    calm, hit = _pair(incident("source_down", 1.0, "ga4"))
    assert hit.source_down("ga4", AT)
    assert not hit.source_down("stripe", AT) and not hit.source_down("ga4", AT + 1800)
    assert not calm.source_down("ga4", AT)
    assert hit.state_at(AT) == dataclasses.replace(calm.state_at(AT),
                                                   incidents=hit.scenario.incidents)


def test_a_partial_source_down_fails_that_share_of_seconds() -> None:
    sim = MarketSimulator(scenario(incident("source_down", 0.3, "stripe")))
    down = [sim.source_down("stripe", AT - 600 + s) for s in range(1000)]
    assert 0.2 < sum(down) / len(down) < 0.4
    assert down == [sim.source_down("stripe", AT - 600 + s) for s in range(1000)]


def test_incident_windows_label_the_ground_truth() -> None:
    sim = MarketSimulator(scenario(incident("errors", 0.2, "payments")))
    [window] = sim.incident_windows()
    assert (window.start, window.end, window.kind, window.target) == (
        AT - 600, AT + 1200, "errors", "payments")


# -- charges and refunds -------------------------------------------------------------------

def test_charges_do_not_depend_on_the_window_that_asks() -> None:
    sim = MarketSimulator(scenario())
    a, b, c = AT - 7200, AT - 1800.5, AT
    whole = sim.charges_between(a, c)
    halves = sim.charges_between(a, b) + MarketSimulator(scenario()).charges_between(b, c)
    assert [x.id for x in whole] == [x.id for x in halves]
    assert whole == halves
    overlap = sim.charges_between(AT - 3600, AT + 3600)
    shared = {x.id for x in overlap} & {x.id for x in whole}
    assert shared == {x.id for x in whole if x.created >= AT - 3600}
    assert [x.created for x in whole] == sorted(x.created for x in whole)
    assert len({x.id for x in whole}) == len(whole)


def test_succeeded_charges_follow_the_order_rate() -> None:
    sim = MarketSimulator(scenario())
    charges = sim.charges_between(MONDAY + DAY, MONDAY + 2 * DAY)
    expected = sim.frame(MONDAY + DAY + 60 * np.arange(1440)).orders_per_hour.sum() / 60
    ok = sum(c.status == "succeeded" for c in charges)
    assert ok == pytest.approx(expected, rel=0.05)
    evening = sim.charges_between(MONDAY + DAY + 20 * 3600, MONDAY + DAY + 21 * 3600)
    night = sim.charges_between(MONDAY + DAY + 4 * 3600, MONDAY + DAY + 5 * 3600)
    assert len(night) < 0.6 * len(evening)


def test_a_few_charges_are_in_zero_and_three_decimal_currencies() -> None:
    charges = MarketSimulator(scenario()).charges_between(MONDAY, MONDAY + DAY)
    by_currency: dict[str, list[int]] = {}
    for c in charges:
        by_currency.setdefault(c.currency, []).append(c.amount)
    assert set(by_currency) == {"usd", "jpy", "kwd"}
    assert len(by_currency["jpy"]) + len(by_currency["kwd"]) < 0.1 * len(charges)
    assert all(a % 10 == 0 for a in by_currency["kwd"])  # thousandths, last digit 0
    median = {k: float(np.median(v)) for k, v in by_currency.items()}
    assert 2000 < median["usd"] < 6000  # ~ $42 in cents
    assert 2000 < median["jpy"] < 10000  # ~ ¥6,300 in yen
    assert 5000 < median["kwd"] < 20000  # ~ 13 KWD in fils


def test_charges_look_like_stripe_charges() -> None:
    charges = MarketSimulator(scenario()).charges_between(AT - 3600, AT)
    by_id = {c.id: c for c in charges}
    retries = 0
    for c in charges:
        assert c.id.startswith("ch_") and len(c.id) == 23
        if c.payment_intent != "pi_" + c.id[3:]:  # a retry: the declined first attempt's intent
            first = by_id.get("ch_" + c.payment_intent[3:])
            if first is not None:  # (unless it fell before the window)
                assert first.status == "failed" and c.status == "succeeded"
                assert first.created < c.created and first.amount == c.amount
                assert (first.currency, first.description) == (c.currency, c.description)
            retries += 1
        assert c.customer.startswith("cus_") and c.description
        assert AT - 3600 <= c.created < AT and isinstance(c.created, int)
        if c.status == "failed":
            assert c.failure_code and c.failure_message and c.amount_refunded == 0
        else:
            assert c.failure_code is None
    assert {c.status for c in charges} == {"succeeded", "failed"}
    assert retries > 0


def test_refunds_and_charges_agree() -> None:
    sim = MarketSimulator(scenario())
    refunds = sim.refunds_between(MONDAY + 3 * DAY, MONDAY + 4 * DAY)
    assert refunds
    charges = {c.id: c for c in sim.charges_between(MONDAY, MONDAY + 4 * DAY)}
    for r in refunds:
        charge = charges[r.charge]
        assert charge.refund_id == r.id and charge.amount_refunded == r.amount
        assert charge.created < r.created and 0 < r.amount <= charge.amount
        assert r.currency == charge.currency and r.status == "succeeded"
    later = {r.id: r for r in sim.refunds_between(MONDAY + 4 * DAY, MONDAY + 5 * DAY)}
    as_then = sim.charges_between(MONDAY, MONDAY + 4 * DAY)  # refunds as of the window's end
    as_later = sim.charges_between(MONDAY, MONDAY + 4 * DAY, as_of=MONDAY + 5 * DAY)
    refunded_later = [(a, b) for a, b in zip(as_then, as_later, strict=True)
                      if b.refund_id in later]
    assert refunded_later
    for then, after in refunded_later:
        assert then.amount_refunded == 0 and then.refund_id is None
        assert after.amount_refunded == later[after.refund_id or ""].amount


def test_nothing_happens_before_the_scenario_starts() -> None:
    sim = MarketSimulator(scenario())
    assert sim.charges_between(MONDAY - DAY, MONDAY) == []
    assert sim.charges_between(MONDAY - 600, MONDAY + 600)[0].created >= MONDAY
    assert sim.analytics_between(MONDAY - DAY, MONDAY).sessions == 0


def test_a_day_of_charges_takes_well_under_100_ms() -> None:
    best = math.inf
    for _ in range(3):
        sim = MarketSimulator(scenario())
        started = time.perf_counter()
        charges = sim.charges_between(MONDAY + DAY, MONDAY + 2 * DAY)
        best = min(best, time.perf_counter() - started)
    assert len(charges) > 4000
    assert best < 0.1


# -- analytics ------------------------------------------------------------------------------

def test_analytics_figures_are_plausible_and_consistent() -> None:
    sim = MarketSimulator(scenario())
    day = sim.analytics_between(MONDAY + DAY, MONDAY + 2 * DAY)
    assert day.bounce_rate + day.engagement_rate == pytest.approx(1)
    assert 0.3 < day.bounce_rate < 0.5
    assert 4 < day.pages_per_session < 7
    assert day.average_session_duration == pytest.approx(sim.session_seconds, rel=0.1)
    assert day.active_users < day.sessions
    assert day.key_events == pytest.approx(24 * 240, rel=0.15)
    week = sim.analytics_between(MONDAY, MONDAY + 7 * DAY)
    assert day.active_users < week.active_users < 7 * day.active_users  # users return


def test_realtime_users_count_the_last_30_minutes() -> None:
    sim = MarketSimulator(scenario())
    state = sim.state_at(AT)
    realtime = sim.realtime_active_users(AT)
    assert state.active_users < realtime < 6 * state.active_users
    window = sim.analytics.realtime(AT)
    assert window.minutes_ago == tuple(range(29, -1, -1))
    assert realtime == window.total_users
    assert sim.realtime_active_users(MONDAY - 3600) == 0
