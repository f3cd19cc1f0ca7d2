"""The demo marketplace's Prometheus metrics: the series catalogue and the /metrics exposition.

Every figure is a gauge set to the simulator's value at the scrape time, so a query on the demo
server's own API and the same query on a real Prometheus scraping `/metrics` agree (up to the
scrape falling in the same simulator step). `http_requests_total{service,code}` is a counter:
the integral, minute by minute since the scenario started, of the requests each service answered
200, 500 or (while it is down) 503.

`node_cpu_utilisation` carries its own `instance` label, so a Prometheus scrape job for the
demo needs `honor_labels: true` (otherwise Prometheus renames it `exported_instance`).

The `marketplace_route_*` gauges split the services by route (`route` label; responses also by
`code`, "5xx" or "404"), for the insights' bottleneck rankings; `marketplace_db_connections_
ratio{db}` is the share of a database's connection pool in use, for capacity headroom.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from noc_board.core.scenario import SERVICES
from noc_board.demo import availability
from noc_board.demo.noise import FloatArray

if TYPE_CHECKING:
    from noc_board.demo.simulator import Frame, MarketSimulator

DAY = 86400
CODES = ("200", "500", "503")
COUNTER = "http_requests_total"
_COUNTER_HELP = "Requests each service answered, by HTTP status code."
_CACHE_DAYS = 8
ROUTE_CODES = ("5xx", "404")
Series = tuple[dict[str, str], FloatArray]  # labels, values at the times asked


@dataclass(frozen=True, slots=True)
class Gauge:
    """A gauge family: its name, help text, label name (or None) and how to read it.

    `read` maps each series' label value to its values; a gauge with two labels names the
    second in `label2` and keys its series by (value, value2) pairs.
    """

    name: str
    help: str
    label: str | None
    read: Callable[[Frame], dict[str, FloatArray]] | Callable[
        [Frame], dict[tuple[str, str], FloatArray]]
    label2: str | None = None

    def series(self, frame: Frame) -> list[Series]:
        """Every series of the family, with its labels, from a simulator frame."""
        out: list[Series] = []
        for key, values in self.read(frame).items():
            if isinstance(key, tuple):
                out.append(({str(self.label): key[0], str(self.label2): key[1]}, values))
            else:
                out.append(({self.label: key} if self.label else {}, values))
        return out


def _one(read: Callable[[Frame], FloatArray]) -> Callable[[Frame], dict[str, FloatArray]]:
    return lambda f: {"": read(f)}


def _route_responses(f: Frame) -> dict[tuple[str, str], FloatArray]:
    by_code = dict(zip(ROUTE_CODES, (f.route_errors_per_second, f.route_not_found_per_second),
                       strict=True))
    return {(route, code): values[route] for route in f.route_requests_per_second
            for code, values in by_code.items()}


GAUGES = (
    Gauge("marketplace_active_users", "Users active on the marketplace right now.", None,
          _one(lambda f: f.active_users)),
    Gauge("marketplace_orders_per_hour", "Orders placed, as an hourly rate.", None,
          _one(lambda f: f.orders_per_hour)),
    Gauge("marketplace_conversion_ratio", "Orders per session (0-1).", None,
          _one(lambda f: f.conversion_rate)),
    Gauge("marketplace_average_order_value", "Average order value in the baseline currency.",
          None, _one(lambda f: f.average_order_value)),
    Gauge("marketplace_refund_ratio", "Share of orders refunded (0-1).", None,
          _one(lambda f: f.refund_rate)),
    Gauge("marketplace_payment_decline_ratio", "Share of payment attempts declined (0-1).",
          None, _one(lambda f: f.decline_rate)),
    Gauge("marketplace_up", "Whether the service answers (1) or is down (0).", "service",
          lambda f: dict(f.up)),
    Gauge("marketplace_latency_p95_seconds",
          "95th percentile of request latency; NaN while the service is down.", "service",
          lambda f: dict(f.p95_latency)),
    Gauge("marketplace_error_ratio", "Share of requests answered with a 5xx status (0-1).",
          "service", lambda f: dict(f.error_ratio)),
    Gauge("marketplace_requests_per_second", "Requests the service serves per second.",
          "service", lambda f: dict(f.requests_per_second)),
    Gauge("node_cpu_utilisation", "CPU busy share of the host (0-1).", "instance",
          lambda f: dict(f.cpu)),
    Gauge("marketplace_db_query_p95_seconds", "95th percentile of database query time.", None,
          _one(lambda f: f.db_query_p95)),
    Gauge("marketplace_network_rtt_seconds", "Round-trip time between the data centres.", None,
          _one(lambda f: f.network_rtt)),
    Gauge("marketplace_http_404_ratio", "Share of requests answered 404 Not Found (0-1).",
          "service", lambda f: dict(f.not_found_ratio)),
    Gauge("marketplace_page_load_p75_seconds",
          "75th percentile of page load (Largest Contentful Paint) in browsers; NaN while the "
          "site is down.", None,
          _one(lambda f: 1.1 + 2.6 * f.p95_latency["web"])),
    Gauge("marketplace_route_requests_per_second", "Requests the route serves per second.",
          "route", lambda f: dict(f.route_requests_per_second)),
    Gauge("marketplace_route_latency_p95_seconds",
          "95th percentile of the route's response time; NaN while its service is down.",
          "route", lambda f: dict(f.route_p95_latency)),
    Gauge("marketplace_route_responses_per_second",
          "Responses per second of the route by status class: 5xx (503s included while its "
          "service refuses) and 404.", "route", _route_responses, "code"),
    Gauge("marketplace_db_connections_ratio",
          "Share of the database's connection pool in use (0-1).", "db",
          lambda f: dict(f.db_connections)),
)
GAUGE_NAMES = frozenset(g.name for g in GAUGES)


def format_value(value: float) -> str:
    """A sample value as Prometheus writes it (Go's strconv 'f'/-1 with its exponent rule)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    if 1e-6 <= abs(value) < 1e21:
        return np.format_float_positional(value, unique=True, trim="-")
    return repr(value)  # 1e-07, 1.5e+21: Python's spelling matches Go's here


class Catalogue:
    """All series of the demo marketplace, for the query API and for /metrics."""

    def __init__(self, sim: MarketSimulator) -> None:
        self._sim = sim
        self._lock = threading.Lock()
        self._day_rates: dict[int, FloatArray] = {}  # day -> per-minute rates (1440, n)
        self._day_totals: dict[int, FloatArray] = {}  # day -> requests in the day (n,)

    def series(self, name: str, times: FloatArray, frame: Frame | None = None
               ) -> list[Series]:
        """The series of one metric name at `times` (empty when the name is unknown).

        `frame`: the simulator's frame at `times`, when the caller already has it.
        """
        if name in availability.NAMES:
            return availability.series(self, name, times, self._sim.scenario.start)
        if name == COUNTER:
            values = self.counters(times)
            return [({"code": code, "service": s}, values[:, n * len(CODES) + k])
                    for n, s in enumerate(SERVICES) for k, code in enumerate(CODES)]
        gauge = next((g for g in GAUGES if g.name == name), None)
        if gauge is None:
            return []
        return gauge.series(self._sim.frame(times) if frame is None else frame)

    def exposition(self, t: float) -> str:
        """The text exposition format (version 0.0.4) of every series at time t."""
        frame = self._sim.frame([t])
        lines: list[str] = []
        for gauge in GAUGES:
            lines += [f"# HELP {gauge.name} {gauge.help}", f"# TYPE {gauge.name} gauge"]
            for labels, values in gauge.series(frame):
                lines.append(f"{gauge.name}{_labels(labels)} {format_value(float(values[0]))}")
        for name in availability.NAMES:
            lines += [f"# HELP {name} {availability.HELP[name]}", f"# TYPE {name} gauge"]
            for labels, values in self.series(name, np.array([t])):
                lines.append(f"{name}{_labels(labels)} {format_value(float(values[0]))}")
        lines += [f"# HELP {COUNTER} {_COUNTER_HELP}", f"# TYPE {COUNTER} counter"]
        for labels, values in self.series(COUNTER, np.array([t])):
            lines.append(f"{COUNTER}{_labels(labels)} {format_value(float(values[0]))}")
        return "\n".join(lines) + "\n"

    # -- the counter ---------------------------------------------------------------------

    def counters(self, times: FloatArray) -> FloatArray:
        """Cumulative requests per (service, code) at each time: shape (len(times), n)."""
        start = math.floor(self._sim.scenario.start / 60) * 60
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        out = np.zeros((times.size, len(SERVICES) * len(CODES)))
        live = times > start
        if not live.any():
            return out
        days = np.floor(times / DAY).astype(np.int64)
        before = np.zeros(out.shape[1])
        for day in range(start // DAY, int(days[live].max()) + 1):
            here = np.nonzero(live & (days == day))[0]
            if here.size:
                first = max(0, (start - day * DAY) // 60)
                rates = self._rates(day)
                steps = np.zeros((1441, out.shape[1]))
                steps[first + 1:] = np.cumsum(rates[first:], axis=0) * 60
                into = times[here] - day * DAY
                minute = (into // 60).astype(np.int64)
                out[here] = before + steps[minute] + rates[minute] * (into - minute * 60)[:, None]
            before = before + self._total(day)
        return out

    def _total(self, day: int) -> FloatArray:
        with self._lock:
            hit = self._day_totals.get(day)
        if hit is None:
            start = math.floor(self._sim.scenario.start / 60) * 60
            first = max(0, (start - day * DAY) // 60)
            hit = self._rates(day)[first:].sum(axis=0) * 60
            with self._lock:
                self._day_totals[day] = hit  # a few floats per day: kept for good
        return hit

    def _rates(self, day: int) -> FloatArray:
        with self._lock:
            hit = self._day_rates.get(day)
        if hit is not None:
            return hit
        f = self._sim.frame(day * DAY + 60.0 * np.arange(1440))
        columns = []
        for s in SERVICES:
            arriving = f.offered_requests_per_second[s]
            refused = np.maximum(arriving - f.requests_per_second[s], 0)
            failed = np.maximum(arriving * f.error_ratio[s] - refused, 0)
            columns += [arriving - refused - failed, failed, refused]
        rates = np.stack(columns, axis=1)
        with self._lock:
            self._day_rates[day] = rates
            while len(self._day_rates) > _CACHE_DAYS:
                self._day_rates.pop(next(iter(self._day_rates)))
        return rates


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
