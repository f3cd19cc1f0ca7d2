"""Reading the rollups for reports: amounts, means, values at a time, per hour and per day.

Everything here reads `store.rollups` (minute buckets for 35 days, hour buckets for two years)
through a `RollupReader` that caches each read, and turns buckets into the figures a report
shows, according to how the measure adds up (`roles.How`):

- CUMULATIVE ("orders today"): a bucket's amount is how much the running total grew since the
  previous bucket of the same local day (from 0 after midnight);
- PER_HOUR: a bucket's amount is its mean rate times its length in hours;
- LEVEL: only means.

Windows shorter than `MINUTE_WINDOW` read minute buckets (exact to the minute, for shifts and
incidents); longer ones read hour buckets. A window with no data gives None, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from noc_board.core import report_math as rm
from noc_board.reports.periods import local, midnight, zone_info
from noc_board.reports.roles import How, Measure
from noc_board.store.rollups import HOUR_S, MINUTE_S, Rollups

FloatArray = npt.NDArray[np.float64]
MINUTE_WINDOW = 2 * 86_400.0
DAY = 86_400.0


@dataclass(frozen=True)
class Buckets:
    """The rollup buckets of one metric that start in a window, as arrays (oldest first)."""

    width: int
    start: FloatArray
    mean: FloatArray
    last: FloatArray
    last_ts: FloatArray
    count: FloatArray
    low: FloatArray
    high: FloatArray

    def __len__(self) -> int:
        return int(self.start.shape[0])

    def within(self, a: float, b: float) -> Buckets:
        """The buckets starting in [a, b)."""
        lo = int(np.searchsorted(self.start, a, side="left"))
        hi = int(np.searchsorted(self.start, b, side="left"))
        return Buckets(self.width, self.start[lo:hi], self.mean[lo:hi], self.last[lo:hi],
                       self.last_ts[lo:hi], self.count[lo:hi], self.low[lo:hi],
                       self.high[lo:hi])


class RollupReader:
    """Cached reads of one store's rollups in one time zone."""

    def __init__(self, rollups: Rollups, zone: str) -> None:
        self.rollups = rollups
        self.zone = zone
        self._cache: dict[tuple[str, int, float, float], Buckets] = {}
        self.reads = 0

    def buckets(self, metric: str, a: float, b: float, width: int) -> Buckets:
        """The buckets of `metric` of `width` seconds starting in [a, b)."""
        for (m, w, ca, cb), cached in self._cache.items():
            if m == metric and w == width and ca <= a and b <= cb:
                return cached.within(a, b)
        rows = self.rollups.raw(width, metric, a, b)
        self.reads += 1
        table = np.array(rows, dtype=np.float64).reshape(len(rows), 7)
        table = table[table[:, 0] >= a]
        start, count, total, low, high, last, last_ts = (table[:, i].copy() for i in range(7))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
        found = Buckets(width, start, mean, last, last_ts, count, low, high)
        self._cache[(metric, width, a, b)] = found
        return found

    def width_for(self, a: float, b: float) -> int:
        """Minute buckets for short windows, hour buckets for long ones."""
        return MINUTE_S if b - a <= MINUTE_WINDOW else HOUR_S


def local_days(times: FloatArray, zone: str) -> npt.NDArray[np.int64]:
    """The local calendar day (as an ordinal) of each time."""
    if times.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    tz = zone_info(zone)
    first = dt.datetime.fromtimestamp(float(times[0]), tz).date()
    last = dt.datetime.fromtimestamp(float(times[-1]), tz).date()
    starts = []
    day = first
    while day <= last + dt.timedelta(days=1):
        starts.append(dt.datetime.combine(day, dt.time(0), tz).timestamp())
        day += dt.timedelta(days=1)
    index = np.searchsorted(np.array(starts), times, side="right") - 1
    result: npt.NDArray[np.int64] = index.astype(np.int64) + first.toordinal()
    return result


def amounts(reader: RollupReader, measure: Measure, a: float, b: float,
            width: int | None = None) -> tuple[FloatArray, FloatArray]:
    """(bucket starts, amount per bucket) over [a, b); for LEVEL the bucket means."""
    width = width or reader.width_for(a, b)
    if measure.how is How.CUMULATIVE:
        # read back to local midnight: the growth of the first bucket needs the one before it
        day_start = min(a, midnight(a, reader.zone))
        got = reader.buckets(measure.metric, day_start, b, width)
        if not len(got):
            return got.start, got.last
        days = local_days(got.last_ts, reader.zone)
        previous = np.concatenate([[0.0], got.last[:-1]])
        same_day = np.concatenate([[False], days[1:] == days[:-1]])
        growth = np.where(same_day, got.last - previous, got.last)
        growth = np.maximum(growth, 0.0)
        keep = got.start >= a
        return got.start[keep], growth[keep]
    got = reader.buckets(measure.metric, a, b, width)
    if measure.how is How.PER_HOUR:
        return got.start, got.mean * (width / HOUR_S)
    return got.start, got.mean


def total(reader: RollupReader, measure: Measure, a: float, b: float) -> float | None:
    """The amount over [a, b) (CUMULATIVE, PER_HOUR), or the mean (LEVEL); None without data."""
    _, values = amounts(reader, measure, a, b)
    values = values[np.isfinite(values)]
    if values.shape[0] == 0:
        return None
    if measure.how is How.LEVEL:
        return float(values.mean())
    return float(values.sum())


