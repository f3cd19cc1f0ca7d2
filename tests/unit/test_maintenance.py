"""Maintenance windows: when they are on, what they match, and suppression in the book."""

import datetime as dt

import pytest

from noc_board.config.loader import ConfigError, parse_config
from noc_board.config.schema import MaintenanceConfig, RuleConfig
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.alarms import AlarmState
from noc_board.core.maintenance import MaintenanceWindow, Match, window_from_config
from noc_board.core.samples import Sample


def utc(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def test_one_off_window() -> None:
    w = MaintenanceWindow.one_off("patch", utc("2026-01-10T02:00"), utc("2026-01-10T04:00"))
    assert w.occurrence(utc("2026-01-10T01:59")) is None
    assert w.occurrence(utc("2026-01-10T02:00")) == (utc("2026-01-10T02:00"),
                                                      utc("2026-01-10T04:00"))
    assert w.occurrence(utc("2026-01-10T04:00")) is None
    with pytest.raises(ValueError):
        MaintenanceWindow.one_off("x", 10.0, 10.0)


def test_weekly_window_in_local_time_across_midnight_and_daylight_saving() -> None:
    # Saturdays 23:00 Berlin time for 3 hours: into Sunday
    w = MaintenanceWindow.weekly("backup", ["sat"], "23:00", 3 * 3600, "Europe/Berlin")
    winter_start = utc("2026-01-10T22:00")  # 23:00 CET
    assert w.occurrence(winter_start - 1) is None
    assert w.occurrence(utc("2026-01-11T00:30")) == (winter_start, winter_start + 3 * 3600)
    assert w.occurrence(winter_start + 3 * 3600) is None
    summer_start = utc("2026-07-11T21:00")  # 23:00 CEST
    assert w.occurrence(summer_start + 60) == (summer_start, summer_start + 3 * 3600)
    assert w.occurrence(utc("2026-07-08T21:30")) is None  # a Wednesday
    with pytest.raises(ValueError, match="unknown day"):
        MaintenanceWindow.weekly("x", ["someday"], "02:00", 60)


def test_matching_by_rule_metric_and_route_globs() -> None:
    w = MaintenanceWindow.one_off("w", 0, 10, Match(rules=("checkout-*",), routes=("tech",)))
    assert w.matches("checkout-errors", "any.metric", "tech")
    assert not w.matches("checkout-errors", "any.metric", "marketing")  # every list must match
    assert not w.matches("search-down", "any.metric", "tech")
    everything = MaintenanceWindow.one_off("all", 0, 10)
    assert everything.matches("x", "y", "")


def test_config_to_window_uses_the_board_zone_by_default() -> None:
    cfg = MaintenanceConfig(name="n", days=["sun"], at="03:00", duration=1800.0,
                            metrics=["health.*"])
    w = window_from_config(cfg, "America/New_York")
    assert w.zone == "America/New_York" and w.metrics == ("health.*",)
    start = utc("2026-01-11T08:00")  # 03:00 EST
    assert w.occurrence(start + 60) == (start, start + 1800)


def book(windows: list[MaintenanceWindow]) -> AlarmBook:
    rules = [RuleConfig(id="checkout-errors", metric="err", level=0.05, route="tech"),
             RuleConfig(id="refunds", metric="ref", level=0.2, route="customer-service")]
    return AlarmBook(rules, maintenance=windows)


def test_a_matching_alarm_is_suppressed_recorded_and_comes_back_after_the_window() -> None:
    w = MaintenanceWindow.one_off("db-patch", 100.0, 200.0,
                                  Match(routes=("tech",), comment="db upgrade"))
    b = book([w])
    assert b.tick(50.0) == []
    events = b.tick(100.0)
    assert [(e.key, e.event, e.actor, e.comment, e.until) for e in events] == [
        ("checkout-errors", "suppressed", "maintenance:db-patch", "db upgrade", 200.0)]
    assert b.alarm("refunds").state is AlarmState.NORMAL  # another route: not covered
    # the condition comes during the window: recorded, silent
    events = b.observe([Sample("err", 150.0, 0.4), Sample("ref", 150.0, 0.5)])
    assert sorted((e.key, e.event) for e in events) == [("checkout-errors", "raised_suppressed"),
                                                        ("refunds", "raised")]
    alarm = b.alarm("checkout-errors")
    assert alarm.state is AlarmState.SUPPRESSED and alarm.active and not alarm.needs_attention
    # the window ends with the condition still there: it comes back unacknowledged
    events = b.tick(200.0)
    assert [(e.key, e.event) for e in events] == [("checkout-errors", "unsuppressed")]
    assert b.alarm("checkout-errors").state is AlarmState.UNACKED


def test_an_alarm_that_cleared_during_the_window_comes_back_normal() -> None:
    b = book([MaintenanceWindow.one_off("w", 100.0, 200.0, Match(rules=("checkout-*",)))])
    b.tick(100.0)
    b.observe([Sample("err", 120.0, 0.4)])
    events = b.observe([Sample("err", 140.0, 0.0)])
    assert [e.event for e in events] == ["cleared_suppressed"]
    b.tick(200.0)
    assert b.alarm("checkout-errors").state is AlarmState.NORMAL


def test_the_window_starts_on_the_first_sample_inside_it_too() -> None:
    b = book([MaintenanceWindow.one_off("w", 100.0, 200.0, Match(metrics=("err",)))])
    events = b.observe([Sample("err", 150.0, 0.4)])
    assert [e.event for e in events] == ["suppressed", "raised_suppressed"]


BASE = """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://x"

[[metrics]]
id = "errors"
source = "prom"
query = "q"

[[rules]]
id = "errs"
metric = "errors"
level = 0.1
"""


def test_configuration_checks_of_maintenance_windows() -> None:
    good = BASE + """
[[maintenance]]
name = "weekly"
days = ["sat", "sun"]
at = "02:00"
duration = "2h"
rules = ["err*"]

[[maintenance]]
name = "once"
start = "2026-01-10T02:00:00Z"
end = "2026-01-10T04:00:00+01:00"
metrics = ["errors"]
"""
    config = parse_config(good, "c.toml")
    assert [m.name for m in config.maintenance] == ["weekly", "once"]
    bad = BASE + """
[[maintenance]]
name = "mixed"
start = "2026-01-10T02:00:00Z"
days = ["sat"]

[[maintenance]]
name = "weekly"
days = ["saturday", "funday"]
at = "25:00"
duration = "0s"
timezone = "Europe/Berln"
rules = ["erss"]

[[maintenance]]
name = "once"
start = "2026-01-10T02:00:00"
end = "yesterday"
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(bad, "c.toml")
    messages = [f"{i.key}: {i.message}" for i in caught.value.errors]
    assert any(m.startswith("maintenance[0]: give either start and end") for m in messages)
    assert "maintenance[1].days[1]: unknown day 'funday'; use mon, tue, wed, thu, fri, sat, sun" \
        in messages
    assert any(m.startswith("maintenance[1].at: '25:00' is not a time of day") for m in messages)
    assert any(m.startswith("maintenance[1].duration: required") for m in messages)
    assert any(m.startswith("maintenance[1].timezone: unknown time zone 'Europe/Berln'")
               for m in messages)
    assert any(m.startswith("maintenance[1].rules[0]: 'erss' matches no rule; did you mean "
                            "'errs'?") for m in messages)
    assert any(m.startswith("maintenance[2].start:") and "no time zone" in m for m in messages)
    assert any(m.startswith("maintenance[2].end:") for m in messages)
