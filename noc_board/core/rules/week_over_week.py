"""Week-over-week ratio: the value now over the value at the same time a week earlier.

The earlier value is the mean of the history in a `window` centred on t - `offset` (one week
by default; one day makes it day over day), read through a `HistoryProvider`. The ratio goes
through threshold logic (op, level, clear level, hold): `op = "below"`, `level = 0.7` is the
Prometheus recipe `x / (x offset 1w) < 0.7`. Without last week's data the rule says nothing.
"""

from __future__ import annotations

import math

from noc_board.core.rules.base import NOTHING, Decision, PointRule
from noc_board.core.rules.history import HistoryProvider
from noc_board.core.threshold import ThresholdRule, ThresholdState, evaluate_threshold


class WeekOverWeekRule(PointRule):
    """Alarm on the ratio of a metric to itself one `offset` earlier."""

    def __init__(
        self,
        level_rule: ThresholdRule,
        history: HistoryProvider,
        offset: float = 7 * 86_400.0,
        window: float = 900.0,
    ) -> None:
        super().__init__(level_rule.rule_id, level_rule.metric, level_rule.severity)
        if offset <= 0 or window <= 0:
            raise ValueError("week over week needs an offset and a window of more than 0 s")
        self.level_rule = level_rule
        self.offset = offset
        self.window = window
        self._history = history
        self._state = ThresholdState()
        self._cache: tuple[int, float] | None = None

    def earlier(self, ts: float) -> float:
        """The mean one offset ago (read once a minute), NaN without history."""
        key = math.floor(ts / 60.0)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        centre = ts - self.offset
        values = self._history.values(self.metric, centre - self.window / 2,
                                      centre + self.window / 2)
        mean = float(values.mean()) if values.size else math.nan
        self._cache = (key, mean)
        return mean

    def judge(self, ts: float, value: float) -> Decision:
        before = self.earlier(ts)
        if math.isnan(before) or before == 0:
            return NOTHING
        ratio = value / before
        verdict = evaluate_threshold(self.level_rule, self._state, ts, ratio)
        self._firing = self._state.firing
        days = self.offset / 86_400.0
        when = "a week" if days == 7 else f"{days:g} days" if days != 1 else "a day"
        note = f"{ratio * 100:.0f}% of {when} ago ({value:.4g} vs {before:.4g})"
        return Decision(verdict, value, None, note, True)

    def restore(self, firing: bool) -> None:
        super().restore(firing)
        self._state.firing = firing
