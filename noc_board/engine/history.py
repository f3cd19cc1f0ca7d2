"""Read-only questions the board asks of the store's rollups: heatmaps, comparisons, overlays.

The UI gets a `HistoryReader` through the bridge and never touches SQLite itself. Every query is
small (an index range on one metric: at most a few hundred rows) and runs on the engine's thread
between polls. A store that fails (closed during a reload, locked, corrupt) answers "no data"
and says so once in the log, so a panel greys out instead of the board stopping.
"""

from __future__ import annotations

import logging
import math
import sqlite3

import numpy as np

from noc_board.core.series import FloatArray
from noc_board.store import RollupRow, Rollups, StoreError

log = logging.getLogger(__name__)

MINUTE = 60.0
HOUR = 3600.0


class HistoryReader:
    """Answers from the rollups of one store (minute buckets for 35 days, hours for two years)."""

    def __init__(self, rollups: Rollups) -> None:
        self._rollups = rollups
        self._warned = False

    @property
    def rollups(self) -> Rollups:
        """The rollups it reads, for readers that work off the GUI thread (the insights digest;
        the store's connection is shared across threads under its lock)."""
        return self._rollups

    def _failed(self, what: str, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning("the board cannot read history for %s: %s", what, exc)

    def hours(self, metric: str, start: float, end: float) -> list[RollupRow]:
        """The hour buckets of `metric` overlapping [start, end), oldest first."""
        try:
            return self._rollups.hours(metric, start, end)
        except (StoreError, sqlite3.Error) as exc:
            self._failed(metric, exc)
            return []

    def minutes(self, metric: str, start: float, end: float) -> list[RollupRow]:
        """The minute buckets of `metric` overlapping [start, end), oldest first."""
        try:
            return self._rollups.minutes(metric, start, end)
        except (StoreError, sqlite3.Error) as exc:
            self._failed(metric, exc)
            return []

    def value_at(self, metric: str, ts: float, tolerance: float) -> float:
        """The value of `metric` at `ts`: the last sample of the latest minute bucket at or
        before `ts` no more than `tolerance` earlier, else of the hour bucket holding `ts` (the
        minutes of older history are pruned) when that sample lies within `tolerance` of `ts`;
        NaN when the store has neither. A board started at 06:59 has an "06:00" hour, but no
        value for 06:00."""
        near = max(tolerance, MINUTE)
        rows = self.minutes(metric, ts - near, ts + 1.0)
        best = [r for r in rows if r.start <= ts and ts - r.last_ts <= near]
        if best:
            return best[-1].last
        hour = [r for r in self.hours(metric, ts, ts + 1.0)
                if r.start <= ts < r.start + HOUR and abs(r.last_ts - ts) <= near]
        return hour[-1].last if hour else math.nan

    def minute_series(self, metric: str, start: float, end: float) -> tuple[FloatArray,
                                                                          FloatArray]:
        """(times, means) of the minute buckets in [start, end): a bucket's mean at its middle,
        for drawing a comparison period."""
        rows = self.minutes(metric, start, end)
        ts = np.fromiter((r.start + MINUTE / 2 for r in rows), float, len(rows))
        values = np.fromiter((r.mean for r in rows), float, len(rows))
        return ts, values
