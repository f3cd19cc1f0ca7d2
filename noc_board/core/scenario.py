"""Scenario files: the healthy marketplace, and the incidents injected into it.

A scenario is TOML (DESIGN.md "Scenario files"). `parse_scenario` turns its text into frozen
dataclasses, with every `[baseline]` key defaulted and every mistake reported as a ValueError
that names the file and the key, e.g. ``week.toml: incidents[2].magnitude: must be in 0..1``.

An incident may repeat: with `every = "15m"` it happens at `start`, `start + every`, ... for
ever, which is what a live demo needs. A latency incident may target one route (a target
starting with "/", one of ROUTES) instead of a service. `[baseline] growth` makes the traffic
grow (or shrink) linearly from `start`. Times are unix seconds (UTC) throughout.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from noc_board.core.units import parse_duration

FloatArray = npt.NDArray[np.float64]

INCIDENT_KINDS = (
    "outage",
    "latency",
    "errors",
    "payment_declines",
    "traffic_drop",
    "conversion_drop",
    "refund_spike",
    "source_down",
)
SERVICES = ("checkout", "search", "catalog", "payments", "web")
"""The marketplace's services; the target of outage, latency and errors (none means all)."""
ROUTES = ("/", "/search", "/product", "/cart", "/checkout", "/payment", "/account",
          "/help/shipping")
"""The marketplace's routes (pages and endpoints); a latency incident may target one."""
SOURCES = ("prometheus", "stripe", "ga4", "datadog", "newrelic")
"""The services the board polls; the (required) target of source_down."""

_SERVICE_KINDS = frozenset({"outage", "latency", "errors"})
_FRACTION_KINDS = frozenset(
    {"outage", "source_down", "errors", "payment_declines", "traffic_drop", "conversion_drop",
     "refund_spike"}
)
DEFAULT_MAGNITUDE: Mapping[str, float] = {
    "outage": 1.0,
    "source_down": 1.0,
    "latency": 3.0,
    "errors": 0.2,
    "payment_declines": 0.4,
    "traffic_drop": 0.5,
    "conversion_drop": 0.5,
    "refund_spike": 0.3,
}
WEEK = 7 * 86400.0
MIN_GROWTH_FACTOR = 0.1


@dataclass(frozen=True, slots=True)
class Baseline:
    """The healthy marketplace: means the simulator varies by time of day, week and noise."""

    active_users: float = 1500.0
    orders_per_hour: float = 240.0
    conversion_rate: float = 0.028
    average_order_value: float = 42.0
    currency: str = "USD"
    refund_rate: float = 0.04
    decline_rate: float = 0.06
    p95_latency_ms: float = 350.0
    error_rate: float = 0.002
    daily_amplitude: float = 0.6
    weekly_amplitude: float = 0.15
    noise: float = 0.05
    growth: float = 0.0  # traffic growth per week, relative to `start`, linear in time

    def growth_factor(self, t: npt.ArrayLike, start: float) -> FloatArray:
        """The traffic multiplier at times t of a scenario starting at `start`.

        ``1 + growth * (t - start) / week``, floored at 0.1: below 1 before `start` when the
        traffic grows, so the history leading to a scenario shows the growth as well.
        """
        weeks = (np.asarray(t, dtype=np.float64) - start) / WEEK
        result: FloatArray = np.maximum(1.0 + self.growth * weeks, MIN_GROWTH_FACTOR)
        return result


