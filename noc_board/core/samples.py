"""Samples and poll results: what a source hands to the hub."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one metric at one time (unix seconds, UTC).

    `value` may be NaN (a source said "no number"); consumers must not draw it as zero.
    """

    metric: str
    ts: float
    value: float


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A labelled table a source produced for a metric (top products, pages, flows).

    `rows` are (label, value) pairs, largest first when the source knows an order.
    """

    metric: str
    ts: float
    rows: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one source produced.

    `data_ts` is the time the data describes (it lags `polled_at` for sources such as PayPal);
    `notes` are non-fatal warnings the source reported (Prometheus `warnings`, GA4 quota).
    """

    source: str
    polled_at: float
    samples: Sequence[Sample] = ()
    breakdowns: Sequence[Breakdown] = ()
    notes: Sequence[str] = field(default_factory=tuple)
