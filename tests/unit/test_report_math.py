"""The reports' arithmetic: changes, time to acknowledge, error budgets, impact (pure)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from noc_board.core import report_math as rm


def test_relative_change_and_growth() -> None:
    assert rm.relative_change(110.0, 100.0) == pytest.approx(0.1)
    assert rm.relative_change(90.0, 100.0) == pytest.approx(-0.1)
    assert rm.relative_change(-5.0, -10.0) == pytest.approx(0.5)  # against |previous|
    assert rm.relative_change(5.0, 0.0) is None  # nothing to compare with
    assert rm.relative_change(None, 3.0) is None and rm.relative_change(3.0, None) is None
    assert rm.relative_change(math.nan, 3.0) is None
    assert rm.growth(177_048 * 0.9, 177_048) == pytest.approx(-0.1)
    assert rm.is_significant(-0.12, 0.1) and not rm.is_significant(0.05, 0.1)
    assert not rm.is_significant(None, 0.1)


def test_time_to_acknowledge_and_order_statistics() -> None:
    assert rm.time_to_acknowledge(100.0, 640.0) == 540.0
    assert rm.time_to_acknowledge(100.0, None) is None
    assert rm.time_to_acknowledge(100.0, 90.0) == 0.0  # clocks of two boards may disagree
    assert rm.median([540.0, 180.0, 240.0]) == 240.0
    assert rm.median([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert rm.median([]) is None and rm.median([math.nan]) is None
    assert rm.percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)
    assert rm.mean([1.0, math.nan, 3.0]) == 2.0
    with pytest.raises(ValueError):
        rm.percentile([1.0], 1.5)


def test_error_budget_follows_the_sre_tables() -> None:
    # 99.9 % over 30 days allows 43.2 minutes (kpi-and-alarms.md 1.6)
    assert rm.allowed_downtime(0.999, 30 * 86_400) == pytest.approx(43.2 * 60)
    assert rm.allowed_downtime(0.995, 86_400) == pytest.approx(7.2 * 60)
    budget = rm.error_budget(0.999, 1 - 20 * 60 / (30 * 86_400), 30 * 86_400)
    assert budget.spent_s == pytest.approx(1200.0)
    assert budget.spent == pytest.approx(1200 / 2592)
    assert budget.attained and budget.remaining == pytest.approx(1 - 1200 / 2592)
    over = rm.error_budget(0.999, 0.99, 86_400)
    assert not over.attained and over.spent == pytest.approx(10.0)
    assert rm.budget_share(1200.0, 0.999, 30 * 86_400) == pytest.approx(0.46296, abs=1e-5)
    perfect = rm.error_budget(1.0, 1.0, 3600)
    assert perfect.spent == 0.0 and rm.budget_share(1.0, 1.0, 3600) == math.inf
    with pytest.raises(ValueError):
        rm.allowed_downtime(1.5, 10)


def test_impact_against_the_same_time_last_week() -> None:
    hit = rm.impact(91.0, 171.0)
    assert hit.lost == 80.0 and hit.lost_share == pytest.approx(80 / 171)
    better = rm.impact(200.0, 171.0)
    assert better.lost == 0.0 and better.lost_share == 0.0
    assert rm.impact(0.0, 0.0).lost_share is None


def test_availability_is_time_weighted() -> None:
    assert rm.availability([1.0, 0.0, 1.0, 1.0]) == 0.75
    assert rm.availability([1.0, 0.5], [3.0, 1.0]) == pytest.approx(0.875)
    assert rm.availability([math.nan, 1.0]) == 1.0
    assert rm.availability([]) is None
    assert rm.availability([2.0, -1.0]) == 0.5  # clipped to 0..1


@given(st.floats(1e-3, 1e9), st.floats(1e-3, 1e9))
def test_change_reverses(current: float, previous: float) -> None:
    change = rm.relative_change(current, previous)
    assert change is not None
    assert previous * (1 + change) == pytest.approx(current, rel=1e-6, abs=1e-6)
