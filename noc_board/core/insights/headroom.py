"""Capacity headroom: how close each saturation metric came to its limit, and when it gets there.

The method, in two least-squares fits that a reader can check by hand:

1. Saturation against load, over every hour with both: `S = intercept + slope x L`. CPU,
   connections in use or queue depth follow the traffic that drives them far better than they
   follow the calendar, and fitting against load keeps the daily rhythm out of the trend.
2. The daily peak load against time: each day's peak hour is its hour of highest load, and its
   load is the day's peak load; `Lpeak(t) = f_weekday x (c + g x t)` over those peak hours,
   with a factor per weekday once each has two days (traffic is a weekly rhythm times a trend),
   so the rhythm neither tilts the growth nor hides the busy days. `g` (per day) is the growth
   of the average day's peak, the one the report quotes.

Composing them, the peak saturation moves as `S(t) = intercept + slope x Lpeak(t)`, and the
crossing is the `t >= now` where `S(t) = limit`. The limit is first reached on a busy day, not
an average one, so the projection rides the busiest weekday (`busy_factor`): "reaches 85 % at
peak" means the busy days' peak. On planted data (load growing linearly per day, saturation
exactly linear in load) the crossing is exact.

It says so instead of guessing: "missing" without an hour holding both figures, "short" with
fewer than `min_days` days, "flat" when the peak load is not growing or saturation does not rise
with load (slope <= 0, or r² below `min_r2`: the load does not explain it), "distant" when the
crossing lies beyond `horizon_days`. "over" when the highest hour already reached the limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Headroom:
    """One saturation metric's peak against its limit, the fits, and the projected crossing.

    `status`: "projected", "over", "flat", "distant", "short" or "missing" (module docstring);
    `reason`: a plain sentence saying why when there is no crossing. `days_left`: days from
    `now` to `crossing_ts`.
    """

    name: str
    limit: float
    status: str
    reason: str
    peak: float | None  # highest hourly saturation in the data
    peak_at: float | None  # start (unix s) of that hour
    peak_load: float | None  # the load in that hour
    slope: float | None  # saturation per unit of load, least squares over all hours with both
    intercept: float | None
    r2: float | None  # of that fit
    load_growth: float | None  # growth of the daily peak load per day (least squares over days)
    crossing_ts: float | None  # when the projected peak saturation reaches `limit`
    days_used: int  # days with enough hours to give a daily peak
    days_left: float | None = None
    busy_factor: float | None = None  # the busiest weekday's peak load over the average day's

    @property
    def headroom(self) -> float | None:
        """How far the peak stayed below the limit (negative: over it)."""
        return None if self.peak is None else self.limit - self.peak


@dataclass(frozen=True, slots=True)
class _Fit:
    """A least-squares line `y = intercept + slope x x` and its r² (None: y constant)."""

    slope: float
    intercept: float
    r2: float | None


def _fit(x: np.ndarray, y: np.ndarray) -> _Fit | None:
    """The least-squares line of y on x; None when x does not vary."""
    if x.size < 2:
        return None
    mx, my = float(x.mean()), float(y.mean())
    dx = x - mx
    sxx = float(dx @ dx)
    if sxx <= 1e-12 * max(1.0, mx * mx) * x.size:
        return None
    slope = float(dx @ (y - my)) / sxx
    intercept = my - slope * mx
    residual = y - (intercept + slope * x)
    ss_tot = float(((y - my) ** 2).sum())
    r2 = None if ss_tot <= 0 else max(0.0, 1.0 - float(residual @ residual) / ss_tot)
    return _Fit(slope, intercept, r2)


def _daily_peaks(t: np.ndarray, load: np.ndarray, days: np.ndarray,
                 now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(peak-hour time in days from `now`, peak load, day) of each day with enough hours, in day
    order. A day with fewer than half the hours of the median day (today so far, the partial
    first day, a day mostly lost) is left out: its busiest hour need not be its peak."""
    ids, counts = np.unique(days, return_counts=True)
    enough = counts >= 0.5 * float(np.median(counts)) if ids.size else counts > 0
    times: list[float] = []
    peaks: list[float] = []
    for day in ids[enough]:
        at = np.flatnonzero(days == day)
        best = at[int(np.argmax(load[at]))]
        times.append((float(t[best]) - now) / DAY)
        peaks.append(float(load[best]))
    return np.asarray(times), np.asarray(peaks), ids[enough]


@dataclass(frozen=True, slots=True)
class _PeakTrend:
    """The average day's peak load against time (`intercept` at `now`, `growth` per day) and
    the busiest weekday's factor on it (1.0: no weekly rhythm known)."""

    growth: float
    intercept: float
    busy_factor: float


