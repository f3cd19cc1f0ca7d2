"""User behaviour: hour and weekday patterns, and the pages where visits end (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noc_board.core.insights.behaviour import exit_pages, time_pattern

MONDAY = 20_454  # a day ordinal; weekday 0 by our own numbering below


def hourly(days: int, start_weekday: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hours, weekdays, day ordinals) of `days` whole days of hourly points."""
    n = days * 24
    day = np.arange(n) // 24
    return np.arange(n) % 24, (day + start_weekday) % 7, MONDAY + day


def test_a_planted_tuesday_peak_and_evening_hour_are_found() -> None:
    rng = np.random.default_rng(2)
    hours, weekdays, days = hourly(28)
    shape = 1 + 0.6 * np.cos((hours - 20) / 24 * 2 * np.pi)  # peak 20:00, dip 08:00
    weekday_factor = np.select([weekdays == 1, weekdays == 6], [1.5, 0.8], 1.0)
    values = 100 * shape * weekday_factor * (1 + rng.normal(0, 0.03, hours.size))
    p = time_pattern("Orders", list(values), list(hours), list(weekdays), list(days))
    assert p.label == "Orders" and p.missing == "" and p.days == 28
    assert (p.peak_hour, p.dip_hour) == (20, 8)
    assert (p.peak_day, p.dip_day) == (1, 6)  # Tuesday, Sunday
    assert len(p.by_hour) == 24 and len(p.by_weekday) == 7
    assert p.by_weekday[1] / p.by_weekday[0] == pytest.approx(1.5, rel=0.02)


def test_weekday_means_are_means_of_daily_means() -> None:
    hours, weekdays, days = hourly(7)
    values = np.full(hours.size, 10.0)
    # a second Tuesday with a single hour of data, at 40
    p = time_pattern("x", [*values, 40.0], [*hours, 9], [*weekdays, 1], [*days, MONDAY + 7])
    assert p.by_weekday[1] == pytest.approx(25.0)  # (10 + 40) / 2, not 280 / 25
    assert p.by_weekday[0] == 10.0 and p.peak_day == 1
    assert p.by_hour[9] == pytest.approx(110 / 8)  # hours: every point counts


def test_fewer_than_seven_days_leave_the_weekday_out_and_say_so() -> None:
    hours, weekdays, days = hourly(3)
    values = 1.0 + hours
    p = time_pattern("Users", list(values), list(hours), list(weekdays), list(days))
    assert (p.peak_hour, p.dip_hour) == (23, 0)
    assert all(math.isnan(x) for x in p.by_weekday)
    assert p.peak_day is None and p.dip_day is None and p.days == 3
    assert p.missing == "day of week needs 7 days of data; has 3"


def test_no_data_and_partial_hours_are_said() -> None:
    p = time_pattern("Users", [math.nan, math.nan], [1, 2], [0, 0], [5, 5])
    assert p.missing == "no data" and p.days == 0 and p.peak_hour is None
    assert all(math.isnan(x) for x in p.by_hour)
    hours, weekdays, days = hourly(7)
    values = np.where(hours < 6, math.nan, 5.0 + (hours == 14))
    q = time_pattern("Orders", list(values), list(hours), list(weekdays), list(days))
    assert q.peak_hour == 14 and q.dip_hour == 6 and math.isnan(q.by_hour[3])
    assert q.missing == "no data at 6 of the 24 hours"
    with pytest.raises(ValueError):
        time_pattern("x", [1.0], [24], [0], [1])
    with pytest.raises(ValueError):
        time_pattern("x", [1.0, 2.0], [1], [0], [1])


FLOW = [
    ("(entrance)", "/", 1000.0),
    ("www.google.com", "/item", 200.0),  # another site: an entrance
    ("/", "/search", 600.0),
    ("/search", "/item", 500.0),
    ("/item", "/checkout", 100.0),
    ("/checkout", "/thanks", 80.0),
]


def test_a_planted_exit_page_ranks_first() -> None:
    ranking = exit_pages(FLOW)
    assert ranking.missing == ""
    assert [p.page for p in ranking.pages] == ["/item", "/", "/search", "/thanks", "/checkout"]
    item = ranking.pages[0]
    assert (item.views, item.exits) == (700.0, 600.0)
    assert item.exit_rate == pytest.approx(600 / 700)
    assert item.previous_rate is None and item.change is None and item.trend == ""
    assert "www.google.com" not in {p.page for p in ranking.pages}
    assert [p.page for p in exit_pages(FLOW, limit=2).pages] == ["/item", "/"]


def test_exit_rates_get_better_or_worse_against_the_previous_period() -> None:
    previous = [("(entrance)", "/", 1000.0), ("/", "/item", 300.0), ("/", "/search", 200.0),
                ("/item", "/checkout", 150.0)]
    pages = {p.page: p for p in exit_pages(FLOW, previous).pages}
    assert pages["/item"].previous_rate == pytest.approx(0.5)
    assert pages["/item"].change == pytest.approx(600 / 700 - 0.5)
    assert pages["/item"].trend == "worse"
    assert pages["/"].previous_rate == pytest.approx(0.5)  # 1000 views, 500 onward
    assert pages["/"].change == pytest.approx(-0.1) and pages["/"].trend == "better"
    assert pages["/search"].previous_rate == 1.0  # 200 views, none onward


def test_explicit_exits_min_views_and_missing() -> None:
    explicit = [("(entrance)", "/", 100.0), ("/", "(exit)", 70.0), ("/", "/a", 20.0)]
    top = exit_pages(explicit).pages
    assert top[0].page == "/" and top[0].exits == 70.0
    assert [p.page for p in exit_pages(FLOW, min_views=300).pages] == ["/item", "/", "/search"]
    assert exit_pages([]).missing == "no behaviour flow in the period"
    assert exit_pages(FLOW, min_views=5000).missing == "no page with at least 5000 views"
    loop = [("/a", "/b", 10.0), ("/b", "/a", 10.0)]  # a truncated flow: every view goes on
    assert exit_pages(loop).missing == "no page of the flow ends a visit"


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_exit_ranking_does_not_depend_on_the_order_of_the_rows(data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.tuples(
        st.sampled_from(["(entrance)", "/", "/a", "/b", "example.org"]),
        st.sampled_from(["/", "/a", "/b", "/c"]),
        st.integers(1, 500).map(float)), max_size=10))
    shuffled = data.draw(st.permutations(rows))
    assert exit_pages(rows) == exit_pages(shuffled)
