"""Capacity headroom: planted saturation trends with a known crossing (pure)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from noc_board.core.insights.headroom import Headroom, project_headroom

DAY = 86_400.0
HOUR = 3_600.0
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC, a day boundary
A, B = 0.1, 0.0004  # saturation = A + B x load


def headroom(name: str, times: Any, saturation: Any, load: Any, limit: float, now: float,
             **options: Any) -> Headroom:
    """project_headroom on plain lists, as the report builders pass them."""
    return project_headroom(name, list(map(float, times)), list(map(float, saturation)),
                            list(map(float, load)), limit, now, **options)


def profile(hour: np.ndarray) -> np.ndarray:
    """A daily shape peaking at 20:00 (1.0) and lowest at 08:00 (0.4)."""
    return 0.7 + 0.3 * np.cos((hour - 20) / 24 * 2 * np.pi)


def planted(days: int, base: float = 1000.0, growth: float = 20.0
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hourly (times, load, saturation): the daily peak load grows `growth` per day."""
    t = T0 + HOUR * np.arange(days * 24)
    day = np.floor((t - T0) / DAY)
    load = (base + growth * day) * profile((t - T0) / HOUR % 24)
    return t, load, A + B * load


def test_a_planted_linear_trend_crosses_when_expected() -> None:
    t, load, sat = planted(30)
    now = T0 + 30 * DAY
    h = headroom("Checkout database", t, sat, load, limit=0.85, now=now)
    assert h.status == "projected" and h.reason == ""
    # the peak load reaches (0.85 - 0.1) / 0.0004 = 1875 on day (1875 - 1000) / 20 = 43.75,
    # at the time of the day's peak hour (20:00)
    expected = T0 + 43.75 * DAY + 20 * HOUR
    assert h.crossing_ts is not None and abs(h.crossing_ts - expected) < HOUR
    assert h.days_left is not None
    assert h.days_left == pytest.approx((expected - now) / DAY, abs=1 / 24)
    assert h.slope == pytest.approx(B) and h.intercept == pytest.approx(A)
    assert h.r2 == pytest.approx(1.0)
    assert h.load_growth == pytest.approx(20.0)
    assert h.days_used == 30
    # the figures it rests on: the highest hour is the last day's 20:00
    assert h.peak == pytest.approx(A + B * (1000 + 20 * 29))
    assert h.peak_at == T0 + 29 * DAY + 20 * HOUR
    assert h.peak_load == pytest.approx(1580.0)
    assert h.peak is not None and h.headroom == pytest.approx(0.85 - h.peak)


