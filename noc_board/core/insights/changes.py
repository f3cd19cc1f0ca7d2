"""What changed: the statistically meaningful changes of each KPI against a reference period.

Each KPI comes as the period's buckets (hours or days) and the reference period's same buckets
(the previous week, the same week a year earlier), aligned. The test is a paired t on the bucket
differences, `mean(d) / (sd(d) / sqrt(n))`: pairing each bucket with the same bucket of the
reference removes the daily and weekly rhythm, which is most of a KPI's variance, so what is
left to judge the change against is the bucket-to-bucket noise of the differences. A change is
called out when it is both large (|relative change of the means| >= `min_effect`, what a reader
cares about) and clear (|t| >= `min_score`, not noise); either alone is not enough.

Where it concentrates: the buckets whose difference has the change's sign, largest first,
until they hold half the sum of those differences (at most `max_buckets`), so a report can say
"mostly in the afternoons". Any event (alarm, incident) overlapping those buckets is named
beside the change. KPIs not compared say why in `missing` instead of being guessed at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from noc_board.core.report_math import relative_change


@dataclass(frozen=True, slots=True)
class KpiSeries:
    """One KPI over the period and the reference period, per bucket (NaN: no data)."""

    metric: str
    label: str
    good: str  # "up", "down" or "none" (config MetricConfig.good)
    values: Sequence[float]  # the period, per bucket
    reference: Sequence[float]  # the same buckets of the reference period, aligned


@dataclass(frozen=True, slots=True)
class Event:
    """An alarm or incident to name beside a change it overlaps; [start, end) in unix s."""

    name: str  # e.g. "alarm checkout-5xx (critical)" or "incident #3 Checkout down"
    start: float
    end: float  # an open event: the caller passes the period end


@dataclass(frozen=True, slots=True)
class Change:
    """A significant change of one KPI against the reference period.

    `current`, `reference`: means over the buckets with data on both sides; `change`: relative;
    `verdict`: "good", "bad" or "neutral" by the KPI's `good`; `score`: the paired t (infinite
    when every difference is the same); `buckets`: where it concentrates (indices, ascending);
    `overlaps`: names of the events overlapping those buckets.
    """

    metric: str
    label: str
    against: str  # as given, e.g. "previous week", "same week last year"
    current: float
    reference: float
    change: float
    direction: str  # "up" or "down"
    verdict: str
    score: float
    buckets: tuple[int, ...]
    overlaps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangeScan:
    """The significant changes, largest first, and the KPIs not compared with why."""

    changes: tuple[Change, ...]
    missing: tuple[str, ...]  # "label: why"


def paired_t(differences: np.ndarray) -> float:
    """The paired t statistic of the differences (±inf when they are all equal and not 0)."""
    n = differences.size
    if n < 2:
        return 0.0
    m = float(differences.mean())
    sd = float(differences.std(ddof=1))
    if sd <= 1e-12 * max(1.0, abs(m)):
        return 0.0 if m == 0 else math.copysign(math.inf, m)
    return m / (sd / math.sqrt(n))


def verdict_of(direction: str, good: str) -> str:
    """"good", "bad" or "neutral" for a change in `direction` of a KPI whose `good` is given."""
    if good not in ("up", "down"):
        return "neutral"
    return "good" if direction == good else "bad"


def concentration(differences: np.ndarray, indices: np.ndarray, sign: float,
                  most: int = 6) -> tuple[int, ...]:
    """The bucket indices holding at least half of the differences of `sign` (largest first,
    at most `most`), ascending."""
    share = differences * sign
    order = [i for i in np.argsort(-share, kind="stable") if share[i] > 0]
    total = float(share[order].sum()) if order else 0.0
    chosen: list[int] = []
    held = 0.0
    for i in order[:max(1, most)]:
        chosen.append(int(indices[i]))
        held += float(share[i])
        if held >= 0.5 * total:
            break
    return tuple(sorted(chosen))


def overlapping(events: Sequence[Event], buckets: Sequence[int], bucket_starts: Sequence[float],
                bucket_width: float) -> tuple[str, ...]:
    """Names of the events whose [start, end) meets one of the buckets (an instant event, end
    <= start, meets the bucket it falls in), by start time, each once."""
    hits: list[tuple[float, str]] = []
    for event in events:
        end = max(event.end, event.start)
        for b in buckets:
            lo = bucket_starts[b]
            hi = lo + bucket_width
            meets = (event.start < hi and end > lo) if end > event.start else lo <= event.start < hi
            if meets:
                hits.append((event.start, event.name))
                break
    names: list[str] = []
    for _, name in sorted(hits):
        if name not in names:
            names.append(name)
    return tuple(names)


def find_changes(series: Sequence[KpiSeries], against: str, bucket_starts: Sequence[float],
                 bucket_width: float, events: Sequence[Event] = (), min_effect: float = 0.1,
                 min_score: float = 3.0, min_buckets: int = 6,
                 max_buckets: int = 6) -> ChangeScan:
    """The significant changes of each KPI against the reference period (module docstring)."""
    changes: list[Change] = []
    missing: list[str] = []
    for kpi in series:
        values = np.asarray(kpi.values, dtype=float)
        reference = np.asarray(kpi.reference, dtype=float)
        if not values.shape == reference.shape == (len(bucket_starts),):
            raise ValueError(f"{kpi.metric}: values, reference and bucket starts must align")
        if not np.isfinite(values).any():
            missing.append(f"{kpi.label}: no data in the period")
            continue
        if not np.isfinite(reference).any():
            missing.append(f"{kpi.label}: no data for the {against}")
            continue
        both = np.flatnonzero(np.isfinite(values) & np.isfinite(reference))
        if both.size < max(2, min_buckets):
            missing.append(f"{kpi.label}: only {both.size} buckets with data on both sides "
                           f"(needs {max(2, min_buckets)})")
            continue
        current = float(values[both].mean())
        before = float(reference[both].mean())
        change = relative_change(current, before)
        if change is None:
            if current != before:
                missing.append(f"{kpi.label}: the {against} averages 0, so no relative change")
            continue
        differences = values[both] - reference[both]
        score = paired_t(differences)
        if abs(change) < min_effect or abs(score) < min_score:
            continue
        direction = "up" if change > 0 else "down"
        buckets = concentration(differences, both, 1.0 if change > 0 else -1.0, max_buckets)
        changes.append(Change(
            metric=kpi.metric, label=kpi.label, against=against, current=current,
            reference=before, change=change, direction=direction,
            verdict=verdict_of(direction, kpi.good), score=score, buckets=buckets,
            overlaps=overlapping(events, buckets, bucket_starts, bucket_width)))
    changes.sort(key=lambda c: (-abs(c.change), c.label))
    return ChangeScan(tuple(changes), tuple(missing))
