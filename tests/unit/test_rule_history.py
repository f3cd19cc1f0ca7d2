"""Where rules read the past: in-memory arrays, the store's rollups, the hub's ring series."""

import math
from pathlib import Path

import numpy as np

from noc_board.core.rules.history import ArrayHistory, NoHistory
from noc_board.core.rules.recent import RecentPoints
from noc_board.core.samples import Sample
from noc_board.core.series import RingSeries
from noc_board.engine.rollup_history import RollupHistory, SeriesHistory
from noc_board.store import open_store


def test_array_history_drops_nan_sorts_and_never_shows_the_future() -> None:
    now = [150.0]
    history = ArrayHistory({"m": (np.array([200.0, 100.0, 50.0, 120.0]),
                                  np.array([4.0, 2.0, 1.0, math.nan]))}, now=lambda: now[0])
    assert history.values("m", 0, 1000).tolist() == [1.0, 2.0]  # 200 is after now
    now[0] = 1000.0
    assert history.values("m", 0, 1000).tolist() == [1.0, 2.0, 4.0]
    assert history.values("m", 50, 100).tolist() == [1.0]  # [start, end)
    assert history.values("other", 0, 1000).size == 0
    assert NoHistory().values("m", 0, 1).size == 0


def test_rollup_history_reads_minute_means(tmp_path: Path) -> None:
    with open_store(tmp_path / "j.sqlite3") as store:
        samples = [Sample("m", 600.0 + 10 * i, float(i)) for i in range(12)]  # 2 minutes
        store.rollups.add(samples)
        history = RollupHistory(store.rollups)
        assert history.values("m", 600.0, 720.0).tolist() == [2.5, 8.5]
        assert history.values("m", 630.0, 720.0).tolist() == [8.5]  # a minute begun before
        assert history.values("none", 0.0, 1e9).size == 0


def test_series_history_reads_the_ring() -> None:
    ring = RingSeries(10)
    for i in range(5):
        ring.append(100.0 + i, math.nan if i == 2 else float(i))
    history = SeriesHistory({"m": ring}.get)
    assert history.values("m", 100.0, 104.0).tolist() == [0.0, 1.0, 3.0]
    assert history.values("x", 0.0, 1e9).size == 0


def test_recent_points_windows_and_bounded_memory() -> None:
    recent = RecentPoints(horizon=100.0, max_points=1000)
    for t in range(0, 50_000, 10):  # old points are dropped and the lists compacted
        recent.append(float(t), float(t))
    recent.append(49_980.0, 1.0)  # out of order: ignored
    recent.append(50_000.0, math.nan)  # NaN: ignored
    assert len(recent) == 11  # 49,890 .. 49,990
    assert recent.mean(49_950.0, 49_990.0) == 49_975.0  # (start, end]: 49,960 .. 49,990
    assert recent.count(49_950.0, 49_990.0) == 4
    assert recent.value_at_or_before(49_895.0) == 49_890.0
    assert math.isnan(recent.value_at_or_before(100.0))
    assert math.isnan(recent.mean(0.0, 10.0))