@dataclass(frozen=True, slots=True)
class Incident:
    """One injected incident, possibly repeating every `every` seconds from `start`.

    `magnitude` reads by kind: outage and source_down, the share down (1 = fully); latency, the
    multiplier of p95; errors, payment_declines and refund_spike, the rate during the incident;
    traffic_drop and conversion_drop, the fraction lost. `target` is a service (outage,
    latency, errors; None = all of them), a route (latency only: just that route's p95) or
    a source (source_down).
    """

    kind: str
    start: float
    duration: float
    magnitude: float
    target: str | None = None
    every: float | None = None

    def active_at(self, t: float) -> bool:
        return self.occurrence_at(t) is not None

    def occurrence_at(self, t: float) -> tuple[float, float] | None:
        """The (start, end) of the occurrence covering `t`, or None."""
        if t < self.start:
            return None
        begin = self.start
        if self.every is not None:
            begin += math.floor((t - self.start) / self.every) * self.every
        return (begin, begin + self.duration) if t < begin + self.duration else None

    def occurrences(self, t0: float, t1: float) -> Iterator[tuple[float, float]]:
        """Every (start, end) that overlaps [t0, t1), in time order."""
        if self.every is None:
            if self.start < t1 and self.start + self.duration > t0:
                yield self.start, self.start + self.duration
            return
        k = max(0, math.floor((t0 - self.start - self.duration) / self.every))
        while True:
            begin = self.start + k * self.every
            if begin >= t1:
                return
            if begin + self.duration > t0:
                yield begin, begin + self.duration
            k += 1


@dataclass(frozen=True, slots=True)
class IncidentWindow:
    """A labelled window in which an incident was active: the ground truth for scoring."""

    start: float
    end: float
    kind: str
    target: str | None
    magnitude: float
    index: int  # position of the incident in the scenario's list


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario: when it runs, its resolution, its random seed, baseline and incidents."""

    start: float
    duration: float
    step: float = 60.0
    seed: int = 0
    baseline: Baseline = field(default_factory=Baseline)
    incidents: tuple[Incident, ...] = ()

    @property
    def end(self) -> float:
        return self.start + self.duration

    def active_incidents(self, t: float) -> tuple[Incident, ...]:
        return tuple(i for i in self.incidents if i.active_at(t))

    def incident_windows(
        self, t0: float | None = None, t1: float | None = None
    ) -> list[IncidentWindow]:
        """Labelled incident windows overlapping [t0, t1) (default: the scenario), by start."""
        lo = self.start if t0 is None else t0
        hi = self.end if t1 is None else t1
        out = [
            IncidentWindow(b, e, inc.kind, inc.target, inc.magnitude, n)
            for n, inc in enumerate(self.incidents)
            for b, e in inc.occurrences(lo, hi)
        ]
        out.sort(key=lambda w: (w.start, w.index))
        return out


class _Problem(ValueError):
    """A mistake at one key; parse_scenario adds the file name."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")