def test_local_days_and_gaps_do_not_move_the_crossing() -> None:
    t, load, sat = planted(30)
    sat = sat.copy()
    sat[3::24] = math.nan  # every night's 03:00 without saturation
    load = load.copy()
    load[100:110] = math.nan  # a morning without load
    # UTC+2 days: the first local day lacks 2 hours, the last has only 2 (left out)
    local_days = [int((x + 2 * HOUR) // DAY) for x in t]
    h = headroom("db", t, sat, load, 0.85, T0 + 30 * DAY, days=local_days)
    assert h.status == "projected"
    assert h.crossing_ts is not None
    assert abs(h.crossing_ts - (T0 + 43.75 * DAY + 20 * HOUR)) < HOUR
    assert h.days_used == 30


def test_today_so_far_does_not_drag_the_growth_down() -> None:
    t, load, sat = planted(31)
    t, load, sat = t[:-14], load[:-14], sat[:-14]  # day 30 until 10:00, before its peak
    h = headroom("db", t, sat, load, 0.85, float(t[-1]) + HOUR)
    assert h.days_used == 30 and h.load_growth == pytest.approx(20.0)
    assert h.crossing_ts is not None
    assert abs(h.crossing_ts - (T0 + 43.75 * DAY + 20 * HOUR)) < HOUR


def test_noise_is_tolerated_but_unrelated_saturation_is_flat() -> None:
    rng = np.random.default_rng(3)
    t, load, sat = planted(30)
    noisy = sat * (1 + rng.normal(0, 0.02, sat.size))
    h = headroom("db", t, noisy, load, 0.85, T0 + 30 * DAY)
    assert h.status == "projected"
    assert h.r2 is not None and 0.9 < h.r2 < 1.0
    assert h.crossing_ts is not None
    assert abs(h.crossing_ts - (T0 + 43.75 * DAY + 20 * HOUR)) < 2 * DAY
    unrelated = 0.4 + rng.normal(0, 0.05, sat.size) + 0.00001 * load
    flat = headroom("db", t, unrelated, load, 0.85, T0 + 30 * DAY)
    assert flat.status == "flat" and flat.crossing_ts is None
    assert flat.r2 is not None and flat.r2 < 0.5
    assert "does not follow load" in flat.reason and "needs 0.50" in flat.reason


def test_a_peak_at_the_limit_is_over() -> None:
    t, load, sat = planted(30)
    h = headroom("db", t, sat, load, limit=0.6, now=T0 + 30 * DAY)
    assert h.status == "over" and h.crossing_ts is None
    assert h.headroom is not None and h.headroom < 0
    short = headroom("db", t[:48], sat[:48], load[:48], limit=0.4, now=T0 + 2 * DAY)
    assert short.status == "over"  # a fact however short the history


def test_no_growth_or_falling_saturation_is_flat() -> None:
    t, load, sat = planted(30, growth=0.0)
    h = headroom("db", t, sat, load, 0.85, T0 + 30 * DAY)
    assert h.status == "flat" and h.reason == "the daily peak load is not growing"
    assert h.load_growth == pytest.approx(0.0, abs=1e-9) and h.slope == pytest.approx(B)
    t, load, sat = planted(30)
    falling = headroom("db", t, 0.9 - B * load, load, 0.95, T0 + 30 * DAY)
    assert falling.status == "flat" and falling.reason == "saturation does not rise with load"
    constant = headroom("db", t, np.full(t.size, 0.5), load, 0.85, T0 + 30 * DAY)
    assert constant.status == "flat" and constant.slope == pytest.approx(0.0)
    still = headroom("db", t, sat, np.full(t.size, 700.0), 0.85, T0 + 30 * DAY)
    assert still.status == "flat" and "load did not vary" in still.reason


def test_a_crossing_beyond_the_horizon_is_distant() -> None:
    t, load, sat = planted(30, growth=0.5)
    h = headroom("db", t, sat, load, 0.85, T0 + 30 * DAY, horizon_days=365)
    # 875 / 0.5 = 1750 days after the start
    assert h.status == "distant" and "365 days" in h.reason
    assert h.crossing_ts is not None
    assert abs(h.crossing_ts - (T0 + 1750 * DAY + 20 * HOUR)) < HOUR


def test_short_history_and_missing_data_are_said_not_guessed() -> None:
    t, load, sat = planted(5)
    h = headroom("db", t, sat, load, 0.85, T0 + 5 * DAY)
    assert h.status == "short" and h.reason == "not enough history: 5 of 14 days"
    assert h.crossing_ts is None and h.days_used == 5
    assert h.peak is not None  # the figures that exist are still given
    nothing = headroom("db", t, sat, np.full(t.size, math.nan), 0.85, T0 + 5 * DAY)
    assert nothing.status == "missing"
    assert nothing.reason == "no hour with both saturation and load"
    assert nothing.peak == pytest.approx(sat.max()) and nothing.peak_load is None
    empty = headroom("db", [], [], [], 0.85, T0)
    assert empty.status == "missing" and empty.peak is None and empty.headroom is None
    with pytest.raises(ValueError):
        headroom("db", t, sat[:-1], load, 0.85, T0)


def test_the_busy_days_reach_the_limit_first() -> None:
    """A weekly rhythm: Thursdays 10 % busier than the trend. The limit is reached on the
    first Thursday whose peak gets there, not when the average day would."""
    t, load, _ = planted(28)
    day = np.floor((t - T0) / DAY).astype(int)
    thursday = (day % 7) == 0  # 2026-01-01 is a Thursday
    load = np.where(thursday, load * 1.10, load)
    sat = A + B * load
    now = T0 + 28 * DAY
    h = headroom("Checkout database", t, sat, load, limit=0.85, now=now)
    assert h.status == "projected"
    # over the average day, Thursdays included: 1.1 / (1 + 0.1 x 4 / 28)
    assert h.busy_factor == pytest.approx(1.1 / (1 + 0.1 * 4 / 28), abs=0.002)
    # a busy day's peak load 1.1 x (1000 + 20 d) reaches 1875 at d = 35.2, at 20:00; the
    # average day's, by which the trend alone would go, only at d = 43.75
    busy_day = (1875 / 1.1 - 1000) / 20 + 20 / 24
    assert h.crossing_ts is not None
    assert abs((h.crossing_ts - T0) / DAY - busy_day) < 1 / 24, (h.crossing_ts - T0) / DAY
    assert h.load_growth == pytest.approx(20.0 * (1 + 0.1 * 4 / 28), rel=0.01)
