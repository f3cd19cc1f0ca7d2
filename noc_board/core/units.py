"""Units: durations written as "15s", and how each kind of value reads on the wall."""

from __future__ import annotations

import enum
import math
import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_FACTORS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as "90s", "5m", "1h30m", "7d" or "250ms".

    Raises ValueError with a message fit for a config error.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty duration; write it like 15s, 5m, 1h or 7d")
    pos = 0
    total = 0.0
    for match in _DURATION.finditer(s):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _FACTORS[match.group(2)]
        pos = match.end()
    if pos != len(s):
        raise ValueError(f"{text!r} is not a duration; write it like 15s, 5m, 1h or 7d")
    return total


def format_duration(seconds: float) -> str:
    """A short, human duration: 45s, 3m, 2h 5m, 3d 4h."""
    if math.isnan(seconds):
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h}h {m}m" if m else f"{h}h"
    d, h = divmod(s // 3600, 24)
    return f"{d}d {h}h" if h else f"{d}d"


class Unit(enum.Enum):
    """What a metric's number means, which decides how it is written."""

    COUNT = "count"
    RATIO = "ratio"  # 0..1, written as a percentage
    PERCENT = "percent"  # already 0..100
    SECONDS = "seconds"
    MILLISECONDS = "ms"
    MONEY = "money"
    PER_SECOND = "per_second"
    PER_MINUTE = "per_minute"
    BYTES = "bytes"


def _compact(value: float) -> str:
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.2f}G"
    if a >= 1e6:
        return f"{value / 1e6:.2f}M"
    if a >= 1e4:
        return f"{value / 1e3:.1f}k"
    if a >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def format_value(value: float, unit: Unit, currency: str = "USD") -> tuple[str, str]:
    """The number and the unit label for a tile, e.g. ("2.4", "%") or ("12.3k", "USD").

    NaN gives ("—", "") : the board never draws a number it does not have.
    """
    if math.isnan(value):
        return "—", ""
    if math.isinf(value):
        return ("∞" if value > 0 else "−∞"), ""
    match unit:
        case Unit.RATIO:
            return f"{value * 100:.2f}" if abs(value) < 0.1 else f"{value * 100:.1f}", "%"
        case Unit.PERCENT:
            return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}", "%"
        case Unit.SECONDS:
            if abs(value) < 1:
                return f"{value * 1000:.0f}", "ms"
            if abs(value) < 120:
                return f"{value:.1f}", "s"
            return format_duration(value), ""
        case Unit.MILLISECONDS:
            return (f"{value:.0f}", "ms") if abs(value) < 10000 else (f"{value / 1000:.1f}", "s")
        case Unit.MONEY:
            return _compact(value) if abs(value) >= 100 else f"{value:.2f}", currency
        case Unit.PER_SECOND:
            return _compact(value), "/s"
        case Unit.PER_MINUTE:
            return _compact(value), "/min"
        case Unit.BYTES:
            for label, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
                if abs(value) >= factor:
                    return f"{value / factor:.1f}", label
            return f"{value:.0f}", "B"
        case _:
            return _compact(value), ""
