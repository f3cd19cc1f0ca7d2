"""The Prometheus connector: one instant query per metric, and history from `query_range`.

Queries go as POST forms (long PromQL does not fit a URL) to `{url}/api/v1/query`, where `url`
may carry a path prefix (`--web.route-prefix`, a reverse proxy). A metric's value is the first
series of its result; an empty result is NaN with a note, never zero. Success bodies may carry
`warnings`, which become notes (health DEGRADED). A query that fails alone becomes a NaN and a
note; when every query fails the poll fails.

A metric with `by` (a label name) reads every series instead: each is one row of a breakdown
named by the metric id, and the metric's value is the largest row (`prometheus_breakdown`); it
has no backfill.
A metric with a `measure` and no query reads the scrape targets instead (`/api/v1/targets`,
see `prometheus_targets`), once per poll. With `ca_file` or `insecure` the source gets an HTTP
client of its own (one client has one TLS `verify`), made at the first request.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from noc_board.config.schema import PROMETHEUS_MEASURES, MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, auth_parts, metrics_for, one_line
from noc_board.sources.error_shapes import prometheus_error
from noc_board.sources.http import HttpFetcher
from noc_board.sources.json_decode import Projection
from noc_board.sources.policy import format_seconds, policy_for
from noc_board.sources.prometheus_breakdown import labelled_rows
from noc_board.sources.prometheus_targets import TargetsEnvelope, summarise
from noc_board.sources.prometheus_wire import (
    PromEnvelope,
    PromRangeEnvelope,
    first_series,
    instant_value,
)
from noc_board.sources.tls import tls_context

MAX_POINTS = 11_000  # the server's resolution limit per series (HTTP 400 above it)
CONCURRENT_QUERIES = 8
_PARSE_ERRORS = (msgspec.ValidationError, ValueError, TypeError, KeyError, IndexError,
                 AttributeError, OverflowError)


def backfill_step(start: float, end: float, step: float) -> float:
    """`step`, raised if needed (to whole milliseconds) so (end - start) / step <= 11,000."""
    span_ms = max(0, round((end - start) * 1000))
    minimum_ms = -(-span_ms // MAX_POINTS)  # ceiling division
    return max(step, minimum_ms / 1000)


@dataclass(frozen=True, slots=True)
class _Outcome:
    samples: list[Sample]
    notes: list[str]
    error: SourceError | None = None
    breakdowns: tuple[Breakdown, ...] = ()


class PrometheusSource:
    """Polls a Prometheus server (or anything speaking its HTTP API v1)."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        secret: str | None,
    ) -> None:
        self.name = cfg.name
        self._cfg = cfg
        mine = metrics_for(cfg, metrics)
        self._metrics = [m for m in mine if m.query.strip()]
        self._target_metrics = [m for m in mine if not m.query.strip()
                                and m.measure in PROMETHEUS_MEASURES]
        self._skipped = [m.id for m in mine if not m.query.strip()
                         and m.measure not in PROMETHEUS_MEASURES]
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="Prometheus",
            error_hook=prometheus_error,
        )
        self._clock = clock
        self._secret = secret
        self._base = cfg.url.rstrip("/")
        self._limit = asyncio.Semaphore(CONCURRENT_QUERIES)
        self._own_tls = bool(cfg.ca_file or cfg.insecure)

    def _ready(self) -> None:
        """Give the source its own client once, when its TLS settings need one."""
        if self._own_tls:
            context = tls_context(self._cfg.ca_file, self._cfg.insecure)
            if context is not None:
                client = self._http.dedicated_client(verify=context)
                self._http = self._http.derive(client=client)
            self._own_tls = False

    async def poll(self) -> PollResult:
        """Evaluate every metric's query at one instant (and read the targets if asked)."""
        self._ready()
        now = self._clock.now()
        headers, auth = auth_parts(self._cfg, self._secret)
        form = {"time": f"{now:.3f}", "timeout": format_seconds(self._http.policy.timeout)}
        jobs = [self._instant(m, dict(form, query=m.query), now, headers, auth)
                for m in self._metrics]
        if self._target_metrics:
            jobs.append(self._targets(now, headers, auth))
        outcomes = await asyncio.gather(*jobs)
        notes = [f"metric {m} has no query; ignored" for m in self._skipped]
        return self._combine(outcomes, now, notes)

    async def backfill(self, start: float, end: float, step: float,
                       only: Collection[str] | None = None) -> PollResult:
        """Each metric's first series over [start, end], at most 11,000 points (`only`: just
        those metric ids).

        Metrics with `by` are left out: their history is the rows the board keeps from live
        polls (the rollups), and every route's series over weeks (the heatmap seed asks for
        28 days of every metric) made the demo's start seconds slower for a line no panel
        draws yet. Their value's history would be `max(query)`, one series, if one is needed.
        """
        now = self._clock.now()
        if not all(math.isfinite(x) for x in (start, end, step)) or step <= 0 or end < start:
            raise SourceError(f"bad backfill range: start {start}, end {end}, step {step}")
        self._ready()
        headers, auth = auth_parts(self._cfg, self._secret)
        start, end = round(start, 3), round(end, 3)
        step = backfill_step(start, end, step)
        form = {"start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:.3f}",
                "timeout": format_seconds(self._http.policy.timeout)}
        outcomes = await asyncio.gather(
            *(self._range(m, dict(form, query=m.query), headers, auth)
              for m in self._metrics if not m.by and (only is None or m.id in only))
        )
        return self._combine(outcomes, now, [])

    async def probe(self) -> str:
        """`/-/ready`: its first line when ready; SourceError (503 while starting) otherwise."""
        self._ready()
        headers, auth = auth_parts(self._cfg, self._secret)
        response = await self._http.request_raw(
            "GET", f"{self._base}/-/ready", headers=headers, auth=auth
        )
        return one_line(response.text, 80)

    def _combine(self, outcomes: Sequence[_Outcome], now: float, notes: list[str]) -> PollResult:
        errors = [o.error for o in outcomes if o.error is not None]
        if outcomes and len(errors) == len(outcomes):
            first = errors[0]
            waits = [e.retry_after for e in errors if e.retry_after is not None]
            raise SourceError(str(first), max(waits) if waits else None, status=first.status)
        samples = [s for o in outcomes for s in o.samples]
        notes = notes + [n for o in outcomes for n in o.notes]
        breakdowns = [b for o in outcomes for b in o.breakdowns]
        return PollResult(source=self.name, polled_at=now, samples=samples,
                          breakdowns=breakdowns, notes=tuple(notes))

    async def _targets(
        self, now: float, headers: dict[str, str], auth: tuple[str, str] | None
    ) -> _Outcome:
        """`/api/v1/targets`: the target measures, the `<source>.targets` table, down notes."""
        try:
            async with self._limit:
                body = await self._http.get_json(
                    f"{self._base}/api/v1/targets", params={"state": "active"},
                    headers=headers, auth=auth, shape=TargetsEnvelope,
                )
            health = summarise(_success_data(body).activeTargets)
        except SourceError as exc:
            return _Outcome([Sample(m.id, now, math.nan) for m in self._target_metrics],
                            [f"targets: {exc}"], exc)
        except _PARSE_ERRORS as exc:
            error = _shape_error(exc)
            return _Outcome([Sample(m.id, now, math.nan) for m in self._target_metrics],
                            [f"targets: {error}"], error)
        samples = [Sample(m.id, now, health.values[m.measure]) for m in self._target_metrics]
        notes = health.notes + [f"targets: Prometheus warning: {one_line(w, 160)}"
                                for w in body.warnings]
        table = Breakdown(f"{self.name}.targets", now, tuple(health.rows))
        return _Outcome(samples, notes, breakdowns=(table,))

    async def _instant(
        self,
        metric: MetricConfig,
        form: dict[str, str],
        now: float,
        headers: dict[str, str],
        auth: tuple[str, str] | None,
    ) -> _Outcome:
        try:
            async with self._limit:
                body = await self._http.post_json(
                    f"{self._base}/api/v1/query", data=form, headers=headers, auth=auth,
                    shape=PromEnvelope,
                )
            data = _success_data(body)
            if metric.by:
                reading = labelled_rows(data, metric.by, now)
                ts, value, found = reading.ts, reading.value, reading.notes
                tables: tuple[Breakdown, ...] = (Breakdown(metric.id, float(ts), reading.rows),)
            else:
                ts, value, note = instant_value(data, now)
                found, tables = ((note,) if note else ()), ()
        except SourceError as exc:
            return _failed(metric, now, exc)
        except _PARSE_ERRORS as exc:
            return _failed(metric, now, _shape_error(exc))
        notes = [f"{metric.id}: {note}" for note in found]
        notes += [f"{metric.id}: Prometheus warning: {one_line(w, 160)}" for w in body.warnings]
        return _Outcome([Sample(metric.id, float(ts), value)], notes, breakdowns=tables)

    async def _range(
        self,
        metric: MetricConfig,
        form: dict[str, str],
        headers: dict[str, str],
        auth: tuple[str, str] | None,
    ) -> _Outcome:
        try:
            async with self._limit:
                body = await self._http.post_json(
                    f"{self._base}/api/v1/query_range", data=form, headers=headers, auth=auth,
                    shape=Projection(PromRangeEnvelope, first_series),
                )
            _check_success(body.status, body.found, body.error, body.errorType)
            times = np.frombuffer(body.times, dtype=np.float64).tolist()
            values = np.frombuffer(body.values, dtype=np.float64).tolist()
            samples = [Sample(metric.id, t, v) for t, v in zip(times, values, strict=True)]
        except SourceError as exc:
            return _Outcome([], [f"{metric.id}: {exc}"], exc)
        except _PARSE_ERRORS as exc:
            error = _shape_error(exc)
            return _Outcome([], [f"{metric.id}: {error}"], error)
        notes = [] if samples else [f"{metric.id}: no history in the range"]
        notes += [f"{metric.id}: Prometheus warning: {one_line(w, 160)}" for w in body.warnings]
        return _Outcome(samples, notes)


def _success_data(body: Any) -> Any:
    """`body.data` of a success envelope; SourceError for `status: error` in a 200."""
    _check_success(body.status, body.data is not None, body.error, body.errorType)
    return body.data


def _check_success(status: str, has_data: bool, error: str | None, kind: str | None) -> None:
    if status != "success":
        detail = error or "no error text"
        prefix = f"{kind}: " if kind else ""
        raise SourceError(f"Prometheus answered status {status[:20]!r}: {prefix}{detail}")
    if not has_data:
        raise SourceError("Prometheus answered success without data")


def _shape_error(exc: Exception) -> SourceError:
    return SourceError(f"unexpected Prometheus response: {one_line(str(exc), 160)}")


def _failed(metric: MetricConfig, now: float, exc: SourceError) -> _Outcome:
    return _Outcome([Sample(metric.id, now, math.nan)], [f"{metric.id}: {exc}"], exc)
