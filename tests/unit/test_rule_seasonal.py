"""The seasonal drop/spike rule on synthetic series whose answer is known."""

import math

import numpy as np
import pytest

from noc_board.config.schema import RuleConfig
from noc_board.core.rules.base import Verdict
from noc_board.core.rules.factory import seasonal_settings
from noc_board.core.rules.history import ArrayHistory
from noc_board.core.rules.seasonal import (
    DAY,
    WEEK,
    SeasonalRule,
    SeasonalSettings,
    seasonal_level,
    seasonal_spread,
)

STEP = 300.0
T0 = 1_767_571_200.0  # 2026-01-05, a Monday


def marketplace(
    weeks: float, seed: int = 3, noise: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    """A daily two-hump shape, quieter weekends, 3% noise, every 5 minutes."""
    t = T0 + np.arange(0, weeks * WEEK, STEP)
    hours = (t - T0) % DAY / 3600
    day = 1 + 0.5 * np.sin(2 * np.pi * (hours - 9) / 24) + 0.2 * np.sin(4 * np.pi * hours / 24)
    weekend = np.where(((t - T0) // DAY) % 7 >= 5, 0.8, 1.0)
    wobble = 1 + noise * np.random.default_rng(seed).standard_normal(t.size)
    return t, 1000 * day * weekend * wobble


def run(
    t: np.ndarray,
    v: np.ndarray,
    settings: SeasonalSettings | None = None,
    start: float = T0,
    stop: float = math.inf,
) -> tuple[SeasonalRule, list[tuple[float, Verdict, str | None]]]:
    """Feed the points in [start, stop); history is the whole series, never the future."""
    now = [float(t[0])]
    rule = SeasonalRule("r", "m", "warning", ArrayHistory({"m": (t, v)}, now=lambda: now[0]),
                        settings)
    out: list[tuple[float, Verdict, str | None]] = []
    for ts, value in zip(t.tolist(), v.tolist(), strict=True):
        if ts < start or ts >= stop:
            continue
        now[0] = ts
        d = rule.observe("m", ts, value)
        if d.verdict is not Verdict.NONE:
            out.append((ts, d.verdict, d.note))
    return rule, out


def transitions(events: list[tuple[float, Verdict, str | None]]) -> list[tuple[float, str]]:
    """Raise and clear transitions only (a firing rule re-asserts RAISE on each point)."""
    out: list[tuple[float, str]] = []
    for ts, verdict, _ in events:
        kind = "raise" if verdict is Verdict.RAISE else "clear"
        if not out or out[-1][1] != kind:
            out.append((ts, kind))
    return out


def test_defaults_match_the_configuration_defaults() -> None:
    assert seasonal_settings(RuleConfig(id="r", metric="m", kind="seasonal")) == SeasonalSettings()


def test_a_healthy_week_raises_nothing() -> None:
    t, v = marketplace(5)
    _, events = run(t, v, start=T0 + 4 * WEEK + 2 * DAY)
    assert events == []


def test_a_drop_raises_after_k_points_and_clears_after_k_normal_points() -> None:
    t, v = marketplace(5)
    start = T0 + 4 * WEEK + 2 * DAY + 12 * 3600  # Wednesday noon
    hit = (t >= start) & (t < start + 3600)
    v = np.where(hit, v * 0.5, v)
    rule, events = run(t, v, start=start - 3 * 3600, stop=start + 4 * 3600)
    # the fifth point of the drop raises (K = 5); the fifth normal point after it clears
    assert transitions(events) == [(start + 4 * STEP, "raise"), (start + 3600 + 4 * STEP, "clear")]
    note = events[0][2] or ""
    assert note.startswith("expected ") and "median of the past 4 weeks" in note
    assert not rule.firing


def test_fewer_than_k_anomalous_points_do_not_raise() -> None:
    t, v = marketplace(5)
    start = T0 + 4 * WEEK + DAY + 15 * 3600
    v = np.where((t >= start) & (t < start + 4 * STEP), v * 0.3, v)  # four points only
    _, events = run(t, v, start=start - 3600, stop=start + 3600)
    assert events == []


def test_direction_drop_ignores_a_spike() -> None:
    t, v = marketplace(5)
    start = T0 + 4 * WEEK + DAY + 15 * 3600
    v = np.where((t >= start) & (t < start + 3600), v * 2.0, v)
    _, both = run(t, v, start=start - 3600, stop=start + 3 * 3600)
    _, drop = run(t, v, SeasonalSettings(direction="drop"), start=start - 3600,
                  stop=start + 3 * 3600)
    assert [k for _, k in transitions(both)] == ["raise", "clear"]
    assert drop == []


def test_hysteresis_keeps_firing_between_clear_and_raise_levels() -> None:
    t, v = marketplace(5, noise=0.0)  # identical weeks: the spread is the 10% floor
    start = T0 + 4 * WEEK + 3 * DAY + 11 * 3600
    deep = (t >= start) & (t < start + 3600)
    band = (t >= start + 3600) & (t < start + 7200)
    v2 = np.where(deep, v * 0.4, np.where(band, v * (1 - 3 * 0.1), v))  # -6, then -3 spreads
    _, events = run(t, v2, start=start - 3600, stop=start + 4 * 3600)
    # -3 is inside the band between clearing (2) and raising (4): it keeps firing until normal
    assert transitions(events) == [(start + 4 * STEP, "raise"), (start + 7200 + 4 * STEP, "clear")]


def test_one_incident_in_the_history_does_not_move_the_baseline() -> None:
    t, v = marketplace(5)
    at = T0 + 4 * WEEK + 2 * DAY + 20 * 3600
    clean, _ = run(t, v, start=at, stop=at + 1)
    base = clean.baseline(at)
    dirty = np.where((t >= at - 2 * WEEK - 3600) & (t < at - 2 * WEEK + 3600), 0.0, v)
    rule, _ = run(t, dirty, start=at, stop=at + 1)
    other = rule.baseline(at)
    assert base is not None and other is not None
    assert other.median == pytest.approx(base.median, rel=0.05)


def test_without_history_it_falls_back_to_a_rolling_baseline_and_says_so() -> None:
    t, v = marketplace(0.5)
    at = T0 + 8 * 3600
    v = np.where(t >= at, v * 0.3, v)
    _, events = run(t, v)
    raise_ts, verdict, note = events[0]
    assert verdict is Verdict.RAISE and raise_ts == at + 4 * STEP
    assert note is not None
    assert "rolling 2h baseline: only 0 weeks of history, 2 needed" in note


def test_with_days_but_not_weeks_of_history_it_uses_the_time_of_day() -> None:
    t, v = marketplace(1.5)
    at = T0 + 9 * DAY + 10 * 3600  # Wednesday of the second week: one week and a bit
    v = np.where((t >= at) & (t < at + 3600), v * 0.5, v)
    rule, events = run(t, v, start=at - 3600, stop=at + 3600)
    note = events[0][2] or ""
    assert "median of the past 7 days: only 1 week of history, 2 needed" in note
    base = rule.baseline(at)
    assert base is not None and base.season == DAY and base.main_found == 1


def today_ratio(days: int, seed: int, spike_at: float | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """A "today" ratio a minute (refunds over orders since midnight, 4%): no number at each
    midnight (nothing over nothing), then a ratio over a handful of orders; with `spike_at`,
    an hour of 40% refunds."""
    t = T0 + np.arange(0, days * DAY, 60.0)
    hours = (t - T0) % DAY / 3600
    rng = np.random.default_rng(seed)
    orders = rng.poisson(2 + 6 * np.exp(-((hours - 14) ** 2) / 20))
    share = np.full(t.size, 0.04)
    if spike_at is not None:
        share = np.where((t >= spike_at) & (t < spike_at + 3600), 0.4, share)
    refunds = rng.binomial(orders, share)
    day = ((t - T0) // DAY).astype(int)
    v = np.empty(t.size)
    for d in range(days):
        mine = day == d
        placed, refunded = np.cumsum(orders[mine]), np.cumsum(refunds[mine])
        v[mine] = np.where(placed > 0, refunded / np.maximum(placed, 1), np.nan)
    v[np.searchsorted(t, T0 + np.arange(days) * DAY)] = np.nan
    return t, v


REFUND_SPIKE = SeasonalSettings(direction="spike", floor=0.05, deviations=5)  # as the demo's


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_new_board_does_not_alarm_on_a_today_ratio_restarting_at_midnight(seed: int) -> None:
    # the first values of the day are over a handful of orders: neither the last hours of
    # yesterday (the rolling fallback) nor windows straddling midnight describe them
    t, v = today_ratio(4, seed)
    _, events = run(t, v, REFUND_SPIKE)
    raised = [ts for ts, kind in transitions(events) if kind == "raise"]
    assert not [ts for ts in raised if 0 < (ts - T0) % DAY < 2 * 3600 and ts - T0 > DAY]


def test_a_refund_spike_in_the_day_still_raises_on_a_new_board() -> None:
    spike = T0 + 2 * DAY + 13 * 3600
    t, v = today_ratio(4, 1, spike_at=spike)
    _, events = run(t, v, REFUND_SPIKE)
    assert [ts for ts, kind in transitions(events)
            if kind == "raise" and spike <= ts < spike + 3600]


def test_a_query_with_no_number_is_no_restart() -> None:
    # a failed query gives no number, then the figure goes on where it was: the rule keeps
    # judging (only "no number, then zero" is a figure starting its day again)
    t, v = marketplace(0.5)
    at = T0 + 8 * 3600
    v = np.where(t >= at, v * 0.3, v)
    v[t == at - STEP] = np.nan
    _, events = run(t, v)
    assert events and events[0][1] is Verdict.RAISE and events[0][0] == at + 4 * STEP


def test_the_floor_keeps_a_flat_history_from_alarming_on_wiggles() -> None:
    t = T0 + np.arange(0, 5 * WEEK, STEP)
    v = np.full(t.size, 100.0)
    v[-12:] = 130.0  # 30% above a flawless history: within the 10% floor x 4 deviations
    _, events = run(t, v, start=float(t[-24]))
    assert events == []
    v[-12:] = 150.0  # 50%: 5 floors away
    _, events = run(t, v, start=float(t[-24]))
    assert [k for _, k in transitions(events)] == ["raise"]


def test_spread_adds_noise_and_week_to_week_variation() -> None:
    flat = [[np.array([10.0, 10.0, 10.0])] * 4] * 5
    assert seasonal_spread(flat) == 0.0
    noisy = [[np.array([9.0, 10.0, 11.0]) + k for k in range(4)] for _ in range(5)]
    spread = seasonal_spread(noisy)
    assert spread > 1.4826  # more than the noise alone: the weeks differ too
    assert seasonal_level([np.array([1.0, 2.0]), np.array([5.0]), np.array([100.0])]) == 5.0
    assert math.isnan(seasonal_spread([[], [], []]))


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        SeasonalSettings(direction="up")
    with pytest.raises(ValueError, match="min_seasons"):
        SeasonalSettings(seasons=2, min_seasons=3)
