"""The figures a replay feeds its rules, computed from the simulator for a whole scenario.

Each configured metric is mapped onto the simulator the way its source would read the demo
server: a Prometheus query on the demo's gauges (the PromQL slice of `demo.promql`), a Stripe
measure from the simulated charges and refunds (today in the board's time zone, the last hour),
a GA4 measure from the simulated analytics. Everything is computed at once with numpy over the
scenario's steps, and over some time before it (the weeks a seasonal baseline reads).
A metric that cannot be computed is named in `MetricFeed.skipped` with the reason.

A Prometheus metric with `by` (a label name) is a breakdown: each matched series is one row,
kept as ``<metric id>#<label value>`` (reports.roles.PRODUCT_SEPARATOR), and the metric itself
is the largest row, as the connector reads it live.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from noc_board.config.schema import Config, SourceConfig
from noc_board.core.scenario import Scenario
from noc_board.demo import promql
from noc_board.demo.metrics import COUNTER, GAUGE_NAMES, Catalogue, Series
from noc_board.demo.simulator import Frame, MarketSimulator
from noc_board.reports.roles import PRODUCT_SEPARATOR
from noc_board.sources.stripe_money import Converter

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
SIMULATED_KINDS = ("prometheus", "stripe", "ga4")
GA4_STANDARD_CADENCE = 900.0  # GA4 report figures are computed every 15 min and held


@dataclass
class MetricFeed:
    """Every computable metric on one time grid, and what the replay polls when."""

    times: FloatArray  # the grid: history first, then the scenario's steps
    first: int  # index of the scenario's first step in `times`
    values: dict[str, FloatArray] = field(default_factory=dict)  # breakdown rows: "id#label"
    down: dict[str, BoolArray] = field(default_factory=dict)  # source name -> refused at step
    skipped: list[str] = field(default_factory=list)  # "metric: why" for each left out


class _Context:
    """The simulator and the lazily built pieces several metrics share."""

    def __init__(self, sim: MarketSimulator, times: FloatArray, zone: str) -> None:
        self.sim = sim
        self.times = times
        self.zone = zone
        self._frame: Frame | None = None
        self._midnights: FloatArray | None = None
        self._charges: dict[str, npt.NDArray[np.generic]] | None = None
        self._refunds: dict[str, npt.NDArray[np.generic]] | None = None

    @property
    def frame(self) -> Frame:
        if self._frame is None:
            self._frame = self.sim.frame(self.times)
        return self._frame

    @property
    def midnights(self) -> FloatArray:
        """The local midnight starting the day of each grid time."""
        if self._midnights is None:
            tz = ZoneInfo(self.zone)
            first = dt.datetime.fromtimestamp(float(self.times[0]), tz).date()
            last = dt.datetime.fromtimestamp(float(self.times[-1]), tz).date()
            days = (last - first).days + 2
            starts = np.array([
                dt.datetime.combine(first + dt.timedelta(days=d), dt.time(0), tz).timestamp()
                for d in range(days)
            ])
            index = np.searchsorted(starts, self.times, side="right") - 1
            self._midnights = starts[index]
        return self._midnights

    def charges(self) -> dict[str, npt.NDArray[np.generic]]:
        if self._charges is None:
            rows = self.sim.charges_between(float(self.times[0]) - 3600.0,
                                            float(self.times[-1]) + 1.0)
            self._charges = {
                "created": np.array([c.created for c in rows], dtype=np.float64),
                "amount": np.array([c.amount for c in rows], dtype=np.int64),
                "currency": np.array([c.currency for c in rows], dtype=object),
                "ok": np.array([c.status == "succeeded" for c in rows], dtype=bool),
                "failed": np.array([c.status == "failed" for c in rows], dtype=bool),
            }
        return self._charges

    def refunds(self) -> dict[str, npt.NDArray[np.generic]]:
        if self._refunds is None:
            rows = self.sim.refunds_between(float(self.times[0]) - 86400.0,
                                            float(self.times[-1]) + 1.0)
            self._refunds = {
                "created": np.array([r.created for r in rows], dtype=np.float64),
                "amount": np.array([r.amount for r in rows], dtype=np.int64),
                "currency": np.array([r.currency for r in rows], dtype=object),
            }
        return self._refunds


def _converted(table: dict[str, npt.NDArray[np.generic]], money: Converter
               ) -> tuple[FloatArray, BoolArray]:
    """Each row's amount in the reporting currency, and whether it could be converted."""
    amounts = np.zeros(table["amount"].shape[0])
    priced = np.zeros(amounts.shape[0], dtype=bool)
    for code in set(table["currency"].tolist()):
        rows = table["currency"] == code
        if money.can_convert(str(code)):
            per_minor = money.convert(1_000_000, str(code)) or 0.0
            amounts[rows] = table["amount"][rows].astype(np.float64) * per_minor / 1_000_000
            priced[rows] = True
    return amounts, priced


