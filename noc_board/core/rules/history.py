"""Where baselines read the past: the `HistoryProvider` protocol and an in-memory provider.

The hub's ring series holds an hour or two; a seasonal baseline needs weeks. The engine reads
them from the store's minute rollups (`noc_board.engine.rollup_history`), replay from its
in-memory series (`ArrayHistory`). Either way the rule only asks for the values of a metric in
a time range, so the core stays free of SQLite and of any clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_EMPTY: FloatArray = np.zeros(0)


class HistoryProvider(Protocol):
    """Past values of metrics."""

    def values(self, metric: str, start: float, end: float) -> FloatArray:
        """The finite values of `metric` in `[start, end)`, oldest first: raw points or
        per-minute means, whichever the provider keeps. Empty when it knows nothing."""
        ...


class NoHistory:
    """A provider that knows nothing (a board without a store, or a test)."""

    def values(self, metric: str, start: float, end: float) -> FloatArray:
        return _EMPTY


class ArrayHistory:
    """History from whole series held in memory, e.g. a replay's precomputed figures.

    `now` (optional) is read at each call and nothing at or after it is returned, so a replay
    that holds the whole week cannot let a rule peek at its future.
    """

    def __init__(
        self,
        series: Mapping[str, tuple[FloatArray, FloatArray]],
        now: Callable[[], float] | None = None,
    ) -> None:
        # times as lists: bisect on a list is several times quicker than searchsorted on a
        # scalar, and a replay asks hundreds of thousands of times
        self._series: dict[str, tuple[list[float], FloatArray]] = {}
        for metric, (times, values) in series.items():
            t = np.asarray(times, dtype=np.float64)
            v = np.asarray(values, dtype=np.float64)
            keep = np.isfinite(v) & np.isfinite(t)
            order = np.argsort(t[keep], kind="stable")
            self._series[metric] = (t[keep][order].tolist(), v[keep][order])
        self._now = now

    def values(self, metric: str, start: float, end: float) -> FloatArray:
        found = self._series.get(metric)
        if found is None:
            return _EMPTY
        if self._now is not None:
            end = min(end, self._now())
        if end <= start:
            return _EMPTY
        times, values = found
        return values[bisect_left(times, start) : bisect_left(times, end)]
