"""The GA4 connector: users, engagement, e-commerce and behaviour from the GA4 Data API v1beta.

The configured measures decide the requests (`ga4_reports.plan`): realtime reports for the
last 30 minutes (in total, by minute, by page, by country) and standard reports for today in
the property's own day (the numbers, at most 10 metrics a request; the behaviour flow; the
funnel). The requests run concurrently; one failing leaves the others' numbers and a note.
Values are cast by their header type; a report without rows is NaN with a note (no data
yet), never zero. Every request asks for `returnPropertyQuota`: a quota under 10 % left is a
note, and the `quota_left` measure is the smallest share left. A quota error
(RESOURCE_EXHAUSTED) is not retried at once: the poll waits out its delay, a minute at least.

Tokens come from a `TokenProvider`: the configured secret as the bearer token
(`StaticToken`), or a service-account key file (`ga4_tokens.ServiceAccountTokens`, with
`key_file`). Tables are published under the metric's id when a metric asks for one, and as
`<source>.<table>` (`ga4.behaviour_flow`, `ga4.funnel`, ...) for panels that name it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Protocol

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for, one_line
from noc_board.sources.error_shapes import google_error
from noc_board.sources.ga4_reports import (
    MEASURES,
    Reading,
    ReportSpec,
    derive,
    is_known,
    plan,
)
from noc_board.sources.ga4_wire import Report, quota_left, quota_warnings
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import policy_for

__all__ = ["MEASURES", "GA4Source", "StaticToken", "TokenProvider"]

DEFAULT_URL = "https://analyticsdata.googleapis.com"
_PARSE_ERRORS = (msgspec.ValidationError, ValueError, TypeError, KeyError, IndexError,
                 AttributeError, OverflowError)


class TokenProvider(Protocol):
    """Where GA4 access tokens come from (a static token, or a service account)."""

    async def token(self) -> str:
        """A current access token; SourceError when there is none."""
        ...

    def invalidate(self) -> None:
        """The server refused the last token (401): fetch a new one next time."""
        ...


class StaticToken:
    """The configured secret used as the bearer token as it is."""

    def __init__(self, token: str | None, secret_name: str = "") -> None:
        self._token = token
        self._secret_name = secret_name

    async def token(self) -> str:
        if not self._token:
            where = f"keyring entry {self._secret_name!r}" if self._secret_name else "a secret"
            raise SourceError(f"GA4 needs an access token: set {where}, or a key_file")
        return self._token

    def invalidate(self) -> None:
        """Nothing to refresh: a static token stays what the admin set."""


class GA4Source:
    """Polls one GA4 property."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        tokens: TokenProvider,
    ) -> None:
        self.name = cfg.name
        self._metrics = metrics_for(cfg, metrics)
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="GA4",
            error_hook=google_error,
        )
        self._clock = clock
        self._tokens = tokens
        self._property = cfg.property_id.strip().removeprefix("properties/")
        base = (cfg.url or DEFAULT_URL).rstrip("/")
        self._urls = {
            True: f"{base}/v1beta/properties/{self._property}:runRealtimeReport",
            False: f"{base}/v1beta/properties/{self._property}:runReport",
        }
        self._funnel = list(cfg.funnel)
        wanted = {m.measure for m in self._metrics}
        self._specs = plan(wanted, self._funnel)

    async def poll(self) -> PollResult:
        """Run every planned report and read every configured measure."""
        if not self._property.isdigit():
            raise SourceError("GA4 needs property_id: the numeric id of the GA4 property")
        now = self._clock.now()
        if not self._specs:
            only = self._config_notes()
            return PollResult(self.name, now, self._samples(now, {}, only), (), tuple(only))
        token = await self._tokens.token()
        headers = {"Authorization": f"Bearer {token}"}
        results = await asyncio.gather(*(self._run(spec, headers) for spec in self._specs))
        values: dict[str, float] = {}
        raw: dict[str, float] = {}
        tables: dict[str, list[tuple[str, float]]] = {}
        notes: list[str] = []
        errors: list[SourceError] = []
        quota_shares: list[float] = []
        for spec, result in zip(self._specs, results, strict=True):
            if isinstance(result, SourceError):
                errors.append(result)
                notes.append(f"{spec.label}: {result}")
                continue
            reading, share, quota_notes = result
            values.update(reading.values)
            raw.update(reading.raw)
            tables.update(reading.tables)
            notes.extend(quota_notes)
            notes.extend(f"{spec.label}: {n}" for n in reading.notes)
            if reading.empty:
                why = f" ({reading.empty_reason})" if reading.empty_reason else ""
                notes.append(f"{spec.label}: no rows yet{why}; shown as no data")
            if share is not None:
                quota_shares.append(share)
        if errors and len(errors) == len(self._specs):
            first = errors[0]
            if any(e.status == 401 for e in errors):
                self._tokens.invalidate()
            waits = [e.retry_after for e in errors if e.retry_after is not None]
            raise SourceError(str(first), max(waits) if waits else None, status=first.status)
        derive(values, raw)
        if quota_shares:
            values["quota_left"] = min(quota_shares)
        breakdowns = [Breakdown(f"{self.name}.{name}", now, tuple(rows))
                      for name, rows in tables.items()]
        breakdowns += [Breakdown(m.id, now, tuple(tables[m.measure]))
                       for m in self._metrics if m.measure in tables]
        notes += self._config_notes()
        return PollResult(self.name, now, self._samples(now, values, notes), breakdowns,
                          tuple(notes))

    def _config_notes(self) -> list[str]:
        if not self._funnel and any(m.measure.startswith("funnel") for m in self._metrics):
            return ["funnel measures need `funnel`: the page paths of the steps, in order"]
        return []

    def _samples(self, now: float, values: dict[str, float], notes: list[str]) -> list[Sample]:
        samples = []
        for metric in self._metrics:
            if not is_known(metric.measure):
                notes.append(f"{metric.id}: unknown GA4 measure {metric.measure!r}; "
                             f"known: {', '.join(MEASURES)}")
            samples.append(Sample(metric.id, now, values.get(metric.measure, math.nan)))
        return samples

    async def _run(
        self, spec: ReportSpec, headers: dict[str, str]
    ) -> tuple[Reading, float | None, list[str]] | SourceError:
        """One report's reading, its smallest quota share left and quota notes, or the error."""
        try:
            report = await self._http.post_json(
                self._urls[spec.realtime], json=spec.body, headers=headers, shape=Report
            )
            reading = spec.read(report)
        except SourceError as exc:
            return exc
        except _PARSE_ERRORS as exc:
            return SourceError(f"unexpected {spec.label} response: {one_line(str(exc), 160)}")
        if reading.empty:
            reason = report.metadata.get("emptyReason")
            if isinstance(reason, str) and reason:
                reading.empty_reason = one_line(reason, 80)
        quota = report.propertyQuota
        return reading, quota_left(quota), quota_warnings(quota, spec.label)

