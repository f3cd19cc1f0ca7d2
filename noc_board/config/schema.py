"""The configuration schema: every option once, with its type, default, unit and description.

The loader (`config.loader`) walks these dataclasses to validate a TOML file, and the reference
documentation (`docs/configuration.md`) is generated from them, so neither can drift.

Field metadata keys: `doc` (description, required), `unit` ("duration" for values written as
"15s" and held as float seconds), `choices` (allowed strings), `min` / `max` (numeric bounds),
`secret` (the value names a keyring entry, never holds the secret itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOURCE_KINDS = ("prometheus", "stripe", "ga4")
PANEL_KINDS = ("stat", "timeseries")
SEVERITIES = ("info", "warning", "critical")
COMPARISONS = ("previous_period", "day", "week")


def opt(doc: str, **meta: Any) -> dict[str, Any]:
    """Field metadata: the description plus any of unit, choices, min, max, secret."""
    return {"doc": doc, **meta}


@dataclass(frozen=True)
class BoardConfig:
    """The board as a whole: title, time zone, theme, history kept in memory, the journal."""

    title: str = field(
        default="NOC Board", metadata=opt("Shown in the window title and the clock bar.")
    )
    timezone: str = field(
        default="UTC", metadata=opt("IANA time zone of the clock and reports, e.g. Europe/Berlin.")
    )
    theme: str = field(default="dark", metadata=opt("Colour theme.", choices=("dark", "light")))
    history_points: int = field(
        default=1440,
        metadata=opt(
            "Points kept in memory per metric (a ring buffer; memory is bounded by it).",
            min=10,
            max=100_000,
        ),
    )
    store: str = field(
        default="",
        metadata=opt("Path of the SQLite journal; empty means the platform data folder."),
    )
    operators: list[str] = field(
        default_factory=list,
        metadata=opt("Names an operator can acknowledge as; empty means the OS user name."),
    )
    stale_after: float = field(
        default=0.0,
        metadata=opt(
            "Age after which a panel greys out as stale; 0 means three poll intervals.",
            unit="duration",
        ),
    )
    rotate: float = field(
        default=0.0, metadata=opt("Page rotation interval; 0 turns rotation off.", unit="duration")
    )


@dataclass(frozen=True)
class SourceConfig:
    """One service the board polls: where it is, how often, and how to authenticate."""

    name: str = field(metadata=opt("Unique name metrics refer to, e.g. prom or stripe."))
    kind: str = field(metadata=opt("Which connector reads it.", choices=SOURCE_KINDS))
    url: str = field(
        metadata=opt("Base URL, e.g. http://prometheus:9090 or https://api.stripe.com.")
    )
    interval: float = field(
        default=15.0, metadata=opt("How often to poll.", unit="duration", min=1.0)
    )
    timeout: float = field(
        default=10.0, metadata=opt("Timeout of one request.", unit="duration", min=0.1)
    )
    auth: str = field(
        default="none",
        metadata=opt("How to authenticate.", choices=("none", "basic", "bearer")),
    )
    username: str = field(default="", metadata=opt("User name for basic auth."))
    secret: str = field(
        default="",
        metadata=opt(
            "Name of the keyring entry holding the password, token or API key.", secret=True
        ),
    )
    property_id: str = field(default="", metadata=opt("GA4: the numeric property id."))
    currency: str = field(
        default="USD", metadata=opt("Stripe: the reporting currency (ISO code) of money totals.")
    )
    rates: dict[str, float] = field(
        default_factory=dict,
        metadata=opt(
            "Stripe: what one unit of another currency is worth in the reporting "
            "currency, e.g. { EUR = 1.09, JPY = 0.0067 }; payments in currencies "
            "without a rate are counted apart and named in a note.",
            min=0.0,
        ),
    )
    max_body_mb: float = field(
        default=20.0, metadata=opt("Largest response accepted, in MiB.", min=0.1)
    )


@dataclass(frozen=True)
class MetricConfig:
    """A figure on the board: where it comes from, its unit, and which direction is good."""

    id: str = field(metadata=opt("Stable id, e.g. health.checkout.error_rate."))
    source: str = field(metadata=opt("Name of the source that provides it."))
    label: str = field(default="", metadata=opt("Human name shown on panels; defaults to the id."))
    query: str = field(
        default="",
        metadata=opt("Prometheus: the PromQL expression (its first series is the value)."),
    )
    measure: str = field(
        default="",
        metadata=opt("Stripe and GA4: the named measure the connector computes, e.g. orders."),
    )
    unit: str = field(
        default="count",
        metadata=opt(
            "How the number reads.",
            choices=(
                "count",
                "ratio",
                "percent",
                "seconds",
                "ms",
                "money",
                "per_second",
                "per_minute",
                "bytes",
            ),
        ),
    )
    good: str = field(
        default="none",
        metadata=opt(
            "Which direction is good, for the colour of changes.", choices=("up", "down", "none")
        ),
    )


@dataclass(frozen=True)
class PanelConfig:
    """A panel on a page, placed on a 24-column grid (Grafana's convention)."""

    kind: str = field(metadata=opt("Panel type.", choices=PANEL_KINDS))
    metrics: list[str] = field(metadata=opt("Metric ids it shows (a stat tile shows the first)."))
    title: str = field(default="", metadata=opt("Title; defaults to the first metric's label."))
    x: int = field(default=0, metadata=opt("Column of the left edge, 0-23.", min=0, max=23))
    y: int = field(default=0, metadata=opt("Row of the top edge.", min=0, max=100))
    w: int = field(default=6, metadata=opt("Width in columns.", min=1, max=24))
    h: int = field(default=4, metadata=opt("Height in rows.", min=1, max=50))
    compare: str = field(
        default="previous_period",
        metadata=opt("What a stat tile's change compares against.", choices=COMPARISONS),
    )
    window: float = field(
        default=3600.0, metadata=opt("Time span a chart or sparkline shows.", unit="duration")
    )


@dataclass(frozen=True)
class PageConfig:
    """A page of panels; pages rotate on the wall."""

    name: str = field(metadata=opt("Page name, shown in the page bar."))
    panels: list[PanelConfig] = field(default_factory=list, metadata=opt("The page's panels."))


@dataclass(frozen=True)
class RuleConfig:
    """An alarm rule; this slice has thresholds (above or below, a hold time, a clear level)."""

    id: str = field(metadata=opt("Stable rule id, e.g. checkout-errors."))
    metric: str = field(metadata=opt("Metric id the rule watches."))
    kind: str = field(default="threshold", metadata=opt("Rule type.", choices=("threshold",)))
    op: str = field(
        default="above",
        metadata=opt(
            "Alarm when the value is above or below the level.", choices=("above", "below")
        ),
    )
    level: float = field(default=0.0, metadata=opt("The level that raises the alarm."))
    clear: float | None = field(
        default=None,
        metadata=opt("The level at which it clears (hysteresis); defaults to `level`."),
    )
    hold: float = field(
        default=0.0,
        metadata=opt(
            "How long the condition must hold before raising (Prometheus `for`).", unit="duration"
        ),
    )
    severity: str = field(default="warning", metadata=opt("Severity.", choices=SEVERITIES))
    route: str = field(default="", metadata=opt("Escalation route (team) that owns it."))
    summary: str = field(default="", metadata=opt("One line shown in the banner."))


@dataclass(frozen=True)
class RouteConfig:
    """A team that alarms escalate to."""

    name: str = field(metadata=opt("Route name, e.g. tech, marketing, customer-service."))
    notify: list[str] = field(
        default_factory=list, metadata=opt("Apprise URLs (or keyring names of them) to notify.")
    )


@dataclass(frozen=True)
class Config:
    """A whole configuration file."""

    board: BoardConfig = field(default_factory=BoardConfig, metadata=opt("The board."))
    sources: list[SourceConfig] = field(default_factory=list, metadata=opt("Sources polled."))
    metrics: list[MetricConfig] = field(default_factory=list, metadata=opt("Metrics shown."))
    pages: list[PageConfig] = field(default_factory=list, metadata=opt("Pages of panels."))
    rules: list[RuleConfig] = field(default_factory=list, metadata=opt("Alarm rules."))
    routes: list[RouteConfig] = field(default_factory=list, metadata=opt("Escalation routes."))

    def metric(self, metric_id: str) -> MetricConfig | None:
        return next((m for m in self.metrics if m.id == metric_id), None)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)
