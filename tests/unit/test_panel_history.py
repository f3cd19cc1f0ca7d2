"""Pure models of the history panels: heatmap, status grid (uptime), clock. No Qt."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from noc_board.core.panel_models.clock_face import clock_face
from noc_board.core.panel_models.heatmap import heat_body, heat_fraction
from noc_board.core.panel_models.status import (
    service_row,
    uptime,
    uptime_from_minutes,
    uptime_text,
)
from noc_board.core.units import Unit

MONDAY_NOON = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC).timestamp()


@dataclass(frozen=True)
class Row:
    start: int
    count: int
    sum: float
    last_ts: float


def f64(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


# --- heatmap ---------------------------------------------------------------------------------


def test_heatmap_means_by_local_weekday_and_hour() -> None:
    rows = [
        Row(int(MONDAY_NOON), 10, 100.0, MONDAY_NOON + 3000),  # Mon 12h: mean 10
        Row(int(MONDAY_NOON + 7 * 86400), 10, 300.0, MONDAY_NOON + 7 * 86400),  # next Mon 12h
        Row(int(MONDAY_NOON + 86400 + 3600), 4, 8.0, MONDAY_NOON + 86400 + 3600),  # Tue 13h
    ]
    body = heat_body(rows, dt.UTC)
    assert body.means[0][12] == pytest.approx(20.0)  # (100 + 300) / 20: exact re-aggregation
    assert body.means[1][13] == pytest.approx(2.0)
    assert math.isnan(body.means[6][0])  # no data is NaN, never 0
    assert (body.low, body.high, body.filled) == (2.0, 20.0, 2)
    assert body.last_ts == MONDAY_NOON + 7 * 86400
    berlin = heat_body(rows[:1], ZoneInfo("Europe/Berlin"))
    assert berlin.means[0][13] == pytest.approx(10.0)  # 12:00 UTC is 13:00 in Berlin in January


def test_heatmap_without_rows_has_no_range_and_skips_bad_rows() -> None:
    body = heat_body([Row(int(MONDAY_NOON), 0, 0.0, 0.0), Row(0, 1, math.nan, 0.0)], dt.UTC)
    assert body.filled == 0 and math.isnan(body.low) and body.low_text == ""
    assert body.cell_text(Unit.COUNT, 0, 0) == "—"
    assert heat_fraction(math.nan, 0, 1) != heat_fraction(math.nan, 0, 1)  # NaN stays NaN
    assert heat_fraction(5.0, 5.0, 5.0) == 0.5
    assert heat_fraction(15.0, 0.0, 10.0) == 1.0


# --- status ----------------------------------------------------------------------------------


def test_uptime_is_time_weighted_and_gaps_count_as_unknown() -> None:
    ts = f64(0, 10, 20, 30)
    values = f64(1, 0, 1, 1)
    fraction, known = uptime(ts, values, 0, 40, max_gap=100)
    assert (fraction, known) == (0.75, 40.0)
    # a 100 s gap after t=30 counts only max_gap of it
    fraction, known = uptime(f64(0, 130), f64(0, 1), 0, 140, max_gap=15)
    assert known == 25.0 and fraction == pytest.approx(10 / 25)


def test_uptime_starts_at_the_window_and_ignores_nan() -> None:
    ts = f64(0, 50, 100, 150)
    values = f64(0, math.nan, 1, 1)
    fraction, known = uptime(ts, values, 75, 200, max_gap=1000)
    # the point at 0 holds until 100 (the NaN is skipped), so 75-100 is down, 100-200 up
    assert known == 125 and fraction == pytest.approx(100 / 125)
    assert math.isnan(uptime(f64(), f64(), 0, 10, 10)[0])


def test_uptime_text_keeps_slo_precision() -> None:
    assert uptime_text(1.0) == "100%"
    assert uptime_text(0.99949) == "99.94%"  # rounded down: never claim more uptime
    assert uptime_text(0.97) == "97.0%"
    assert uptime_text(math.nan) == "—"


def test_uptime_from_minute_rollups() -> None:
    @dataclass
    class M:
        count: int
        sum: float

    assert uptime_from_minutes([M(4, 4.0), M(4, 2.0)]) == (0.75, 120.0)
    assert math.isnan(uptime_from_minutes([])[0])


def test_service_row_reads_up_down_in_words() -> None:
    now = 1000.0
    ts = np.arange(0.0, 1001.0, 100.0)
    up = service_row("Search", ts, np.ones_like(ts), now, 1000, 300, "ok", "", "120 ms")
    assert (up.state, up.state_text, up.uptime_text, up.span_text) == ("up", "UP", "100%", "16m")
    values = np.ones_like(ts)
    values[-3:] = 0.0
    down = service_row("Search", ts, values, now, 1000, 300, "ok", "")
    assert (down.state, down.state_text) == ("down", "DOWN")
    assert down.since_text == "down 5m"  # last up at t=700
    assert down.uptime_text == "80.0%"
    stale = service_row("Search", ts, values, now, 1000, 300, "stale", "stale: no data")
    assert (stale.state, stale.state_text) == ("unknown", "—")  # a stale 0 is not "DOWN"


def test_service_row_says_when_history_is_short_and_prefers_the_store() -> None:
    ts = f64(900, 950, 1000)
    row = service_row("Web", ts, f64(1, 1, 1), 1000.0, 86400, 300, "ok", "")
    assert row.span_text == "over 1m"
    stored = service_row("Web", ts, f64(1, 1, 1), 1000.0, 86400, 300, "ok", "",
                         stored=(0.999, 86000.0))
    assert (stored.uptime_text, stored.span_text) == ("99.90%", "1d")


# --- clock -----------------------------------------------------------------------------------


def test_clock_face_in_a_time_zone() -> None:
    face = clock_face(MONDAY_NOON, ZoneInfo("Europe/Berlin"), "Europe/Berlin")
    assert face.time_text == "13:00:00"
    assert face.date_text == "Mon 5 Jan 2026"
    assert face.zone_text == "Europe/Berlin · CET (UTC+01:00)"
    assert clock_face(MONDAY_NOON, dt.UTC, "UTC").zone_text == "UTC"
    ny = clock_face(MONDAY_NOON, ZoneInfo("America/New_York"), "America/New_York")
    assert ny.zone_text.endswith("(UTC−05:00)")
