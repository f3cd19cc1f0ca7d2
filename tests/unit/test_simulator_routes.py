"""The simulator's routes, growing load and the checkout database's connection pool."""

from __future__ import annotations

import math

import numpy as np
import pytest

from noc_board.core.scenario import ROUTES, SERVICES, Baseline, Incident, Scenario
from noc_board.demo.noise import FloatArray
from noc_board.demo.routes import ROUTE_PROFILES, ROUTE_SERVICE
from noc_board.demo.simulator import Frame, MarketSimulator

MONDAY = 1767571200.0  # 2026-01-05T00:00:00Z
DAY = 86400.0
WEEK = 7 * DAY
AT = MONDAY + 2 * DAY + 14 * 3600  # Wednesday 14:00
EVENING = MONDAY + 2 * DAY + 20.5 * 3600  # Wednesday 20:30, near the weekly peak


def scenario(*incidents: Incident, growth: float = 0.0, seed: int = 7,
             weeks: int = 1) -> Scenario:
    return Scenario(start=MONDAY, duration=weeks * WEEK, seed=seed,
                    baseline=Baseline(growth=growth), incidents=tuple(incidents))


def day_frame(sim: MarketSimulator, start: float = MONDAY + 2 * DAY) -> Frame:
    return sim.frame(start + np.arange(0, DAY, 60.0))


def test_routes_are_the_scenario_routes_and_split_each_service_whole() -> None:
    assert tuple(ROUTE_PROFILES) == ROUTES
    assert set(ROUTE_SERVICE.values()) == set(SERVICES)
    for service in SERVICES:
        shares = [p.share for p in ROUTE_PROFILES.values() if p.service == service]
        assert sum(shares) == pytest.approx(1.0, abs=1e-12), service


@pytest.mark.parametrize("incident", [
    None,
    Incident("outage", AT - 3600, 7200.0, 1.0, "checkout"),
    Incident("errors", AT - 3600, 7200.0, 0.3, "web"),
    Incident("errors", AT - 3600, 7200.0, 0.3, "checkout"),
    Incident("traffic_drop", AT - 3600, 7200.0, 0.5),
])
def test_a_services_requests_are_the_sum_of_its_routes(incident: Incident | None) -> None:
    sim = MarketSimulator(scenario(*(() if incident is None else (incident,))))
    f = day_frame(sim)
    for service in SERVICES:
        routes = [r for r in ROUTES if ROUTE_SERVICE[r] == service]
        total = sum(f.route_requests_per_second[r] for r in routes)
        np.testing.assert_allclose(total, f.requests_per_second[service], rtol=1e-12)
        not_found = sum(f.route_not_found_per_second[r] for r in routes)
        np.testing.assert_allclose(
            not_found, f.requests_per_second[service] * f.not_found_ratio[service], rtol=1e-9)
        # 5xx: the service's error ratio over what clients sent, route factors allowed
        errors = sum(f.route_errors_per_second[r] for r in routes)
        expected = f.offered_requests_per_second[service] * f.error_ratio[service]
        np.testing.assert_allclose(errors, expected, rtol=0.08)


def test_the_slow_page_nobody_visits() -> None:
    f = day_frame(MarketSimulator(scenario()))
    slow = "/help/shipping"
    share = f.route_requests_per_second[slow] / f.requests_per_second["web"]
    assert np.all(share < 0.005)
    busiest = max(ROUTES, key=lambda r: float(f.route_requests_per_second[r].mean()))
    assert f.route_requests_per_second[slow].mean() < 0.01 * \
        f.route_requests_per_second[busiest].mean()
    p95 = f.route_p95_latency[slow]
    assert 1.5 < float(np.median(p95)) < 2.5
    for route in ROUTES:
        if route != slow:
            assert np.all(f.route_p95_latency[route] < 0.5 * p95), route
    # dead links: the highest share of 404s; removed products: the most 404s per second
    ratio = {r: float(f.route_not_found_per_second[r].sum() / f.route_requests_per_second[r].sum())
             for r in ROUTES}
    assert max(ratio, key=lambda r: ratio[r]) == slow and ratio[slow] > 0.1
    volume = {r: float(f.route_not_found_per_second[r].sum()) for r in ROUTES}
    assert max(volume, key=lambda r: volume[r]) == "/product"


def test_checkout_is_the_slowest_busy_route() -> None:
    f = day_frame(MarketSimulator(scenario()))
    busy = [r for r in ROUTES if r != "/help/shipping"]
    medians = {r: float(np.median(f.route_p95_latency[r])) for r in busy}
    assert max(medians, key=lambda r: medians[r]) == "/checkout"
    assert medians["/checkout"] > medians["/cart"]


