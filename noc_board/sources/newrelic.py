"""The New Relic connector: NRQL through NerdGraph (GraphQL), one request per distinct query.

Each metric's `query` is NRQL, run in the source's `account_id` with a NerdGraph `timeout` a
second under the request's. The value is the result's one value column, or the column its
`measure` names (an `AS` alias; `alias.95` inside a percentile object); see `newrelic_wire.read`
for TIMESERIES and FACET. Metrics with the same NRQL share one request. NerdGraph reports
errors inside HTTP 200, so every answer's `errors` is read: a query that failed becomes NaN and
a note, partial data is used with a note, and the poll fails only when every query failed.
At most five queries run at once, as New Relic advises. History (`backfill`) comes from the
metrics whose NRQL has its own TIMESERIES.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for, one_line
from noc_board.sources.http import HttpFetcher
from noc_board.sources.newrelic_wire import (
    NerdGraphReply,
    NrqlResult,
    describe,
    endpoint,
    history,
    newrelic_error,
    read,
    request_body,
)
from noc_board.sources.policy import policy_for

CONCURRENT_QUERIES = 5
MAX_NRQL_TIMEOUT = 120
_TIMESERIES = re.compile(r"\bTIMESERIES\b", re.IGNORECASE)
_PARSE_ERRORS = (msgspec.ValidationError, ValueError, TypeError, KeyError, IndexError,
                 AttributeError, OverflowError)


@dataclass
class _Answer:
    """A query's result and the notes it came with (partial errors)."""

    result: NrqlResult
    notes: list[str] = field(default_factory=list)


class NewRelicSource:
    """Polls NRQL queries in one New Relic account."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        api_key: str | None,
    ) -> None:
        self.name = cfg.name
        self._cfg = cfg
        mine = metrics_for(cfg, metrics)
        self._metrics = [m for m in mine if m.query.strip()]
        self._notes = [f"{m.id}: no NRQL query; ignored" for m in mine if not m.query.strip()]
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="New Relic",
            error_hook=newrelic_error,
        )
        self._clock = clock
        self._api_key = api_key
        self._url = endpoint(cfg.url, cfg.region)
        self._nrql_timeout = max(1, min(MAX_NRQL_TIMEOUT, math.ceil(cfg.timeout) - 1))
        self._limit = asyncio.Semaphore(CONCURRENT_QUERIES)

    @property
    def url(self) -> str:
        """The NerdGraph endpoint, e.g. https://api.eu.newrelic.com/graphql."""
        return self._url

    async def poll(self) -> PollResult:
        """Run every distinct NRQL once and read each metric's value from its answer."""
        now = self._clock.now()
        answers = await self._run_all(self._metrics)
        samples: list[Sample] = []
        breakdowns: list[Breakdown] = []
        notes = list(self._notes)
        failed: list[SourceError] = []
        for metric in self._metrics:
            answer = answers[metric.query.strip()]
            if isinstance(answer, SourceError):
                failed.append(answer)
                samples.append(Sample(metric.id, now, math.nan))
                notes.append(f"{metric.id}: {answer}")
                continue
            notes += [f"{metric.id}: {n}" for n in answer.notes]
            try:
                reading = read(answer.result, metric.measure.strip(), now)
            except _PARSE_ERRORS as exc:
                samples.append(Sample(metric.id, now, math.nan))
                notes.append(f"{metric.id}: {_shape_error(exc)}")
                continue
            samples.append(Sample(metric.id, reading.ts, reading.value))
            if reading.note:
                notes.append(f"{metric.id}: {reading.note}")
            if reading.rows:
                breakdowns.append(Breakdown(metric.id, now, reading.rows))
        if self._metrics and len(failed) == len(self._metrics):
            raise _first(failed)
        return PollResult(self.name, now, samples, breakdowns, tuple(notes))

    async def backfill(self, start: float, end: float, step: float,
                       only: Collection[str] | None = None) -> PollResult:
        """The ended buckets in [start, end] of each metric whose NRQL has TIMESERIES (`only`:
        just those metric ids)."""
        now = self._clock.now()
        if not all(math.isfinite(x) for x in (start, end)) or end < start:
            raise SourceError(f"bad backfill range: start {start}, end {end}")
        series = [m for m in self._metrics if _TIMESERIES.search(m.query)
                  and (only is None or m.id in only)]
        if not series:
            return PollResult(self.name, now)
        answers = await self._run_all(series)
        samples: list[Sample] = []
        notes: list[str] = []
        failed: list[SourceError] = []
        for metric in series:
            answer = answers[metric.query.strip()]
            try:
                if isinstance(answer, SourceError):
                    raise answer
                points = history(answer.result, metric.measure.strip(), start, min(end, now))
            except SourceError as exc:
                failed.append(exc)
                notes.append(f"{metric.id}: {exc}")
                continue
            except _PARSE_ERRORS as exc:
                failed.append(_shape_error(exc))
                notes.append(f"{metric.id}: {_shape_error(exc)}")
                continue
            samples += [Sample(metric.id, ts, value) for ts, value in points]
        if len(failed) == len(series):
            raise _first(failed)
        return PollResult(self.name, now, samples, (), tuple(notes))

    async def _run_all(self, metrics: Sequence[MetricConfig]) -> dict[str, _Answer | SourceError]:
        if not self._api_key:
            where = (f"keyring entry {self._cfg.secret!r}" if self._cfg.secret
                     else "a `secret` in the config")
            raise SourceError(f"New Relic needs a User API key (NRAK-...): set {where}")
        account = self._cfg.account_id.strip()
        if not account.isdigit() or int(account) >= 2**31:
            raise SourceError("New Relic needs account_id: the numeric account id")
        headers = {"API-Key": self._api_key}
        queries = list(dict.fromkeys(m.query.strip() for m in metrics))
        found = await asyncio.gather(*(self._run(int(account), q, headers) for q in queries))
        return dict(zip(queries, found, strict=True))

    async def _run(
        self, account: int, nrql: str, headers: dict[str, str]
    ) -> _Answer | SourceError:
        """One NRQL query's result, or the error it failed with (HTTP or GraphQL)."""
        try:
            async with self._limit:
                reply = await self._http.post_json(
                    self._url, json=request_body(account, nrql, self._nrql_timeout),
                    headers=headers, shape=NerdGraphReply,
                )
        except SourceError as exc:
            return exc
        errors = reply.errors or []
        actor = reply.data.actor if reply.data is not None else None
        result = actor.account.nrql if actor is not None and actor.account is not None else None
        if result is None:
            if not errors:
                return SourceError("New Relic answered without results or errors")
            line, _ = describe(errors[0])
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return SourceError(f"New Relic NRQL error: {line}{more}")
        notes = [f"New Relic reported: {describe(e)[0]}" for e in errors[:3]]
        return _Answer(result, notes)


def _first(errors: list[SourceError]) -> SourceError:
    first = errors[0]
    waits = [e.retry_after for e in errors if e.retry_after is not None]
    return SourceError(str(first), max(waits) if waits else None, status=first.status)


def _shape_error(exc: Exception) -> SourceError:
    return SourceError(f"unexpected New Relic response: {one_line(str(exc), 160)}")
