"""The engine as one object: shared HTTP client, sources, store, hub and scheduler.

`Engine.create()` is the composition of the headless system; the GUI (`noc_board.app`) and the
headless commands (`poll`, later `replay`) both start from it. Shutdown order matters: stop the
loops, close the HTTP client, then close the journal.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from noc_board.config.schema import Config
from noc_board.core.clock import Clock
from noc_board.engine.am_alerts import AlertmanagerAlarms, restore_external
from noc_board.engine.am_sync import AlertmanagerSync
from noc_board.engine.escalation import EscalationEngine
from noc_board.engine.hub import Hub
from noc_board.engine.notifiers import Notifier
from noc_board.engine.recorder import StoreRecorder
from noc_board.engine.report_upkeep import BreakdownRecorder, RollupPruner
from noc_board.engine.rollup_history import RollupHistory
from noc_board.engine.scheduler import PollPlan, Scheduler
from noc_board.sources.alertmanager import AlertmanagerApi, AlertmanagerSource
from noc_board.sources.base import Source
from noc_board.sources.factory import build_source
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.store import Store, open_store
from noc_board.store.operator_log import OperatorLog

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
    sources: list[Source] = field(default_factory=list)
    escalation: EscalationEngine | None = None
    am_sync: AlertmanagerSync | None = None
    pruner: RollupPruner | None = None  # the rollups' daily retention (reports)
    am_alarms: list[AlertmanagerAlarms] = field(default_factory=list)  # alerts_as_alarms

    @classmethod
    def create(
        cls,
        config: Config,
        clock: Clock,
        secrets: SecretLookup,
        store_path: Path | None,
        client: httpx.AsyncClient | None = None,
        *,
        catchup_wait: float | None = None,
    ) -> Engine:
        """`catchup_wait`: how long a poll waits for a source's background catch-up (Stripe's
        backlog) before answering without it; None: the source's timeout."""
        store = open_store(store_path) if store_path is not None else None
        recorder = StoreRecorder(store) if store is not None else None
        history = RollupHistory(store.rollups) if store is not None else None
        operator_log = OperatorLog(store.journal) if store is not None else None
        hub = Hub(config, clock, recorder, history, operator_log)
        if store is not None:  # the rows of the top-products table, for the monthly review
            hub.subscribe(BreakdownRecorder(store, config, hub.breakdown))
        if recorder is not None:
            hub.restore_alarms(recorder.restore_alarms(hub.alarms()))
        client = client or make_client()
        sources: list[Source] = []
        plans: dict[str, PollPlan] = {}
        fetchers: list[HttpFetcher] = []
        missing: list[str] = []
        # history for the panels that draw series (a status grid's or heatmap's span is read
        # from the store's rollups instead)
        backfill = max((p.window for page in config.pages for p in page.panels
                        if p.kind in ("stat", "timeseries")), default=0.0)
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
            secret2 = None
            if cfg.secret2:  # a second key (Datadog's application key)
                secret2 = secrets(cfg.secret2)
                if secret2 is None:
                    missing.append(cfg.secret2)
                    log.warning("secret %r for source %s is not set; set it with: "
                                "noc-board secrets set %s", cfg.secret2, cfg.name, cfg.secret2)
            policy = RequestPolicy(timeout=cfg.timeout, max_body_bytes=int(cfg.max_body_mb * 2**20))
            fetcher = HttpFetcher(client, policy)
            fetchers.append(fetcher)
            metrics = [m for m in config.metrics if m.source == cfg.name]
            sources.append(
                build_source(cfg, metrics, fetcher, clock, secret, config.board.timezone,
                             secret2=secret2,
                             state=store.source_state.handle(cfg.name) if store else None,
                             catchup_wait=catchup_wait)
            )
            plans[cfg.name] = PollPlan(interval=cfg.interval, backfill=backfill)
        scheduler = Scheduler(hub, sources, plans, clock)
        engine = cls(config, hub, scheduler, client, fetchers, store, missing)
        engine.sources = sources
        if store is not None:
            engine.pruner = RollupPruner(store, config, clock.now)
        engine.am_alarms = _alertmanager_alarms(config, hub, clock, sources, store)
        engine.escalation = _escalation(config, hub, clock, secrets, store)
        engine.am_sync = _alertmanager_sync(config, hub, clock, secrets, client, missing,
                                            fetchers)
        return engine

    def start(self) -> None:
        """Start polling, escalation and the Alertmanager sync on the running loop."""
        self.scheduler.start()
        if self.escalation is not None:
            self.escalation.start()
        if self.am_sync is not None:
            self.am_sync.start()
        for am_alarms in self.am_alarms:
            am_alarms.start()
        if self.pruner is not None:
            self.pruner.start()

    async def close(self) -> None:
        await self.scheduler.stop()
        if self.pruner is not None:
            await self.pruner.stop()
        if self.am_sync is not None:
            await self.am_sync.stop()
        for am_alarms in self.am_alarms:
            await am_alarms.stop()
        if self.escalation is not None:
            await self.escalation.stop()  # and the notifications in flight
        for source in self.sources:  # background work of a source (Stripe's catch-up)
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()
        for fetcher in self.fetchers:
            await fetcher.aclose()
        await self.client.aclose()
        if self.store is not None:
            self.store.close()


