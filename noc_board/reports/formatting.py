"""How numbers, changes and times read in a report (full figures, not the wall's compact ones).

A report is read at a desk: "12,345 orders", "2.35 %", "12,345.67 USD", "+4.2 %"; times in the
board's time zone; raw values for the CSV as numbers and ISO 8601 times with their offset.
"""

from __future__ import annotations

import math

from noc_board.core.units import format_duration
from noc_board.reports.document import Cell
from noc_board.reports.periods import local

DASH = "—"


def number(value: float | None, decimals: int | None = None) -> str:
    """12,345 or 12.35; a dash for no value."""
    if value is None or not math.isfinite(value):
        return DASH
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or value == int(value) else 2
    return f"{value:,.{decimals}f}"


def value_text(value: float | None, unit: str, currency: str = "USD") -> str:
    """A value with its unit, in full."""
    if value is None or not math.isfinite(value):
        return DASH
    match unit:
        case "ratio":
            return f"{value * 100:.2f} %"
        case "percent":
            return f"{value:.2f} %"
        case "seconds":
            if abs(value) < 1:
                return f"{value * 1000:.0f} ms"
            if abs(value) < 120:
                return f"{value:.2f} s"
            return format_duration(value)
        case "ms":
            return f"{value:,.0f} ms"
        case "money":
            return f"{value:,.2f} {currency}"
        case "per_second":
            return f"{number(value)} /s"
        case "per_minute":
            return f"{number(value)} /min"
        case "bytes":
            return f"{value / 2**20:,.1f} MiB"
        case _:
            return number(value)


def change_text(change: float | None) -> str:
    """+4.2 % / −3.1 %; a dash when there is nothing to compare with."""
    if change is None or not math.isfinite(change):
        return DASH
    if abs(change) < 0.0005:
        return "±0.0 %"
    sign = "+" if change > 0 else "−"
    return f"{sign}{abs(change) * 100:.1f} %"


def percent(value: float | None, decimals: int = 1) -> str:
    """A share (0.5) as 50.0 %."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value * 100:.{decimals}f} %"


def availability_text(value: float | None) -> str:
    """An availability with the digits that matter (99.953 %)."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value * 100:.3f} %"


def tone(change: float | None, good: str, significant: float = 0.0) -> str:
    """"good" or "bad" for a change in a metric whose good direction is `good` ("up", "down",
    "none"); "" when small (under `significant`) or direction-less."""
    if change is None or not math.isfinite(change) or good not in ("up", "down"):
        return ""
    if abs(change) < significant or change == 0:
        return ""
    better = change > 0 if good == "up" else change < 0
    return "good" if better else "bad"


def duration(seconds: float | None) -> str:
    """45s, 3m, 2h 5m; a dash for none."""
    if seconds is None or not math.isfinite(seconds):
        return DASH
    if seconds < 60:
        return f"{max(0.0, seconds):.0f}s"
    if seconds < 600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes}m {rest}s" if rest else f"{minutes}m"
    return format_duration(seconds)


def clock(ts: float | None, zone: str) -> str:
    """14:03."""
    return DASH if ts is None else local(ts, zone).strftime("%H:%M")


def when(ts: float | None, zone: str) -> str:
    """Wed 07 Jan 14:03."""
    return DASH if ts is None else local(ts, zone).strftime("%a %d %b %H:%M")


def day(ts: float, zone: str) -> str:
    """Wed 07 Jan 2026."""
    return local(ts, zone).strftime("%a %d %b %Y")


def iso(ts: float | None, zone: str) -> str | None:
    """2026-01-07T14:03:00+01:00, for spreadsheets."""
    return None if ts is None else local(ts, zone).isoformat(timespec="seconds")


def time_cell(ts: float | None, zone: str, with_day: bool = True) -> Cell:
    """A time as shown, with its ISO form for the CSV."""
    shown = when(ts, zone) if with_day else clock(ts, zone)
    return Cell(shown, iso(ts, zone))


def stamp_cell(ts: float | None, zone: str, start: float, end: float) -> Cell:
    """A time in a window: the clock alone when the window and the time are on one local day,
    else with the day."""
    if ts is None:
        return Cell(DASH, "")
    first = local(start, zone).date()
    one_day = local(max(start, end - 1), zone).date() == first
    return time_cell(ts, zone, with_day=not (one_day and local(ts, zone).date() == first))


def duration_cell(seconds: float | None, tone_: str = "") -> Cell:
    """A duration as shown, with seconds for the CSV."""
    raw = None if seconds is None else round(seconds, 3)
    return Cell(duration(seconds), raw if raw is not None else "", tone_)


def value_cell(value: float | None, unit: str, currency: str = "USD", tone_: str = "") -> Cell:
    """A value as shown, with the number for the CSV."""
    raw = None if value is None or not math.isfinite(value) else value
    return Cell(value_text(value, unit, currency), raw if raw is not None else "", tone_)


def change_cell(change: float | None, good: str = "none", significant: float = 0.0) -> Cell:
    """A change as shown (+4.2 %), the fraction for the CSV, coloured by direction."""
    raw = None if change is None or not math.isfinite(change) else round(change, 6)
    return Cell(change_text(change), raw if raw is not None else "",
                tone(change, good, significant))


def period_text(start: float, end: float, zone: str) -> str:
    """"Wed 07 Jan 2026 06:00 – 14:00", or across days "Mon 05 Jan 2026 – Sun 11 Jan 2026"."""
    a, b = local(start, zone), local(end, zone)
    midnight_to_midnight = a.hour == a.minute == 0 and b.hour == b.minute == 0
    if midnight_to_midnight:
        last = local(end - 1, zone)
        if last.date() == a.date():
            return a.strftime("%a %d %b %Y")
        return f"{a.strftime('%a %d %b %Y')} – {last.strftime('%a %d %b %Y')}"
    if a.date() == b.date():
        return f"{a.strftime('%a %d %b %Y %H:%M')} – {b.strftime('%H:%M')}"
    return f"{a.strftime('%a %d %b %Y %H:%M')} – {b.strftime('%a %d %b %Y %H:%M')}"
