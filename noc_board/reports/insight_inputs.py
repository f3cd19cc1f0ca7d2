"""What the insights read from the store: routes, saturation against load, KPI buckets, local
hours, and the behaviour flow of a period.

This module only turns hourly rollups (through the reports' `RollupReader`) into the plain
inputs of `noc_board.core.insights`; the judging happens there. The rows of a breakdown metric
(routes, flow transitions) are kept by the running board as rollups named "<metric>#<label>"
(`engine.report_upkeep.BreakdownRecorder`), so a route's history is an ordinary metric here.

Route figures over a period: traffic is the mean request rate of the hours with data; a route's
p95 is the mean of its hourly p95 weighted by that hour's requests (a p95 cannot be recombined
exactly from hourly p95s; weighting by traffic gives the time most requests saw); errors are the
mean 5xx or 404 rate, in the same unit as the traffic, so their ratio is the error share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from noc_board.config.schema import CapacityConfig, Config, MetricConfig
from noc_board.core.insights.behaviour import Pattern, time_pattern
from noc_board.core.insights.bottlenecks import RouteStats
from noc_board.core.insights.changes import Event, KpiSeries
from noc_board.core.insights.headroom import Headroom, project_headroom
from noc_board.core.kpis import by_id
from noc_board.core.panel_models.flow import split_edge
from noc_board.reports import measures as ms
from noc_board.reports.journal_view import Episode
from noc_board.reports.measures import FloatArray, RollupReader
from noc_board.reports.periods import Period, zone_info
from noc_board.reports.roles import PRODUCT_SEPARATOR, How, Measure, measure_of
from noc_board.store.operator_log import Incident
from noc_board.store.rollups import HOUR_S

DAY = 86_400.0
FIT_WINDOW = 42 * DAY  # a capacity fit reads at least the six weeks up to its end
ROW_SEPARATOR = PRODUCT_SEPARATOR  # "<metric>#<label>": one kept row of a breakdown metric
SATURATION_KPIS = ("health.db_connections", "health.server_load")
DEFAULT_LIMIT = 0.85


def breakdown_rows(names: Sequence[str], metric: str) -> dict[str, str]:
    """label -> rollup name of every kept row of breakdown `metric`."""
    prefix = metric + ROW_SEPARATOR
    return {n[len(prefix):]: n for n in names if n.startswith(prefix) and len(n) > len(prefix)}


def _hour_means(reader: RollupReader, name: str, a: float, b: float) -> dict[float, float]:
    got = reader.buckets(name, a, b, HOUR_S)
    return {float(s): float(v) for s, v in zip(got.start, got.mean, strict=True)
            if np.isfinite(v)}


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def route_stats(reader: RollupReader, names: Sequence[str], config: Config, a: float,
                b: float) -> list[RouteStats]:
    """Every route with traffic in [a, b): its mean request rate, traffic-weighted p95 and mean
    5xx and 404 rates (see the module docstring). Empty without a traffic metric."""
    cfg = config.insights
    if not cfg.route_requests:
        return []
    traffic = breakdown_rows(names, cfg.route_requests)
    latency = breakdown_rows(names, cfg.route_latency) if cfg.route_latency else {}
    fivexx = breakdown_rows(names, cfg.route_5xx) if cfg.route_5xx else {}
    notfound = breakdown_rows(names, cfg.route_404) if cfg.route_404 else {}
    out = []
    for route, name in sorted(traffic.items()):
        requests = _hour_means(reader, name, a, b)
        if not requests:
            continue
        p95 = None
        if route in latency:
            hours = _hour_means(reader, latency[route], a, b)
            weights = [requests.get(h, 0.0) for h in hours]
            if hours and sum(weights) > 0:
                p95 = float(np.average(list(hours.values()), weights=weights))
            elif hours:
                p95 = _mean(list(hours.values()))
        errors = [_mean(list(_hour_means(reader, rows[route], a, b).values()))
                  if route in rows else None for rows in (fivexx, notfound)]
        out.append(RouteStats(route, float(np.mean(list(requests.values()))), p95,
                              errors[0] or 0.0, errors[1] or 0.0))
    return out


@dataclass(frozen=True, slots=True)
class CapacityTarget:
    """A saturation metric, the load it is fitted against, and the level not to reach."""

    name: str
    metric: MetricConfig
    load: MetricConfig | None
    limit: float


def default_load(config: Config) -> MetricConfig | None:
    """`[insights] load`, else the metric of kpi users.active_now."""
    if config.insights.load:
        return config.metric(config.insights.load)
    return next((m for m in config.metrics if m.kpi == "users.active_now" and not m.by), None)


def capacity_targets(config: Config) -> list[CapacityTarget]:
    """The `[[insights.capacity]]` entries; when there are none, every metric of a saturation
    KPI (CPU busy, database connections in use) against the default load, limit 85 %."""
    fallback = default_load(config)
    out = []
    entries = list(config.insights.capacity) or [
        CapacityConfig(m.label or m.id, m.id, "", DEFAULT_LIMIT)
        for m in config.metrics if m.kpi in SATURATION_KPIS and not m.by]
    for entry in entries:
        metric = config.metric(entry.metric)
        if metric is None:
            continue
        load = config.metric(entry.load) if entry.load else fallback
        out.append(CapacityTarget(entry.name, metric, load, entry.limit))
    return out


@dataclass(frozen=True, slots=True)
class CapacityFit:
    """A capacity target's headroom fitted up to `end`, and its highest hour since `recent`."""

    target: CapacityTarget
    headroom: Headroom
    peak: float | None
    peak_at: float | None
    fit_start: float


