"""A bounded ring buffer of (time, value) pairs backed by preallocated numpy arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class RingSeries:
    """The most recent `capacity` points of one metric, oldest first when read.

    Memory is fixed at construction: appending past capacity overwrites the oldest point.
    Points must arrive in time order; an older or equal timestamp replaces nothing and is
    dropped, so a source that re-sends its last point does not duplicate it.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._ts = np.full(capacity, np.nan)
        self._values = np.full(capacity, np.nan)
        self._start = 0
        self._size = 0
        self.version = 0  # bumped on every change, so readers can skip redraws

    @property
    def capacity(self) -> int:
        return int(self._ts.shape[0])

    def __len__(self) -> int:
        return self._size

    def append(self, ts: float, value: float) -> bool:
        """Add a point; returns False when it was dropped as out of order."""
        if self._size and ts <= self.last_ts():
            return False
        cap = self.capacity
        idx = (self._start + self._size) % cap
        self._ts[idx] = ts
        self._values[idx] = value
        if self._size < cap:
            self._size += 1
        else:
            self._start = (self._start + 1) % cap
        self.version += 1
        return True

    def last_ts(self) -> float:
        if not self._size:
            return float("nan")
        return float(self._ts[(self._start + self._size - 1) % self.capacity])

    def last_value(self) -> float:
        if not self._size:
            return float("nan")
        return float(self._values[(self._start + self._size - 1) % self.capacity])

    def arrays(self) -> tuple[FloatArray, FloatArray]:
        """Copies of the timestamps and values, oldest first."""
        order = (np.arange(self._size) + self._start) % self.capacity
        return self._ts[order], self._values[order]

    def value_at_or_before(self, ts: float) -> float:
        """The latest value at or before `ts`, or NaN when the series does not reach back."""
        times, values = self.arrays()
        i = int(np.searchsorted(times, ts, side="right")) - 1
        return float(values[i]) if i >= 0 else float("nan")
