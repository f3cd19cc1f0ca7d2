"""Stale source: the source is DOWN, or its last successful poll is older than `after`.

A source that stopped answering is an alarm, not a frozen number. Judged at each tick from the
hub's source health; a successful poll clears it.
"""

from __future__ import annotations

import math

from noc_board.core.health import HealthState
from noc_board.core.rules.base import NOTHING, Decision, TickContext, Verdict
from noc_board.core.units import format_duration


class StaleSourceRule:
    """Raises while `source` is down or has not answered for `after` seconds."""

    def __init__(
        self, rule_id: str, metric: str, severity: str, source: str, after: float
    ) -> None:
        if after <= 0:
            raise ValueError("stale needs `after` of more than 0 s")
        self.rule_id = rule_id
        self.metric = metric
        self.severity = severity
        self.source = source
        self.after = after
        self.watches: tuple[str, ...] = ()
        self.firing = False
        self._since: float | None = None

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        return NOTHING

    def problem(self, now: float, context: TickContext) -> str | None:
        """Why the source is stale, or None when it is not."""
        if self._since is None:
            self._since = now
        health = context.health.get(self.source)
        if health is None:
            return None
        last = health.last_success
        if health.state is HealthState.DOWN:
            why = f"source {self.source} is down"
            if health.last_error:
                why += f": {health.last_error}"
            if last is not None:
                why += f" (last answer {format_duration(now - last)} ago)"
            return why
        if last is None:
            if now - self._since > self.after:
                return f"source {self.source} has not answered since the board started"
            return None
        if now - last > self.after:
            return f"source {self.source} last answered {format_duration(now - last)} ago"
        return None

    def tick(self, now: float, context: TickContext) -> Decision:
        why = self.problem(now, context)
        if why is not None and not self.firing:
            self.firing = True
            return Decision(Verdict.RAISE, math.nan, None, why)
        if why is None and self.firing:
            self.firing = False
            return Decision(Verdict.CLEAR, math.nan, None, f"source {self.source} answers again")
        return NOTHING

    def restore(self, firing: bool) -> None:
        self.firing = firing