def test_a_route_targeted_latency_incident_moves_only_that_route() -> None:
    inc = Incident("latency", AT - 1800, 3600.0, 3.0, "/search")
    plain, slowed = MarketSimulator(scenario()), MarketSimulator(scenario(inc))
    times = AT - 3 * 3600 + np.arange(0, 6 * 3600, 60.0)
    a, b = plain.frame(times), slowed.frame(times)
    on = (times >= AT - 1800) & (times < AT + 1800)
    np.testing.assert_allclose(b.route_p95_latency["/search"][on],
                               3.0 * a.route_p95_latency["/search"][on], rtol=1e-12)
    np.testing.assert_array_equal(b.route_p95_latency["/search"][~on],
                                  a.route_p95_latency["/search"][~on])
    for route in ROUTES:
        if route != "/search":
            np.testing.assert_array_equal(b.route_p95_latency[route], a.route_p95_latency[route])
        np.testing.assert_array_equal(b.route_requests_per_second[route],
                                      a.route_requests_per_second[route])
        np.testing.assert_array_equal(b.route_errors_per_second[route],
                                      a.route_errors_per_second[route])
    for service in SERVICES:
        np.testing.assert_array_equal(b.p95_latency[service], a.p95_latency[service])
        np.testing.assert_array_equal(b.requests_per_second[service],
                                      a.requests_per_second[service])
    for host in a.cpu:
        np.testing.assert_array_equal(b.cpu[host], a.cpu[host])
    # search does not use the checkout database
    np.testing.assert_array_equal(b.db_connections["checkout-db"], a.db_connections["checkout-db"])
    state = slowed.state_at(AT)
    assert state.routes["/search"].p95_latency == pytest.approx(
        3.0 * plain.state_at(AT).routes["/search"].p95_latency)
    assert state.incidents == (inc,)


def test_a_slow_checkout_route_holds_database_connections() -> None:
    inc = Incident("latency", AT - 1800, 3600.0, 5.0, "/checkout")
    a = MarketSimulator(scenario()).state_at(AT)
    b = MarketSimulator(scenario(inc)).state_at(AT)
    assert b.routes["/checkout"].p95_latency == pytest.approx(5 * a.routes["/checkout"].p95_latency)
    assert b.routes["/cart"] == a.routes["/cart"]
    rise = b.db_connections["checkout-db"] - a.db_connections["checkout-db"]
    assert 0.05 < rise < 0.5 * (0.98 - a.db_connections["checkout-db"])


def test_a_down_service_has_no_route_latency_and_its_routes_answer_5xx() -> None:
    inc = Incident("outage", AT - 1800, 3600.0, 1.0, "checkout")
    s = MarketSimulator(scenario(inc)).state_at(AT)
    for route in ("/cart", "/checkout"):
        r = s.routes[route]
        assert math.isnan(r.p95_latency)
        assert r.requests_per_second == 0 and r.not_found_per_second == 0
        assert r.errors_per_second > 1.0  # every request a client sends is refused
    assert not math.isnan(s.routes["/payment"].p95_latency)


def test_state_and_frame_agree_on_routes_and_the_pool() -> None:
    sim = MarketSimulator(scenario())
    f = sim.frame([EVENING])
    s = sim.state_at(EVENING)
    for route in ROUTES:
        assert s.routes[route].service == ROUTE_SERVICE[route]
        assert s.routes[route].requests_per_second == f.route_requests_per_second[route][0]
        assert s.routes[route].p95_latency == f.route_p95_latency[route][0]
        assert s.routes[route].errors_per_second == f.route_errors_per_second[route][0]
        assert s.routes[route].not_found_per_second == f.route_not_found_per_second[route][0]
    assert s.db_connections == {"checkout-db": f.db_connections["checkout-db"][0]}


# -- saturation ----------------------------------------------------------------------------

def _daily_peaks(f: Frame) -> FloatArray:
    peaks: FloatArray = f.db_connections["checkout-db"].reshape(-1, 1440).max(axis=1)
    return peaks


