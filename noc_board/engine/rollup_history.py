"""History providers the engine hands to the alarm book (`core.rules.history.HistoryProvider`).

`RollupHistory` reads the store's minute rollups, which reach back weeks: what a seasonal
baseline needs. `SeriesHistory` reads the hub's in-memory ring series, an hour or two, for a
board without a store; seasonal rules then fall back to a rolling baseline and say so.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from noc_board.core.rules.history import FloatArray
from noc_board.core.series import RingSeries
from noc_board.store.rollups import Rollups


class RollupHistory:
    """Per-minute means from the store's rollups (NaN-free: the rollups skip NaN)."""

    def __init__(self, rollups: Rollups) -> None:
        self._rollups = rollups

    def values(self, metric: str, start: float, end: float) -> FloatArray:
        rows = self._rollups.minutes(metric, start, end)
        # a minute bucket overlapping `start` counts only when it starts inside the range
        return np.array([r.sum / r.count for r in rows if r.start >= start and r.count],
                        dtype=np.float64)


class SeriesHistory:
    """Points from the hub's ring series, found by metric id."""

    def __init__(self, series: Callable[[str], RingSeries | None]) -> None:
        self._series = series

    def values(self, metric: str, start: float, end: float) -> FloatArray:
        ring = self._series(metric)
        if ring is None or not len(ring):
            return np.zeros(0)
        times, values = ring.arrays()
        lo = int(np.searchsorted(times, start, side="left"))
        hi = int(np.searchsorted(times, end, side="left"))
        picked = values[lo:hi]
        result: FloatArray = picked[np.isfinite(picked)]
        return result
