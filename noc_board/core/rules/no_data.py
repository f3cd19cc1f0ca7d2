"""No data: the metric has had no fresh, finite point for `after` seconds.

A source can answer and still say nothing new (a stuck exporter, a query that matches no
series, NaN): the board shows a frozen number unless this rule turns the silence into an alarm.
Judged at each tick; the next finite point clears it. Before any point, the silence counts
from the first tick.
"""

from __future__ import annotations

import math

from noc_board.core.rules.base import NOTHING, Decision, TickContext, Verdict
from noc_board.core.units import format_duration


class NoDataRule:
    """Raises when `now - last fresh point > after`; a finite point clears."""

    def __init__(self, rule_id: str, metric: str, severity: str, after: float) -> None:
        if after <= 0:
            raise ValueError("no data needs `after` of more than 0 s")
        self.rule_id = rule_id
        self.metric = metric
        self.severity = severity
        self.after = after
        self.watches = (metric,)
        self.firing = False
        self._last: float | None = None
        self._since: float | None = None  # the first tick, while no point has come

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        if metric != self.metric or math.isnan(value):
            return NOTHING
        self._last = ts if self._last is None else max(self._last, ts)
        if self.firing:
            self.firing = False
            return Decision(Verdict.CLEAR, value, None, f"{self.metric} has data again")
        return NOTHING

    def tick(self, now: float, context: TickContext) -> Decision:
        if self._since is None:
            self._since = now
        reference = self._last if self._last is not None else self._since
        silent = now - reference
        if silent <= self.after or self.firing:
            return NOTHING
        self.firing = True
        if self._last is None:
            note = (f"no point of {self.metric} since the board started "
                    f"{format_duration(silent)} ago")
        else:
            note = f"no fresh point of {self.metric} for {format_duration(silent)}"
        return Decision(Verdict.RAISE, math.nan, None, note)

    def restore(self, firing: bool) -> None:
        self.firing = firing
