"""The ring buffer keeps memory fixed and order right."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from noc_board.core.series import RingSeries


def test_empty_series_has_no_value() -> None:
    s = RingSeries(3)
    assert len(s) == 0
    assert math.isnan(s.last_value())
    ts, vs = s.arrays()
    assert ts.size == 0 and vs.size == 0


def test_bound_overwrites_oldest_and_keeps_order() -> None:
    s = RingSeries(3)
    for i in range(5):
        assert s.append(float(i), i * 10.0)
    ts, vs = s.arrays()
    assert list(ts) == [2.0, 3.0, 4.0]
    assert list(vs) == [20.0, 30.0, 40.0]
    assert len(s) == 3 == s.capacity


def test_out_of_order_and_duplicate_points_are_dropped() -> None:
    s = RingSeries(4)
    s.append(10.0, 1.0)
    version = s.version
    assert not s.append(10.0, 2.0)
    assert not s.append(5.0, 2.0)
    assert s.version == version
    assert s.last_value() == 1.0


def test_value_at_or_before() -> None:
    s = RingSeries(10)
    for t in (0.0, 60.0, 120.0):
        s.append(t, t / 60)
    assert s.value_at_or_before(90.0) == 1.0
    assert s.value_at_or_before(120.0) == 2.0
    assert math.isnan(s.value_at_or_before(-1.0))


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RingSeries(0)


@given(st.integers(1, 50), st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=200))
def test_never_grows_past_capacity(capacity: int, values: list[float]) -> None:
    s = RingSeries(capacity)
    for i, v in enumerate(values):
        s.append(float(i), v)
    ts, vs = s.arrays()
    assert len(s) == min(capacity, len(values))
    assert np.all(np.diff(ts) > 0)
    assert list(vs) == values[-capacity:] if values else list(vs) == []
