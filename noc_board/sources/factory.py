"""`build_source`: the connector for a configured source, by its kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.sources.alertmanager import AlertmanagerSource
from noc_board.sources.base import Source, SourceError
from noc_board.sources.datadog import DatadogSource
from noc_board.sources.ga4 import GA4Source, StaticToken, TokenProvider
from noc_board.sources.http import HttpFetcher
from noc_board.sources.newrelic import NewRelicSource
from noc_board.sources.paypal import PayPalSource
from noc_board.sources.probe import ProbeSource
from noc_board.sources.prometheus import PrometheusSource
from noc_board.sources.source_state import SourceState
from noc_board.sources.stripe import StripeSource


def build_source(
    cfg: SourceConfig,
    metrics: Sequence[MetricConfig],
    http: HttpFetcher,
    clock: Clock,
    secret: str | None,
    timezone: str,
    *,
    rates: Mapping[str, float] | None = None,
    tokens: TokenProvider | None = None,
    secret2: str | None = None,
    state: SourceState | None = None,
    catchup_wait: float | None = None,
) -> Source:
    """The `Source` for `cfg.kind`; `metrics` may hold every metric (each takes its own).

    Building never does I/O and never fails for a missing secret: the first poll says what is
    missing, so the rest of the board still runs. An unknown kind is a SourceError. `secret2`
    is the value of the source's second keyring entry (Datadog's application key). `state`
    is where a source keeps what must survive a restart (Stripe's cursors), in memory if None;
    `catchup_wait` how long a Stripe poll waits for its background catch-up (None: timeout).
    """
    if cfg.kind == "prometheus":
        return PrometheusSource(cfg, metrics, http, clock, secret)
    if cfg.kind == "stripe":
        return StripeSource(
            cfg, metrics, http, clock, secret, timezone, cfg.rates if rates is None else rates,
            state=state, catchup_wait=catchup_wait,
        )
    if cfg.kind == "ga4":
        if tokens is None and cfg.key_file:
            # lazily: google-auth and cryptography cost ~50 ms at start, for GA4 keys only
            from noc_board.sources.ga4_tokens import ServiceAccountTokens

            tokens = ServiceAccountTokens(cfg.key_file, clock, timeout=cfg.timeout)
        elif tokens is None:
            tokens = StaticToken(secret, cfg.secret)
        return GA4Source(cfg, metrics, http, clock, tokens)
    if cfg.kind == "datadog":
        return DatadogSource(cfg, metrics, http, clock, secret, secret2)
    if cfg.kind == "newrelic":
        return NewRelicSource(cfg, metrics, http, clock, secret)
    if cfg.kind == "paypal":
        return PayPalSource(cfg, metrics, http, clock, secret, timezone)
    if cfg.kind == "probe":
        return ProbeSource(cfg, metrics, http, clock)
    if cfg.kind == "alertmanager":
        return AlertmanagerSource(cfg, metrics, http, clock, secret)
    raise SourceError(f"source {cfg.name!r}: unknown kind {cfg.kind!r}")
