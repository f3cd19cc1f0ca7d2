"""Fills the store's hourly rollups from a source's own history, so a heatmap and the capacity
insights are useful at once.

A new board (or one that was off for a while) has no rollups for the weeks a heatmap shows or a
capacity projection fits. A source that keeps history (Prometheus: range queries) can give it:
at start, for each metric a heatmap shows and each capacity metric and its load (the six weeks
the projection reads), the hours missing from the rollups are fetched (5-minute steps, only
those metrics) and folded in.
Hours the store already has are never added again (the rollups count every sample they are
given), and the current hour is left to the live polls.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence

from noc_board.config.schema import Config, PageConfig
from noc_board.core.samples import Sample
from noc_board.sources.base import Source, SourceError
from noc_board.store import Store, StoreError

log = logging.getLogger(__name__)

HOUR = 3600.0
STEP = 300.0


def heatmap_metrics(pages: Iterable[PageConfig]) -> dict[str, int]:
    """metric id -> the most days any heatmap panel shows of it."""
    wanted: dict[str, int] = {}
    for page in pages:
        for panel in page.panels:
            if panel.kind == "heatmap" and panel.metrics:
                metric = panel.metrics[0]
                wanted[metric] = max(wanted.get(metric, 0), int(panel.days))
    return wanted


def capacity_metrics(config: Config) -> dict[str, int]:
    """metric id -> days: each capacity metric and its load, over the capacity fit's window."""
    from noc_board.reports.insight_inputs import FIT_WINDOW, capacity_targets

    days = round(FIT_WINDOW / 86_400.0)
    wanted: dict[str, int] = {}
    for target in capacity_targets(config):
        for metric in (target.metric, target.load):
            if metric is not None and not metric.by:
                wanted[metric.id] = days
    return wanted


def history_wanted(config: Config) -> dict[str, int]:
    """metric id -> the days of hourly history the board wants at start (heatmaps, capacity)."""
    wanted = heatmap_metrics(config.pages)
    for metric, days in capacity_metrics(config).items():
        wanted[metric] = max(wanted.get(metric, 0), days)
    return wanted


async def seed_hours(
    store: Store, sources: Sequence[Source], source_of: Mapping[str, str],
    wanted: Mapping[str, int], now: float, step: float = STEP,
) -> int:
    """Fold the missing hours of `wanted` (metric -> days) into the rollups; samples added."""
    end = math.floor(now / HOUR) * HOUR  # the current hour belongs to the live polls
    added = 0
    for source in sources:
        backfill = getattr(source, "backfill", None)
        metrics = {m: d for m, d in wanted.items() if source_of.get(m) == source.name}
        if backfill is None or not metrics:
            continue
        start = end - max(metrics.values()) * 86_400.0
        try:
            have = {m: {r.start for r in store.rollups.hours(m, start, end)} for m in metrics}
        except StoreError as exc:
            log.info("rollups not seeded: %s", exc)
            return added
        hours = (end - start) / HOUR
        if all(len(h) >= hours for h in have.values()):
            continue
        try:
            result = await backfill(start, end - 1.0, step, only=frozenset(metrics))
        except SourceError as exc:
            log.info("history of %s for the heatmaps and capacity not fetched: %s",
                     source.name, exc)
            continue
        fresh: list[Sample] = []
        for sample in result.samples:
            hours_have = have.get(sample.metric)
            if hours_have is None or not start <= sample.ts < end:
                continue
            if math.floor(sample.ts / HOUR) * HOUR not in hours_have:
                fresh.append(sample)
        try:
            added += store.rollups.add(fresh)
        except StoreError as exc:
            log.info("rollups not seeded: %s", exc)
            return added
        if fresh:
            log.info("history: %d samples of %s folded into the hourly rollups",
                     len(fresh), source.name)
    return added
