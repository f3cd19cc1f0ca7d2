"""Recorded series for `noc-board replay --series METRIC=CSV`: reading and checking the files.

A file has a header `timestamp,value`; a timestamp is ISO 8601 (without a zone it is UTC, as
NAB's files are) or unix seconds; an empty value or `NaN` is a point with no number. Rows may
come in any order; a repeated timestamp keeps the last row.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class SeriesFileError(ValueError):
    """A series file that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class RecordedSeries:
    """One metric's recorded points, in time order."""

    metric: str
    times: FloatArray
    values: FloatArray


def parse_spec(spec: str) -> tuple[str, Path]:
    """"METRIC=FILE" -> (metric, path)."""
    metric, sep, path = spec.partition("=")
    if not sep or not metric.strip() or not path.strip():
        raise SeriesFileError(f"--series {spec!r}: write it as METRIC=FILE.csv")
    return metric.strip(), Path(path.strip())


def parse_timestamp(text: str) -> float:
    """Unix seconds of an ISO 8601 time (UTC when it has no zone) or of a number."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    when = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def read_series(metric: str, path: Path) -> RecordedSeries:
    """The points of one CSV file; raises SeriesFileError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SeriesFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    if header[:2] != ["timestamp", "value"]:
        raise SeriesFileError(f"{path}:1: the header must be timestamp,value")
    points: dict[float, float] = {}
    for line, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise SeriesFileError(f"{path}:{line}: expected timestamp,value")
        try:
            ts = parse_timestamp(row[0])
        except ValueError:
            raise SeriesFileError(
                f"{path}:{line}: {row[0]!r} is not an ISO 8601 time or unix seconds") from None
        raw = row[1].strip()
        try:
            value = float(raw) if raw else math.nan
        except ValueError:
            raise SeriesFileError(f"{path}:{line}: {raw!r} is not a number") from None
        if not math.isfinite(ts):
            raise SeriesFileError(f"{path}:{line}: the timestamp is not finite")
        points[ts] = value
    if not points:
        raise SeriesFileError(f"{path}: no rows after the header")
    times = np.array(sorted(points), dtype=np.float64)
    values = np.array([points[t] for t in times.tolist()], dtype=np.float64)
    return RecordedSeries(metric, times, values)
