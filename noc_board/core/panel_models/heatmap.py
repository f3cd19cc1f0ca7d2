"""The hour-of-day × day-of-week heatmap: the mean of a metric per local hour and weekday.

Built from the store's hourly rollups (each row: the bucket's start, the count and sum of its
samples), so weeks of history cost one small query. Means re-aggregate exactly: a cell is the
sum of its hours' sums over the sum of their counts. A cell with no data is NaN and drawn empty,
never as zero. Weekdays run Monday to Sunday; hours are the board's local time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from noc_board.core.units import Unit, format_value

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HourRow(Protocol):
    """What the heatmap reads of an hourly rollup row (noc_board.store.RollupRow has it)."""

    @property
    def start(self) -> int: ...

    @property
    def count(self) -> int: ...

    @property
    def sum(self) -> float: ...

    @property
    def last_ts(self) -> float: ...


@dataclass(frozen=True, slots=True)
class HeatBody:
    """The grid (7 rows, Monday first, of 24 hourly means; NaN: no data) and its range."""

    means: tuple[tuple[float, ...], ...] = ()
    low: float = math.nan
    high: float = math.nan
    low_text: str = ""
    high_text: str = ""
    filled: int = 0  # cells with data, of 168
    last_ts: float = math.nan  # newest sample in the rows

    def cell_text(self, unit: Unit, weekday: int, hour: int, currency: str = "USD") -> str:
        """A cell's value as text ("—" when it has none)."""
        number, unit_text = format_value(self.means[weekday][hour], unit, currency)
        return f"{number}{unit_text}" if unit_text == "%" else f"{number} {unit_text}".strip()


def heat_body(rows: Iterable[HourRow], tz: dt.tzinfo, unit: Unit = Unit.COUNT,
              currency: str = "USD") -> HeatBody:
    """Fold hourly rows into the weekday × hour grid of means."""
    sums = [[0.0] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    last = math.nan
    for row in rows:
        if row.count <= 0 or not math.isfinite(row.sum):
            continue
        local = dt.datetime.fromtimestamp(row.start, tz)
        sums[local.weekday()][local.hour] += row.sum
        counts[local.weekday()][local.hour] += row.count
        if math.isnan(last) or row.last_ts > last:
            last = float(row.last_ts)
    means = tuple(
        tuple(sums[d][h] / counts[d][h] if counts[d][h] else math.nan for h in range(24))
        for d in range(7)
    )
    finite = [v for day in means for v in day if math.isfinite(v)]
    if not finite:
        return HeatBody(means=means)
    low, high = min(finite), max(finite)
    low_text = " ".join(format_value(low, unit, currency)).strip()
    high_text = " ".join(format_value(high, unit, currency)).strip()
    return HeatBody(means, low, high, low_text, high_text, len(finite), last)


def heat_fraction(value: float, low: float, high: float) -> float:
    """Where `value` lies in [low, high], 0-1 (0.5 when the range is flat; NaN stays NaN)."""
    if math.isnan(value):
        return math.nan
    if not high > low:
        return 0.5
    return min(1.0, max(0.0, (value - low) / (high - low)))
