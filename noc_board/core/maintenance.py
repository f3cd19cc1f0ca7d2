"""Maintenance windows: times when matching alarms are suppressed, and recorded as such.

A window is one-off (`start` to `end`) or weekly (on some `days`, from `at` local time, for
`duration`, in a time zone, so 02:00 stays 02:00 across daylight saving). It matches an alarm
by rule id, metric id and route, each a list of shell-style globs (`checkout-*`, `health.*`):
every list given must match (a list matches when any of its globs does); no lists at all
matches every alarm. The alarm book suppresses a matching alarm while the window is on (ISA-18.2
"suppressed by design") and brings it back when the window ends.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from noc_board.config.schema import MaintenanceConfig

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str) -> float:
    """Unix seconds of an RFC 3339 time with a zone, e.g. "2026-01-10T02:00:00Z"."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time like \"2026-01-10T02:00:00Z\"") from None
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; end it with Z or +01:00")
    return when.timestamp()


def parse_clock(text: str) -> int:
    """Minutes after midnight of "HH:MM"."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day like \"02:30\"")
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True, slots=True)
class Match:
    """Which alarms a window covers (globs), and why it exists."""

    rules: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """One window; build with `one_off` or `weekly`."""

    name: str
    start: float | None = None  # one-off
    end: float | None = None
    days: frozenset[int] = frozenset()  # weekly: 0 = Monday
    minute: int = 0  # weekly: local start, minutes after midnight
    duration: float = 0.0  # weekly
    zone: str = "UTC"
    rules: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    comment: str = ""

    @classmethod
    def one_off(
        cls, name: str, start: float, end: float, match: Match | None = None
    ) -> MaintenanceWindow:
        if end <= start:
            raise ValueError("a maintenance window must end after it starts")
        m = match or Match()
        return cls(name, start=start, end=end, rules=m.rules, metrics=m.metrics,
                   routes=m.routes, comment=m.comment)

    @classmethod
    def weekly(
        cls, name: str, days: Sequence[str], at: str, duration: float, zone: str = "UTC",
        match: Match | None = None,
    ) -> MaintenanceWindow:
        if duration <= 0:
            raise ValueError("a weekly maintenance window needs a duration")
        if duration > 7 * 86_400:
            raise ValueError("a weekly maintenance window lasts at most a week")
        unknown = [d for d in days if d.lower()[:3] not in DAYS]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r}; use {', '.join(DAYS)}")
        numbers = frozenset(DAYS.index(d.lower()[:3]) for d in days)
        if not numbers:
            raise ValueError("a weekly maintenance window needs at least one day")
        ZoneInfo(zone)  # raises for an unknown zone
        m = match or Match()
        return cls(name, days=numbers, minute=parse_clock(at), duration=duration, zone=zone,
                   rules=m.rules, metrics=m.metrics, routes=m.routes, comment=m.comment)

    def occurrence(self, at: float) -> tuple[float, float] | None:
        """(start, end) of the occurrence covering `at`, or None when the window is off."""
        if self.start is not None and self.end is not None:
            return (self.start, self.end) if self.start <= at < self.end else None
        tz = ZoneInfo(self.zone)
        today = dt.datetime.fromtimestamp(at, tz).date()
        # an occurrence may have started up to a week ago; the latest start wins
        for back in range(0, 8):
            day = today - dt.timedelta(days=back)
            if day.weekday() not in self.days:
                continue
            local = dt.datetime.combine(day, dt.time(self.minute // 60, self.minute % 60), tz)
            begin = local.timestamp()
            if begin <= at < begin + self.duration:
                return begin, begin + self.duration
            if begin <= at:
                return None  # the latest start before `at` is over
        return None

    def matches(self, rule: str, metric: str, route: str) -> bool:
        """Whether the window covers an alarm of this rule, metric and route."""

        def any_glob(globs: tuple[str, ...], value: str) -> bool:
            return not globs or any(fnmatch.fnmatchcase(value, g) for g in globs)

        return (any_glob(self.rules, rule) and any_glob(self.metrics, metric)
                and any_glob(self.routes, route))


def active_window(
    windows: Sequence[MaintenanceWindow], at: float, rule: str, metric: str, route: str
) -> tuple[MaintenanceWindow, float] | None:
    """The first window on at `at` that matches, with the end of its occurrence."""
    for window in windows:
        if not window.matches(rule, metric, route):
            continue
        occurrence = window.occurrence(at)
        if occurrence is not None:
            return window, occurrence[1]
    return None


def window_from_config(cfg: MaintenanceConfig, default_zone: str = "UTC") -> MaintenanceWindow:
    """The window a `[[maintenance]]` table describes (the loader has checked it)."""
    match = Match(tuple(cfg.rules), tuple(cfg.metrics), tuple(cfg.routes), cfg.comment)
    if cfg.start or cfg.end:
        return MaintenanceWindow.one_off(cfg.name, parse_time(cfg.start), parse_time(cfg.end),
                                         match)
    return MaintenanceWindow.weekly(cfg.name, cfg.days, cfg.at, cfg.duration,
                                    cfg.timezone or default_zone, match)