@pytest.mark.parametrize("seed", [3, 7])
def test_the_pool_follows_checkout_load_and_peaks_near_0_57_when_healthy(seed: int) -> None:
    sim = MarketSimulator(scenario(seed=seed))
    f = sim.frame(MONDAY + np.arange(0, WEEK, 60.0))
    pool = f.db_connections["checkout-db"]
    assert np.all((pool >= 0) & (pool <= 1))
    weekdays = _daily_peaks(f)[:5]
    assert 0.5 < float(np.median(weekdays)) < 0.6
    assert float(weekdays.max()) < 0.65
    assert float(pool.min()) < 0.3  # nights are quiet
    load = f.offered_requests_per_second["checkout"] + f.offered_requests_per_second["payments"]
    assert np.corrcoef(load, pool)[0, 1] > 0.95


@pytest.mark.parametrize(("incident", "rises"), [
    (Incident("outage", EVENING - 600, 1200.0, 1.0, "checkout"), True),
    (Incident("latency", EVENING - 600, 1200.0, 4.0, "payments"), True),
    (Incident("latency", EVENING - 600, 1200.0, 4.0), True),
    (Incident("latency", EVENING - 600, 1200.0, 4.0, "web"), False),
    (Incident("errors", EVENING - 600, 1200.0, 0.3, "checkout"), False),
])
def test_checkout_trouble_holds_connections(incident: Incident, rises: bool) -> None:
    calm = MarketSimulator(scenario()).state_at(EVENING).db_connections["checkout-db"]
    hit = MarketSimulator(scenario(incident)).state_at(EVENING).db_connections["checkout-db"]
    if rises:
        assert hit > calm + 0.15 and hit <= 1.0
    else:
        assert hit == calm


# -- growth --------------------------------------------------------------------------------

def test_growth_raises_load_by_forty_percent_after_four_weeks() -> None:
    flat = MarketSimulator(scenario(weeks=9))
    grown = MarketSimulator(scenario(growth=0.1, weeks=9))
    at = MONDAY + 4 * WEEK + 2 * DAY + 20.5 * 3600  # a Wednesday evening, 4 weeks 2.85 days in
    factor = 1 + 0.1 * (at - MONDAY) / WEEK
    a, b = flat.state_at(at), grown.state_at(at)
    assert factor == pytest.approx(1.44, abs=0.01)
    for name in ("active_users", "sessions_per_hour", "orders_per_hour"):
        assert getattr(b, name) == pytest.approx(factor * getattr(a, name), rel=1e-9), name
    for service in SERVICES:
        assert b.services[service].requests_per_second == pytest.approx(
            factor * a.services[service].requests_per_second, rel=1e-9)
    for route in ROUTES:
        assert b.routes[route].requests_per_second == pytest.approx(
            factor * a.routes[route].requests_per_second, rel=1e-9)
    assert b.cpu["db-1"] > a.cpu["db-1"]
    assert b.services["checkout"].p95_latency > a.services["checkout"].p95_latency
    assert b.db_connections["checkout-db"] > a.db_connections["checkout-db"] + 0.15
    # the first week against the fifth, on average: about 40 % more
    week = np.arange(0, WEEK, 300.0)
    first = grown.frame(MONDAY + week).active_users.mean()
    fifth = grown.frame(MONDAY + 4 * WEEK + week).active_users.mean()
    assert fifth / first == pytest.approx(1.4, rel=0.05)


def test_growth_brings_the_pool_to_0_85_at_peak_within_five_to_eight_weeks() -> None:
    sim = MarketSimulator(scenario(growth=0.1, weeks=9))
    f = sim.frame(MONDAY + np.arange(0, 9 * WEEK, 60.0))
    weekly = _daily_peaks(f).reshape(9, 7).max(axis=1)
    assert weekly[0] < 0.65
    assert np.all(np.diff(weekly[:7]) > -0.02)  # rising, give or take the noise
    crossed = int(np.argmax(weekly >= 0.85))
    assert weekly[crossed] >= 0.85 and 4 <= crossed <= 7  # during the 5th to 8th week


def test_growth_starts_at_the_scenario_start_and_shows_in_its_history() -> None:
    sim = MarketSimulator(scenario(growth=0.1))
    f = sim.frame([MONDAY - 2 * WEEK, MONDAY, MONDAY + WEEK])
    np.testing.assert_allclose(f.growth, [0.8, 1.0, 1.1])
    shifted = MarketSimulator(scenario(growth=0.1), growth_start=MONDAY + WEEK)
    assert shifted.frame([MONDAY + WEEK]).growth[0] == 1.0
    shrinking = MarketSimulator(scenario(growth=-0.5))
    assert shrinking.frame([MONDAY + 3 * WEEK]).growth[0] == pytest.approx(0.1)
    assert np.all(MarketSimulator(scenario()).frame(MONDAY + np.arange(0, WEEK, 3600)).growth
                  == 1.0)
