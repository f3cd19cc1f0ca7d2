"""Threshold levels from the alarm rules: the colour of a value, and the bands a chart shades.

Only rules of kind "threshold" have a level; other kinds (baselines, rates) are left out. A value
"breaches" a level as soon as it is beyond it, before the rule's hold time has passed: the colour
warns early, the alarm (with its badge and flash) comes when the rule fires.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from noc_board.config.schema import RuleConfig
from noc_board.core.alarms import SEVERITY_RANK


@dataclass(frozen=True, slots=True)
class Threshold:
    """One rule's level on a metric: alarm when the value is `op` ("above"/"below") `level`."""

    level: float
    op: str
    severity: str
    rule: str

    def breached_by(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value > self.level if self.op == "above" else value < self.level


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded region of a chart: the values beyond a level, [low, high], in its severity."""

    low: float
    high: float
    severity: str


def thresholds_for(metric_id: str, rules: Iterable[RuleConfig]) -> tuple[Threshold, ...]:
    """The threshold levels on `metric_id`, least severe first."""
    found = [
        Threshold(float(r.level), r.op, r.severity, r.id)
        for r in rules
        if r is not None and r.metric == metric_id and getattr(r, "kind", "") == "threshold"
        and isinstance(r.level, int | float) and math.isfinite(r.level)
    ]
    return tuple(sorted(found, key=lambda t: (SEVERITY_RANK.get(t.severity, 0), t.rule)))


def breached(value: float, thresholds: Sequence[Threshold]) -> Threshold | None:
    """The most severe level `value` is beyond, or None."""
    worst: Threshold | None = None
    for threshold in thresholds:
        if threshold.breached_by(value) and (
            worst is None
            or SEVERITY_RANK.get(threshold.severity, 0) >= SEVERITY_RANK.get(worst.severity, 0)
        ):
            worst = threshold
    return worst


def bands(thresholds: Sequence[Threshold], low: float, high: float) -> list[Band]:
    """The regions of [low, high] beyond each level, least severe first (so the worse paints
    over it); levels outside the range give no band."""
    out: list[Band] = []
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return out
    for t in thresholds:
        if t.op == "above" and t.level < high:
            out.append(Band(max(t.level, low), high, t.severity))
        elif t.op == "below" and t.level > low:
            out.append(Band(low, min(t.level, high), t.severity))
    return out
