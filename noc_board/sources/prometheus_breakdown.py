"""Reading a query result by label: each series one row of a breakdown (`by = "route"`).

A metric with `by` keeps every series of its instant query, not only the first: the value of
the label named by `by` names the row (`(none)` when a series lacks it), rows come largest
first, NaN rows are dropped (no number is not a row), and the metric's own value is the largest
row. `histogram_quantile(0.95, sum by (le, route) (...))` is such a result too: a vector with
labels. Series that repeat a label value (a query not aggregated by that label) keep the largest
and say so in a note.

Backfills leave such a metric out (`prometheus.PrometheusSource.backfill` says why): the
history of its rows is what the board keeps from live polls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import msgspec

from noc_board.sources.prometheus_wire import Point, PromData, PromSeries, sample_value

NO_LABEL = "(none)"  # the row of the series that lack the `by` label
MAX_ROWS = 100  # rows kept per breakdown, largest first

Row = tuple[str, float]


@dataclass(frozen=True, slots=True)
class LabelledReading:
    """An instant result read by label: the rows (largest first), the value and its time.

    `value` is the largest row, NaN without rows; `notes` say why there are none, or which
    series were merged.
    """

    ts: float
    value: float
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()


def labelled_rows(data: PromData, by: str, fallback_ts: float) -> LabelledReading:
    """Every series of an instant query's result as a row named by its label `by`.

    Vectors give each series' value, matrices (range selectors) each series' last point; a
    scalar or string is one unlabelled row. Raises `msgspec.ValidationError` or `ValueError`
    on a malformed result, like `prometheus_wire.instant_value`.
    """
    kind = data.resultType
    points: list[tuple[str, Point]] = []
    if kind in ("scalar", "string"):
        ts, text = msgspec.convert(data.result, Point)
        try:
            sample_value(text)
        except ValueError:
            if kind == "string":
                return LabelledReading(ts, math.nan, (), (
                    f"string result {text[:40]!r} is not a number",))
            raise
        points.append((NO_LABEL, (ts, text)))
    elif kind in ("vector", "matrix"):
        series = msgspec.convert(data.result, list[PromSeries])
        if not series:
            return LabelledReading(fallback_ts, math.nan, (), ("query returned no data",))
        for one in series:
            point = _point_of(one, kind)
            if point is not None:
                points.append((one.metric.get(by) or NO_LABEL, point))
    else:
        raise ValueError(f"unknown resultType {kind[:40]!r}")
    return _ranked(points, by, fallback_ts)


def _point_of(series: PromSeries, kind: str) -> Point | None:
    """The series' instant value (a vector) or last point (a matrix); None without one."""
    if kind == "vector":
        return series.value
    return series.values[-1] if series.values else None


def _ranked(points: list[tuple[str, Point]], by: str, fallback_ts: float) -> LabelledReading:
    best: dict[str, tuple[float, float]] = {}  # label -> (value, ts)
    repeated = 0
    for label, (ts, text) in points:
        value = sample_value(text)
        if math.isnan(value):
            continue
        if label in best:
            repeated += 1
            if value <= best[label][0]:
                continue
        best[label] = (value, float(ts))
    notes: list[str] = []
    if repeated:
        notes.append(f"{repeated} series repeat a {by} value; the largest of each is kept "
                     f"(aggregate the query by ({by}))")
    if not best:
        notes.append("no series has a number" if points else "no series has a value")
        return LabelledReading(fallback_ts, math.nan, (), tuple(notes))
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_ROWS]
    top_value, top_ts = ranked[0][1]
    rows = tuple((label, value) for label, (value, _) in ranked)
    return LabelledReading(top_ts, top_value, rows, tuple(notes))
