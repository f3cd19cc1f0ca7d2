"""Bottlenecks: slow and failing routes ranked by traffic-weighted impact (pure)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noc_board.core.insights.bottlenecks import RouteStats, rank_errors, rank_slow


def test_a_slow_page_nobody_visits_ranks_below_a_slightly_slow_checkout() -> None:
    routes = [RouteStats("/rare-report", 10.0, p95=5.0),
              RouteStats("/checkout", 100_000.0, p95=0.8),
              RouteStats("/home", 50_000.0, p95=0.3)]
    ranking = rank_slow(routes, goal=0.5)
    assert ranking.kind == "slow" and ranking.missing == ""
    assert [r.route for r in ranking.routes] == ["/checkout", "/rare-report", "/home"]
    checkout, rare, home = ranking.routes
    assert checkout.impact == pytest.approx(100_000 * 0.3)  # request-seconds over the goal
    assert rare.impact == pytest.approx(10 * 4.5)
    assert home.impact == 0.0
    assert checkout.value == 0.8 and checkout.count == 100_000.0
    assert checkout.traffic_share == pytest.approx(100_000 / 150_010)
    assert sum(r.traffic_share for r in ranking.routes) == pytest.approx(1.0)


def test_when_nothing_is_over_the_goal_the_busiest_slow_routes_come_first() -> None:
    routes = [RouteStats("/a", 100.0, p95=0.4), RouteStats("/b", 1000.0, p95=0.1),
              RouteStats("/c", 10.0, p95=0.45)]
    ranking = rank_slow(routes, goal=0.5)
    assert all(r.impact == 0 for r in ranking.routes)
    assert [r.route for r in ranking.routes] == ["/b", "/a", "/c"]  # 100, 40, 4.5 request-s


def test_slow_ranking_change_since_the_previous_period_and_limit() -> None:
    current = [RouteStats("/checkout", 1000.0, p95=0.9), RouteStats("/search", 800.0, p95=0.7),
               RouteStats("/new", 500.0, p95=0.6)]
    previous = [RouteStats("/checkout", 900.0, p95=0.6), RouteStats("/search", 700.0, p95=1.4),
                RouteStats("/new", 0.0, p95=0.2)]  # no traffic then: not seen
    ranking = rank_slow(current, previous, goal=0.5, limit=2)
    assert [r.route for r in ranking.routes] == ["/checkout", "/search"]
    checkout, search = ranking.routes
    assert checkout.previous == 0.6 and checkout.change == pytest.approx(0.5)
    assert search.previous == 1.4 and search.change == pytest.approx(-0.5)
    everything = rank_slow(current, previous, goal=0.5)
    assert everything.routes[-1].route == "/new"
    assert everything.routes[-1].previous is None and everything.routes[-1].change is None


def test_routes_without_timing_or_traffic_are_left_out_and_missing_says_why() -> None:
    ranking = rank_slow([RouteStats("/a", 100.0), RouteStats("/b", 0.0, p95=3.0),
                         RouteStats("/c", 50.0, p95=math.nan), RouteStats("/d", 5.0, p95=1.0)])
    assert [r.route for r in ranking.routes] == ["/d"]
    assert ranking.routes[0].traffic_share == pytest.approx(5 / 155)
    assert rank_slow([RouteStats("/a", 100.0)]).missing == "no route timings in the period"
    assert rank_slow([]).missing == "no route traffic in the period"
    assert rank_slow([RouteStats("/b", 0.0, p95=3.0)]).missing == "no route traffic in the period"


def test_error_ranking_is_weighted_by_traffic() -> None:
    routes = [RouteStats("/broken-widget", 2.0, errors_5xx=1.0),  # 50 % of 2 requests
              RouteStats("/checkout", 100_000.0, errors_5xx=500.0),  # 0.5 % of 100k
              RouteStats("/home", 50_000.0, errors_5xx=0.0, errors_404=30.0)]
    ranking = rank_errors(routes, kind="5xx")
    assert ranking.kind == "5xx"
    assert [r.route for r in ranking.routes] == ["/checkout", "/broken-widget"]  # /home: none
    checkout, widget = ranking.routes
    assert checkout.value == pytest.approx(0.005) and checkout.count == 500.0
    assert checkout.impact == 500.0
    assert widget.value == pytest.approx(0.5) and widget.impact == 1.0
    assert checkout.traffic_share == pytest.approx(100_000 / 150_002)
    not_found = rank_errors(routes, kind="404")
    assert [r.route for r in not_found.routes] == ["/home"]
    assert not_found.routes[0].value == pytest.approx(30 / 50_000)


def test_error_ranking_change_and_missing_texts() -> None:
    current = [RouteStats("/checkout", 1000.0, errors_5xx=20.0),
               RouteStats("/search", 1000.0, errors_5xx=5.0),
               RouteStats("/new", 100.0, errors_5xx=1.0)]
    previous = [RouteStats("/checkout", 2000.0, errors_5xx=20.0),
                RouteStats("/search", 500.0, errors_5xx=0.0)]
    ranking = rank_errors(current, previous)
    by_route = {r.route: r for r in ranking.routes}
    assert by_route["/checkout"].previous == pytest.approx(0.01)
    assert by_route["/checkout"].change == pytest.approx(1.0)  # 1 % -> 2 %
    assert by_route["/search"].previous == 0.0 and by_route["/search"].change is None
    assert by_route["/new"].previous is None
    quiet = [RouteStats("/a", 10.0), RouteStats("/b", 20.0, errors_404=3.0)]
    assert rank_errors(quiet, kind="5xx").missing == "no 5xx responses in the period"
    assert rank_errors(quiet, kind="404").missing == ""
    assert rank_errors([], kind="404").missing == "no route traffic in the period"
    with pytest.raises(ValueError):
        rank_errors(quiet, kind="503")


def test_errors_above_the_requests_give_a_ratio_of_at_most_one() -> None:
    ranking = rank_errors([RouteStats("/x", 0.0, errors_5xx=4.0),
                           RouteStats("/y", 10.0, errors_5xx=1.0)])
    assert ranking.routes[0].route == "/x" and ranking.routes[0].value == 1.0


route_rows = st.lists(
    st.builds(RouteStats,
              route=st.sampled_from(["/", "/a", "/b", "/c", "/checkout"]),
              requests=st.floats(0, 1e5, allow_nan=False),
              p95=st.none() | st.floats(0, 10, allow_nan=False),
              errors_5xx=st.floats(0, 100, allow_nan=False),
              errors_404=st.floats(0, 100, allow_nan=False)),
    max_size=12)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), rows=route_rows)
def test_rankings_do_not_depend_on_the_order_of_the_rows(data: st.DataObject,
                                                         rows: list[RouteStats]) -> None:
    shuffled = data.draw(st.permutations(rows))
    assert rank_slow(rows) == rank_slow(shuffled)
    assert rank_errors(rows, kind="5xx") == rank_errors(shuffled, kind="5xx")
    assert rank_errors(rows, previous=rows, kind="404") == rank_errors(shuffled, shuffled, "404")
    ranking = rank_slow(rows)
    impacts = [r.impact for r in ranking.routes]
    assert impacts == sorted(impacts, reverse=True)
