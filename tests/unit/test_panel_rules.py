"""Pure rules every panel shares: freshness, comparison periods, threshold levels, rotation."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from noc_board.config.schema import MetricConfig, PanelConfig, RuleConfig
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.panel_model import tile_state
from noc_board.core.panel_models.compare import compare_caption, compare_moment, tolerance
from noc_board.core.panel_models.freshness import freshness
from noc_board.core.panel_models.rotation import Rotation
from noc_board.core.panel_models.thresholds import bands, breached, thresholds_for
from noc_board.core.series import RingSeries

BERLIN = ZoneInfo("Europe/Berlin")


def at(year: int, month: int, day: int, hour: int, minute: int,
       tz: dt.tzinfo = dt.UTC) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz).timestamp()


# --- freshness -------------------------------------------------------------------------------


def test_freshness_statuses() -> None:
    ok = SourceHealth("s", HealthState.OK)
    assert freshness(ok, 95.0, 100.0, 30.0).status == "ok"
    stale = freshness(SourceHealth("s", HealthState.DEGRADED, "HTTP 503"), 0.0, 100.0, 30.0)
    assert (stale.status, stale.reason) == ("stale", "stale: no data for 1m (s: HTTP 503)")
    down = freshness(SourceHealth("s", HealthState.DOWN, "timeout"), 40.0, 100.0, 30.0)
    assert (down.status, down.reason) == ("failing", "source down: s: timeout (no data for 1m)")
    never = freshness(ok, math.nan, 100.0, 30.0)
    assert (never.status, never.age_text, never.age_seconds) == ("nodata", "no data", None)
    assert freshness(ok, 99.0, 100.0, 30.0, has_value=False).reason == "the source sent no number"


# --- comparison periods ----------------------------------------------------------------------


def test_compare_moments() -> None:
    t = at(2026, 3, 31, 12, 0)
    assert compare_moment("previous_period", 1800, t, dt.UTC) == t - 1800
    assert compare_moment("day", 1800, t, dt.UTC) == t - 86400
    assert compare_moment("week", 1800, t, dt.UTC) == t - 7 * 86400
    assert compare_moment("month", 1800, t, dt.UTC) == at(2026, 2, 28, 12, 0)  # clamped
    assert compare_moment("year", 1800, t, dt.UTC) == t - 364 * 86400  # same weekday
    assert dt.datetime.fromtimestamp(compare_moment("year", 0, t, dt.UTC), dt.UTC).weekday() \
        == dt.datetime.fromtimestamp(t, dt.UTC).weekday()


def test_a_month_back_keeps_the_wall_clock_across_a_dst_change() -> None:
    t = at(2026, 4, 15, 9, 0, tz=BERLIN)  # summer time
    earlier = compare_moment("month", 0, t, BERLIN)
    assert dt.datetime.fromtimestamp(earlier, BERLIN).hour == 9  # winter time, still 09:00
    assert t - earlier == 31 * 86400 - 3600


def test_captions_and_tolerance() -> None:
    assert compare_caption("month", 0) == "vs last month"
    assert compare_caption("year", 0) == "vs last year"
    assert compare_caption("previous_period", 900) == "vs 15m ago"
    assert tolerance(600) == 60
    assert tolerance(364 * 86400) == 3600  # never more than an hour off


def test_tile_compares_with_history_when_the_ring_does_not_reach_back() -> None:
    metric = MetricConfig(id="m", source="s", unit="count", good="up")
    panel = PanelConfig(kind="stat", metrics=["m"], compare="week")
    series = RingSeries(10)
    series.append(1000.0, 120.0)
    health = SourceHealth("s", HealthState.OK, last_success=1000.0)
    without = tile_state(metric, panel, series, health, [], 1000.0, 60.0)
    assert without.change_text == ""  # nothing honest to say
    state = tile_state(metric, panel, series, health, [], 1000.0, 60.0, history_reference=100.0)
    assert (state.change_text, state.change_good) == ("▲ 20.0%", True)


# --- thresholds ------------------------------------------------------------------------------

RULES = [
    RuleConfig(id="warn", metric="m", op="above", level=0.02, severity="warning"),
    RuleConfig(id="crit", metric="m", op="above", level=0.05, severity="critical"),
    RuleConfig(id="low", metric="m", op="below", level=0.001, severity="info"),
    RuleConfig(id="other", metric="n", op="above", level=1.0, severity="critical"),
]


def test_thresholds_of_a_metric_and_what_a_value_breaches() -> None:
    levels = thresholds_for("m", RULES)
    assert [t.rule for t in levels] == ["low", "warn", "crit"]  # least severe first
    assert breached(0.01, levels) is None
    assert breached(0.03, levels).rule == "warn"  # type: ignore[union-attr]
    assert breached(0.09, levels).rule == "crit"  # type: ignore[union-attr]
    assert breached(0.0, levels).rule == "low"  # type: ignore[union-attr]
    assert breached(math.nan, levels) is None


def test_tile_takes_the_colour_of_the_level_and_says_it() -> None:
    metric = MetricConfig(id="m", source="s", unit="ratio", good="down")
    panel = PanelConfig(kind="stat", metrics=["m"])
    series = RingSeries(10)
    series.append(100.0, 0.06)
    health = SourceHealth("s", HealthState.OK, last_success=100.0)
    levels = thresholds_for("m", RULES)
    state = tile_state(metric, panel, series, health, [], 100.0, 60.0, thresholds=levels)
    assert (state.level, state.level_text) == ("critical", "▲ over 5.00% · critical")
    stale = tile_state(metric, panel, series, health, [], 500.0, 60.0, thresholds=levels)
    assert stale.level == ""  # a stale value paints no threshold colour


def test_bands_cover_the_region_beyond_each_level_inside_the_range() -> None:
    levels = thresholds_for("m", RULES)
    drawn = bands(levels, 0.0, 0.04)
    assert [(b.low, b.high, b.severity) for b in drawn] == [
        (0.0, 0.001, "info"), (0.02, 0.04, "warning")]  # 5% is above the range
    assert bands(levels, math.nan, 1.0) == []


# --- rotation --------------------------------------------------------------------------------


def test_rotation_advances_on_each_page_time() -> None:
    r = Rotation([0.0, 20.0, 0.0], default=10.0, idle_resume=60.0, alarm_hold=120.0, now=0.0)
    assert r.durations == [10.0, 20.0, 10.0]
    assert r.due(9.0) is None
    assert r.due(10.0) == 1
    assert r.due(29.0) is None and r.due(30.0) == 2
    assert r.due(40.0) == 0
    assert r.status_text(45.0) == "next 5s"


def test_rotation_is_off_with_one_page_or_no_time() -> None:
    assert not Rotation([30.0], 30.0, 60, 120, 0).enabled
    off = Rotation([0.0, 0.0], 0.0, 60, 120, 0)
    assert not off.enabled and off.due(1e9) is None and off.status_text(5) == ""
    mixed = Rotation([0.0, 45.0], 0.0, 60, 120, 0)  # only the second page has a time
    assert mixed.due(1e9) is None and mixed.status_text(5) == ""
    mixed.show(1, 10.0)
    assert mixed.status_text(20.0) == "next 35s" and mixed.due(55.0) is None  # nowhere to go


def test_an_operator_holds_the_page_until_idle() -> None:
    r = Rotation([10.0, 10.0], 10.0, idle_resume=60.0, alarm_hold=120.0, now=0.0)
    r.touched(5.0)
    assert r.due(30.0) is None
    assert r.status_text(30.0) == "‖ operator 35s"
    r.touched(50.0)
    assert r.due(100.0) is None
    assert r.due(110.0) == 1


def test_space_pauses_until_pressed_again() -> None:
    r = Rotation([10.0, 10.0], 10.0, 60.0, 120.0, 0.0)
    assert r.toggle_pause(1.0) is True
    assert r.due(1000.0) is None and r.status_text(1000.0) == "‖ paused (Space)"
    assert r.toggle_pause(1000.0) is False
    assert r.due(1009.0) is None  # a resumed page gets its full time
    assert r.due(1010.0) == 1


def test_a_new_alarm_jumps_and_holds() -> None:
    r = Rotation([10.0, 10.0, 10.0], 10.0, 60.0, alarm_hold=120.0, now=0.0)
    assert r.jump(2, 5.0) == 2
    assert r.due(100.0) is None
    assert r.status_text(100.0) == "‖ alarm 25s"
    assert r.due(125.0) == 0
    assert Rotation([], 10.0, 60.0, 120.0, 0.0).due(100.0) is None  # no pages, no crash


def test_ages_under_a_minute_move_in_five_second_steps() -> None:
    from noc_board.core.panel_models.freshness import age_text

    assert [age_text(100.0 + d, 100.0) for d in (0, 4.9, 5, 14, 59, 60, 3700)] == [
        "just now", "just now", "5s ago", "10s ago", "55s ago", "1m ago", "1h 1m ago"]
    assert age_text(100.0, math.nan) == "no data"
    assert age_text(90.0, 100.0) == "just now"  # a clock a little behind the source's
