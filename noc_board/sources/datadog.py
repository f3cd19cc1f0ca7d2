"""The Datadog connector: metric queries (v2 timeseries or v1 query) and monitor states.

A metric with a `query` reads the last point with a value of its first series over the last
ten minutes; more series (a `by {host}` query) also give a breakdown, largest first. With
`api_version = "v2"` (the default, as Datadog recommends) every query of the source goes in one
`POST /api/v2/query/timeseries`; when that batch is refused (400) each query is retried alone,
so one bad query does not blank the others. With `v1` each metric is one
`GET /api/v1/query?from=<s>&to=<s>`. Either way the answer is in milliseconds.

A metric with a monitor `measure` counts monitors by `overall_state` (`GET /api/v1/monitor`,
paged 100 at a time), filtered by the monitor tags in its `query`; its breakdown names them.

Keys: `secret` is the API key (`DD-API-KEY`), `secret2` the application key
(`DD-APPLICATION-KEY`); reads need both. The API host comes from `url` or else `site`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for, one_line
from noc_board.sources.datadog_wire import (
    STATE_RANK,
    Monitor,
    V1Reply,
    V2Reply,
    api_base,
    datadog_error,
    group_label,
    last_point,
    v2_points,
)
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import policy_for

LOOKBACK = 600.0  # seconds of points a poll asks for; the last one with a value wins
MONITOR_PAGE = 100
MAX_MONITOR_PAGES = 50
CONCURRENT_REQUESTS = 4
MAX_ROWS = 50
# measure -> the overall states it counts (None: the worst state's rank)
MONITOR_MEASURES: dict[str, frozenset[str] | None] = {
    "monitors_alert": frozenset({"Alert"}),
    "monitors_warn": frozenset({"Warn"}),
    "monitors_no_data": frozenset({"No Data"}),
    "monitors_not_ok": None,
    "monitor_state": None,
}
_PARSE_ERRORS = (msgspec.ValidationError, ValueError, TypeError, KeyError, IndexError,
                 AttributeError, OverflowError)

Points = list[tuple[float, float | None]]  # (ms, value or null)
Groups = list[tuple[str, Points]]  # (group label, its points) per series of one query


@dataclass
class _Outcome:
    samples: list[Sample] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: SourceError | None = None


class DatadogSource:
    """Polls Datadog metrics and monitors for one organisation on one site."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        api_key: str | None,
        app_key: str | None,
    ) -> None:
        self.name = cfg.name
        self._cfg = cfg
        mine = metrics_for(cfg, metrics)
        self._queries = [m for m in mine if not m.measure and m.query.strip()]
        self._monitors = [m for m in mine if m.measure in MONITOR_MEASURES]
        self._notes = [f"{m.id}: no query; ignored" for m in mine
                       if not m.measure and not m.query.strip()]
        self._notes += [f"{m.id}: unknown Datadog measure {one_line(m.measure, 40)!r}; known: "
                        f"{', '.join(MONITOR_MEASURES)} (or none for a metric query)"
                        for m in mine if m.measure and m.measure not in MONITOR_MEASURES]
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="Datadog",
            error_hook=datadog_error,
        )
        self._clock = clock
        self._api_key = api_key
        self._app_key = app_key
        self._base, site_note = api_base(cfg.url, cfg.site)
        if site_note:
            self._notes.append(site_note)
        self._v1 = cfg.api_version == "v1"
        self._limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

    @property
    def base_url(self) -> str:
        """The API base the source requests, e.g. https://api.datadoghq.eu."""
        return self._base

    async def poll(self) -> PollResult:
        """Every metric query over the last ten minutes, and every monitor measure."""
        now = self._clock.now()
        headers = self._headers()
        start, end = now - LOOKBACK, now
        units: list[_Outcome] = []
        if self._queries:
            groups = await self._run_queries(self._queries, start, end, None, headers)
            units += [_latest(m, g, now) for m, g in zip(self._queries, groups, strict=True)]
        if self._monitors:
            units += await self._monitor_outcomes(now, headers)
        return self._combine(units, now, list(self._notes))

    async def backfill(self, start: float, end: float, step: float,
                       only: Collection[str] | None = None) -> PollResult:
        """Each metric query's first series over [start, end] (monitors have no history;
        `only`: just those metric ids)."""
        now = self._clock.now()
        if not all(math.isfinite(x) for x in (start, end, step)) or step <= 0 or end < start:
            raise SourceError(f"bad backfill range: start {start}, end {end}, step {step}")
        queries = [m for m in self._queries if only is None or m.id in only]
        if not queries:
            return PollResult(self.name, now)
        headers = self._headers()
        groups = await self._run_queries(queries, start, end, step, headers)
        units = [_history(m, g) for m, g in zip(queries, groups, strict=True)]
        return self._combine(units, now, [])

    # -- metric queries ---------------------------------------------------------------------

    async def _run_queries(
        self, metrics: list[MetricConfig], start: float, end: float, step: float | None,
        headers: dict[str, str],
    ) -> list[Groups | SourceError]:
        if self._v1:
            return list(await asyncio.gather(
                *(self._v1_query(m, start, end, headers) for m in metrics)))
        try:
            return list(await self._v2_batch(metrics, start, end, step, headers))
        except SourceError as exc:
            if exc.status != 400 or len(metrics) == 1:
                return [exc] * len(metrics)
        # one query spoilt the batch: ask for each alone to find it
        alone = await asyncio.gather(
            *(self._v2_alone(m, start, end, step, headers) for m in metrics))
        return list(alone)

    async def _v2_alone(
        self, metric: MetricConfig, start: float, end: float, step: float | None,
        headers: dict[str, str],
    ) -> Groups | SourceError:
        try:
            (groups,) = await self._v2_batch([metric], start, end, step, headers)
        except SourceError as exc:
            return exc
        return groups

    async def _v2_batch(
        self, metrics: list[MetricConfig], start: float, end: float, step: float | None,
        headers: dict[str, str],
    ) -> list[Groups | SourceError]:
        attributes: dict[str, Any] = {
            "from": int(start * 1000), "to": int(end * 1000),
            "queries": [{"data_source": "metrics", "name": f"q{i}", "query": m.query.strip()}
                        for i, m in enumerate(metrics)],
        }
        if step is not None:
            attributes["interval"] = max(1, int(step * 1000))
        body = {"data": {"type": "timeseries_request", "attributes": attributes}}
        async with self._limit:
            reply = await self._http.post_json(
                f"{self._base}/api/v2/query/timeseries", json=body, headers=headers,
                shape=V2Reply,
            )
        try:
            groups: list[Groups] = [[] for _ in metrics]
            if reply.data is not None:
                attrs = reply.data.attributes
                for i, series in enumerate(attrs.series):
                    if not 0 <= series.query_index < len(metrics):
                        raise ValueError(f"series {i} answers unknown query {series.query_index}")
                    label = group_label(series.group_tags, "*")
                    groups[series.query_index].append((label, v2_points(attrs, i)))
        except _PARSE_ERRORS as exc:
            raise _shape_error(exc) from None
        partial = reply.errors if isinstance(reply.errors, str) else "; ".join(reply.errors or [])
        if partial.strip():
            note = SourceError(f"Datadog reported partial errors: {partial}")
            return [g if g else note for g in groups]
        return list(groups)

    async def _v1_query(
        self, metric: MetricConfig, start: float, end: float, headers: dict[str, str]
    ) -> Groups | SourceError:
        params = {"from": str(int(start)), "to": str(math.ceil(end)), "query": metric.query}
        try:
            async with self._limit:
                reply = await self._http.get_json(
                    f"{self._base}/api/v1/query", params=params, headers=headers, shape=V1Reply
                )
            if reply.status != "ok" or (reply.error or "").strip():
                detail = (reply.error or "").strip() or f"status {reply.status[:20]!r}"
                return SourceError(f"Datadog query error: {detail}")
            return [(group_label(s.tag_set, s.scope or "*"), list(s.pointlist))
                    for s in reply.series]
        except SourceError as exc:
            return exc
        except _PARSE_ERRORS as exc:
            return _shape_error(exc)

    # -- monitors ---------------------------------------------------------------------------

    async def _monitor_outcomes(self, now: float, headers: dict[str, str]) -> list[_Outcome]:
        filters = list(dict.fromkeys(m.query.strip() for m in self._monitors))
        found = await asyncio.gather(*(self._list_monitors(f, headers) for f in filters))
        by_filter = dict(zip(filters, found, strict=True))
        outcomes = []
        for metric in self._monitors:
            listed = by_filter[metric.query.strip()]
            if isinstance(listed, SourceError):
                outcomes.append(_failed(metric, now, listed))
            else:
                outcomes.append(_monitor_measure(metric, listed, now))
        return outcomes

    async def _list_monitors(
        self, tags: str, headers: dict[str, str]
    ) -> list[Monitor] | SourceError:
        monitors: list[Monitor] = []
        try:
            for page in range(MAX_MONITOR_PAGES):
                params = {"page": str(page), "page_size": str(MONITOR_PAGE)}
                if tags:
                    params["monitor_tags"] = tags
                async with self._limit:
                    batch = await self._http.get_json(
                        f"{self._base}/api/v1/monitor", params=params, headers=headers,
                        shape=list[Monitor],
                    )
                monitors += batch
                if len(batch) < MONITOR_PAGE:
                    return monitors
        except SourceError as exc:
            return exc
        return SourceError(f"more than {MAX_MONITOR_PAGES * MONITOR_PAGE} monitors match "
                           f"{tags or 'no filter'}; filter them with monitor tags")

    # -- common -----------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        missing = []
        if not self._api_key:
            missing.append(f"the API key (keyring entry {self._cfg.secret!r})"
                           if self._cfg.secret else "the API key (`secret`)")
        if not self._app_key:
            missing.append(f"the application key (keyring entry {self._cfg.secret2!r})"
                           if self._cfg.secret2 else "the application key (`secret2`)")
        if missing or self._api_key is None or self._app_key is None:
            raise SourceError(f"Datadog needs {' and '.join(missing)}")
        return {"DD-API-KEY": self._api_key, "DD-APPLICATION-KEY": self._app_key,
                "Accept": "application/json"}

    def _combine(self, units: list[_Outcome], now: float, notes: list[str]) -> PollResult:
        errors = [u.error for u in units if u.error is not None]
        if units and len(errors) == len(units):
            first = errors[0]
            waits = [e.retry_after for e in errors if e.retry_after is not None]
            raise SourceError(str(first), max(waits) if waits else None, status=first.status)
        return PollResult(
            source=self.name, polled_at=now,
            samples=[s for u in units for s in u.samples],
            breakdowns=[b for u in units for b in u.breakdowns],
            notes=tuple(notes + [n for u in units for n in u.notes]),
        )


