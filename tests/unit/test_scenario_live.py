"""The live demo scenario: history before now, then something to see every few minutes."""

from __future__ import annotations

import itertools

from noc_board.demo.live import live_demo_scenario

NOW = 1_780_000_123.4


def test_it_starts_two_days_before_now_with_default_baseline() -> None:
    s = live_demo_scenario(NOW)
    assert NOW - 2 * 86400 - 60 < s.start <= NOW - 2 * 86400
    assert s.end > NOW + 30 * 86400  # a demo left running for weeks stays in the scenario
    assert s.baseline.active_users == 1500


def test_the_history_is_calm_and_incidents_start_within_two_minutes() -> None:
    s = live_demo_scenario(NOW)
    assert s.incident_windows(s.start, NOW) == []
    first = s.incident_windows(NOW, NOW + 3600)[0]
    assert NOW < first.start <= NOW + 150


def test_each_kind_recurs_and_something_is_visible_every_few_minutes() -> None:
    s = live_demo_scenario(NOW)
    kinds = {(i.kind, i.target) for i in s.incidents}
    assert kinds == {("errors", "checkout"), ("latency", "web"), ("payment_declines", None),
                     ("traffic_drop", None), ("outage", "search"), ("source_down", "ga4")}
    day_later = NOW + 86400
    windows = s.incident_windows(day_later, day_later + 3600)
    assert {w.kind for w in windows} == {k for k, _ in kinds}
    assert all(60 <= w.end - w.start <= 120 for w in windows)
    starts = [w.start for w in windows]
    assert max(b - a for a, b in itertools.pairwise(starts)) <= 180
    assert all(a.end <= b.start for a, b in itertools.pairwise(windows))
