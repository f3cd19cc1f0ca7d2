"""Comparison periods: the moment a value is compared against, and how the board words it.

- previous_period: one panel window earlier ("vs 1h ago");
- day, week: exactly 24 h or 7 days earlier;
- month: the same wall-clock time one calendar month earlier in the board's time zone (the day
  clamped to the month's end: 31 March compares with 28 February);
- year: 52 weeks earlier, the same weekday last year (a marketplace's traffic follows the week,
  so the same calendar date would compare a Saturday with a Friday).

A reference value is used only when the data lies close to that moment (`tolerance`): a point
from ten days ago is not "a week ago".
"""

from __future__ import annotations

import calendar
import datetime as dt

from noc_board.core.units import format_duration

DAY = 86_400.0
WEEK = 7 * DAY
YEAR_WEEKS = 52 * WEEK
MAX_TOLERANCE = 3600.0  # even a year back, the reference is at most an hour off

CAPTIONS = {"day": "vs yesterday", "week": "vs last week", "month": "vs last month",
            "year": "vs last year"}


def compare_moment(compare: str, window: float, at: float, tz: dt.tzinfo) -> float:
    """The unix time that `at` is compared against under `compare`."""
    if compare == "day":
        return at - DAY
    if compare == "week":
        return at - WEEK
    if compare == "year":
        return at - YEAR_WEEKS
    if compare == "month":
        local = dt.datetime.fromtimestamp(at, tz)
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        day = min(local.day, calendar.monthrange(year, month)[1])
        earlier = local.replace(year=year, month=month, day=day)
        # wall-clock arithmetic: across a DST change the offset of the earlier moment applies
        naive = earlier.replace(tzinfo=None)
        return naive.replace(tzinfo=tz).timestamp()
    return at - window


def compare_offset(compare: str, window: float, at: float, tz: dt.tzinfo) -> float:
    """Seconds between `at` and the moment it is compared against."""
    return at - compare_moment(compare, window, at, tz)


def compare_caption(compare: str, window: float) -> str:
    """The comparison in words: "vs 1h ago", "vs yesterday", "vs last month"."""
    return CAPTIONS.get(compare, f"vs {format_duration(window)} ago")


def tolerance(offset: float) -> float:
    """How far before the compared moment a reference point may lie: a tenth of the offset,
    at most an hour."""
    return min(0.1 * offset, MAX_TOLERANCE)
