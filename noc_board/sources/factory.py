"""`build_source`: the connector for a configured source, by its kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.sources.base import Source, SourceError
from noc_board.sources.ga4 import GA4Source, StaticToken, TokenProvider
from noc_board.sources.http import HttpFetcher
from noc_board.sources.prometheus import PrometheusSource
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
) -> Source:
    """The `Source` for `cfg.kind`; `metrics` may hold every metric (each takes its own).

    Building never does I/O and never fails for a missing secret: the first poll says what is
    missing, so the rest of the board still runs. An unknown kind is a SourceError.
    """
    if cfg.kind == "prometheus":
        return PrometheusSource(cfg, metrics, http, clock, secret)
    if cfg.kind == "stripe":
        return StripeSource(
            cfg, metrics, http, clock, secret, timezone, cfg.rates if rates is None else rates
        )
    if cfg.kind == "ga4":
        return GA4Source(cfg, metrics, http, clock, tokens or StaticToken(secret, cfg.secret))
    raise SourceError(f"source {cfg.name!r}: unknown kind {cfg.kind!r}")
