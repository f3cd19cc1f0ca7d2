"""The clock panel's text: the time (large), the date and the time zone with its UTC offset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClockFace:
    """What a clock panel draws."""

    time_text: str  # "14:03:27"
    date_text: str  # "Wed 7 Jan 2026"
    zone_text: str  # "Europe/Berlin · CET (UTC+01:00)"


def clock_face(now: float, tz: dt.tzinfo, zone_name: str) -> ClockFace:
    """The face of a clock in `tz` (named `zone_name`) at `now`."""
    local = dt.datetime.fromtimestamp(now, tz)
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    abbreviation = local.tzname() or ""
    utc = f"UTC{sign}{hours:02d}:{mins:02d}"
    zone = zone_name if abbreviation in ("", zone_name) else f"{zone_name} · {abbreviation}"
    if zone_name != "UTC":
        zone += f" ({utc})"
    return ClockFace(local.strftime("%H:%M:%S"), f"{local:%a} {local.day} {local:%b %Y}", zone)