def _latest(metric: MetricConfig, groups: Groups | SourceError, now: float) -> _Outcome:
    """The last value of the first series, and a breakdown when there are several."""
    if isinstance(groups, SourceError):
        return _failed(metric, now, groups)
    try:
        lasts = [(label, last_point(points, 0.001)) for label, points in groups]
    except _PARSE_ERRORS as exc:
        return _failed(metric, now, _shape_error(exc))
    if not lasts:
        return _Outcome([Sample(metric.id, now, math.nan)],
                        notes=[f"{metric.id}: the query matched no series"])
    point = lasts[0][1]
    out = _Outcome()
    if point is None:
        out.samples.append(Sample(metric.id, now, math.nan))
        out.notes.append(f"{metric.id}: no points in the last {int(LOOKBACK // 60)} min")
    else:
        out.samples.append(Sample(metric.id, min(point[0], now), point[1]))
    if len(lasts) > 1:
        rows = [(label, p[1] if p is not None else math.nan) for label, p in lasts]
        rows.sort(key=lambda r: -r[1] if not math.isnan(r[1]) else math.inf)
        out.breakdowns.append(Breakdown(metric.id, now, tuple(rows[:MAX_ROWS])))
    return out


def _history(metric: MetricConfig, groups: Groups | SourceError) -> _Outcome:
    if isinstance(groups, SourceError):
        return _Outcome(notes=[f"{metric.id}: {groups}"], error=groups)
    if not groups:
        return _Outcome(notes=[f"{metric.id}: no history in the range"])
    try:
        samples = [Sample(metric.id, float(ms) / 1000, math.nan if v is None else float(v))
                   for ms, v in groups[0][1]]
    except _PARSE_ERRORS as exc:
        error = _shape_error(exc)
        return _Outcome(notes=[f"{metric.id}: {error}"], error=error)
    return _Outcome(samples)


