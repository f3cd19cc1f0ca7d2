"""The engine as one object: shared HTTP client, sources, store, hub and scheduler.

`Engine.create()` is the composition of the headless system; the GUI (`noc_board.app`) and the
headless commands (`poll`, later `replay`) both start from it. Shutdown order matters: stop the
loops, close the HTTP client, then close the journal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from noc_board.config.schema import Config
from noc_board.core.clock import Clock
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.engine.scheduler import PollPlan, Scheduler
from noc_board.sources.base import Source
from noc_board.sources.factory import build_source
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.store import Store, open_store

log = logging.getLogger(__name__)

SecretLookup = Callable[[str], str | None]


@dataclass
class Engine:
    """The running headless system. Create with `Engine.create`, end with `await close()`."""

    config: Config
    hub: Hub
    scheduler: Scheduler
    client: httpx.AsyncClient
    fetchers: list[HttpFetcher]
    store: Store | None
    missing_secrets: list[str]

    @classmethod
    def create(
        cls,
        config: Config,
        clock: Clock,
        secrets: SecretLookup,
        store_path: Path | None,
        client: httpx.AsyncClient | None = None,
    ) -> Engine:
        store = open_store(store_path) if store_path is not None else None
        recorder = StoreRecorder(store) if store is not None else None
        hub = Hub(config, clock, recorder)
        if recorder is not None:
            hub.restore_alarms(recorder.restore_alarms(hub.alarms()))
        client = client or make_client()
        sources: list[Source] = []
        plans: dict[str, PollPlan] = {}
        fetchers: list[HttpFetcher] = []
        missing: list[str] = []
        backfill = max((p.window for page in config.pages for p in page.panels), default=0.0)
        for cfg in config.sources:
            secret = None
            if cfg.secret:
                secret = secrets(cfg.secret)
                if secret is None:
                    missing.append(cfg.secret)
                    log.warning(
                        "secret %r for source %s is not set; set it with: noc-board secrets set %s",
                        cfg.secret,
                        cfg.name,
                        cfg.secret,
                    )
            policy = RequestPolicy(timeout=cfg.timeout, max_body_bytes=int(cfg.max_body_mb * 2**20))
            fetcher = HttpFetcher(client, policy)
            fetchers.append(fetcher)
            metrics = [m for m in config.metrics if m.source == cfg.name]
            sources.append(
                build_source(cfg, metrics, fetcher, clock, secret, config.board.timezone)
            )
            plans[cfg.name] = PollPlan(interval=cfg.interval, backfill=backfill)
        scheduler = Scheduler(hub, sources, plans, clock)
        return cls(config, hub, scheduler, client, fetchers, store, missing)

    async def close(self) -> None:
        await self.scheduler.stop()
        for fetcher in self.fetchers:
            await fetcher.aclose()
        await self.client.aclose()
        if self.store is not None:
            self.store.close()
