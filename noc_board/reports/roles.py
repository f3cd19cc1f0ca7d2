"""Which configured metric each report figure reads, and how its numbers add up.

A `Measure` is a metric with a way of reading it:

- `CUMULATIVE`: a running total that restarts at local midnight ("orders today"): the amount in
  a window is how much it grew, and a day's total is its last value of the day;
- `PER_HOUR`: a rate per hour ("orders in the last hour", "orders per hour"): the amount is the
  integral of the rate;
- `LEVEL`: a gauge ("users on site", a ratio, 1/0 up): read as means, never added up.

Roles come from `[reports]` (users, orders, ...) or, when empty, from the metrics' `kpi`, in the
order of preference below. A metric named in `[reports]` without a kpi is read by its id: one
ending in `_today` is cumulative, one with `hour` in it per hour, anything else a level.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from noc_board.config.schema import Config, MetricConfig
from noc_board.core.kpis import by_id


class How(enum.Enum):
    """How a metric's values add up (see the module docstring)."""

    CUMULATIVE = "cumulative"
    PER_HOUR = "per_hour"
    LEVEL = "level"


@dataclass(frozen=True, slots=True)
class Measure:
    """A metric as a report reads it."""

    metric: str
    label: str
    unit: str
    how: How
    good: str = "none"
    currency: str = "USD"


# kpi id -> how it adds up; the first kpi of a role's list that a metric shows wins
_KPI_HOW = {
    "users.dau": How.CUMULATIVE,
    "users.active_now": How.LEVEL,
    "users.sessions": How.CUMULATIVE,
    "users.engaged_sessions": How.CUMULATIVE,
    "sales.transactions_today": How.CUMULATIVE,
    "sales.transactions_hour": How.PER_HOUR,
    "sales.transaction_value_today": How.CUMULATIVE,
    "sales.revenue_today": How.CUMULATIVE,
    "sales.refunds_today": How.CUMULATIVE,
    "sales.refund_value_today": How.CUMULATIVE,
    "sales.returns_today": How.CUMULATIVE,
    "sales.disputes_today": How.CUMULATIVE,
    "payments.failed_today": How.CUMULATIVE,
    "sales.top_products": How.CUMULATIVE,
    "sales.top_products_units": How.CUMULATIVE,
    "behaviour.key_events": How.CUMULATIVE,
}
ROLE_KPIS: dict[str, tuple[str, ...]] = {
    "users": ("users.dau", "users.active_now"),
    "orders": ("sales.transactions_today", "sales.transactions_hour"),
    "revenue": ("sales.transaction_value_today", "sales.revenue_today"),
    "refunds": ("sales.refunds_today",),
    "returns": ("sales.returns_today",),
    "products": ("sales.top_products", "sales.top_products_units"),
}
# engagement figures of the monthly review, when configured
ENGAGEMENT_KPIS = ("users.mau", "users.dau_per_mau", "users.sessions", "users.engagement_rate",
                   "users.session_duration", "users.pages_per_session", "users.bounce_rate",
                   "sales.conversion_session", "sales.aov")
RATE_KPIS = ("sales.refund_rate_count", "sales.refund_rate_value", "payments.decline_rate")
UPTIME_KPI = "health.up"


def how_of(metric: MetricConfig) -> How:
    """How a metric adds up: by its kpi, else by its id."""
    if metric.kpi in _KPI_HOW:
        return _KPI_HOW[metric.kpi]
    if metric.kpi:
        return How.LEVEL
    if metric.id.endswith("_today"):
        return How.CUMULATIVE
    if "hour" in metric.id:
        return How.PER_HOUR
    return How.LEVEL


def measure_of(config: Config, metric: MetricConfig) -> Measure:
    """The `Measure` of a configured metric."""
    source = config.source(metric.source)
    return Measure(metric.id, metric.label or metric.id, metric.unit, how_of(metric),
                   metric.good, source.currency if source is not None else "USD")


@dataclass(frozen=True)
class Roles:
    """The measures of one configuration's reports; None where nothing is configured."""

    users: Measure | None
    orders: Measure | None
    revenue: Measure | None
    refunds: Measure | None
    returns: Measure | None
    products: Measure | None
    uptime: tuple[Measure, ...]
    engagement: tuple[Measure, ...]
    rates: tuple[Measure, ...]
    shift_kpis: tuple[Measure, ...]

    def named(self) -> list[tuple[str, Measure]]:
        """(role, measure) of the single-metric roles that are set."""
        out = []
        for role in ("users", "orders", "revenue", "refunds", "returns"):
            measure = getattr(self, role)
            if measure is not None:
                out.append((role, measure))
        return out


def _by_kpi(config: Config, kpis: tuple[str, ...]) -> MetricConfig | None:
    for kpi in kpis:
        for metric in config.metrics:
            if metric.kpi == kpi:
                return metric
    return None


def resolve_roles(config: Config) -> Roles:
    """The roles of `config` (see the module docstring)."""
    reports = config.reports
    found: dict[str, Measure | None] = {}
    for role, kpis in ROLE_KPIS.items():
        name = getattr(reports, role)
        metric = config.metric(name) if name else _by_kpi(config, kpis)
        found[role] = measure_of(config, metric) if metric is not None else None
    if reports.uptime:
        up = [config.metric(m) for m in reports.uptime]
    else:
        up = [m for m in config.metrics if m.kpi == UPTIME_KPI]
    uptime = tuple(measure_of(config, m) for m in up if m is not None)
    engagement = tuple(measure_of(config, m) for kpi in ENGAGEMENT_KPIS
                       for m in config.metrics if m.kpi == kpi)
    rates = tuple(measure_of(config, m) for kpi in RATE_KPIS
                  for m in config.metrics if m.kpi == kpi)
    if reports.shift_kpis:
        picked = [config.metric(m) for m in reports.shift_kpis]
        shift = tuple(measure_of(config, m) for m in picked if m is not None)
    else:
        seen: set[str] = set()
        chosen: list[Measure] = []
        for measure in [v for v in found.values() if v is not None and v is not found["products"]]:
            if measure.metric not in seen:
                seen.add(measure.metric)
                chosen.append(measure)
        for metric in config.metrics:
            if (metric.kpi and metric.id not in seen and not _is_table(metric.kpi)
                    and len(chosen) < MAX_SHIFT_KPIS):
                seen.add(metric.id)
                chosen.append(measure_of(config, metric))
        shift = tuple(chosen)
    return Roles(users=found["users"], orders=found["orders"], revenue=found["revenue"],
                 refunds=found["refunds"], returns=found["returns"],
                 products=found["products"], uptime=uptime, engagement=engagement, rates=rates,
                 shift_kpis=shift)


MAX_SHIFT_KPIS = 16
PRODUCT_SEPARATOR = "#"  # the rollups of a products breakdown row are "<metric>#<label>"


def _is_table(kpi: str) -> bool:
    found = by_id(kpi)
    return found is not None and found.table
