"""The arithmetic of the reports: changes, time to acknowledge, error budgets, impact.

Pure functions on plain numbers, no I/O and no clock: the report builders read the journal and
the rollups and hand the figures here, and tests check them against hand-computed values.

Conventions: a change is relative, `(current - previous) / |previous|` (0.042 reads +4.2 %), and
is None when there is nothing to compare with (no previous figure, or a previous figure of 0).
The error budget is time-based (good minutes / all minutes, kpi-and-alarms.md 1.6): a 99.9 %
target allows 0.1 % of the period down; spending more than the allowance is over 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def finite(value: float | None) -> bool:
    """Whether `value` is a real number (not None, NaN or infinite)."""
    return value is not None and math.isfinite(value)


def relative_change(current: float | None, previous: float | None) -> float | None:
    """`(current - previous) / |previous|`, or None when either is missing or previous is 0."""
    if current is None or previous is None or not finite(current) or not finite(previous):
        return None
    if previous == 0:
        return None
    return (current - previous) / abs(previous)


def is_significant(change: float | None, threshold: float) -> bool:
    """Whether a relative change is large enough to call out (|change| >= threshold)."""
    return change is not None and abs(change) >= threshold


def time_to_acknowledge(raised_at: float | None, acked_at: float | None) -> float | None:
    """Seconds from the raise to the acknowledgement; None when either did not happen."""
    if raised_at is None or acked_at is None:
        return None
    return max(0.0, acked_at - raised_at)


def median(values: Iterable[float]) -> float | None:
    """The median of the finite values, or None when there are none."""
    return percentile(values, 0.5)


def percentile(values: Iterable[float], q: float) -> float | None:
    """The `q` quantile (0..1, linear interpolation) of the finite values, or None."""
    data = sorted(v for v in values if math.isfinite(v))
    if not data:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError("a quantile lies between 0 and 1")
    pos = q * (len(data) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def mean(values: Iterable[float]) -> float | None:
    """The mean of the finite values, or None."""
    data = [v for v in values if math.isfinite(v)]
    return sum(data) / len(data) if data else None


@dataclass(frozen=True, slots=True)
class ErrorBudget:
    """A time-based error budget over a period.

    `allowed_s`: the downtime the target allows in the period; `spent_s`: the downtime seen;
    `spent`: spent / allowed (1.0 = the whole budget, above 1 = over budget); `attained`:
    whether the availability met the target.
    """

    target: float
    period_s: float
    availability: float
    allowed_s: float
    spent_s: float

    @property
    def spent(self) -> float:
        """The share of the budget used (may exceed 1)."""
        if self.allowed_s <= 0:
            return math.inf if self.spent_s > 0 else 0.0
        return self.spent_s / self.allowed_s

    @property
    def remaining(self) -> float:
        """The share of the budget left (negative when over budget)."""
        return 1.0 - self.spent

    @property
    def attained(self) -> bool:
        """Whether the availability met the target."""
        return self.availability >= self.target - 1e-12


def allowed_downtime(target: float, period_s: float) -> float:
    """Seconds of downtime an availability target allows in `period_s` ((1 - target) x period)."""
    if not 0.0 < target <= 1.0:
        raise ValueError("an availability target lies in (0, 1]")
    return (1.0 - target) * period_s


def error_budget(target: float, availability: float, period_s: float) -> ErrorBudget:
    """The budget of `target` over `period_s` given the measured `availability` (0..1)."""
    allowed = allowed_downtime(target, period_s)
    spent = max(0.0, 1.0 - availability) * period_s
    return ErrorBudget(target, period_s, availability, allowed, spent)


def budget_share(downtime_s: float, target: float, budget_period_s: float) -> float:
    """The share of the budget of `budget_period_s` (e.g. a 30-day month) that `downtime_s`
    of downtime uses: what an incident cost."""
    allowed = allowed_downtime(target, budget_period_s)
    if allowed <= 0:
        return math.inf if downtime_s > 0 else 0.0
    return downtime_s / allowed


@dataclass(frozen=True, slots=True)
class Impact:
    """A figure during an incident against the same time of a reference period.

    `actual` and `expected` are totals over the window (orders, revenue) or means (users);
    `lost` is how far short of the expected the actual fell (0 when it did not).
    """

    actual: float
    expected: float

    @property
    def lost(self) -> float:
        """The shortfall, never negative."""
        return max(0.0, self.expected - self.actual)

    @property
    def lost_share(self) -> float | None:
        """The shortfall as a share of the expected figure; None when nothing was expected."""
        return self.lost / self.expected if self.expected > 0 else None


def impact(actual: float, expected: float) -> Impact:
    """The impact of an incident on a figure (see `Impact`)."""
    return Impact(actual, expected)


def availability(up_fractions: Sequence[float],
                 weights: Sequence[float] | None = None) -> float | None:
    """The time-weighted share of time up, from per-bucket up fractions (a bucket's mean of a
    1-up / 0-down metric); None without data."""
    if weights is None:
        weights = [1.0] * len(up_fractions)
    total = 0.0
    up = 0.0
    for fraction, weight in zip(up_fractions, weights, strict=True):
        if math.isfinite(fraction) and weight > 0:
            total += weight
            up += min(1.0, max(0.0, fraction)) * weight
    return up / total if total > 0 else None


def growth(current: float | None, previous: float | None) -> float | None:
    """Period-over-period growth (month over month, year over year): a relative change."""
    return relative_change(current, previous)
