"""What the running engine does for the reports: prune the rollups daily, and keep the rows of
the breakdowns the reports rank in the rollups.

- `RollupPruner` runs `store.rollups.prune()` a minute after start and then once a day, with the
  `[reports]` retention (minutes 35 days, hours two years by default), off the event loop.
- `BreakdownRecorder` is a hub listener: the rows of the kept breakdowns (tables, not numbers,
  so not in the rollups by themselves) become rollups named "<metric>#<label>", at most once a
  minute per metric and `MAX_ROWS` rows each. `kept_breakdowns` names them: the products (the
  monthly review ranks the month's top products), the four `[insights] route_*` metrics (the
  bottleneck routes) and the behaviour flow (`[insights] flow`, else the metric of kpi
  behaviour.flow).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

from noc_board.config.schema import Config
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.health import SourceHealth
from noc_board.core.samples import Breakdown, Sample
from noc_board.engine.waits import Sleep
from noc_board.reports.insight_inputs import flow_metric
from noc_board.reports.roles import PRODUCT_SEPARATOR, resolve_roles
from noc_board.store import PruneResult, Store, StoreError

log = logging.getLogger(__name__)

DAY = 86_400.0
FIRST_PRUNE = 60.0  # after start: not while the board is busy drawing its first frames
MAX_ROWS = 50
EVERY = 60.0



class RollupPruner:
    """Prunes the store's rollups once a day (start with `start()`, end with `await stop()`)."""

    def __init__(self, store: Store, config: Config, now: Callable[[], float],
                 sleep: Sleep = asyncio.sleep, first: float = FIRST_PRUNE) -> None:
        self._store = store
        self._keep_minutes = config.reports.keep_minutes
        self._keep_hours = config.reports.keep_hours
        self._now = now
        self._sleep = sleep
        self._first = first
        self._task: asyncio.Task[None] | None = None
        self.last: PruneResult | None = None

    def prune(self) -> PruneResult | None:
        """Prune now (blocking); None when the store failed (logged)."""
        try:
            result = self._store.rollups.prune(self._now(), self._keep_minutes, self._keep_hours)
        except StoreError as exc:
            log.warning("rollups not pruned: %s", exc)
            return None
        self.last = result
        if result.minutes or result.hours:
            log.info("pruned %d minute and %d hour rollups (%d metrics forgotten)",
                     result.minutes, result.hours, result.metrics)
        return result

    async def run(self) -> None:
        """Prune after `first` seconds, then every day, until cancelled."""
        await self._sleep(self._first)
        while True:
            await asyncio.to_thread(self.prune)
            await self._sleep(DAY)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="rollup-prune")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


INSIGHT_BREAKDOWNS = ("route_latency", "route_requests", "route_5xx", "route_404")


def kept_breakdowns(config: Config) -> frozenset[str]:
    """The metric ids whose breakdown rows are kept in the rollups (see the module docstring);
    ids of no configured metric are left out."""
    roles = resolve_roles(config)
    flow = flow_metric(config)
    wanted = [roles.products.metric if roles.products is not None else "",
              flow.id if flow is not None else ""]
    wanted += [getattr(config.insights, key) for key in INSIGHT_BREAKDOWNS]
    return frozenset(m for m in wanted if m and config.metric(m) is not None)


class BreakdownRecorder:
    """A hub listener keeping the rows of the breakdowns of `metrics` in the rollups."""

    def __init__(self, store: Store, config: Config,
                 breakdown: Callable[[str], Breakdown | None]) -> None:
        self.metrics = kept_breakdowns(config)
        self._store = store
        self._breakdown = breakdown
        self._last: dict[str, float] = {}

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        samples: list[Sample] = []
        for metric in sorted(self.metrics & metric_ids):
            found = self._breakdown(metric)
            if found is None or found.ts < self._last.get(metric, -math.inf) + EVERY:
                continue
            self._last[metric] = found.ts
            samples += [Sample(f"{metric}{PRODUCT_SEPARATOR}{label}", found.ts, value)
                        for label, value in found.rows[:MAX_ROWS]]
        if not samples:
            return
        try:
            # read only by the hour (reports, the insights panel): no minute buckets, which
            # for 6 breakdowns x 50 rows would be ~15 M rows over their 35 days
            self._store.rollups.add(samples, minutes=False)
        except StoreError as exc:
            log.warning("breakdown rows not kept: %s", exc)

    def health_changed(self, health: SourceHealth) -> None:
        """Not used."""

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        """Not used."""