def parse_scenario(text: str, filename: str) -> Scenario:
    """Read a scenario from TOML text; raises ValueError naming the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{filename}: not valid TOML: {exc}") from None
    try:
        return _scenario(data)
    except _Problem as exc:
        raise ValueError(f"{filename}: {exc}") from None


def _scenario(data: dict[str, Any]) -> Scenario:
    _no_unknown(data, {"start", "duration", "step", "seed", "baseline", "incidents"}, "")
    if "start" not in data:
        raise _Problem("start", "missing; give the start time, e.g. \"2026-01-05T00:00:00Z\"")
    if "duration" not in data:
        raise _Problem("duration", "missing; give how long the scenario runs, e.g. \"7d\"")
    start = _time(data["start"], "start")
    duration = _duration(data["duration"], "duration")
    step = _duration(data.get("step", "1m"), "step")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _Problem("seed", "must be a whole number, 0 or more")
    baseline = _baseline(data.get("baseline", {}))
    raw_incidents = data.get("incidents", [])
    if not isinstance(raw_incidents, list):
        raise _Problem("incidents", "must be a list of tables: write [[incidents]]")
    incidents = tuple(
        _incident(raw, f"incidents[{n}]") for n, raw in enumerate(raw_incidents)
    )
    return Scenario(start, duration, step, seed, baseline, incidents)


def _baseline(raw: object) -> Baseline:
    if not isinstance(raw, dict):
        raise _Problem("baseline", "must be a table: write [baseline]")
    known = {f.name: f for f in fields(Baseline)}
    _no_unknown(raw, set(known), "baseline.")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        key = f"baseline.{name}"
        if name == "currency":
            if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
                raise _Problem(key, "must be a three-letter ISO currency code, e.g. \"USD\"")
            values[name] = value.upper()
            continue
        number = _number(value, key)
        if name == "growth":
            if not -1 <= number <= 1:
                raise _Problem(key, "must be in -1..1 (a fraction per week: 0.1 is 10 % more "
                                    "traffic each week, not a percentage)")
            values[name] = number
            continue
        if number < 0:
            raise _Problem(key, "must not be negative")
        if name in {"conversion_rate", "refund_rate", "decline_rate", "error_rate",
                    "daily_amplitude", "weekly_amplitude"} and number > 1:
            raise _Problem(key, "must be in 0..1 (a fraction, not a percentage)")
        if name in {"active_users", "orders_per_hour", "average_order_value",
                    "p95_latency_ms"} and number == 0:
            raise _Problem(key, "must be more than 0")
        values[name] = number
    return Baseline(**values)


def _incident(raw: object, where: str) -> Incident:
    if not isinstance(raw, dict):
        raise _Problem(where, "must be a table")
    _no_unknown(raw, {"kind", "start", "duration", "magnitude", "target", "every"}, f"{where}.")
    for key in ("kind", "start", "duration"):
        if key not in raw:
            raise _Problem(f"{where}.{key}", "missing")
    kind = raw["kind"]
    if kind not in INCIDENT_KINDS:
        raise _Problem(f"{where}.kind", f"{kind!r} is not one of {', '.join(INCIDENT_KINDS)}")
    start = _time(raw["start"], f"{where}.start")
    duration = _duration(raw["duration"], f"{where}.duration")
    if duration <= 0:
        raise _Problem(f"{where}.duration", "must be more than 0")
    magnitude = _number(raw.get("magnitude", DEFAULT_MAGNITUDE[kind]), f"{where}.magnitude")
    if kind in _FRACTION_KINDS and not 0 <= magnitude <= 1:
        raise _Problem(f"{where}.magnitude", f"must be in 0..1 for {kind}")
    if kind == "latency" and magnitude <= 0:
        raise _Problem(f"{where}.magnitude", "must be more than 0 (the multiplier of p95)")
    target = _target(kind, raw.get("target"), f"{where}.target")
    every: float | None = None
    if "every" in raw:
        every = _duration(raw["every"], f"{where}.every")
        if every <= duration:
            raise _Problem(f"{where}.every", "must be longer than the duration")
    return Incident(kind, start, duration, magnitude, target, every)


def _target(kind: str, value: object, key: str) -> str | None:
    if kind == "source_down":
        if value not in SOURCES:
            raise _Problem(key, f"source_down needs a source: one of {', '.join(SOURCES)}")
        return str(value)
    if value is None:
        return None
    if kind not in _SERVICE_KINDS:
        raise _Problem(key, f"{kind} has no target; remove it")
    if isinstance(value, str) and value.startswith("/"):
        if kind != "latency":
            raise _Problem(key, f"only a latency incident may target a route; {kind} targets "
                                f"a service: one of {', '.join(SERVICES)}")
        if value not in ROUTES:
            raise _Problem(key, f"{value!r} is not one of the routes {', '.join(ROUTES)}")
        return value
    if value not in SERVICES:
        raise _Problem(key, f"{value!r} is not one of {', '.join(SERVICES)}")
    return str(value)


def _no_unknown(table: dict[str, Any], known: set[str], prefix: str) -> None:
    for name in table:
        if name not in known:
            expected = ", ".join(sorted(known))
            raise _Problem(f"{prefix}{name}", f"unknown key; expected one of {expected}")


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Problem(key, f"must be a number, not {value!r}")
    if not math.isfinite(value):
        raise _Problem(key, "must be a finite number")
    return float(value)


def _duration(value: object, key: str) -> float:
    if isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise _Problem(key, str(exc)) from None
    else:
        seconds = _number(value, key)
    if seconds <= 0:
        raise _Problem(key, "must be more than 0")
    return seconds


def _time(value: object, key: str) -> float:
    """A time written as an RFC 3339 string or TOML datetime with a zone, or unix seconds."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Problem(key, f"{value!r} is not a time like \"2026-01-05T00:00:00Z\"") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise _Problem(key, "give a time zone, e.g. \"2026-01-05T00:00:00Z\"")
        return value.timestamp()
    if isinstance(value, dt.date | dt.time):
        raise _Problem(key, "give a date and a time, e.g. \"2026-01-05T00:00:00Z\"")
    return _number(value, key)