def _window_sums(created: FloatArray, weights: FloatArray, lo: FloatArray, hi: FloatArray
                 ) -> FloatArray:
    """For each i, the sum of `weights` of rows with lo[i] <= created <= hi[i]."""
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    a = np.searchsorted(created, lo, side="left")
    b = np.searchsorted(created, hi, side="right")
    result: FloatArray = cum[b] - cum[a]
    return result


def _ratio(part: FloatArray, whole: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.where(whole > 0, part / np.where(whole > 0, whole, 1), np.nan)
    return result


def _stripe(ctx: _Context, measure: str, source: SourceConfig) -> FloatArray | str:
    money = Converter(source.currency, source.rates)
    t = ctx.times
    today, hour = ctx.midnights, t - 3600.0
    charges = ctx.charges()
    created = charges["created"].astype(np.float64)
    ok = charges["ok"].astype(np.float64)
    failed = charges["failed"].astype(np.float64)

    def count(weights: FloatArray, lo: FloatArray) -> FloatArray:
        return _window_sums(created, weights, lo, t)

    if measure in ("orders_today", "orders_last_hour"):
        return count(ok, today if measure == "orders_today" else hour)
    if measure == "failed_payments_today":
        return count(failed, today)
    if measure == "decline_rate_1h":
        return _ratio(count(failed, hour), count(ok + failed, hour))
    amounts, priced = _converted(charges, money)
    paid = amounts * ok
    if measure in ("revenue_today", "revenue_last_hour"):
        return count(paid, today if measure == "revenue_today" else hour)
    if measure == "aov_today":
        return _ratio(count(paid, today), count(ok * priced, today))
    refunds = ctx.refunds()
    r_created = refunds["created"].astype(np.float64)
    if measure == "refunds_today":
        return _window_sums(r_created, np.ones(r_created.shape[0]), today, t)
    if measure == "refund_rate_today":
        return _ratio(_window_sums(r_created, np.ones(r_created.shape[0]), today, t),
                      count(ok, today))
    if measure == "refund_value_today":
        r_amounts, _ = _converted(refunds, money)
        return _window_sums(r_created, r_amounts, today, t)
    return f"the replay does not compute the Stripe measure {measure!r}"


def _ga4(ctx: _Context, measure: str) -> FloatArray | str:
    sim, t = ctx.sim, ctx.times
    if measure == "active_users_realtime":
        # users seen in the last 30 minutes: the mean of the minute figures, times the share
        # of session starts a minute adds (as the simulator's realtime report counts them)
        minutes = np.arange(math.floor(t[0] / 60) - 30, math.floor(t[-1] / 60) + 1) * 60.0
        users = sim.frame(minutes + 30.0).active_users
        users = np.where(minutes + 60 > sim.scenario.start, users, 0.0)
        cum = np.concatenate([[0.0], np.cumsum(users)])
        end = np.searchsorted(minutes, np.floor(t / 60) * 60, side="left") + 1
        mean = (cum[end] - cum[end - 30]) / 30
        per_min = 60.0 / sim.session_seconds
        result: FloatArray = np.round(mean * (1 + 30 * per_min))
        return result
    names = {
        "active_users_today": "active_users",
        "sessions_today": "sessions",
        "avg_session_duration": "average_session_duration",
        "pages_per_session": "pages_per_session",
        "bounce_rate": "bounce_rate",
        "engagement_rate": "engagement_rate",
    }
    if measure not in names:
        return f"the replay does not compute the GA4 measure {measure!r}"
    out = np.full(t.shape[0], np.nan)
    held, next_at, day = math.nan, -math.inf, math.nan
    for i, (now, midnight) in enumerate(zip(t, ctx.midnights, strict=True)):
        if now >= next_at or midnight != day:  # every 15 minutes, and at each new day
            figures = sim.analytics_between(float(midnight), float(now))
            held = float(getattr(figures, names[measure]))
            next_at, day = now + GA4_STANDARD_CADENCE, midnight
        out[i] = held
    return out


def _prometheus_series(ctx: _Context, query: str) -> list[Series] | str:
    """The series a query returns on the demo server (with their own labels), or why not."""
    try:
        q = promql.parse(query)
    except promql.Unsupported:
        return f"the replay evaluates only simple selectors, not {query!r}"
    if q.metric not in GAUGE_NAMES and q.metric != COUNTER:
        return f"the simulator has no series {q.metric!r}"
    series = Catalogue(ctx.sim).series(q.metric, ctx.times, ctx.frame)
    matched = [(labels, values) for labels, values in series if q.matches(labels)]
    if not matched:
        return f"no simulated series matches {query!r}"
    if q.aggregation is not None:
        return [({}, promql.aggregate(q.aggregation, np.stack([v for _, v in matched])))]
    return matched


def _prometheus(ctx: _Context, query: str) -> FloatArray | str:
    found = _prometheus_series(ctx, query)
    return found if isinstance(found, str) else found[0][1]


def _breakdown(ctx: _Context, query: str, label: str) -> dict[str, FloatArray] | str:
    """One row per value of `label` among the query's series, and the largest of them."""
    found = _prometheus_series(ctx, query)
    if isinstance(found, str):
        return found
    rows = {labels[label]: values for labels, values in found if labels.get(label)}
    if not rows:
        return f"no series of {query!r} has the label {label!r}"
    return {"": np.fmax.reduce(np.stack(list(rows.values())), axis=0), **rows}


def simulate(
    config: Config, scenario: Scenario, metrics: Sequence[str], past: float
) -> MetricFeed:
    """The values of `metrics` at every step of `scenario` and of `past` seconds before it
    (the marketplace exists before the scenario: its charges are refunded days later).

    Sources are polled at the scenario's step (or their own interval, if longer); a
    `source_down` incident makes a source refuse at the steps it covers.
    """
    step = scenario.step
    lead = math.ceil(past / step) * step if past > 0 else 0.0
    extended = dataclasses.replace(scenario, start=scenario.start - lead,
                                   duration=scenario.duration + lead)
    sim = MarketSimulator(extended, growth_start=scenario.start)
    times = np.arange(extended.start, extended.end, step, dtype=np.float64)
    feed = MetricFeed(times=times, first=round(lead / step))
    ctx = _Context(sim, times, config.board.timezone)
    sources = {s.name: s for s in config.sources}
    for metric_id in dict.fromkeys(metrics):
        metric = config.metric(metric_id)
        source = sources.get(metric.source) if metric is not None else None
        if metric is None or source is None:
            feed.skipped.append(f"{metric_id}: not a configured metric with a source")
            continue
        got: FloatArray | str
        if source.kind == "prometheus" and metric.query and metric.by:
            rows = _breakdown(ctx, metric.query, metric.by)
            if isinstance(rows, str):
                feed.skipped.append(f"{metric_id}: {rows}")
                continue
            for key, values in rows.items():
                name = f"{metric_id}{PRODUCT_SEPARATOR}{key}" if key else metric_id
                feed.values[name] = np.asarray(values, dtype=np.float64)
            continue
        if source.kind == "prometheus" and metric.query:
            got = _prometheus(ctx, metric.query)
        elif source.kind == "stripe":
            got = _stripe(ctx, metric.measure, source)
        elif source.kind == "ga4":
            got = _ga4(ctx, metric.measure)
        else:
            got = f"the simulator has no {source.kind} source"
        if isinstance(got, str):
            feed.skipped.append(f"{metric_id}: {got}")
        else:
            feed.values[metric_id] = np.asarray(got, dtype=np.float64)
    for source in config.sources:
        if source.kind in SIMULATED_KINDS:
            feed.down[source.name] = np.array(
                [sim.source_down(source.kind, float(x)) for x in times[feed.first:]], dtype=bool)
            feed.down[source.name] = np.concatenate(
                [np.zeros(feed.first, dtype=bool), feed.down[source.name]])
    return feed
