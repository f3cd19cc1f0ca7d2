"""The threshold kind as a `Rule`: above or below a level, a hold time, a clear level."""

from __future__ import annotations

from noc_board.core.rules.base import Decision, PointRule, Verdict
from noc_board.core.threshold import ThresholdRule, ThresholdState, evaluate_threshold


class ThresholdKind(PointRule):
    """Wraps `ThresholdRule` and its state (the hysteresis and `for` live there)."""

    def __init__(self, rule: ThresholdRule) -> None:
        super().__init__(rule.rule_id, rule.metric, rule.severity)
        self.rule = rule
        self.state = ThresholdState()

    def judge(self, ts: float, value: float) -> Decision:
        verdict = evaluate_threshold(self.rule, self.state, ts, value)
        self._firing = self.state.firing
        return Decision(verdict, value, None, None, True)

    def restore(self, firing: bool) -> None:
        super().restore(firing)
        self.state.firing = firing

    @property
    def describes(self) -> str:
        word = "above" if self.rule.op == "above" else "below"
        return f"{self.rule.metric} {word} {self.rule.level:g}"


__all__ = ["ThresholdKind", "Verdict"]
