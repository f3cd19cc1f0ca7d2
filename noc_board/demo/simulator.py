"""The marketplace simulator: every figure of the demo marketplace as a pure function of time.

`MarketSimulator(scenario)` answers "what did the marketplace look like at t" for any t, in any
order, from any thread, and always the same way: the shape is a two-hump day (lunch and evening,
a trough at 3-5 am UTC) times a weekly shape, times noise drawn from (seed, minute, metric) by
`noc_board.demo.noise`, with the scenario's incidents applied. Times are quantised to the
scenario's step, so a gauge holds its value for one step.

`frame(times)` computes everything for a numpy array of times at once (charts, range queries,
a day of charges); `state_at(t)` is the one-instant view. Charges and refunds live in
`transactions`, GA4-style figures in `analytics`, the split by route in `routes`; the
simulator hands them out.

Load: users (and so sessions, orders, requests, CPU, latency) follow the seasonal shape times
the baseline's `growth` factor, linear in time from the scenario's start (or `growth_start`).
Saturation: the checkout database's connection pool is in use in proportion to the checkout
and payments requests relative to their healthy weekly peak (0.55-0.6 in use at the healthy
evening peaks, 0.85 after five to seven weeks of 10 % weekly growth), and fills up while
checkout is slow or down (connections held).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from noc_board.core.scenario import (
    ROUTES,
    SERVICES,
    WEEK,
    Incident,
    IncidentWindow,
    Scenario,
)
from noc_board.demo import analytics, transactions
from noc_board.demo.noise import FloatArray, NoiseTable, uniform
from noc_board.demo.routes import ROUTE_PROFILES, not_found_ratio, route_figures

INSTANCES = ("app-1", "app-2", "db-1")
"""Hosts whose CPU the health panels show."""
DATABASES = ("checkout-db",)
"""Databases whose connection pool use the health panels show."""
POOL_BASE, POOL_SLOPE = 0.08, 0.42  # in use = base + slope * load relative to the weekly peak
POOL_FULL = 0.98
_POOL_SERVICES = ("checkout", "payments")

# latency relative to the baseline p95, and requests per second per active user
_SERVICE_PROFILE: Mapping[str, tuple[float, float]] = {
    "web": (1.0, 0.30),
    "search": (0.55, 0.08),
    "catalog": (0.7, 0.18),
    "checkout": (1.3, 0.012),
    "payments": (1.6, 0.006),
}
# Monday .. Sunday: busy early week, quiet weekend (kpi-and-alarms.md section 5)
_WEEKLY = np.array([0.5, 0.3, 0.4, 0.6, 0.2, -0.9, -1.1])


@dataclass(frozen=True, slots=True)
class ServiceState:
    """One service at one instant. `p95_latency` is NaN while the service is fully down."""

    up: bool
    p95_latency: float  # seconds
    error_ratio: float  # 0..1, share of requests answered 5xx
    requests_per_second: float


@dataclass(frozen=True, slots=True)
class RouteState:
    """One route at one instant (figures per second; `p95_latency` NaN while it is down)."""

    service: str
    requests_per_second: float
    p95_latency: float  # seconds
    errors_per_second: float  # 5xx responses, including 503s while the service refuses
    not_found_per_second: float  # 404 responses


@dataclass(frozen=True, slots=True)
class MarketState:
    """The marketplace at one instant (`t` is the step-aligned time the figures describe)."""

    t: float
    active_users: float
    sessions_per_hour: float
    orders_per_hour: float
    conversion_rate: float
    average_order_value: float
    refund_rate: float
    decline_rate: float
    services: Mapping[str, ServiceState]
    cpu: Mapping[str, float]  # utilisation 0..1 per instance
    db_query_p95: float  # seconds
    network_rtt: float  # seconds
    incidents: tuple[Incident, ...]
    routes: Mapping[str, RouteState]
    db_connections: Mapping[str, float]  # share of the connection pool in use, per database


@dataclass(frozen=True, slots=True)
class Frame:
    """Every figure for an array of times (all arrays have the shape of `t`)."""

    t: FloatArray
    active_users: FloatArray
    sessions_per_hour: FloatArray
    orders_per_hour: FloatArray
    conversion_rate: FloatArray
    average_order_value: FloatArray
    refund_rate: FloatArray
    refund_spike: FloatArray  # extra refund probability of charges made now (refund_spike)
    decline_rate: FloatArray
    technical_failure_rate: FloatArray  # charges failing with processing_error
    up: Mapping[str, FloatArray]  # 1.0 or 0.0
    p95_latency: Mapping[str, FloatArray]
    error_ratio: Mapping[str, FloatArray]
    requests_per_second: Mapping[str, FloatArray]
    offered_requests_per_second: Mapping[str, FloatArray]  # what clients send, even to a dead one
    cpu: Mapping[str, FloatArray]
    db_query_p95: FloatArray
    network_rtt: FloatArray
    not_found_ratio: Mapping[str, FloatArray]  # per service, share of requests answered 404
    route_requests_per_second: Mapping[str, FloatArray]
    route_p95_latency: Mapping[str, FloatArray]
    route_errors_per_second: Mapping[str, FloatArray]  # 5xx responses
    route_not_found_per_second: Mapping[str, FloatArray]  # 404 responses
    db_connections: Mapping[str, FloatArray]  # pool share in use (0..1) per database
    growth: FloatArray  # the traffic multiplier of the baseline's growth


def _slow_hold(multiplier: float) -> float:
    """The share of the free connections a p95 `multiplier` times slower keeps held."""
    return min(1.0, max(0.0, (multiplier - 1) / 4))


def _bump(hours: FloatArray, centre: float, sharpness: float) -> FloatArray:
    result: FloatArray = np.exp(sharpness * (np.cos(2 * np.pi * (hours - centre) / 24) - 1))
    return result


class MarketSimulator:
    """A deterministic marketplace: figures, transactions and analytics for any time.

    Thread-safe: the only state is a few bounded caches of pure results behind a lock.
    """

    def __init__(self, scenario: Scenario, growth_start: float | None = None) -> None:
        """`growth_start`: when the traffic is 1x the baseline (default: the scenario's start;
        a replay that simulates time before a scenario keeps the scenario's own origin)."""
        self.scenario = scenario
        self.growth_start = scenario.start if growth_start is None else growth_start
        b = scenario.baseline
        self.seed = scenario.seed
        # seconds per session that make users, orders and conversion agree on average
        self.session_seconds = b.active_users * 3600.0 * b.conversion_rate / b.orders_per_hour
        hours = np.arange(0, 24.0, 1 / 60)
        profile = 0.8 * _bump(hours, 13.5, 2.2) + _bump(hours, 20.5, 4.5) + 0.2 * _bump(
            hours, 10.0, 6.0)
        profile -= profile.min()
        a = b.daily_amplitude
        daily = 1 - a + a * profile / profile.mean()
        self._daily = np.append(daily, daily[0])  # closed, so 23:59 interpolates to 00:00
        weekly = _WEEKLY - _WEEKLY.mean()
        weekly = 1 + b.weekly_amplitude * weekly / np.abs(weekly).max()
        self._weekly = np.append(weekly, weekly[0])
        # the healthy weekly peak of the load (noiseless, no growth): the pool's reference
        self._peak_load = float(self.seasonal(np.arange(0.0, WEEK, 60.0)).max())
        self._noise = NoiseTable(self.seed, (
            "users", "conversion", "aov", "refund", "decline", "db", "rtt",
            *(f"{kind}.{s}" for kind in ("latency", "errors", "rps") for s in SERVICES),
            *(f"cpu.{name}" for name in INSTANCES),
            *(f"route_latency.{r}" for r in ROUTES),
            *(f"pool.{d}" for d in DATABASES),
        ))
        self._lock = threading.Lock()
        self.transactions = transactions.ChargeBook(self, self._lock)
        self.analytics = analytics.Analytics(self)

    # -- shape ---------------------------------------------------------------------------

    def quantise(self, times: npt.ArrayLike) -> FloatArray:
        step = self.scenario.step
        result: FloatArray = np.floor(np.asarray(times, dtype=np.float64) / step) * step
        return result

    def seasonal(self, t: FloatArray) -> FloatArray:
        """The noiseless load factor (mean 1) at times t: time of day times day of week."""
        minute_of_day = np.mod(t, 86400.0) / 60.0
        daily = np.interp(minute_of_day, np.arange(1441.0), self._daily)
        # 1970-01-01 was a Thursday; day 0 = Monday noon is the weekly curve's first knot
        week_pos = np.mod(t / 86400.0 + 3.0 - 0.5, 7.0)
        weekly = np.interp(week_pos, np.arange(8.0), self._weekly)
        result: FloatArray = daily * weekly
        return result

    def _wobble(self, z: FloatArray, scale: float = 1.0) -> FloatArray:
        noise = self.scenario.baseline.noise * scale
        result: FloatArray = np.clip(1.0 + noise * z, 0.05, None)
        return result

    # -- the figures ---------------------------------------------------------------------

    def frame(self, times: npt.ArrayLike) -> Frame:
        """All figures at `times` (unix seconds; quantised to the scenario step)."""
        b = self.scenario.baseline
        t = self.quantise(np.atleast_1d(np.asarray(times, dtype=np.float64)))
        z = self._noise.smooth(t / 60.0)
        growth = b.growth_factor(t, self.growth_start)
        load = self.seasonal(t) * growth
        users = b.active_users * load * self._wobble(z["users"])
        conversion = b.conversion_rate * self._wobble(z["conversion"])
        aov = b.average_order_value * self._wobble(z["aov"], 0.5)
        refund = np.clip(b.refund_rate * self._wobble(z["refund"]), 0, 1)
        decline = np.clip(b.decline_rate * self._wobble(z["decline"]), 0, 1)
        up = {s: np.ones_like(t) for s in SERVICES}
        latency = {
            s: b.p95_latency_ms / 1000 * _SERVICE_PROFILE[s][0] * (0.75 + 0.25 * load)
            * self._wobble(z[f"latency.{s}"], 1.5)
            for s in SERVICES
        }
        errors = {
            s: np.clip(b.error_rate * self._wobble(z[f"errors.{s}"], 3.0), 0, 1)
            for s in SERVICES
        }
        per_user = {s: _SERVICE_PROFILE[s][1] * self._wobble(z[f"rps.{s}"])
                    for s in SERVICES}
        service_share = {s: np.ones_like(t) for s in SERVICES}  # share a service still serves
        reach = np.ones_like(t)  # users who can load the site at all
        reach_for = {s: np.ones_like(t) for s in SERVICES}  # ... and so reach service s
        traffic = np.ones_like(t)
        conv_factor = np.ones_like(t)
        spike = np.zeros_like(t)
        cpu_extra = np.zeros_like(t)
        db_factor = np.ones_like(t)
        slowdown = {r: np.ones_like(t) for r in ROUTES}  # route-targeted latency
        held = np.zeros_like(t)  # share of the free pool held by slow or stuck checkouts

        for inc in self.scenario.incidents:
            on = self._active(inc, t)
            if not on.any():
                continue
            mag = inc.magnitude
            if inc.kind == "latency" and inc.target in slowdown:
                slowdown[inc.target] = np.where(on, slowdown[inc.target] * mag,
                                                slowdown[inc.target])
                weight = self._pool_weight(inc.target)
                held = np.where(on, np.maximum(held, weight * _slow_hold(mag)), held)
                continue
            targets = SERVICES if inc.target is None else (inc.target,)
            if inc.target in (None, *_POOL_SERVICES) and inc.kind in ("outage", "latency"):
                hold = 0.8 * mag if inc.kind == "outage" else _slow_hold(mag)
                held = np.where(on, np.maximum(held, min(1.0, hold)), held)
            if inc.kind == "outage":
                for s in targets:
                    if mag >= 1:
                        up[s] = np.where(on, 0.0, up[s])
                        latency[s] = np.where(on, np.nan, latency[s])
                    errors[s] = np.where(on, errors[s] + (1 - errors[s]) * mag, errors[s])
                    service_share[s] = np.where(on, service_share[s] * (1 - mag),
                                                service_share[s])
                if inc.target in (None, "web"):
                    lost = np.where(on, 1 - mag, 1.0)
                    reach = reach * lost
                    for s in SERVICES:
                        if s not in targets:  # the rest sits behind the dead front door
                            reach_for[s] = reach_for[s] * lost
                elif inc.target in ("checkout", "payments"):
                    conv_factor = np.where(on, conv_factor * (1 - mag), conv_factor)
                else:  # search or catalog down: people find less to buy
                    conv_factor = np.where(on, conv_factor * (1 - 0.5 * mag), conv_factor)
            elif inc.kind == "latency":
                for s in targets:
                    latency[s] = np.where(on, latency[s] * mag, latency[s])
                heat = 0.3 * min(1.0, max(0.0, (mag - 1) / 3))
                cpu_extra = np.where(on, np.maximum(cpu_extra, heat), cpu_extra)
                if inc.target in (None, "search", "catalog"):
                    db_factor = np.where(on, db_factor * mag, db_factor)
            elif inc.kind == "errors":
                for s in targets:
                    errors[s] = np.where(on, mag, errors[s])
            elif inc.kind == "payment_declines":
                decline = np.where(on, mag, decline)
            elif inc.kind == "traffic_drop":
                traffic = np.where(on, traffic * (1 - mag), traffic)
            elif inc.kind == "conversion_drop":
                conv_factor = np.where(on, conv_factor * (1 - mag), conv_factor)
            elif inc.kind == "refund_spike":
                refund = np.where(on, mag, refund)
                spike = np.where(on, max(0.0, mag - b.refund_rate), spike)
            # source_down changes no figure: the server stops answering for that source

        wanting = users * traffic  # users who would be on the site
        users = wanting * reach
        conversion = conversion * conv_factor
        sessions = users * 3600.0 / self.session_seconds
        offered = {s: wanting * reach_for[s] * per_user[s] for s in SERVICES}
        rps = {s: offered[s] * service_share[s] for s in SERVICES}
        served = users / b.active_users
        cpu = {
            name: np.clip(base + slope * served + 0.04 * z[f"cpu.{name}"]
                          + cpu_extra, 0.01, 0.99)
            for name, base, slope in (("app-1", 0.08, 0.42), ("app-2", 0.08, 0.4),
                                      ("db-1", 0.06, 0.3))
        }
        peak = b.active_users * self._peak_load * sum(
            _SERVICE_PROFILE[s][1] for s in _POOL_SERVICES)
        pool_load = sum(offered[s] for s in _POOL_SERVICES) / peak
        in_use = POOL_BASE + POOL_SLOPE * pool_load + 0.012 * z["pool.checkout-db"]
        pool = np.clip(in_use + np.maximum(POOL_FULL - in_use, 0.0) * held, 0.0, 1.0)
        routes = route_figures(
            rps, offered, latency, errors, slowdown,
            {r: self._wobble(z[f"route_latency.{r}"], 0.5) for r in ROUTES})
        return Frame(
            t=t,
            active_users=users,
            sessions_per_hour=sessions,
            orders_per_hour=sessions * conversion,
            conversion_rate=conversion,
            average_order_value=aov,
            refund_rate=refund,
            refund_spike=spike,
            decline_rate=decline,
            technical_failure_rate=errors["payments"],
            up=up,
            p95_latency=latency,
            error_ratio=errors,
            requests_per_second=rps,
            offered_requests_per_second=offered,
            cpu=cpu,
            db_query_p95=0.012 * (0.7 + 0.3 * served) * db_factor
            * self._wobble(z["db"], 1.5),
            network_rtt=0.0035 * self._wobble(z["rtt"], 0.8),
            not_found_ratio={s: not_found_ratio(s, errors[s]) for s in SERVICES},
            route_requests_per_second=routes.requests_per_second,
            route_p95_latency=routes.p95_latency,
            route_errors_per_second=routes.errors_per_second,
            route_not_found_per_second=routes.not_found_per_second,
            db_connections={"checkout-db": pool},
            growth=growth,
        )

    @staticmethod
    def _pool_weight(route: str) -> float:
        """A route's share of the requests that use the checkout database."""
        profile = ROUTE_PROFILES[route]
        if profile.service not in _POOL_SERVICES:
            return 0.0
        rate = _SERVICE_PROFILE[profile.service][1] * profile.share
        return rate / sum(_SERVICE_PROFILE[s][1] for s in _POOL_SERVICES)

    @staticmethod
    def _active(inc: Incident, t: FloatArray) -> npt.NDArray[np.bool_]:
        if inc.every is None:
            result: npt.NDArray[np.bool_] = (t >= inc.start) & (t < inc.start + inc.duration)
            return result
        phase = np.mod(t - inc.start, inc.every)
        result = (t >= inc.start) & (phase < inc.duration)
        return result

    def state_at(self, t: float) -> MarketState:
        """The marketplace at time t."""
        f = self.frame([t])
        tq = float(f.t[0])
        return MarketState(
            t=tq,
            active_users=float(f.active_users[0]),
            sessions_per_hour=float(f.sessions_per_hour[0]),
            orders_per_hour=float(f.orders_per_hour[0]),
            conversion_rate=float(f.conversion_rate[0]),
            average_order_value=float(f.average_order_value[0]),
            refund_rate=float(f.refund_rate[0]),
            decline_rate=float(f.decline_rate[0]),
            services={
                s: ServiceState(
                    up=bool(f.up[s][0] > 0),
                    p95_latency=float(f.p95_latency[s][0]),
                    error_ratio=float(f.error_ratio[s][0]),
                    requests_per_second=float(f.requests_per_second[s][0]),
                )
                for s in SERVICES
            },
            cpu={name: float(v[0]) for name, v in f.cpu.items()},
            db_query_p95=float(f.db_query_p95[0]),
            network_rtt=float(f.network_rtt[0]),
            incidents=self.scenario.active_incidents(tq),
            routes={
                r: RouteState(
                    service=ROUTE_PROFILES[r].service,
                    requests_per_second=float(f.route_requests_per_second[r][0]),
                    p95_latency=float(f.route_p95_latency[r][0]),
                    errors_per_second=float(f.route_errors_per_second[r][0]),
                    not_found_per_second=float(f.route_not_found_per_second[r][0]),
                )
                for r in ROUTES
            },
            db_connections={d: float(v[0]) for d, v in f.db_connections.items()},
        )

    # -- incidents -----------------------------------------------------------------------

    def incident_at(self, t: float) -> Incident | None:
        """The first incident (in scenario order) active at the step containing t, if any."""
        active = self.scenario.active_incidents(float(self.quantise(t)))
        return active[0] if active else None

    def incident_windows(
        self, t0: float | None = None, t1: float | None = None
    ) -> list[IncidentWindow]:
        """Labelled incident windows overlapping [t0, t1) (default: the whole scenario)."""
        return self.scenario.incident_windows(t0, t1)

    def source_down(self, source: str, t: float) -> bool:
        """Whether `source` (prometheus, stripe, ga4) refuses requests at time t.

        Magnitude 1 is fully down; below 1, that share of seconds fail (deterministically).
        """
        for inc in self.scenario.incidents:
            if inc.kind == "source_down" and inc.target == source and inc.active_at(t):
                if inc.magnitude >= 1:
                    return True
                roll = uniform(self.seed, f"source_down.{source}", np.floor(t))
                if float(roll) < inc.magnitude:
                    return True
        return False

    # -- delegates -----------------------------------------------------------------------

    def charges_between(
        self, t0: float, t1: float, as_of: float | None = None
    ) -> list[transactions.Charge]:
        """Stripe-like charges created in [t0, t1), oldest first; refunds as of `as_of`
        (default t1) show in `amount_refunded`."""
        return self.transactions.charges_between(t0, t1, t1 if as_of is None else as_of)

    def refunds_between(self, t0: float, t1: float) -> list[transactions.Refund]:
        """Refunds created in [t0, t1), oldest first."""
        return self.transactions.refunds_between(t0, t1)

    def realtime_active_users(self, t: float, minutes: int = 30) -> int:
        """GA4 realtime activeUsers: users seen in the last `minutes` minutes before t."""
        return self.analytics.realtime_users(t, minutes - 1, 0)

    def analytics_between(self, t0: float, t1: float) -> analytics.AnalyticsFigures:
        """GA4 report figures (users, sessions, engagement) for [t0, t1)."""
        return self.analytics.figures(t0, t1)
