"""The GA4 connector: users and engagement from the Google Analytics Data API v1beta (REST).

One `runReport` call for today's standard metrics (the day is the property's own) and one
`runRealtimeReport` call for the users of the last 30 minutes, each only when a configured
measure needs it. Values are cast by their header type; a report without rows is NaN with a
note (no data yet), never zero. Both calls ask for `returnPropertyQuota`, and a quota under
10% becomes a note. Authentication goes through a `TokenProvider`: the configured secret is
the bearer token for now; a service-account provider can replace it without touching this.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for, one_line
from noc_board.sources.error_shapes import google_error
from noc_board.sources.ga4_wire import Report, first_row_values, quota_warnings
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import policy_for

STANDARD_MEASURES = {
    "active_users_today": "activeUsers",
    "sessions_today": "sessions",
    "avg_session_duration": "averageSessionDuration",
    "pages_per_session": "screenPageViewsPerSession",
    "bounce_rate": "bounceRate",
    "engagement_rate": "engagementRate",
}
REALTIME_MEASURES = {"active_users_realtime": "activeUsers"}
MEASURES = tuple(REALTIME_MEASURES) + tuple(STANDARD_MEASURES)
DEFAULT_URL = "https://analyticsdata.googleapis.com"
_PARSE_ERRORS = (msgspec.ValidationError, ValueError, TypeError, KeyError, IndexError,
                 AttributeError, OverflowError)


class TokenProvider(Protocol):
    """Where GA4 access tokens come from (a static token now; service accounts later)."""

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
            raise SourceError(f"GA4 needs an access token: set {where}")
        return self._token

    def invalidate(self) -> None:
        """Nothing to refresh: a static token stays what the admin set."""


@dataclass(frozen=True, slots=True)
class _Call:
    label: str
    url: str
    body: dict[str, Any]
    measures: dict[str, str]  # measure -> GA4 metric name


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
        wanted = {m.measure for m in self._metrics}
        self._calls: list[_Call] = []
        standard = {k: v for k, v in STANDARD_MEASURES.items() if k in wanted}
        realtime = {k: v for k, v in REALTIME_MEASURES.items() if k in wanted}
        if realtime:
            self._calls.append(_Call(
                "GA4 realtime", f"{base}/v1beta/properties/{self._property}:runRealtimeReport",
                {"metrics": _metric_list(realtime), "returnPropertyQuota": True}, realtime,
            ))
        if standard:
            self._calls.append(_Call(
                "GA4", f"{base}/v1beta/properties/{self._property}:runReport",
                {"dateRanges": [{"startDate": "today", "endDate": "today"}],
                 "metrics": _metric_list(standard), "returnPropertyQuota": True},
                standard,
            ))

    async def poll(self) -> PollResult:
        """Run the realtime and the standard report, and read every configured measure."""
        if not self._property.isdigit():
            raise SourceError("GA4 needs property_id: the numeric id of the GA4 property")
        now = self._clock.now()
        token = await self._tokens.token()
        headers = {"Authorization": f"Bearer {token}"}
        results = await asyncio.gather(*(self._run(call, headers) for call in self._calls))
        values: dict[str, float] = {}
        notes: list[str] = []
        errors: list[SourceError] = []
        for call, result in zip(self._calls, results, strict=True):
            if isinstance(result, SourceError):
                errors.append(result)
                notes.append(f"{call.label}: {result}")
                continue
            found, call_notes = result
            values.update(found)
            notes.extend(call_notes)
        if errors and len(errors) == len(self._calls):
            first = errors[0]
            if first.status == 401:
                self._tokens.invalidate()
            waits = [e.retry_after for e in errors if e.retry_after is not None]
            raise SourceError(str(first), max(waits) if waits else None, status=first.status)
        samples = []
        for metric in self._metrics:
            if metric.measure not in MEASURES:
                notes.append(f"{metric.id}: unknown GA4 measure {metric.measure!r}; "
                             f"known: {', '.join(MEASURES)}")
            samples.append(Sample(metric.id, now, values.get(metric.measure, math.nan)))
        return PollResult(self.name, now, samples, (), tuple(notes))

    async def _run(
        self, call: _Call, headers: dict[str, str]
    ) -> tuple[dict[str, float], list[str]] | SourceError:
        """{measure: value} and notes of one report, or the error it failed with."""
        try:
            report = await self._http.post_json(
                call.url, json=call.body, headers=headers, shape=Report
            )
            by_name = first_row_values(report)
        except SourceError as exc:
            return exc
        except _PARSE_ERRORS as exc:
            return SourceError(f"unexpected {call.label} response: {one_line(str(exc), 160)}")
        notes = quota_warnings(report.propertyQuota, call.label)
        if by_name is None:
            reason = report.metadata.get("emptyReason")
            why = f" ({one_line(reason, 80)})" if isinstance(reason, str) and reason else ""
            notes.append(f"{call.label}: no rows yet{why}; shown as no data")
            return {}, notes
        missing = [name for name in call.measures.values() if name not in by_name]
        if missing:
            notes.append(f"{call.label}: no value for {', '.join(missing)}")
        found = {m: by_name[name] for m, name in call.measures.items() if name in by_name}
        return found, notes


def _metric_list(measures: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name} for name in dict.fromkeys(measures.values())]
