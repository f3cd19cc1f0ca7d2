"""`RecentPoints`: the last stretch of one metric's points, for windows over the recent past.

Rate of change, burn rates and the rolling fallback baseline all ask "the values (or their mean)
in the last w seconds" or "the value w seconds ago". Points arrive in time order; what is older
than `horizon` is dropped, so memory is bounded by the horizon and the point rate (and by
`max_points` whatever the rate).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class RecentPoints:
    """Finite points of the last `horizon` seconds, oldest first, with running sums."""

    def __init__(self, horizon: float, max_points: int = 50_000) -> None:
        self.horizon = horizon
        self._max = max_points
        self._ts: list[float] = []
        self._values: list[float] = []
        self._cum: list[float] = []  # _cum[i] = sum of _values[: i + 1] (from the last compaction)
        self._start = 0  # index of the oldest live point

    def __len__(self) -> int:
        return len(self._ts) - self._start

    def append(self, ts: float, value: float) -> None:
        """Add a point (NaN and out-of-order points are ignored) and drop what has aged out."""
        if not math.isfinite(value) or (self._ts and ts <= self._ts[-1]):
            return
        self._ts.append(ts)
        self._values.append(value)
        self._cum.append((self._cum[-1] if self._cum else 0.0) + value)
        cutoff = ts - self.horizon
        start = bisect_left(self._ts, cutoff, self._start)
        self._start = max(start, len(self._ts) - self._max)
        if self._start > 1024 and self._start * 2 > len(self._ts):
            self._compact()

    def _compact(self) -> None:
        self._ts = self._ts[self._start :]
        self._values = self._values[self._start :]
        running = 0.0
        self._cum = []
        for v in self._values:
            running += v
            self._cum.append(running)
        self._start = 0

    def last_ts(self) -> float:
        return self._ts[-1] if len(self) else math.nan

    def oldest_ts(self) -> float:
        return self._ts[self._start] if len(self) else math.nan

    def _span(self, start: float, end: float) -> tuple[int, int]:
        """Indices [lo, hi) of the live points with start < ts <= end."""
        lo = bisect_right(self._ts, start, self._start)
        hi = bisect_right(self._ts, end, self._start)
        return lo, hi

    def values(self, start: float, end: float) -> FloatArray:
        """The values with start < ts <= end."""
        lo, hi = self._span(start, end)
        return np.asarray(self._values[lo:hi], dtype=np.float64)

    def count(self, start: float, end: float) -> int:
        lo, hi = self._span(start, end)
        return hi - lo

    def mean(self, start: float, end: float) -> float:
        """The mean of the values with start < ts <= end, NaN when there are none."""
        lo, hi = self._span(start, end)
        if hi <= lo:
            return math.nan
        before = self._cum[lo - 1] if lo > 0 else 0.0
        return (self._cum[hi - 1] - before) / (hi - lo)

    def value_at_or_before(self, ts: float) -> float:
        """The latest value at or before `ts`, NaN when the points do not reach back so far."""
        i = bisect_right(self._ts, ts, self._start) - 1
        return self._values[i] if i >= self._start else math.nan
