"""Minute and hour rollups: aggregates, NaN handling, upserts across batches, ranges, pruning."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noc_board.core.samples import Sample
from noc_board.store import PruneResult, RollupRow, Store, open_store
from noc_board.store.rollups import DEFAULT_KEEP_HOURS_S, DEFAULT_KEEP_MINUTES_S

DAY = 86_400.0
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, an hour (and minute) boundary
NAN = float("nan")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "noc.db") as opened:
        yield opened


def _s(offset: float, value: float, metric: str = "orders") -> Sample:
    return Sample(metric, T0 + offset, value)


def test_minutes_aggregate_across_a_boundary(store: Store) -> None:
    added = store.rollups.add(
        [_s(0, 4.0), _s(20, 1.0), _s(59.9, 7.0), _s(60, 10.0), _s(119, 2.0), _s(125, 3.0)]
    )
    assert added == 6
    rows = store.rollups.minutes("orders", T0, T0 + 180)
    assert rows == [
        RollupRow("orders", int(T0), 3, 12.0, 1.0, 7.0, 7.0, T0 + 59.9),
        RollupRow("orders", int(T0) + 60, 2, 12.0, 2.0, 10.0, 2.0, T0 + 119),
        RollupRow("orders", int(T0) + 120, 1, 3.0, 3.0, 3.0, 3.0, T0 + 125),
    ]
    assert [r.mean for r in rows] == [4.0, 6.0, 3.0]


def test_batches_are_merged_into_existing_buckets(store: Store) -> None:
    store.rollups.add([_s(10, 5.0), _s(30, 1.0)])
    store.rollups.add([_s(20, 9.0)])  # late sample: counted, but not the last
    store.rollups.add([_s(40, -2.0), _s(50, 3.0)])
    (row,) = store.rollups.minutes("orders", T0, T0 + 60)
    assert (row.count, row.sum, row.min, row.max) == (5, 16.0, -2.0, 9.0)
    assert (row.last, row.last_ts) == (3.0, T0 + 50)
    store.rollups.add([_s(45, 100.0)])  # older than the stored last: last does not move
    (row,) = store.rollups.minutes("orders", T0, T0 + 60)
    assert (row.count, row.max, row.last, row.last_ts) == (6, 100.0, 3.0, T0 + 50)


def test_last_within_one_batch_follows_time_not_order(store: Store) -> None:
    store.rollups.add([_s(50, 1.0), _s(10, 2.0), _s(30, 3.0)])
    (row,) = store.rollups.minutes("orders", T0, T0 + 60)
    assert (row.last, row.last_ts) == (1.0, T0 + 50)


def test_nan_and_infinities_are_skipped(store: Store) -> None:
    added = store.rollups.add(
        [_s(0, 2.0), _s(10, NAN), _s(20, 4.0), _s(70, NAN), _s(80, math.inf), _s(90, -math.inf)]
    )
    assert added == 2
    (row,) = store.rollups.minutes("orders", T0, T0 + 120)  # the second minute had no number
    assert (row.count, row.sum, row.min, row.max, row.last) == (2, 6.0, 2.0, 4.0, 4.0)
    (hour,) = store.rollups.hours("orders", T0, T0 + 3600)
    assert (hour.count, hour.sum) == (2, 6.0)
    assert store.rollups.add([_s(0, NAN, "gone")]) == 0
    assert store.rollups.add([]) == 0
    assert store.rollups.metrics() == ["orders"]


def test_metrics_are_kept_apart_and_listed(store: Store) -> None:
    store.rollups.add([_s(0, 1.0, "b.users"), _s(1, 5.0, "a.orders"), _s(2, 2.0, "b.users")])
    assert store.rollups.metrics() == ["a.orders", "b.users"]
    assert [r.sum for r in store.rollups.minutes("b.users", T0, T0 + 60)] == [3.0]
    assert [r.sum for r in store.rollups.minutes("a.orders", T0, T0 + 60)] == [5.0]
    assert store.rollups.minutes("unknown", T0, T0 + 60) == []


def test_many_metrics_in_one_batch(store: Store) -> None:
    names = [f"m{i:04d}" for i in range(1200)]  # more than one IN (...) chunk
    store.rollups.add([_s(0, float(i), name) for i, name in enumerate(names)])
    store.rollups.add([_s(1, 1.0, name) for name in names])
    assert store.rollups.metrics() == names
    (row,) = store.rollups.minutes("m0777", T0, T0 + 60)
    assert (row.count, row.sum) == (2, 778.0)


def test_ranges_return_the_buckets_that_overlap(store: Store) -> None:
    store.rollups.add([_s(m * 60 + 5, float(m)) for m in range(10)])
    minutes = store.rollups.minutes
    assert [r.start - T0 for r in minutes("orders", T0 + 120, T0 + 300)] == [120, 180, 240]
    assert [r.start - T0 for r in minutes("orders", T0 + 150, T0 + 301)] == [120, 180, 240, 300]
    assert minutes("orders", T0 + 600, T0 + 900) == []
    store.rollups.add([_s(3 * 3600 + 1, 1.0)])
    assert [r.start - T0 for r in store.rollups.hours("orders", T0 + 1800, T0 + 4 * 3600)] == [
        0,
        3 * 3600,
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=3 * 3600 - 0.001),
            st.one_of(st.floats(min_value=-1e6, max_value=1e6), st.just(NAN)),
        ),
        max_size=200,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_hours_equal_their_minutes_summed(points: list[tuple[float, float]], batches: int) -> None:
    samples = [_s(offset, value) for offset, value in points]
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "noc.db") as store:
        for i in range(batches):
            store.rollups.add(samples[i::batches])
        minutes = store.rollups.minutes("orders", T0, T0 + 3 * 3600)
        hours = store.rollups.hours("orders", T0, T0 + 3 * 3600)
    finite = [s for s in samples if not math.isnan(s.value)]
    assert sum(h.count for h in hours) == sum(m.count for m in minutes) == len(finite)
    for hour in hours:
        inside = [m for m in minutes if hour.start <= m.start < hour.start + 3600]
        assert hour.count == sum(m.count for m in inside)
        assert hour.sum == pytest.approx(sum(m.sum for m in inside), rel=1e-9, abs=1e-6)
        assert hour.min == min(m.min for m in inside)
        assert hour.max == max(m.max for m in inside)
        assert hour.last_ts == max(m.last_ts for m in inside)
        newest = [m for m in inside if m.last_ts == hour.last_ts]
        assert hour.last in {m.last for m in newest}
    for minute in minutes:
        values = [s.value for s in finite if minute.start <= s.ts < minute.start + 60]
        assert (minute.count, minute.min, minute.max) == (len(values), min(values), max(values))


def test_prune_drops_old_minutes_before_old_hours(store: Store) -> None:
    now = T0 + 800 * DAY
    store.rollups.add(
        [
            Sample("old", now - 800 * DAY, 1.0),  # past both retentions
            Sample("mid", now - 100 * DAY, 2.0),  # minutes gone, hour kept
            Sample("new", now - 1 * DAY, 3.0),  # both kept
        ]
    )
    result = store.rollups.prune(now)
    assert result == PruneResult(minutes=2, hours=1, metrics=1)
    assert store.rollups.metrics() == ["mid", "new"]
    assert store.rollups.minutes("mid", now - 101 * DAY, now) == []
    assert [r.sum for r in store.rollups.hours("mid", now - 101 * DAY, now)] == [2.0]
    assert [r.sum for r in store.rollups.minutes("new", now - 2 * DAY, now)] == [3.0]
    assert store.rollups.prune(now) == PruneResult(0, 0, 0)
    store.rollups.add([Sample("old", now, 4.0)])  # a forgotten metric can come back
    assert [r.sum for r in store.rollups.minutes("old", now - 60, now + 60)] == [4.0]


def test_prune_keeps_a_bucket_until_it_has_fully_aged(store: Store) -> None:
    store.rollups.add([_s(30, 1.0)])  # minute [T0, T0 + 60), hour [T0, T0 + 3600)
    keep = 600.0
    assert store.rollups.prune(T0 + 60 + keep - 1, keep, 10 * DAY).minutes == 0
    assert store.rollups.prune(T0 + 60 + keep, keep, 10 * DAY).minutes == 1
    assert store.rollups.prune(T0 + 3600 + keep - 1, keep, keep).hours == 0
    assert store.rollups.prune(T0 + 3600 + keep, keep, keep) == PruneResult(0, 1, 1)
    assert store.rollups.metrics() == []


def test_default_retention() -> None:
    assert DEFAULT_KEEP_MINUTES_S == 35 * DAY
    assert DEFAULT_KEEP_HOURS_S == 730 * DAY


def test_hours_only_keeps_no_minutes(store: Store) -> None:
    added = store.rollups.add([_s(0, 1.0, "rows"), _s(61, 3.0, "rows")], minutes=False)
    assert added == 2
    assert store.rollups.minutes("rows", T0 - 60, T0 + 3600) == []
    (hour,) = store.rollups.hours("rows", T0 - 60, T0 + 3600)
    assert (hour.count, hour.sum, hour.last) == (2, 4.0, 3.0)