def _peak_trend(times: np.ndarray, peaks: np.ndarray, days: np.ndarray) -> _PeakTrend | None:
    """The daily peaks' line, with a factor per weekday once every weekday seen has two days:
    traffic is the product of a weekly rhythm and a trend, so the peaks are divided by their
    weekday's factor (the weekday's mean ratio to the line, the factors averaging 1) and the
    line refitted, a few times. A rhythm then neither tilts the growth nor hides the busy
    days. None when time does not vary."""
    line = _fit(times, peaks)
    if line is None:
        return None
    weekday = days % 7
    seen, counts = np.unique(weekday, return_counts=True)
    if seen.size < 2 or int(counts.min()) < 2:
        return _PeakTrend(line.slope, line.intercept, 1.0)
    factors = np.ones(7)
    for _ in range(4):
        base = line.intercept + line.slope * times
        if np.any(base <= 0):
            return _PeakTrend(line.slope, line.intercept, 1.0)
        ratios = peaks / base
        for w in seen:
            factors[w] = float(ratios[weekday == w].mean())
        factors[seen] /= float(factors[weekday].mean())
        refit = _fit(times, peaks / factors[weekday])
        if refit is None:
            break
        line = refit
    return _PeakTrend(line.slope, line.intercept, max(1.0, float(factors[seen].max())))


def project_headroom(name: str, times: Sequence[float], saturation: Sequence[float],
                     load: Sequence[float], limit: float, now: float,
                     days: Sequence[int] | None = None, min_days: int = 14,
                     min_r2: float = 0.5, horizon_days: float = 365.0) -> Headroom:
    """The headroom of one saturation metric (see the module docstring).

    `times`: hour starts (unix s); `saturation`, `load`: the hourly means aligned with them (NaN:
    no data); `days`: the local day ordinal of each hour (default `floor(t / 86400)`).
    """
    t_all = np.asarray(times, dtype=float)
    s_all = np.asarray(saturation, dtype=float)
    l_all = np.asarray(load, dtype=float)
    d_all = (np.floor(t_all / DAY).astype(np.int64) if days is None
             else np.asarray(days, dtype=np.int64))
    if not t_all.shape == s_all.shape == l_all.shape == d_all.shape or t_all.ndim != 1:
        raise ValueError("times, saturation, load and days must be aligned sequences")

    peak = peak_at = peak_load = None
    has_s = np.isfinite(s_all) & np.isfinite(t_all)
    if has_s.any():
        i = int(np.flatnonzero(has_s)[int(np.argmax(s_all[has_s]))])
        peak, peak_at = float(s_all[i]), float(t_all[i])
        peak_load = float(l_all[i]) if math.isfinite(l_all[i]) else None

    both = has_s & np.isfinite(l_all)
    t, s, lo, d = t_all[both], s_all[both], l_all[both], d_all[both]
    peak_times, peak_loads, peak_days = _daily_peaks(t, lo, d, now)
    days_used = int(peak_times.size)

    def result(status: str, reason: str, fit: _Fit | None = None,
               growth: float | None = None, crossing: float | None = None,
               busy: float | None = None) -> Headroom:
        return Headroom(
            name=name, limit=limit, status=status, reason=reason, peak=peak, peak_at=peak_at,
            peak_load=peak_load, slope=None if fit is None else fit.slope,
            intercept=None if fit is None else fit.intercept, r2=None if fit is None else fit.r2,
            load_growth=growth, crossing_ts=crossing, days_used=days_used,
            days_left=None if crossing is None else (crossing - now) / DAY, busy_factor=busy)

    if t.size == 0:
        return result("missing", "no hour with both saturation and load")
    fit = _fit(lo, s)
    trend = _peak_trend(peak_times, peak_loads, peak_days) if days_used >= 2 else None
    growth = None if trend is None else trend.growth
    if peak is not None and peak >= limit:
        return result("over", "the peak already reached the limit", fit, growth)
    if days_used < max(2, min_days):
        return result("short", f"not enough history: {days_used} of {max(2, min_days)} days",
                      fit, growth)
    if fit is None:
        return result("flat", "the load did not vary, so saturation cannot be fitted "
                              "against it", fit, growth)
    if fit.slope <= 0 or fit.r2 is None:
        return result("flat", "saturation does not rise with load", fit, growth)
    if fit.r2 < min_r2:
        return result("flat", f"saturation does not follow load closely enough "
                              f"(r² {fit.r2:.2f}, needs {min_r2:.2f})", fit, growth)
    if trend is None or growth is None or growth <= 0:
        return result("flat", "the daily peak load is not growing", fit, growth)
    busy = trend.busy_factor
    # S(t) = a + b f (c + g t) = limit  =>  t = ((limit - a) / (b f) - c) / g, days from now,
    # with f the busiest weekday's factor
    load_at_limit = (limit - fit.intercept) / fit.slope
    crossing = now + DAY * max(0.0, (load_at_limit / busy - trend.intercept) / growth)
    if crossing - now > horizon_days * DAY:
        return result("distant", f"the projected peak reaches the limit only after "
                                 f"{horizon_days:.0f} days", fit, growth, crossing, busy)
    return result("projected", "", fit, growth, crossing, busy)