def fit_capacity(reader: RollupReader, config: Config, target: CapacityTarget, recent: float,
                 end: float) -> CapacityFit:
    """Fit `target` over the hours of [min(recent, end - FIT_WINDOW), end) and find the peak
    hour of [recent, end): the projection both the reports and the wall give."""
    start = min(recent, end - FIT_WINDOW)
    times, saturation = hourly_values(reader, config, target.metric, start, end)
    if target.load is not None:
        _, load = hourly_values(reader, config, target.load, start, end)
    else:
        load = np.full(len(times), np.nan)
    grid = hour_grid(times, reader.zone)
    found = project_headroom(target.name, times, saturation.tolist(), load.tolist(),
                             target.limit, end, days=grid.days,
                             min_days=config.insights.min_history_days)
    inside = (grid.times >= recent) & np.isfinite(saturation)
    if not inside.any():
        return CapacityFit(target, found, None, None, start)
    best = int(np.flatnonzero(inside)[int(np.argmax(saturation[inside]))])
    return CapacityFit(target, found, float(saturation[best]), float(grid.times[best]), start)


@dataclass(frozen=True, slots=True)
class HourGrid:
    """Hourly values of a window, aligned: hour starts, and per hour the local hour of day, the
    weekday (0 = Monday) and the local day ordinal."""

    times: FloatArray
    hours: tuple[int, ...]
    weekdays: tuple[int, ...]
    days: tuple[int, ...]


def hour_grid(times: Sequence[float], zone: str) -> HourGrid:
    """The local calendar of each hour start."""
    tz = zone_info(zone)
    when = [dt.datetime.fromtimestamp(t, tz) for t in times]
    return HourGrid(np.asarray(times, dtype=np.float64), tuple(w.hour for w in when),
                    tuple(w.weekday() for w in when), tuple(w.toordinal() for w in when))


def hourly_values(reader: RollupReader, config: Config, metric: MetricConfig, a: float,
                  b: float) -> tuple[list[float], FloatArray]:
    """Every hour start in [a, b) and the metric's amount (a count) or mean (a level) there."""
    return ms.hourly(reader, measure_of(config, metric), a, b)


def comparable_metrics(config: Config) -> list[MetricConfig]:
    """The metrics "what changed" compares: every one showing a KPI that is a number (not a
    table, not a breakdown by label)."""
    out = []
    for m in config.metrics:
        kpi = by_id(m.kpi) if m.kpi else None
        if kpi is not None and not kpi.table and not m.by:
            out.append(m)
    return out


def _aligned(values: FloatArray, n: int) -> tuple[float, ...]:
    got = values.tolist()[:n]
    return tuple(got + [float("nan")] * (n - len(got)))


def kpi_series(reader: RollupReader, config: Config, period: Period, reference: Period,
               by_day: bool) -> tuple[list[float], list[KpiSeries]]:
    """The bucket starts of `period` and, for each comparable KPI, its values per hour (or per
    local day) beside the same buckets of `reference` (aligned by position)."""
    starts: list[float] = []
    out = []
    for metric in comparable_metrics(config):
        measure = measure_of(config, metric)
        if by_day:
            now = ms.per_day(reader, measure, period.start, period.end)
            ref = ms.per_day(reader, measure, reference.start, reference.end)
            starts, values, ref_values = list(now.starts), now.values, ref.values
        else:
            starts, values = ms.hourly(reader, measure, period.start, period.end)
            _, ref_values = ms.hourly(reader, measure, reference.start, reference.end)
        n = len(starts)
        out.append(KpiSeries(metric.id, metric.label or metric.id, metric.good,
                             _aligned(values, n), _aligned(ref_values, n)))
    return starts, out


def alarm_and_incident_events(episodes: Sequence[Episode], incidents: Sequence[Incident],
                              config: Config, end: float) -> list[Event]:
    """The alarms and incidents as named spans, for "alongside" a change."""
    out = []
    for e in episodes:
        metric = config.metric(e.metric)
        label = (metric.label or metric.id) if metric is not None else e.metric
        stop = e.cleared_at if e.cleared_at is not None else end
        out.append(Event(f"alarm {e.rule} ({label}, {e.severity})", e.raised_at, stop))
    for i in incidents:
        stop = i.ended_at if i.ended_at is not None else end
        out.append(Event(f"incident {i.id} {i.title}", i.started_at, stop))
    return out


def engagement_patterns(reader: RollupReader, config: Config, measures: Sequence[Measure],
                        a: float, b: float) -> list[Pattern]:
    """The hour-of-day and day-of-week pattern of each measure over [a, b)."""
    out = []
    for m in measures:
        times, values = ms.hourly(reader, m, a, b)
        grid = hour_grid(times, reader.zone)
        label = "Orders" if m.how is not How.LEVEL and "order" in m.metric else m.label
        out.append(time_pattern(label, values.tolist(), grid.hours, grid.weekdays, grid.days))
    return out


def flow_metric(config: Config) -> MetricConfig | None:
    """`[insights] flow`, else the metric of kpi behaviour.flow."""
    if config.insights.flow:
        return config.metric(config.insights.flow)
    return next((m for m in config.metrics if m.kpi == "behaviour.flow"), None)


def flow_rows(reader: RollupReader, names: Sequence[str], metric: str, a: float,
              b: float) -> list[tuple[str, str, float]]:
    """(from, to, views) of the behaviour flow over [a, b): each kept transition is a running
    count of the day, so its views are the sum of each day's total."""
    out = []
    for label, name in breakdown_rows(names, metric).items():
        edge = split_edge(label)
        if edge is None:
            continue
        daily = ms.per_day(reader, Measure(name, label, "count", How.CUMULATIVE), a, b).values
        finite = daily[np.isfinite(daily)]
        if finite.shape[0]:
            out.append((edge[0], edge[1], float(finite.sum())))
    return out
