"""`build_source` picks the connector by kind and applies the source's own policy."""

from __future__ import annotations

import random

import httpx
import pytest

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.sources.base import BackfillSource, Source, SourceError
from noc_board.sources.factory import build_source
from noc_board.sources.ga4 import GA4Source
from noc_board.sources.http import HttpFetcher, RequestPolicy
from noc_board.sources.policy import MIB
from noc_board.sources.prometheus import PrometheusSource
from noc_board.sources.stripe import StripeSource
from tests.engine.fakes.loopback import SleepRecorder


@pytest.mark.parametrize(("kind", "cls"), [
    ("prometheus", PrometheusSource), ("stripe", StripeSource), ("ga4", GA4Source),
])
async def test_each_kind(kind: str, cls: type) -> None:
    cfg = SourceConfig(name=f"my-{kind}", kind=kind, url="http://127.0.0.1:9",
                       timeout=2.5, max_body_mb=0.5)
    metrics = [MetricConfig(id="m", source=f"my-{kind}", query="up", measure="orders_today")]
    async with httpx.AsyncClient() as client:
        http = HttpFetcher(client, RequestPolicy(max_retries=1), SleepRecorder(), random.Random())
        source = build_source(cfg, metrics, http, ManualClock(0), None, "UTC")
    assert isinstance(source, cls) and isinstance(source, Source)
    assert source.name == f"my-{kind}"
    assert isinstance(source, BackfillSource) == (kind == "prometheus")
    policy = source._http.policy  # type: ignore[attr-defined]
    assert policy.timeout == 2.5 and policy.max_body_bytes == MIB // 2
    assert policy.max_retries == 1


async def test_unknown_kind() -> None:
    cfg = SourceConfig(name="sp", kind="splunk", url="http://127.0.0.1:9")
    async with httpx.AsyncClient() as client:
        with pytest.raises(SourceError, match="source 'sp': unknown kind 'splunk'"):
            build_source(cfg, [], HttpFetcher(client), ManualClock(0), None, "UTC")
