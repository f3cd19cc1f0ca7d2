"""Report windows in the board's time zone: parsing --from/--to, and each kind's default period.

Times on the command line are ISO 8601 ("2026-01-07", "2026-01-07T06:00", with or without a
zone; without one they are the board's local time), "now", "today" and "yesterday" (local
midnights), or relative to now ("-8h", "-7d", "+30m").

Default periods, when no --from is given:

- shift: if the last handover was less than `SHIFT_GRACE` ago, the shift that just ended (the
  operator exports right after handing over), else the current shift so far;
- daily: yesterday; weekly: the last full week, Monday to Monday; monthly: the last full month.

With --from only, a period has its kind's natural length (a shift to the next handover, a day,
a week, a calendar month); with both, exactly [from, to).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from noc_board.core.maintenance import parse_clock
from noc_board.core.units import parse_duration

KINDS = ("shift", "incident", "daily", "weekly", "monthly")
SHIFT_GRACE = 3600.0
_RELATIVE = re.compile(r"^([+-])\s*(\S+)$")


class PeriodError(ValueError):
    """A time or window that cannot be used."""


@dataclass(frozen=True, slots=True)
class Period:
    """A report window [start, end) in a time zone."""

    start: float
    end: float
    zone: str

    @property
    def length(self) -> float:
        return self.end - self.start

    def shifted(self, seconds: float) -> Period:
        """The same window `seconds` later (negative: earlier)."""
        return Period(self.start + seconds, self.end + seconds, self.zone)


def zone_info(name: str) -> dt.tzinfo:
    """The tzinfo of an IANA name (UTC for an unknown one)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local(ts: float, zone: str) -> dt.datetime:
    """`ts` as an aware datetime in `zone`."""
    return dt.datetime.fromtimestamp(ts, zone_info(zone))


def midnight(ts: float, zone: str, days: int = 0) -> float:
    """The local midnight starting the day of `ts`, moved by `days` calendar days."""
    tz = zone_info(zone)
    day = dt.datetime.fromtimestamp(ts, tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(0), tz).timestamp()


def month_start(ts: float, zone: str, months: int = 0) -> float:
    """Local midnight of the first day of the month of `ts`, moved by `months`."""
    tz = zone_info(zone)
    when = dt.datetime.fromtimestamp(ts, tz)
    index = when.year * 12 + (when.month - 1) + months
    year, month = divmod(index, 12)
    return dt.datetime(year, month + 1, 1, tzinfo=tz).timestamp()


def week_start(ts: float, zone: str, weeks: int = 0) -> float:
    """Local midnight of the Monday of the week of `ts`, moved by `weeks`."""
    weekday = local(ts, zone).weekday()
    return midnight(ts, zone, -weekday + 7 * weeks)


def parse_time(text: str, now: float, zone: str) -> float:
    """Unix seconds of a --from/--to value (see the module docstring); raises PeriodError."""
    s = text.strip()
    lowered = s.lower()
    if lowered == "now":
        return now
    if lowered == "today":
        return midnight(now, zone)
    if lowered == "yesterday":
        return midnight(now, zone, -1)
    match = _RELATIVE.match(s)
    if match and not re.match(r"^-?\d{4}-", s):
        try:
            seconds = parse_duration(match.group(2))
        except ValueError as exc:
            raise PeriodError(f"{text!r}: {exc}") from None
        return now + seconds if match.group(1) == "+" else now - seconds
    try:
        when = dt.datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        raise PeriodError(
            f"{text!r} is not a time: use ISO 8601 (2026-01-07 or 2026-01-07T06:00), now, "
            "today, yesterday, or relative like -8h") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone_info(zone))
    return when.timestamp()


def handover_minutes(handovers: Sequence[str]) -> list[int]:
    """The handover times as minutes after midnight, sorted; raises PeriodError."""
    try:
        minutes = sorted({parse_clock(h) for h in handovers})
    except ValueError as exc:
        raise PeriodError(str(exc)) from None
    if not minutes:
        raise PeriodError("no shift handover times are configured ([reports] handovers)")
    return minutes


def handovers_around(ts: float, zone: str, handovers: Sequence[str]) -> tuple[float, float]:
    """The last handover at or before `ts` and the next one after it."""
    minutes = handover_minutes(handovers)
    tz = zone_info(zone)
    day = dt.datetime.fromtimestamp(ts, tz).date()
    times: list[float] = []
    for offset in (-1, 0, 1):
        d = day + dt.timedelta(days=offset)
        for m in minutes:
            times.append(dt.datetime.combine(d, dt.time(m // 60, m % 60), tz).timestamp())
    times.sort()
    before = max(t for t in times if t <= ts)
    after = min(t for t in times if t > ts)
    return before, after


def shift_period(now: float, zone: str, handovers: Sequence[str],
                 grace: float = SHIFT_GRACE) -> Period:
    """The shift a report at `now` is about (see the module docstring)."""
    last, _next = handovers_around(now, zone, handovers)
    if now - last < grace:
        previous, _ = handovers_around(last - 1.0, zone, handovers)
        return Period(previous, last, zone)
    return Period(last, now, zone)


def default_period(kind: str, now: float, zone: str, handovers: Sequence[str] = ("06:00",),
                   start: float | None = None, end: float | None = None) -> Period:
    """The window of a `kind` report given optional --from and --to (unix seconds)."""
    if start is not None and end is not None:
        if end <= start:
            raise PeriodError("--to must be after --from")
        return Period(start, end, zone)
    if start is None:
        if end is not None:
            raise PeriodError("--to needs --from")
        if kind == "shift":
            return shift_period(now, zone, handovers)
        if kind == "daily":
            return Period(midnight(now, zone, -1), midnight(now, zone), zone)
        if kind == "weekly":
            return Period(week_start(now, zone, -1), week_start(now, zone), zone)
        if kind == "monthly":
            return Period(month_start(now, zone, -1), month_start(now, zone), zone)
        raise PeriodError(f"a {kind} report needs --from")
    if kind == "shift":
        _, after = handovers_around(start, zone, handovers)
        return Period(start, after, zone)
    if kind == "daily":
        return Period(start, _plus_days(start, zone, 1), zone)
    if kind == "weekly":
        return Period(start, _plus_days(start, zone, 7), zone)
    if kind == "monthly":
        return Period(start, _plus_months(start, zone, 1), zone)
    raise PeriodError(f"a {kind} report needs --to with --from")


def _plus_days(ts: float, zone: str, days: int) -> float:
    tz = zone_info(zone)
    when = dt.datetime.fromtimestamp(ts, tz)
    return dt.datetime.combine(when.date() + dt.timedelta(days=days), when.time(),
                               tz).timestamp()


def _plus_months(ts: float, zone: str, months: int) -> float:
    tz = zone_info(zone)
    when = dt.datetime.fromtimestamp(ts, tz)
    index = when.year * 12 + (when.month - 1) + months
    year, month = divmod(index, 12)
    day = min(when.day, 28) if when.day > 28 else when.day
    return dt.datetime(year, month + 1, day, when.hour, when.minute, tzinfo=tz).timestamp()


def same_time_last_year(period: Period) -> Period:
    """The same calendar window a year earlier (a whole month stays a whole month)."""
    return Period(_plus_months(period.start, period.zone, -12),
                  _plus_months(period.end, period.zone, -12), period.zone)


def previous_month(period: Period) -> Period:
    """The calendar month before a monthly window."""
    return Period(_plus_months(period.start, period.zone, -1), period.start, period.zone)
