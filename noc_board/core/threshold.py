"""The threshold rule: above or below a level, held for a while, cleared at a separate level.

The pure evaluation step; `noc_board.core.rules.threshold` wraps it as a `Rule` for the book.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from noc_board.core.rules.base import Verdict

__all__ = ["ThresholdRule", "ThresholdState", "Verdict", "evaluate_threshold"]


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """Alarm when `value op level` holds for `hold` seconds; clear when back past `clear`.

    With op "above": breach is value > level; clear is value <= clear (clear <= level), the
    hysteresis band between them changes nothing (Datadog's recovery thresholds).
    """

    rule_id: str
    metric: str
    op: str
    level: float
    clear: float
    hold: float = 0.0
    severity: str = "warning"

    def breaches(self, value: float) -> bool:
        return value > self.level if self.op == "above" else value < self.level

    def recovers(self, value: float) -> bool:
        return value <= self.clear if self.op == "above" else value >= self.clear


@dataclass(slots=True)
class ThresholdState:
    """The memory of one threshold rule between evaluations."""

    pending_since: float | None = None
    firing: bool = False


def evaluate_threshold(
    rule: ThresholdRule, state: ThresholdState, ts: float, value: float
) -> Verdict:
    """Feed one point; mutates `state` and says whether to raise or clear. NaN changes nothing."""
    if math.isnan(value):
        return Verdict.NONE
    if rule.breaches(value):
        if state.pending_since is None:
            state.pending_since = ts
        if ts - state.pending_since >= rule.hold:
            state.firing = True
            return Verdict.RAISE
        return Verdict.NONE
    if state.firing:
        if rule.recovers(value):
            state.firing = False
            state.pending_since = None
            return Verdict.CLEAR
        return Verdict.NONE  # inside the hysteresis band
    state.pending_since = None
    return Verdict.NONE
