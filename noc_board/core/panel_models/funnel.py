"""A funnel: steps with their counts, each step's share of the first, and the drop between steps.

Counts come either from several metrics (one per step, in order) or from a breakdown whose rows
are the steps in order. A step without a number shows "—" and the drops next to it are left
blank rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit, format_value


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """One step: label, count, its share of the first step (0-1, NaN unknown) and the drop
    from the step before ("−62.0%", empty for the first step or when unknown)."""

    label: str
    count: float
    count_text: str
    share: float
    share_text: str
    drop_text: str
    drop: float  # 0-1 lost since the previous step; NaN when unknown


@dataclass(frozen=True, slots=True)
class FunnelBody:
    """What a funnel panel draws below its header."""

    steps: tuple[FunnelStep, ...] = ()
    overall_text: str = ""  # e.g. "2.8% of visits → purchase"


def funnel_body(labels: Sequence[str], counts: Sequence[float], unit: Unit = Unit.COUNT,
                currency: str = "USD") -> FunnelBody:
    """The funnel of `counts` (one per label, in step order)."""
    steps: list[FunnelStep] = []
    first = counts[0] if counts else math.nan
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        number, unit_text = format_value(count, unit, currency)
        text = f"{number} {unit_text}".strip()
        share = count / first if math.isfinite(count) and math.isfinite(first) and first > 0 \
            else math.nan
        share_text = f"{share * 100:.1f}%" if math.isfinite(share) else ""
        drop = math.nan
        drop_text = ""
        if i > 0:
            before = counts[i - 1]
            if math.isfinite(before) and math.isfinite(count) and before > 0:
                drop = 1.0 - count / before
                drop_text = f"−{drop * 100:.1f}%" if drop >= 0 else f"+{-drop * 100:.1f}%"
        steps.append(FunnelStep(label, count, text, share, share_text, drop_text, drop))
    overall = ""
    if len(steps) >= 2 and math.isfinite(steps[-1].share):
        overall = f"{steps[-1].share * 100:.2f}% of {steps[0].label} → {steps[-1].label}"
    return FunnelBody(tuple(steps), overall)


def funnel_from_breakdown(breakdown: Breakdown | None, unit: Unit = Unit.COUNT,
                          currency: str = "USD") -> FunnelBody:
    """A funnel whose steps are `breakdown`'s rows, in their order."""
    if breakdown is None or not breakdown.rows:
        return FunnelBody()
    labels = [label for label, _ in breakdown.rows]
    counts = [float(v) for _, v in breakdown.rows]
    return funnel_body(labels, counts, unit, currency)
