"""The built-in HTTP probe: the board itself checks configured URLs, for uptime where no
blackbox exporter runs.

Each target (`[[sources.targets]]`) is checked once per poll, concurrently, on a fresh
connection (a kept-alive one would hide a server that no longer accepts connections). A metric
names what it shows as `measure = "<target>.<field>"`: `up` (1 or 0), `status` (the HTTP
status), `response_time` (seconds, body included) or `tls_days_left` (days until the
certificate expires). A target that is down is data, not a failure of the source: its `up` is
0 and the poll's notes say why (DNS, refused, timeout, certificate, status...). The poll fails
only when it cannot run at all (no targets, an unreadable CA file).

Uptime over a window is computed later from the `up` series; `results` keeps the last
`ProbeResult` of every target for panels that want the reasons.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence

import httpx

from noc_board.config.schema import PROBE_FIELDS, MetricConfig, ProbeTargetConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for
from noc_board.sources.http import HttpFetcher
from noc_board.sources.probe_check import ProbeResult, Timer, check_url
from noc_board.sources.tls import tls_context

CONCURRENT_CHECKS = 8


def target_url(base: str, url: str) -> str:
    """`url` as is when absolute, else joined to the source's `base` (a path prefix kept)."""
    text = url.strip()
    if "://" in text or not base:
        return text
    return base.rstrip("/") + "/" + text.lstrip("/")


class ProbeSource:
    """Checks the configured URLs; `results` holds the latest result of each target."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        *,
        timer: Timer = time.perf_counter,
    ) -> None:
        self.name = cfg.name
        self._cfg = cfg
        self._metrics = metrics_for(cfg, metrics)
        self._http = http
        self._clock = clock
        self._timer = timer
        self._client: httpx.AsyncClient | None = None
        self._limit = asyncio.Semaphore(CONCURRENT_CHECKS)
        self.results: dict[str, ProbeResult] = {}

    def _session(self) -> httpx.AsyncClient:
        """The probe's own client, made at the first poll: fresh connections, its TLS trust."""
        if self._client is None:
            context = tls_context(self._cfg.ca_file, self._cfg.insecure)
            self._client = self._http.dedicated_client(
                verify=context if context is not None else True, keepalive=False
            )
        return self._client

    async def poll(self) -> PollResult:
        """Check every target once and report each configured measure."""
        targets = [t for t in self._cfg.targets if t is not None]
        if not targets:
            raise SourceError(f"probe {self.name!r} has no targets: add [[sources.targets]]")
        client = self._session()
        now = self._clock.now()
        results = await asyncio.gather(*(self._check(client, t, now) for t in targets))
        self.results = {r.name: r for r in results}
        notes = [f"{r.name}: down: {r.reason}" for r in results if not r.up]
        samples = []
        for metric in self._metrics:
            target, _, field = metric.measure.rpartition(".")
            result = self.results.get(target)
            if result is None or field not in PROBE_FIELDS:
                notes.append(f"{metric.id}: unknown probe measure {metric.measure!r}; use "
                             f"<target>.<field> with a target of {self.name!r} and a field "
                             f"of {', '.join(PROBE_FIELDS)}")
                samples.append(Sample(metric.id, now, math.nan))
                continue
            samples.append(Sample(metric.id, now, _field(result, field)))
        rows = tuple((r.name, 1.0 if r.up else 0.0) for r in results)
        return PollResult(self.name, now, samples, [Breakdown(f"{self.name}.targets", now, rows)],
                          tuple(notes))

    async def _check(
        self, client: httpx.AsyncClient, target: ProbeTargetConfig, now: float
    ) -> ProbeResult:
        timeout = target.timeout if target.timeout > 0 else self._cfg.timeout
        async with self._limit:
            return await check_url(
                client, target.name, target_url(self._cfg.url, target.url),
                expect=target.expect, follow_redirects=target.follow_redirects,
                limit=timeout, now=now, timer=self._timer,
            )


def _field(result: ProbeResult, field: str) -> float:
    if field == "up":
        return 1.0 if result.up else 0.0
    if field == "status":
        return result.status
    if field == "response_time":
        return result.response_time
    return result.tls_days_left