def _monitor_measure(metric: MetricConfig, monitors: list[Monitor], now: float) -> _Outcome:
    states = MONITOR_MEASURES[metric.measure]
    ranked = [(STATE_RANK.get(m.overall_state, 2), m) for m in monitors]
    if states is None:
        counted = [(r, m) for r, m in ranked if r > 0]
    else:
        counted = [(r, m) for r, m in ranked if m.overall_state in states]
    counted.sort(key=lambda p: (-p[0], p[1].name))
    rows = tuple((one_line(f"{m.name or m.id} ({m.overall_state})", 120), float(r))
                 for r, m in counted[:MAX_ROWS])
    out = _Outcome(breakdowns=[Breakdown(metric.id, now, rows)])
    if metric.measure == "monitor_state":
        if not ranked:
            where = f" tagged {one_line(metric.query, 60)}" if metric.query.strip() else ""
            out.notes.append(f"{metric.id}: no monitors{where}")
        value = float(max(r for r, _ in ranked)) if ranked else math.nan
    else:
        value = float(len(counted))
    out.samples.append(Sample(metric.id, now, value))
    return out


def _shape_error(exc: Exception) -> SourceError:
    return SourceError(f"unexpected Datadog response: {one_line(str(exc), 160)}")


def _failed(metric: MetricConfig, now: float, exc: SourceError) -> _Outcome:
    return _Outcome([Sample(metric.id, now, math.nan)], notes=[f"{metric.id}: {exc}"], error=exc)
