"""A replay written into a store: what a board that had been running would hold.

`noc-board replay --store FILE` keeps, besides printing the alarm events, the simulated
marketplace in a SQLite store: the rollups of every metric the simulator can compute over the
history and the scenario, the kept rows of breakdown metrics ("<metric>#<label>", by the hour,
as the running board's `BreakdownRecorder` keeps them), and the journal of every alarm
transition and source health change the hub went through. Reports (`noc-board report ...
--config` with the same store) then read a month of a marketplace in seconds: for a demo, for
training, and for tests of the reports and insights on a known scenario.

The figures before the replayed steps are folded straight into the rollups; from the first
replayed step on, the hub records what it ingests (as a live board does) through a recorder
that folds a simulated hour at a time, since one fsync per simulated poll would make a month
of replay take minutes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from noc_board.core.samples import Sample
from noc_board.engine.recorder import StoreRecorder
from noc_board.engine.replay_sim import MetricFeed
from noc_board.store import Store

ROW_MARK = "#"  # "<metric>#<label>": a kept breakdown row (reports.roles.PRODUCT_SEPARATOR)
FLUSH_EVERY = 60  # replayed steps between folds of the buffered samples
_CHUNK = 200_000  # samples per rollups.add: bounds the memory of a long fold


class BufferedRecorder(StoreRecorder):
    """The StoreRecorder, folding samples into the rollups when `flush()` is called instead of
    once a poll (the same rollups; far fewer transactions). Alarm and health entries are
    journaled at once, as always."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._rollups = store.rollups
        self.pending: list[Sample] = []

    def record_samples(self, samples: Sequence[Sample]) -> None:
        self.pending.extend(samples)

    def flush(self) -> None:
        if self.pending:
            self._rollups.add(self.pending)
            self.pending = []


def fold_feed(store: Store, feed: MetricFeed, source_of: Mapping[str, str], a: float, b: float,
              rows_only: bool = False) -> int:
    """Fold the feed's figures at times in [a, b) into the rollups, leaving out what a refused
    poll would not have brought; `rows_only`: only the breakdown rows. The samples folded."""
    inside = (feed.times >= a) & (feed.times < b)
    folded = 0
    for kept_rows in (False, True):
        batch: list[Sample] = []
        for metric, values in feed.values.items():
            is_row = ROW_MARK in metric
            if is_row != kept_rows or (rows_only and not is_row):
                continue
            owner = source_of.get(metric.split(ROW_MARK, 1)[0], "")
            down = feed.down.get(owner)
            keep = inside & np.isfinite(values)
            if down is not None:
                keep &= ~down
            times = feed.times[keep].tolist()
            batch.extend(Sample(metric, t, v) for t, v in zip(times, values[keep].tolist(),
                                                                strict=True))
            if len(batch) >= _CHUNK:
                folded += store.rollups.add(batch, minutes=not kept_rows)
                batch = []
        if batch:
            folded += store.rollups.add(batch, minutes=not kept_rows)
    return folded
