"""The board's read-only history queries and the seeding of heatmap hours, on a real store."""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from noc_board.config.schema import PageConfig, PanelConfig
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.history import HistoryReader
from noc_board.engine.rollup_seed import heatmap_metrics, history_wanted, seed_hours
from noc_board.sources.base import SourceError
from noc_board.store import Store, open_store

HOUR = 3600.0
NOW = 1_767_794_400.0 + 1800.0  # half past an hour


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "board.sqlite3")
    yield s
    s.close()


def test_value_at_prefers_the_minute_then_the_hour(store: Store) -> None:
    store.rollups.add([Sample("m", NOW - 86400 + 5, 10.0), Sample("m", NOW - 86400 + 50, 11.0),
                       Sample("m", NOW - 3 * 86400 + 7, 30.0)])
    history = HistoryReader(store.rollups)
    assert history.value_at("m", NOW - 86400 + 55, 60.0) == 11.0  # the minute's last value
    assert history.value_at("m", NOW - 86400 + 200, 600.0) == 11.0  # within the tolerance
    assert math.isnan(history.value_at("m", NOW - 86400 + 4000, 60.0))  # too far: no answer
    # pruned minutes: the hour bucket holding the moment still answers
    store.rollups.prune(NOW, keep_minutes_s=2 * 86400)
    assert history.value_at("m", NOW - 3 * 86400 + 900, 3600.0) == 30.0  # an hour is near
    assert math.isnan(history.value_at("other", NOW, 60.0))


def test_an_hour_that_only_began_late_is_no_answer_for_its_start(store: Store) -> None:
    hour = math.floor(NOW / HOUR) * HOUR
    store.rollups.add([Sample("m", hour + 3540.0, 5.0)])  # the board started at hh:59
    history = HistoryReader(store.rollups)
    store.rollups.prune(hour + 40 * 86400, keep_minutes_s=86400)  # only the hour row is left
    assert math.isnan(history.value_at("m", hour + 60.0, 360.0))  # hh:01 is not hh:59
    assert history.value_at("m", hour + 3000.0, 3600.0) == 5.0  # a year back: an hour is near


def test_minute_series_and_hours(store: Store) -> None:
    store.rollups.add([Sample("m", NOW + i * 20.0, float(i)) for i in range(6)])  # 2 minutes
    history = HistoryReader(store.rollups)
    ts, values = history.minute_series("m", NOW - 60, NOW + 600)
    assert list(values) == [1.0, 4.0] and ts[0] == pytest.approx(NOW + 30.0)
    assert [r.count for r in history.hours("m", NOW - HOUR, NOW + HOUR)] == [6]


def test_a_closed_store_answers_no_data_and_says_so_once(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    history = HistoryReader(store.rollups)
    store.close()
    with caplog.at_level(logging.WARNING, logger="noc_board.engine.history"):
        assert history.hours("m", 0, NOW) == []
        assert math.isnan(history.value_at("m", NOW, 60.0))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot read history" in warnings[0].message


class HistorySource:
    """A source whose backfill returns a point every 5 minutes for m and n."""

    name = "prom"

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[float, float, float]] = []
        self.only: list[Collection[str] | None] = []
        self.fail = fail

    async def poll(self) -> PollResult:
        raise AssertionError("not polled here")

    async def backfill(self, start: float, end: float, step: float,
                       only: Collection[str] | None = None) -> PollResult:
        self.calls.append((start, end, step))
        self.only.append(only)
        if self.fail:
            raise SourceError("HTTP 503")
        t = start
        samples = []
        while t <= end:
            samples += [Sample("m", t, 1.0), Sample("n", t, 2.0)]
            t += step
        return PollResult(self.name, NOW, samples)


def test_heatmap_metrics_take_the_longest_span() -> None:
    pages = [PageConfig(name="a", panels=[
        PanelConfig(kind="heatmap", metrics=["m"], days=7),
        PanelConfig(kind="heatmap", metrics=["m"], days=28),
        PanelConfig(kind="stat", metrics=["x"]),
    ])]
    assert heatmap_metrics(pages) == {"m": 28}


async def test_seeding_fills_missing_hours_once(store: Store) -> None:
    hour_start = math.floor(NOW / HOUR) * HOUR
    kept = hour_start - 5 * HOUR
    store.rollups.add([Sample("m", kept + 60, 99.0)])  # an hour the store already has
    source = HistorySource()
    added = await seed_hours(store, [source], {"m": "prom", "n": "prom"}, {"m": 1}, NOW)
    assert source.calls[0][2] == 300.0
    assert source.only == [{"m"}]  # only the metric whose history is wanted is fetched
    hours = store.rollups.hours("m", hour_start - 86400, hour_start + HOUR)
    assert len(hours) == 24  # a day of hours, the current one left to the live polls
    assert all(r.start < hour_start for r in hours)
    assert next(r for r in hours if r.start == kept).count == 1  # not added twice
    assert added == 23 * 12
    assert store.rollups.hours("n", 0, NOW + HOUR) == []  # not a heatmap metric
    again = await seed_hours(store, [source], {"m": "prom"}, {"m": 1}, NOW)
    assert again == 0 and len(source.calls) == 1  # complete: no second fetch


async def test_seeding_survives_a_failing_source(store: Store) -> None:
    added = await seed_hours(store, [HistorySource(fail=True)], {"m": "prom"}, {"m": 2}, NOW)
    assert added == 0 and store.rollups.hours("m", 0, NOW) == []


def test_the_capacity_fit_and_its_load_are_wanted_for_six_weeks() -> None:
    from noc_board.config.loader import load_config
    from noc_board.engine.launch import demo_config_path

    config = load_config(demo_config_path())
    wanted = history_wanted(config)
    # the demo's capacity entries: the pool and the CPU against the requests
    assert wanted["health.db_connections"] == wanted["health.cpu"] == 42
    assert wanted["health.requests"] == 42
    heatmaps = heatmap_metrics(config.pages)
    assert heatmaps and all(wanted[m] >= d for m, d in heatmaps.items())
    assert all(not m.by for m in config.metrics if m.id in wanted)
