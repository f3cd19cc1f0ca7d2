"""What changed: paired tests of each KPI against a reference period (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from noc_board.core.insights.changes import (
    Event,
    KpiSeries,
    concentration,
    find_changes,
    overlapping,
    paired_t,
)

HOUR = 3_600.0
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
N = 14 * 24  # two weeks of hourly buckets
STARTS = [T0 + i * HOUR for i in range(N)]
HOUR_OF = np.arange(N) % 24
AFTERNOON = (HOUR_OF >= 12) & (HOUR_OF <= 18)


def kpis(good: str = "up", factor: float = 1.3, seed: int = 11) -> list[KpiSeries]:
    """Eight KPIs with a daily shape and 5 % noise on both sides; the first ("Orders") has
    `factor` x its reference in the afternoons (12:00-19:00) of the period."""
    rng = np.random.default_rng(seed)
    shape = 1 + 0.5 * np.cos((HOUR_OF - 15) / 24 * 2 * np.pi)
    out = []
    for k, name in enumerate(["orders", "revenue", "users", "sessions", "conversion",
                              "refunds", "declines", "latency"]):
        level = 100.0 * (k + 1)
        reference = level * shape * (1 + rng.normal(0, 0.05, N))
        values = level * shape * (1 + rng.normal(0, 0.05, N))
        if k == 0:
            values = np.where(AFTERNOON, values * factor, values)
        out.append(KpiSeries(name, name.capitalize(), good if k == 0 else "up",
                             list(values), list(reference)))
    return out


def test_exactly_the_planted_change_is_found_and_it_is_the_afternoon() -> None:
    scan = find_changes(kpis(), "previous two weeks", STARTS, HOUR)
    assert scan.missing == ()
    assert [c.metric for c in scan.changes] == ["orders"]
    change = scan.changes[0]
    assert change.label == "Orders" and change.against == "previous two weeks"
    assert change.direction == "up" and change.verdict == "good"
    share = 0.3 * float(np.cos((np.arange(12, 19) - 15) / 24 * 2 * np.pi).sum() * 0.5 + 7) / 24
    assert change.change == pytest.approx(share, abs=0.01)  # +30 % on ~41 % of the volume
    assert change.current == pytest.approx(change.reference * (1 + change.change))
    assert change.score > 3
    assert 1 <= len(change.buckets) <= 6
    assert all(AFTERNOON[b] for b in change.buckets)
    assert list(change.buckets) == sorted(change.buckets)


def test_the_verdict_follows_the_kpis_good_direction() -> None:
    assert find_changes(kpis(good="down"), "w", STARTS, HOUR).changes[0].verdict == "bad"
    assert find_changes(kpis(good="none"), "w", STARTS, HOUR).changes[0].verdict == "neutral"
    drop = find_changes(kpis(good="down", factor=0.6), "w", STARTS, HOUR).changes[0]
    assert drop.direction == "down" and drop.verdict == "good" and drop.change < -0.1
    assert drop.score < -3 and all(AFTERNOON[b] for b in drop.buckets)


def test_an_overlapping_event_is_named_and_a_distant_one_is_not() -> None:
    first = find_changes(kpis(), "w", STARTS, HOUR).changes[0]
    at = STARTS[first.buckets[0]]
    night = STARTS[3]  # 03:00 on the first day: no afternoon bucket
    events = [Event("incident #3 Checkout down", at + 600, at + 1200),
              Event("alarm db-cpu (warning)", night, night + HOUR),
              Event("alarm edge (critical)", at - HOUR, at)]  # ends where the bucket starts
    change = find_changes(kpis(), "w", STARTS, HOUR, events).changes[0]
    assert change.buckets == first.buckets
    assert change.overlaps == ("incident #3 Checkout down",)


def test_overlap_is_half_open_and_instants_fall_in_their_bucket() -> None:
    starts = [0.0, 100.0, 200.0]
    events = [Event("b", 150.0, 150.0), Event("a", 50.0, 101.0), Event("c", 200.0, 250.0),
              Event("a", 120.0, 130.0), Event("edge", 0.0, 100.0)]
    assert overlapping(events, [1], starts, 100.0) == ("a", "b")
    assert overlapping(events, [2], starts, 100.0) == ("c",)
    assert overlapping(events, [0, 2], starts, 100.0) == ("edge", "a", "c")  # by start


def test_a_reference_without_data_or_too_few_buckets_is_missing() -> None:
    series = kpis()
    year_ago = KpiSeries("orders", "Orders", "up", series[0].values, [math.nan] * N)
    few = KpiSeries("users", "Users", "up", [1.0] * 3 + [math.nan] * (N - 3),
                    [2.0] * N)
    none = KpiSeries("refunds", "Refunds", "down", [math.nan] * N, [1.0] * N)
    scan = find_changes([year_ago, few, none, *series[1:]], "same weeks last year", STARTS, HOUR)
    assert scan.changes == ()
    assert scan.missing == ("Orders: no data for the same weeks last year",
                            "Users: only 3 buckets with data on both sides (needs 6)",
                            "Refunds: no data in the period")
    with pytest.raises(ValueError):
        find_changes([KpiSeries("x", "X", "up", [1.0], [1.0, 2.0])], "w", [0.0], HOUR)


def test_a_large_but_noisy_change_is_not_significant_and_a_clear_small_one_neither() -> None:
    rng = np.random.default_rng(5)
    reference = 100 + rng.normal(0, 80, 24)
    noisy = KpiSeries("x", "X", "up", list(reference + rng.normal(15, 80, 24)), list(reference))
    small = KpiSeries("y", "Y", "up", [101.0 + 0.01 * i for i in range(24)], [100.0] * 24)
    starts = [T0 + i * HOUR for i in range(24)]
    assert find_changes([noisy, small], "w", starts, HOUR).changes == ()
    assert find_changes([small], "w", starts, HOUR, min_effect=0.005).changes[0].score > 3


def test_paired_t_and_concentration_by_hand() -> None:
    assert paired_t(np.array([1.0, 2.0, 3.0])) == pytest.approx(2.0 / (1.0 / math.sqrt(3)))
    assert paired_t(np.array([2.0, 2.0])) == math.inf
    assert paired_t(np.array([-2.0, -2.0])) == -math.inf
    assert paired_t(np.array([0.0, 0.0])) == 0.0
    d = np.array([1.0, 10.0, -5.0, 6.0, 3.0])
    idx = np.array([0, 2, 4, 6, 8])
    # positives 1+10+6+3 = 20: 10 holds half
    assert concentration(d, idx, 1.0) == (2,)
    assert concentration(d, idx, -1.0) == (4,)
    even = np.ones(20)
    assert concentration(even, np.arange(20), 1.0, most=6) == (0, 1, 2, 3, 4, 5)
    assert concentration(even, np.arange(20), 1.0, most=15) == tuple(range(10))
