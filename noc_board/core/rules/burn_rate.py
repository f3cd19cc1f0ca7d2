"""SLO burn rate, multiwindow and multi-burn-rate (Google SRE workbook, chapter 5).

The error ratio over a window divided by the error budget (1 - SLO) is the burn rate: 1 spends
the budget exactly over the SLO period, 14.4 spends 2% of a 30-day budget in an hour. Each
`BurnWindow` pairs a long window with a short one (about 1/12 of it) and fires only while both
burn faster than its factor, so the alarm stops soon after the burning does. The defaults are
the workbook's pages: 1h and 5m at 14.4x (critical), 6h and 30m at 6x (warning).

The error ratio comes either from a metric that is itself a ratio (errors / requests, 0..1),
averaged over each window, or from two cumulative counters: `metric` counting bad (or good)
events and `total` counting all events, the ratio over a window being their increases'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.core.alarms import SEVERITY_RANK
from noc_board.core.rules.base import NOTHING, Decision, TickContext, Verdict
from noc_board.core.rules.recent import RecentPoints
from noc_board.core.units import format_duration


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """A long and a short window that must both burn faster than `factor`."""

    long: float
    short: float
    factor: float
    severity: str

    def __post_init__(self) -> None:
        if not 0 < self.short <= self.long or self.factor <= 0:
            raise ValueError("a burn window needs 0 < short <= long and a factor above 0")


WORKBOOK_PAGES = (
    BurnWindow(3600.0, 300.0, 14.4, "critical"),
    BurnWindow(6 * 3600.0, 1800.0, 6.0, "warning"),
)


class BurnRateRule:
    """Alarm while any window pair burns the error budget too fast; its severity wins."""

    def __init__(
        self,
        rule_id: str,
        metric: str,
        slo: float,
        windows: Sequence[BurnWindow] = WORKBOOK_PAGES,
        total: str | None = None,
        counts: str = "bad",
    ) -> None:
        if not 0 < slo < 1:
            raise ValueError("an SLO is a fraction between 0 and 1, e.g. 0.999")
        if not windows:
            raise ValueError("a burn-rate rule needs at least one window pair")
        if counts not in ("bad", "good"):
            raise ValueError("counts is bad or good")
        self.rule_id = rule_id
        self.metric = metric
        self.slo = slo
        self.windows = tuple(windows)
        self.total = total
        self.counts = counts
        self.severity = max((w.severity for w in self.windows),
                            key=lambda s: SEVERITY_RANK.get(s, 0))
        self.watches = (metric,) if total is None else (metric, total)
        self.firing = False
        horizon = max(w.long for w in self.windows) + 120.0
        self._points = RecentPoints(horizon)
        self._totals = RecentPoints(horizon)

    @property
    def budget(self) -> float:
        return 1.0 - self.slo

    def error_ratio(self, now: float, window: float) -> float:
        """The error ratio over (now - window, now], NaN without data."""
        if self.total is None:
            return self._points.mean(now - window, now)
        first = self._points.value_at_or_before(now - window)
        if math.isnan(first):  # the counters do not reach back: use the oldest point
            first = self._points.value_at_or_before(self._points.oldest_ts())
            start = self._points.oldest_ts()
        else:
            start = now - window
        last = self._points.value_at_or_before(now)
        all_first = self._totals.value_at_or_before(start)
        all_last = self._totals.value_at_or_before(now)
        counted, total = last - first, all_last - all_first
        if not total > 0 or math.isnan(counted):  # also false for NaN
            return math.nan
        ratio = counted / total
        return 1.0 - ratio if self.counts == "good" else ratio

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        if math.isnan(value):
            return NOTHING
        if self.total is not None and metric == self.total:
            self._totals.append(ts, value)
            return NOTHING
        if metric != self.metric:
            return NOTHING
        self._points.append(ts, value)
        worst: tuple[BurnWindow, float, float] | None = None
        for w in self.windows:
            long_burn = self.error_ratio(ts, w.long) / self.budget
            short_burn = self.error_ratio(ts, w.short) / self.budget
            if long_burn > w.factor and short_burn > w.factor and (
                worst is None
                or SEVERITY_RANK.get(w.severity, 0) > SEVERITY_RANK.get(worst[0].severity, 0)
            ):
                worst = (w, long_burn, short_burn)
        if worst is None:
            if not self.firing:
                return Decision(Verdict.NONE, value, None, None, True)
            self.firing = False
            return Decision(Verdict.CLEAR, value, None, "the error budget burns slowly again",
                            True)
        w, long_burn, short_burn = worst
        self.firing = True
        note = (
            f"burning the error budget {long_burn:.1f}x over {format_duration(w.long)} and "
            f"{short_burn:.1f}x over {format_duration(w.short)} (limit {w.factor:g}x; "
            f"SLO {self.slo * 100:g}%)"
        )
        return Decision(Verdict.RAISE, value, w.severity, note, True)

    def tick(self, now: float, context: TickContext) -> Decision:
        return NOTHING

    def restore(self, firing: bool) -> None:
        self.firing = firing
