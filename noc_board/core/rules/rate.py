"""Rate of change: how much a metric moved over the last `window`, against a level.

The change is `value(t) - value(t - window)`, relative to the earlier value when `relative`
(-0.3 = fell 30%). The level, clear level and hold work as for a threshold on that change.
"""

from __future__ import annotations

import math

from noc_board.core.rules.base import NOTHING, Decision, PointRule
from noc_board.core.rules.recent import RecentPoints
from noc_board.core.threshold import ThresholdRule, ThresholdState, evaluate_threshold


class RateOfChangeRule(PointRule):
    """Alarm on a change over a window larger (op above) or smaller (op below) than a level."""

    def __init__(self, level_rule: ThresholdRule, window: float, relative: bool = True) -> None:
        super().__init__(level_rule.rule_id, level_rule.metric, level_rule.severity)
        if window <= 0:
            raise ValueError("a rate of change needs a window of more than 0 s")
        self.level_rule = level_rule
        self.window = window
        self.relative = relative
        self._state = ThresholdState()
        # a little more than the window, so the point `window` ago is still there
        self._recent = RecentPoints(window * 1.5 + 60.0)

    def change(self, ts: float, value: float) -> float:
        """The change over the window ending at `ts`, NaN when the points do not reach back."""
        past = self._recent.value_at_or_before(ts - self.window)
        if math.isnan(past):
            return math.nan
        if not self.relative:
            return value - past
        return (value - past) / abs(past) if past != 0 else math.nan

    def judge(self, ts: float, value: float) -> Decision:
        change = self.change(ts, value)
        self._recent.append(ts, value)
        if math.isnan(change):
            return NOTHING
        verdict = evaluate_threshold(self.level_rule, self._state, ts, change)
        self._firing = self._state.firing
        shown = f"{change * 100:+.1f}%" if self.relative else f"{change:+.4g}"
        note = f"changed {shown} in {self.window / 60:g} min (now {value:.4g})"
        return Decision(verdict, value, None, note, True)

    def restore(self, firing: bool) -> None:
        super().restore(firing)
        self._state.firing = firing
