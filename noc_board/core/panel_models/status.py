"""The status grid: each service up or down, its uptime over the window, its response time.

A service's state comes from an `up` metric holding 1 (up) or 0 (down), as Prometheus' `up`
and the blackbox exporter's `probe_success` do; it reads UP or DOWN in words, not only in colour.
Uptime is time-weighted over the panel's window: each point holds until the next, a gap longer
than `max_gap` counts as unknown rather than up, and when the history does not cover the whole
window the span it covers is said ("over 45m").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from noc_board.core.panel_models.freshness import FreshStatus
from noc_board.core.series import FloatArray
from noc_board.core.units import format_duration

ServiceState = Literal["up", "down", "unknown"]
UP_AT = 0.5  # values at or above read as up


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One service as the grid draws it."""

    name: str
    state: ServiceState
    state_text: str  # "UP", "DOWN", "—"
    uptime_text: str  # "99.95%" or "—"
    span_text: str  # "24h" or "over 45m"
    response_text: str  # "352 ms" or "" (no response metric) or "—"
    status: FreshStatus
    reason: str = ""
    since_text: str = ""  # "down 3m" while down, from the last up point


def uptime(ts: FloatArray, values: FloatArray, start: float, end: float,
           max_gap: float) -> tuple[float, float]:
    """(fraction of known time up, seconds known) over [start, end]; NaN without data."""
    if ts.size == 0:
        return math.nan, 0.0
    keep = np.isfinite(values)
    ts, values = ts[keep], values[keep]
    i = max(0, int(np.searchsorted(ts, start, side="right")) - 1)
    ts, values = ts[i:], values[i:]
    ts = ts[ts <= end]
    values = values[: ts.size]
    if ts.size == 0:
        return math.nan, 0.0
    begins = np.maximum(ts, start)
    ends = np.minimum(np.append(ts[1:], end), end)
    spans = np.minimum(ends - begins, max_gap)
    spans = np.where(spans > 0, spans, 0.0)
    known = float(spans.sum())
    if known <= 0:
        return math.nan, 0.0
    up = float(spans[values >= UP_AT].sum())
    return up / known, known


class MinuteRow(Protocol):
    """What uptime reads of a minute rollup row (noc_board.store.RollupRow has it)."""

    @property
    def count(self) -> int: ...

    @property
    def sum(self) -> float: ...


def uptime_from_minutes(rows: Iterable[MinuteRow]) -> tuple[float, float]:
    """(fraction up, seconds known) from minute rollups of an up metric: the share of samples
    that were up, each minute with data counting as 60 s known."""
    up = total = 0.0
    minutes = 0
    for row in rows:
        if row.count > 0 and math.isfinite(row.sum):
            up += row.sum
            total += row.count
            minutes += 1
    if total <= 0:
        return math.nan, 0.0
    return min(1.0, max(0.0, up / total)), minutes * 60.0


def uptime_text(fraction: float) -> str:
    """"99.95%" with as many decimals as an SLO reader needs; "—" when unknown."""
    if math.isnan(fraction):
        return "—"
    percent = fraction * 100
    if percent >= 99.995:
        return "100%"
    if percent >= 99:
        return f"{math.floor(percent * 100) / 100:.2f}%"
    return f"{percent:.1f}%"


def state_of(value: float) -> ServiceState:
    if math.isnan(value):
        return "unknown"
    return "up" if value >= UP_AT else "down"


def service_row(
    name: str, ts: FloatArray, values: FloatArray, now: float, window: float, max_gap: float,
    status: FreshStatus, reason: str, response_text: str = "",
    stored: tuple[float, float] | None = None,
) -> ServiceRow:
    """The row of a service whose up-metric history is (ts, values).

    `stored` is (fraction, seconds known) from the store's rollups, used when the in-memory
    history does not reach back over the whole window and the store knows more.
    """
    last = float(values[-1]) if values.size else math.nan
    state = state_of(last) if status in ("ok",) else "unknown"
    text = {"up": "UP", "down": "DOWN", "unknown": "—"}[state]
    fraction, known = uptime(ts, values, now - window, now, max_gap)
    if stored is not None and stored[1] > known:
        fraction, known = stored
    span = format_duration(window)
    if known and known < 0.9 * window:
        span = f"over {format_duration(known)}"
    since = ""
    if state == "down":
        ups = np.flatnonzero(values >= UP_AT)
        if ups.size:
            since = f"down {format_duration(now - float(ts[ups[-1]]))}"
    return ServiceRow(name, state, text, uptime_text(fraction), span, response_text, status,
                      reason, since)
