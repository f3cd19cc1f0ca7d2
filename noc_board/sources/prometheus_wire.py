"""Prometheus HTTP API v1 wire types (msgspec), and reading values out of them.

Kept apart from the connector so a decode worker process imports only this and msgspec.
Sample values are strings ("0.5", "NaN", "+Inf", "1e-07"); timestamps are numbers, integral
when the milliseconds are zero. Shape mismatches raise `msgspec.ValidationError`, bad numbers
`ValueError`; the connector turns both into `SourceError`.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np

Point = tuple[float, str]


class PromSeries(msgspec.Struct):
    """One series of a vector (`value`) or matrix (`values`); histograms are not read."""

    metric: dict[str, str] = {}
    value: Point | None = None
    values: list[Point] | None = None
    histogram: Any = None
    histograms: Any = None


class PromData(msgspec.Struct):
    """`data` of an instant query: the result's shape depends on `resultType`."""

    resultType: str
    result: Any = None


class PromEnvelope(msgspec.Struct):
    """The `/api/v1/*` envelope, success or error."""

    status: str
    data: PromData | None = None
    warnings: list[str] = []
    infos: list[str] = []
    error: str | None = None
    errorType: str | None = None


class PromRangeData(msgspec.Struct):
    """`data` of a range query: always a matrix."""

    resultType: str
    result: list[PromSeries] = []


class PromRangeEnvelope(msgspec.Struct):
    """The envelope of `/api/v1/query_range`, decoded typed (bodies can be megabytes)."""

    status: str
    data: PromRangeData | None = None
    warnings: list[str] = []
    infos: list[str] = []
    error: str | None = None
    errorType: str | None = None


def sample_value(text: str) -> float:
    """A Prometheus sample string as a float ("NaN", "+Inf" and exponents included)."""
    return float(text.strip())


def instant_value(data: PromData, fallback_ts: float) -> tuple[float, float, str | None]:
    """(timestamp, value, note) of the first series of an instant query's result.

    An empty result is NaN with a note: no number is not zero.
    """
    kind = data.resultType
    if kind in ("scalar", "string"):
        ts, text = msgspec.convert(data.result, Point)
        try:
            return ts, sample_value(text), None
        except ValueError:
            if kind == "string":
                return ts, math.nan, f"string result {text[:40]!r} is not a number"
            raise
    if kind not in ("vector", "matrix"):
        raise ValueError(f"unknown resultType {kind[:40]!r}")
    series = msgspec.convert(data.result, list[PromSeries])
    if not series:
        return fallback_ts, math.nan, "query returned no data"
    first = series[0]
    if kind == "vector":
        if first.value is None:
            note = "native histogram; wrap it in histogram_quantile() or histogram_count()"
            return fallback_ts, math.nan, note if first.histogram is not None else "no value"
        ts, text = first.value
        return ts, sample_value(text), None
    if not first.values:
        return fallback_ts, math.nan, "range selector returned no points"
    ts, text = first.values[-1]
    return ts, sample_value(text), None


class FirstSeries(msgspec.Struct):
    """A range response cut down to its first series as two float arrays (the worker's reply).

    `times` and `values` are float64 arrays in the native byte order.
    """

    status: str
    found: bool
    times: bytes = b""
    values: bytes = b""
    warnings: list[str] = []
    error: str | None = None
    errorType: str | None = None


def first_series(envelope: PromRangeEnvelope) -> FirstSeries:
    """`Projection` reducer for backfills: only the first series leaves the worker process."""
    series = envelope.data.result if envelope.data is not None else []
    points = (series[0].values or []) if series else []
    times = np.fromiter((float(ts) for ts, _ in points), dtype=np.float64, count=len(points))
    try:
        values = np.fromiter((sample_value(v) for _, v in points), np.float64, len(points))
    except ValueError as exc:
        raise msgspec.ValidationError(f"a sample value is not a number: {exc}") from None
    return FirstSeries(
        status=envelope.status, found=envelope.data is not None, times=times.tobytes(),
        values=values.tobytes(), warnings=envelope.warnings, error=envelope.error,
        errorType=envelope.errorType,
    )

