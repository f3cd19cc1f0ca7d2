"""The insights panel's model (planted digests) and the digest on a real SQLite store."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from noc_board.core.insights.bottlenecks import RankedRoute, Ranking
from noc_board.core.insights.headroom import Headroom
from noc_board.core.panel_models.insights import (
    NO_ROUTE_DATA,
    CapacityReading,
    InsightsBody,
    capacity_line,
    change_words,
    insights_body,
    value_text,
    weeks_text,
    window_words,
)
from noc_board.core.samples import Sample
from noc_board.reports.insight_digest import NOT_CONFIGURED, InsightDigest, insight_digest
from noc_board.store import Store, open_store

from .insight_store import (
    DAY,
    FIVE,
    FOUR,
    NOW,
    P95,
    REQUESTS,
    ROUTES,
    SLOW_ROUTE,
    insights_config,
    plant_capacity,
    planted_store,
)

# --- the model, from planted digest parts -----------------------------------------------------


def ranked(route: str, value: float, share: float, impact: float,
           change: float | None = 0.0) -> RankedRoute:
    return RankedRoute(route, value, 100.0 * share, share, impact, None, change)


def headroom(status: str, peak: float | None = 0.62, days_used: int = 42,
             days_left: float | None = None, reason: str = "") -> Headroom:
    return Headroom("Checkout database", 0.85, status, reason, peak, 0.0, 1.0, 0.003, 0.1, 0.9,
                    2.0, None if days_left is None else NOW + days_left * DAY, days_used,
                    days_left)


SLOW = Ranking("slow", (ranked("/checkout", 1.8, 0.3, 39.0, 0.5),
                        ranked("/search", 0.45, 0.25, 0.0, None),
                        ranked("/", 0.3, 0.4, 0.0, 0.01)))
FIVEXX = Ranking("5xx", (ranked("/payment", 0.037, 0.06, 0.3),))
FOUR04 = Ranking("404", (ranked("/product", 0.04, 0.14, 0.8),))


def body(limit: int = 5, capacity: tuple[CapacityReading, ...] = (),
         routes_note: str = "") -> InsightsBody:
    return insights_body(SLOW, (FIVEXX, FOUR04), capacity, 0.5, limit, routes_note)


def test_the_slow_route_comes_first_then_the_error_leaders() -> None:
    lines = body().routes
    assert [r.route for r in lines] == ["/checkout", "/search", "/", "/payment", "/product"]
    top = lines[0]
    assert (top.value_text, top.tone) == ("1.8 s", "bad")
    assert top.why == "p95 · 30 % of traffic · up 50 %"
    assert lines[1].why.endswith("· new") and lines[1].tone == "ok"  # 450 ms, under the goal
    assert lines[2].why.endswith("· steady")
    assert (lines[3].value_text, lines[3].tone) == ("3.7 %", "bad")  # 5xx over 1 %
    assert lines[3].why.startswith("5xx share")
    assert (lines[4].value_text, lines[4].tone) == ("4.0 %", "warn")  # 404 between 1 and 5 %


def test_limit_keeps_the_error_leaders_and_at_least_one_slow_route() -> None:
    assert [r.route for r in body(limit=3).routes] == ["/checkout", "/payment", "/product"]
    assert [r.route for r in body(limit=2).routes] == ["/checkout", "/payment"]
    assert [r.route for r in body(limit=1).routes] == ["/checkout"]


def test_capacity_texts_for_every_status() -> None:
    def line(found: Headroom, peak: float | None = 0.62) -> tuple[str, str]:
        got = capacity_line(CapacityReading(found, "ratio", peak, 14))
        return got.text, got.tone

    assert line(headroom("projected", days_left=42.0)) == (
        "Checkout database · peak 62 % of 85 % · 85 % in ~6 weeks", "warn")
    assert line(headroom("projected", days_left=5.2))[1] == "bad"
    assert line(headroom("projected", days_left=5.2))[0].endswith("85 % in ~5 days")
    assert line(headroom("projected", days_left=120.0))[1] == "ok"
    assert line(headroom("over", peak=0.9), peak=0.7) == (
        "Checkout database · peak 70 % of 85 % · reached the limit", "bad")
    assert line(headroom("flat")) == (
        "Checkout database · peak 62 % of 85 % · no growth to project", "ok")
    assert line(headroom("distant"))[0].endswith("85 % not within a year")
    assert line(headroom("short", days_used=5)) == (
        "Checkout database · peak 62 % of 85 % · not enough history (5 of 14 days)", "")
    assert line(headroom("short", peak=None, days_used=5), peak=None) == (
        "Checkout database · not enough history (5 of 14 days)", "")
    assert line(headroom("missing", peak=None), peak=None) == (
        "Checkout database · no data yet", "")
    assert line(headroom("missing", peak=0.5))[0].endswith("no load figures to project from")
    # a fitted status with nothing in the last window says so
    assert "no figure in 24 h" in line(headroom("flat"), peak=None)[0]
    # the last window alone at the limit is bad whatever the fit says
    assert line(headroom("flat"), peak=0.86)[1] == "bad"


def test_missing_states_say_why_instead_of_a_blank() -> None:
    empty = insights_body(Ranking("slow", (), "no route traffic in the period"),
                          (Ranking("5xx", ()), Ranking("404", ())), (), 0.5, 5)
    assert empty.routes == () and empty.routes_note == NO_ROUTE_DATA
    assert empty.capacity_note == "no saturation metric configured"
    assert not empty.empty
    configured = body(routes_note=NOT_CONFIGURED)
    assert configured.routes == () and configured.routes_note == NOT_CONFIGURED
    assert InsightsBody().empty


def test_words() -> None:
    assert value_text(0.62, "ratio") == "62 %"
    assert value_text(0.055, "ratio") == "5.5 %"
    assert value_text(71.0, "percent") == "71 %"
    assert value_text(0.82, "seconds") == "820 ms"
    assert value_text(3.25, "count") == "3.25"
    assert change_words(None) == "new" and change_words(0.02) == "steady"
    assert change_words(-0.124) == "down 12 %"
    assert weeks_text(0.3) == "within a day" and weeks_text(1.2) == "~1 day"
    assert weeks_text(13.0) == "~13 days" and weeks_text(43.0) == "~6 weeks"
    assert window_words(DAY) == "24 h" and window_words(7 * DAY) == "7 d"


# --- the digest, on a real store --------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = planted_store(tmp_path)
    yield s
    s.close()


def lines_of(digest: InsightDigest, limit: int = 5) -> InsightsBody:
    return insights_body(digest.slow, digest.errors, digest.capacity, digest.goal, limit,
                         digest.routes_note, digest.capacity_note, digest.window)


def test_digest_names_the_planted_slow_route_and_error_leaders(store: Store) -> None:
    digest = insight_digest(store.rollups, insights_config(), "Europe/Berlin", NOW)
    assert digest.missing == "" and digest.computed_at == NOW and digest.window == DAY
    top = digest.slow.routes[0]
    assert top.route == SLOW_ROUTE
    assert top.value == pytest.approx(1.8)
    assert top.previous == pytest.approx(1.2, rel=0.05)  # the day before
    assert digest.errors_5xx.routes[0].route == "/payment"
    assert digest.errors_404.routes[0].route == "/product"
    shown = lines_of(digest)
    assert shown.routes[0].route == SLOW_ROUTE and shown.routes[0].tone == "bad"
    assert len(shown.routes) == 5


def test_digest_projects_the_grown_target_and_refuses_the_short_one(store: Store) -> None:
    digest = insight_digest(store.rollups, insights_config(), "UTC", NOW)
    db, cpu = digest.capacity
    assert db.headroom.name == "Checkout database" and db.headroom.status == "projected"
    assert db.headroom.days_left is not None and 7 < db.headroom.days_left < 365
    assert db.peak is not None and 0.5 < db.peak < 0.85
    assert cpu.headroom.status == "short" and cpu.headroom.days_used in (5, 6)
    texts = [c.text for c in lines_of(digest).capacity]
    assert texts[0].startswith("Checkout database · peak ")
    assert " in ~" in texts[0]
    assert f"not enough history ({cpu.headroom.days_used} of 14 days)" in texts[1]


def test_an_empty_store_says_no_route_data_yet(tmp_path: Path) -> None:
    with open_store(tmp_path / "empty.sqlite") as empty:
        digest = insight_digest(empty.rollups, insights_config(), "UTC", NOW)
    assert digest.missing == ""
    shown = lines_of(digest)
    assert shown.routes == () and shown.routes_note == NO_ROUTE_DATA
    assert [c.text for c in shown.capacity] == ["Checkout database · no data yet",
                                                "Search CPU · no data yet"]


def test_route_metrics_not_configured(store: Store) -> None:
    digest = insight_digest(store.rollups, insights_config(route_requests=""), "UTC", NOW)
    assert digest.routes_note == NOT_CONFIGURED
    assert lines_of(digest).routes_note == NOT_CONFIGURED
    assert len(digest.capacity) == 2  # capacity does not need the routes


def test_a_failing_store_answers_no_data_instead_of_raising(tmp_path: Path) -> None:
    broken = planted_store(tmp_path)
    broken.db.conn.execute("DROP TABLE rollup_hour")  # an sqlite3.OperationalError on read
    digest = insight_digest(broken.rollups, insights_config(), "UTC", NOW)
    assert digest.missing.startswith("the store cannot be read: ")
    assert "rollup_hour" in digest.missing
    broken.close()
    closed = insight_digest(broken.rollups, insights_config(), "UTC", NOW)  # a StoreError
    assert "is closed" in closed.missing
    assert closed.slow.routes == () and closed.capacity == ()


def test_the_digest_of_six_weeks_is_cheap(tmp_path: Path) -> None:
    """Six weeks of hourly rows for 8 routes x 4 metrics and three capacity metrics."""
    with open_store(tmp_path / "weeks.sqlite") as weeks:
        samples = []
        first = int((NOW - 42 * DAY) // 3600) * 3600
        for route, (rps, p95, _, fivexx, notfound) in ROUTES.items():
            for metric, value in ((REQUESTS, rps), (P95, p95), (FIVE, fivexx), (FOUR, notfound)):
                samples += [Sample(f"{metric}#{route}", first + 3600.0 * i + 1800.0, value)
                            for i in range(42 * 24)]
        weeks.rollups.add(samples)
        plant_capacity(weeks, NOW, days=42, short_days=42)
        config = insights_config()
        took = []
        for _ in range(3):
            started = time.perf_counter()
            digest = insight_digest(weeks.rollups, config, "Europe/Berlin", NOW)
            took.append(time.perf_counter() - started)
    assert digest.slow.routes[0].route == SLOW_ROUTE
    assert all(c.headroom.status != "short" for c in digest.capacity)
    assert min(took) < 0.5, took  # measured about 11 ms on the 2-core CI machine
    assert all(c.peak is not None and math.isfinite(c.peak) for c in digest.capacity)