def _escalation(
    config: Config, hub: Hub, clock: Clock, secrets: SecretLookup, store: Store | None
) -> EscalationEngine:
    """The routes' escalation policies, notifying through Apprise; results to the journal."""
    journal = store.journal.append if store is not None else None
    notifier = Notifier(clock, secrets=secrets, journal=journal, on_health=hub.report_health)
    escalation = EscalationEngine(config.routes, notifier, clock, journal=journal,
                                  board=config.board.title)
    hub.subscribe(escalation)
    escalation.seed(hub.alarms(), clock.now())  # alarms restored unacknowledged
    return escalation


def _alertmanager_alarms(
    config: Config, hub: Hub, clock: Clock, sources: list[Source], store: Store | None
) -> list[AlertmanagerAlarms]:
    """The alerts of the alertmanager sources with `alerts_as_alarms`, as alarms; those
    journaled and not back to normal are put back first (before escalation takes over)."""
    made: list[AlertmanagerAlarms] = []
    routes = [r.name for r in config.routes]
    for cfg, source in zip(config.sources, sources, strict=True):
        if cfg.alerts_as_alarms and isinstance(source, AlertmanagerSource):
            watcher = AlertmanagerAlarms(hub, source, cfg, clock, routes=routes,
                                         horizon=config.alertmanager.ack_horizon)
            hub.subscribe(watcher)
            made.append(watcher)
    if made and store is not None:
        hub.restore_alarms(restore_external(store.journal))
    return made


def _alertmanager_sync(
    config: Config, hub: Hub, clock: Clock, secrets: SecretLookup,
    client: httpx.AsyncClient, missing: list[str], fetchers: list[HttpFetcher],
) -> AlertmanagerSync | None:
    """The Alertmanager shared by several boards, when `[alertmanager] url` is set."""
    am = config.alertmanager
    if not am.url:
        return None
    secret = secrets(am.secret) if am.secret else None
    if am.secret and secret is None:
        missing.append(am.secret)
        log.warning("secret %r for Alertmanager is not set; set it with: "
                    "noc-board secrets set %s", am.secret, am.secret)
    basic = (am.username, secret) if am.auth == "basic" and secret else None
    bearer = secret if am.auth == "bearer" and secret else None
    fetcher = HttpFetcher(client)
    fetchers.append(fetcher)  # closed with the others
    api = AlertmanagerApi(am.url, fetcher, timeout=am.timeout, basic=basic, bearer=bearer)
    sync = AlertmanagerSync(hub, api, am, clock, board=am.board or socket.gethostname(),
                            on_health=hub.report_health)
    hub.subscribe(sync)
    return sync
