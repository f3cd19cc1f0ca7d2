"""Minute and hour rollups of every metric, maintained as samples arrive.

Reports and seasonal baselines read these instead of raw samples (an hourly aggregate over 30 days
x 100 series: seconds from raw rows, milliseconds from a rollup table; DESIGN.md). Each bucket
keeps count, sum, min, max and the last value with its time, so means re-aggregate exactly:
an hour is the sum of its minutes.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from noc_board.core.samples import Sample
from noc_board.store.db import Database

MINUTE_S = 60
HOUR_S = 3600
DEFAULT_KEEP_MINUTES_S = 35 * 86_400.0
DEFAULT_KEEP_HOURS_S = 730 * 86_400.0

_TABLES = {MINUTE_S: "rollup_minute", HOUR_S: "rollup_hour"}
_IN_CHUNK = 500  # names per `IN (...)`, well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class RollupRow:
    """The aggregate of one metric over one bucket (a minute or an hour) starting at `start`.

    `last` is the value of the latest sample in the bucket, taken at `last_ts`.
    """

    metric: str
    start: int
    count: int
    sum: float
    min: float
    max: float
    last: float
    last_ts: float

    @property
    def mean(self) -> float:
        """The mean of the bucket's samples."""
        return self.sum / self.count


class PruneResult(NamedTuple):
    """How many rows `Rollups.prune` deleted."""

    minutes: int
    hours: int
    metrics: int


class _Bucket:
    """A running aggregate while a batch is folded, before it is upserted."""

    __slots__ = ("count", "last_ts", "last_value", "max", "min", "sum")

    def __init__(self, ts: float, value: float) -> None:
        self.count = 1
        self.sum = value
        self.min = value
        self.max = value
        self.last_ts = ts
        self.last_value = value

    def add(self, ts: float, value: float) -> None:
        self.count += 1
        self.sum += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        if ts >= self.last_ts:
            self.last_ts = ts
            self.last_value = value

    def copy(self) -> _Bucket:
        twin = _Bucket(self.last_ts, self.last_value)
        twin.count, twin.sum, twin.min, twin.max = self.count, self.sum, self.min, self.max
        return twin

    def merge(self, other: _Bucket) -> None:
        self.count += other.count
        self.sum += other.sum
        if other.min < self.min:
            self.min = other.min
        if other.max > self.max:
            self.max = other.max
        if other.last_ts >= self.last_ts:
            self.last_ts = other.last_ts
            self.last_value = other.last_value


_Buckets = dict[tuple[str, int], _Bucket]


def _fold(samples: Iterable[Sample]) -> tuple[_Buckets, _Buckets]:
    """Per (metric, bucket start) aggregates of a batch: minutes from the samples, then hours
    from the minutes (an hour is exactly the merge of its minutes)."""
    minutes: _Buckets = {}
    isfinite = math.isfinite
    floor = math.floor
    for sample in samples:
        value = sample.value
        if not isfinite(value):  # NaN is "no number"; an infinity would poison the sums
            continue
        ts = sample.ts
        key = (sample.metric, floor(ts / MINUTE_S) * MINUTE_S)
        bucket = minutes.get(key)
        if bucket is None:
            minutes[key] = _Bucket(ts, value)
        else:
            bucket.add(ts, value)
    hours: _Buckets = {}
    for (metric, start), minute in minutes.items():
        key = (metric, start - start % HOUR_S)
        hour = hours.get(key)
        if hour is None:
            hours[key] = minute.copy()
        else:
            hour.merge(minute)
    return minutes, hours


def _upsert_sql(table: str) -> str:
    # In an UPSERT's SET, unqualified columns are the stored row and `excluded` the new one;
    # every expression sees the old values, so last_value is decided before last_ts moves.
    return (
        f'INSERT INTO {table} (metric_id, start, "count", "sum", "min", "max", last_ts, '
        "last_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        'ON CONFLICT (metric_id, start) DO UPDATE SET "count" = "count" + excluded."count", '
        '"sum" = "sum" + excluded."sum", "min" = min("min", excluded."min"), '
        '"max" = max("max", excluded."max"), '
        "last_value = CASE WHEN excluded.last_ts >= last_ts "
        "THEN excluded.last_value ELSE last_value END, "
        "last_ts = max(last_ts, excluded.last_ts)"
    )