def value_at(reader: RollupReader, metric: str, ts: float,
             tolerance: float = 900.0) -> float | None:
    """The last value of `metric` at `ts` (to the minute): the last sample of the latest minute
    bucket starting before `ts`, if no older than `tolerance`; else of an hour bucket."""
    got = reader.buckets(metric, ts - tolerance - MINUTE_S, ts, MINUTE_S)
    if len(got):
        if ts - float(got.last_ts[-1]) <= tolerance + MINUTE_S:
            return float(got.last[-1])
        return None
    hours = reader.buckets(metric, ts - HOUR_S, ts, HOUR_S)
    if len(hours) and ts - float(hours.last_ts[-1]) <= max(tolerance, HOUR_S):
        return float(hours.last[-1])
    return None


@dataclass(frozen=True)
class Daily:
    """One value per local day of a window (NaN: no data that day)."""

    days: tuple[dt.date, ...]
    starts: tuple[float, ...]
    values: FloatArray


def day_starts(a: float, b: float, zone: str) -> list[float]:
    """The local midnights from the day of `a` up to before `b`."""
    out = []
    t = midnight(a, zone)
    while t < b:
        out.append(t)
        t = midnight(t + 36 * 3600.0, zone)
    return out


def per_day(reader: RollupReader, measure: Measure, a: float, b: float) -> Daily:
    """Each local day's amount (CUMULATIVE, PER_HOUR) or mean (LEVEL), from hour buckets."""
    starts = day_starts(a, b, reader.zone)
    bounds = np.array([*starts, b], dtype=np.float64)
    times, values = amounts(reader, measure, a, b, HOUR_S)
    out = np.full(len(starts), np.nan)
    if times.shape[0]:
        index = np.searchsorted(bounds, times, side="right") - 1
        ok = np.isfinite(values) & (index >= 0) & (index < len(starts))
        for i in range(len(starts)):
            chosen = values[ok & (index == i)]
            if chosen.shape[0]:
                out[i] = chosen.mean() if measure.how is How.LEVEL else chosen.sum()
    days = tuple(local(s, reader.zone).date() for s in starts)
    return Daily(days, tuple(starts), out)


def per_hour_of_day(reader: RollupReader, measure: Measure, a: float, b: float
                    ) -> FloatArray:
    """A 7 x 24 grid (Monday first) of the mean hourly amount (or mean) by local weekday and
    hour: the time-of-day and day-of-week pattern. NaN where there is no data."""
    times, values = amounts(reader, measure, a, b, HOUR_S)
    grid = np.full((7, 24), np.nan)
    if not times.shape[0]:
        return grid
    sums = np.zeros((7, 24))
    counts = np.zeros((7, 24))
    tz = zone_info(reader.zone)
    for t, v in zip(times.tolist(), values.tolist(), strict=True):
        if not math.isfinite(v):
            continue
        when = dt.datetime.fromtimestamp(t, tz)
        sums[when.weekday(), when.hour] += v
        counts[when.weekday(), when.hour] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        grid = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
    return grid


@dataclass(frozen=True)
class Uptime:
    """Time up and down of a 1-up / 0-down metric over a window."""

    availability: float | None  # 0..1 over the time with data
    downtime_s: float
    covered_s: float


def uptime(reader: RollupReader, measure: Measure, a: float, b: float,
           width: int | None = None) -> Uptime:
    """Availability and downtime over [a, b): the buckets' mean of up, time-weighted."""
    width = width or reader.width_for(a, b)
    got = reader.buckets(measure.metric, a, b, width)
    means = got.mean[np.isfinite(got.mean)]
    if means.shape[0] == 0:
        return Uptime(None, 0.0, 0.0)
    up = np.clip(means, 0.0, 1.0)
    covered = float(means.shape[0] * width)
    return Uptime(rm.availability(up.tolist()), float(((1.0 - up) * width).sum()), covered)


def hourly(reader: RollupReader, measure: Measure, a: float, b: float
           ) -> tuple[list[float], FloatArray]:
    """Every hour start in [a, b) (hour-aligned) and its amount or mean (NaN: no data)."""
    first = math.floor(a / HOUR_S) * HOUR_S
    hours = np.arange(first, b, HOUR_S, dtype=np.float64)
    out = np.full(hours.shape[0], np.nan)
    times, values = amounts(reader, measure, first, b, HOUR_S)
    if times.shape[0]:
        index = np.searchsorted(hours, times)
        ok = (index < hours.shape[0])
        out[index[ok]] = values[ok]
    return hours.tolist(), out


def minutely(reader: RollupReader, measure: Measure, a: float, b: float, step: int = MINUTE_S
             ) -> tuple[list[float], FloatArray]:
    """Every `step` seconds in [a, b) and the amount (summed) or mean there (NaN: no data)."""
    first = math.floor(a / step) * step
    slots = np.arange(first, b, step, dtype=np.float64)
    out = np.full(slots.shape[0], np.nan)
    times, values = amounts(reader, measure, a, b, MINUTE_S)
    if times.shape[0] and slots.shape[0]:
        index = np.searchsorted(slots, times, side="right") - 1
        ok = (index >= 0) & np.isfinite(values)
        sums = np.bincount(index[ok], weights=values[ok], minlength=slots.shape[0])
        counts = np.bincount(index[ok], minlength=slots.shape[0])
        filled = counts > 0
        if measure.how is How.LEVEL:
            out[filled] = sums[filled] / counts[filled]
        else:
            out[filled] = sums[filled]
    return slots.tolist(), out
