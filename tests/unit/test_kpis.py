"""The KPI catalogue: complete, consistent with the connectors, and its formulas exact."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from noc_board.config.insight_checks import is_breakdown
from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core import kpi_formulas as kf
from noc_board.core.kpi_types import DIRECTIONS, KNOWN_KINDS, UNITS
from noc_board.core.kpis import CATALOGUE, MISSION, by_id, covering, ids, markdown, providers_for
from noc_board.sources.ga4_reports import is_known as ga4_knows
from noc_board.sources.stripe_figures import MEASURES as STRIPE_MEASURES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_every_entry_is_complete_and_ids_are_unique() -> None:
    assert len(set(ids())) == len(CATALOGUE)
    for kpi in CATALOGUE:
        assert kpi.id.count(".") == 1 and kpi.name and kpi.definition.endswith((".", ")"))
        assert kpi.unit in UNITS and kpi.good in DIRECTIONS, kpi.id
        assert kpi.providers, kpi.id
        assert {p.kind for p in kpi.providers} <= set(KNOWN_KINDS), kpi.id
        assert set(kpi.mission) <= set(MISSION), kpi.id
        for p in kpi.providers:
            assert bool(p.measure) != bool(p.query), (kpi.id, p)


def test_every_mission_kpi_has_a_source() -> None:
    for item in MISSION:
        kpis = covering(item)
        assert kpis, item
        assert any(k.providers for k in kpis), item


def test_the_connectors_compute_every_measure_the_catalogue_names() -> None:
    for kpi, provider in providers_for("stripe"):
        assert provider.measure in STRIPE_MEASURES, kpi.id
    for kpi, provider in providers_for("ga4"):
        assert ga4_knows(provider.measure), kpi.id
    assert by_id("users.bounce_rate") is not None and by_id("nope") is None


def test_the_definitions_name_what_the_reference_asks_for() -> None:
    def text(kpi_id: str) -> str:
        kpi = by_id(kpi_id)
        assert kpi is not None
        return kpi.definition

    assert "longer than 10 seconds" in text("users.engaged_sessions")
    assert "1 − engagement rate" in text("users.bounce_rate")
    assert "28 days" in text("users.mau") and "30-day" in text("users.dau_per_mau")
    assert "Orders ÷ sessions" in text("sales.conversion_session")
    assert "Purchasers ÷ active users" in text("sales.conversion_user")
    assert "Revenue ÷ number of orders" in text("sales.aov")
    assert "Refunds ÷ orders" in text("sales.refund_rate_count")
    assert "Refunded value ÷ gross volume" in text("sales.refund_rate_value")
    assert "unique attempts" in text("payments.decline_rate")
    assert "(satisfied + tolerating ÷ 2) ÷ all requests" in text("health.apdex")
    assert "95th percentile" in text("health.response_time")


ROUTE_TABLES = ("health.route_response_time", "health.route_requests",
                "health.route_errors_5xx", "health.route_errors_404")


def test_the_route_tables_are_breakdowns_by_route_in_every_provider() -> None:
    for kpi_id in ROUTE_TABLES:
        kpi = by_id(kpi_id)
        assert kpi is not None and kpi.table, kpi_id
        recipes = [p.query for p in kpi.providers if p.kind == "prometheus"]
        assert any("by (route)" in q or "by (le, route)" in q for q in recipes), kpi_id
        for p in kpi.providers:  # each query groups: without the kpi, a breakdown too
            metric = MetricConfig(id="m", source="s", query=p.query,
                                  by="route" if p.kind == "prometheus" else "")
            assert is_breakdown(metric, SourceConfig(name="s", kind=p.kind, url="")), p
    p95 = by_id("health.route_response_time")
    assert p95 is not None and p95.unit == "seconds" and p95.good == "down"
    assert p95.providers[0].query.startswith("histogram_quantile(0.95, sum by (le, route)")
    assert [k.unit for k in CATALOGUE if k.id in ROUTE_TABLES[1:]] == ["per_second"] * 3
    db = by_id("health.db_connections")
    assert db is not None and (db.unit, db.good, db.table) == ("ratio", "down", False)
    assert db in covering("database performance")


def test_docs_kpis_md_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "docs/kpis.md is stale: python -m noc_board.config.kpi_reference docs/kpis.md")


# -- formulas -------------------------------------------------------------------------------


def test_engagement_and_bounce() -> None:
    assert kf.is_engaged_session(10.5, 0, 1)
    assert not kf.is_engaged_session(10.0, 0, 1)  # longer than 10 s, not 10 s
    assert kf.is_engaged_session(3, 1, 1) and kf.is_engaged_session(3, 0, 2)
    assert kf.engagement_rate(58, 100) == 0.58
    assert kf.bounce_rate(100, 58) == pytest.approx(0.42)
    assert kf.bounce_rate(100, 58) == pytest.approx(1 - kf.engagement_rate(58, 100))
    assert math.isnan(kf.bounce_rate(0, 0))  # no sessions: no number, not 0 %
    assert kf.pages_per_session(425, 100) == 4.25


def test_conversion_is_named_session_or_user_based() -> None:
    orders, sessions, purchasers, users = 28, 1000, 26, 700
    session_based = kf.conversion_rate_session(orders, sessions)
    user_based = kf.conversion_rate_user(purchasers, users)
    assert session_based == 0.028 and user_based == pytest.approx(0.0371, abs=1e-4)
    assert user_based > session_based
    assert kf.stickiness(1532, 15320) == 0.1


def test_order_value_and_refund_rates() -> None:
    assert kf.average_order_value(4200.0, 100) == 42.0
    assert math.isnan(kf.average_order_value(0.0, 0))
    assert kf.refund_rate_by_count(4, 100) == 0.04
    assert kf.refund_rate_by_value(150.0, 4200.0) == pytest.approx(0.0357, abs=1e-4)


def test_declines_count_unique_attempts() -> None:
    charges = [("pi_a", False), ("pi_a", False), ("pi_a", True),  # declined twice, then paid
               ("pi_b", False), ("pi_b", False), ("pi_b", False),  # declined three times
               ("pi_c", True), ("ch_d", True)]  # a charge without an intent is its own
    assert kf.unique_attempts(charges) == (1, 4)
    assert kf.decline_rate_unique(charges) == 0.25
    assert math.isnan(kf.decline_rate_unique([]))


def test_availability_uptime_downtime() -> None:
    assert kf.availability(999, 1000) == 0.999
    assert kf.uptime_percent(86_313.6, 86_400) == pytest.approx(99.9)
    month = 30 * 86_400  # the reference's table: 99.9 % allows 43.2 minutes a month
    assert kf.downtime_seconds(0.999, month) / 60 == pytest.approx(43.2)
    assert kf.downtime_seconds(0.9999, 7 * 86_400) / 60 == pytest.approx(1.008)
    assert kf.downtime_seconds(0.99, 86_400) / 60 == pytest.approx(14.4)


def test_apdex() -> None:
    assert kf.apdex(60, 30, 100) == 0.75
    durations = [0.1, 0.2, 0.5, 0.6, 1.9, 2.0, 2.1, 5.0]  # T = 0.5 s: 4T = 2 s
    assert kf.apdex_of(durations, 0.5) == (3 + 3 / 2) / 8
    assert kf.apdex_of(durations, 0.5, errors=2) == (3 + 3 / 2) / 10
    assert math.isnan(kf.apdex_of([], 0.5))


def test_percentiles_and_histograms() -> None:
    values = [float(v) for v in range(1, 101)]
    assert kf.percentile(values, 0.5) == 50.5
    assert kf.percentile(values, 0.95) == pytest.approx(95.05)
    assert kf.percentile([3.0], 0.99) == 3.0 and math.isnan(kf.percentile([], 0.5))
    with pytest.raises(ValueError):
        kf.percentile(values, 1.5)
    # 100 requests: 50 under 0.1 s, 40 more under 0.3 s, 10 more under 1 s
    buckets = [(0.1, 50.0), (0.3, 90.0), (1.0, 100.0), (math.inf, 100.0)]
    assert kf.histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    assert kf.histogram_quantile(0.7, buckets) == pytest.approx(0.2)
    assert kf.histogram_quantile(0.95, buckets) == pytest.approx(0.65)
    assert kf.histogram_quantile(0.99, [(0.1, 1.0), (math.inf, 2.0)]) == 0.1
    assert math.isnan(kf.histogram_quantile(0.5, [(0.1, 0.0), (math.inf, 0.0)]))


def test_funnel() -> None:
    counts = [1000.0, 600.0, 150.0, 30.0]
    assert kf.funnel_dropoff(counts) == pytest.approx([0.4, 0.75, 0.8])
    assert kf.funnel_completion(counts) == 0.03
    assert kf.funnel_dropoff([100.0, 120.0]) == pytest.approx([-0.2])  # open funnels grow
    assert math.isnan(kf.funnel_completion([5.0]))