class Rollups:
    """Maintains and reads the `rollup_minute` and `rollup_hour` tables of one `Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, samples: Iterable[Sample], minutes: bool = True) -> int:
        """Fold a batch of samples into the minute and hour rollups, in one transaction.

        Non-finite values (NaN: no number) are skipped. Every sample given is counted, so the
        caller must not hand the same sample twice. Returns the number of samples folded in.
        `minutes=False` keeps only the hour buckets: for series only ever read by the hour (the
        kept rows of a breakdown), 60 times fewer rows.
        """
        by_minute, hours = _fold(samples)
        if not by_minute:
            return 0
        tables = [(_TABLES[MINUTE_S], by_minute)] if minutes else []
        tables.append((_TABLES[HOUR_S], hours))
        with self._db.transaction() as conn:
            ids = self._metric_ids(conn, {metric for metric, _ in by_minute})
            for table, buckets in tables:
                conn.executemany(
                    _upsert_sql(table),
                    [
                        (ids[metric], start, b.count, b.sum, b.min, b.max, b.last_ts, b.last_value)
                        for (metric, start), b in buckets.items()
                    ],
                )
        return sum(b.count for b in by_minute.values())

    def minutes(self, metric: str, start: float, end: float) -> list[RollupRow]:
        """The minute buckets of `metric` that overlap `[start, end)`, oldest first."""
        return self._read(MINUTE_S, metric, start, end)

    def hours(self, metric: str, start: float, end: float) -> list[RollupRow]:
        """The hour buckets of `metric` that overlap `[start, end)`, oldest first."""
        return self._read(HOUR_S, metric, start, end)

    def raw(self, width: int, metric: str, start: float, end: float) -> list[tuple[Any, ...]]:
        """The buckets of `width` (MINUTE_S or HOUR_S) that overlap `[start, end)` as plain
        tuples (start, count, sum, min, max, last, last_ts), oldest first: for readers that
        turn thousands of rows into arrays (reports), without a RollupRow per row."""
        return self._db.query(
            f'SELECT start, "count", "sum", "min", "max", last_value, last_ts '
            f"FROM {_TABLES[width]} "
            "WHERE metric_id = (SELECT id FROM metric WHERE name = ?) "
            "AND start > ? AND start < ? ORDER BY start",
            (metric, start - width, end),
        )

    def metrics(self) -> list[str]:
        """The names of all metrics with rollups, sorted."""
        return [str(row[0]) for row in self._db.query("SELECT name FROM metric ORDER BY name")]

    def prune(
        self,
        now: float,
        keep_minutes_s: float = DEFAULT_KEEP_MINUTES_S,
        keep_hours_s: float = DEFAULT_KEEP_HOURS_S,
    ) -> PruneResult:
        """Delete minute buckets that ended more than `keep_minutes_s` before `now`, and hour
        buckets that ended more than `keep_hours_s` before it; forget metrics left with none.

        Deletes metric by metric along the primary key, so no table scan.
        """
        deleted = {MINUTE_S: 0, HOUR_S: 0}
        forgotten = 0
        keep = {MINUTE_S: keep_minutes_s, HOUR_S: keep_hours_s}
        with self._db.transaction() as conn:
            metric_ids = [int(row[0]) for row in conn.execute("SELECT id FROM metric")]
            for metric_id in metric_ids:
                for width, table in _TABLES.items():
                    # a bucket [start, start + width) has ended before the cutoff
                    cutoff = now - keep[width] - width
                    cursor = conn.execute(
                        f"DELETE FROM {table} WHERE metric_id = ? AND start <= ?",
                        (metric_id, cutoff),
                    )
                    deleted[width] += cursor.rowcount
                if not any(
                    conn.execute(
                        f"SELECT 1 FROM {table} WHERE metric_id = ? LIMIT 1", (metric_id,)
                    ).fetchone()
                    for table in _TABLES.values()
                ):
                    conn.execute("DELETE FROM metric WHERE id = ?", (metric_id,))
                    forgotten += 1
        return PruneResult(deleted[MINUTE_S], deleted[HOUR_S], forgotten)

    def _read(self, width: int, metric: str, start: float, end: float) -> list[RollupRow]:
        rows = self._db.query(
            f'SELECT start, "count", "sum", "min", "max", last_value, last_ts '
            f"FROM {_TABLES[width]} "
            "WHERE metric_id = (SELECT id FROM metric WHERE name = ?) "
            "AND start > ? AND start < ? ORDER BY start",
            (metric, start - width, end),
        )
        return [_row(metric, row) for row in rows]

    @staticmethod
    def _metric_ids(conn: sqlite3.Connection, names: set[str]) -> dict[str, int]:
        """Ids for `names`, creating the missing ones (inside the caller's transaction)."""
        ids: dict[str, int] = {}
        ordered: Sequence[str] = sorted(names)
        for i in range(0, len(ordered), _IN_CHUNK):
            chunk = ordered[i : i + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for id_, name in conn.execute(
                f"SELECT id, name FROM metric WHERE name IN ({marks})", chunk
            ):
                ids[str(name)] = int(id_)
        for name in ordered:
            if name not in ids:
                row = conn.execute(
                    "INSERT INTO metric (name) VALUES (?) RETURNING id", (name,)
                ).fetchone()
                ids[name] = int(row[0])
        return ids


_new = object.__new__


def _row(metric: str, row: tuple[Any, ...]) -> RollupRow:
    # Fills the instance dict directly: the frozen dataclass __init__ costs eight
    # object.__setattr__ calls, which made a 30-day x 100-metric read 4x slower than its SQL.
    # The columns' affinities already give int (start, count) and float (the rest).
    obj: RollupRow = _new(RollupRow)
    d = obj.__dict__
    d["metric"] = metric
    d["start"], d["count"], d["sum"], d["min"], d["max"], d["last"], d["last_ts"] = row
    return obj
