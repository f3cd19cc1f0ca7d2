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

SOURCE_KINDS = ("prometheus", "stripe", "ga4", "datadog", "newrelic", "paypal", "probe",
                "alertmanager")
# what a probe measures of each target: a probe metric's measure is "<target>.<field>"
PROBE_FIELDS = ("up", "status", "response_time", "tls_days_left")
# Prometheus measures read from /api/v1/targets instead of a PromQL query
PROMETHEUS_MEASURES = ("targets_up", "targets_down", "targets_up_ratio")
PANEL_KINDS = ("stat", "timeseries", "bars", "funnel", "flow", "heatmap", "status", "clock",
               "insights")
SEVERITIES = ("info", "warning", "critical")
RULE_KINDS = (
    "threshold", "seasonal", "rate_of_change", "week_over_week", "no_data", "stale", "burn_rate",
)
COMPARISONS = ("previous_period", "day", "week", "month", "year")
OVERLAYS = ("none", *COMPARISONS)
# how a number reads (MetricConfig.unit lists the same); "" in a panel means "from the metric"
UNITS = ("count", "ratio", "percent", "seconds", "ms", "money", "per_second", "per_minute",
         "bytes")


def opt(doc: str, **meta: Any) -> dict[str, Any]:
    """Field metadata: the description plus any of unit, choices, min, max, secret."""
    return {"doc": doc, **meta}


@dataclass(frozen=True)
class ScreenConfig:
    """A screen of the wall and the pages its window shows."""

    name: str = field(
        metadata=opt(
            "The screen's name as the system reports it (e.g. HDMI-1, DP-2; the log lists "
            "them); when it is missing the window goes to the primary screen and moves back "
            "when it is plugged in again."
        )
    )
    pages: list[str] = field(
        default_factory=list,
        metadata=opt("Names of the pages this screen shows, in rotation order; empty: all."),
    )
    fullscreen: bool = field(default=True, metadata=opt("Frameless full screen on it."))


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
    idle_resume: float = field(
        default=60.0,
        metadata=opt(
            "Rotation pauses while an operator uses the keyboard or mouse and resumes this long "
            "after the last touch; the idle mouse cursor hides after the same time in full "
            "screen.",
            unit="duration",
            min=1.0,
        ),
    )
    alarm_hold: float = field(
        default=120.0,
        metadata=opt(
            "How long the board stays on the page of a new alarm before rotating on.",
            unit="duration",
        ),
    )
    kiosk: bool = field(
        default=True,
        metadata=opt(
            "In full screen: hide the idle mouse cursor and hold off the screensaver where the "
            "platform allows."
        ),
    )
    screens: list[ScreenConfig] = field(
        default_factory=list,
        metadata=opt(
            "One window per screen, each with its own pages; empty means one window "
            "(on --screen NAME or the primary screen) with every page."
        ),
    )
    sound: bool = field(
        default=True,
        metadata=opt(
            "Sound the alarm horn (a clip per severity, repeated until acknowledged); false "
            "leaves the visual alarm only."
        ),
    )
    volume: int = field(
        default=80, metadata=opt("Volume of the alarm horn, 0-100 (as perceived).", min=0, max=100)
    )
    sound_repeat: float = field(
        default=10.0,
        metadata=opt(
            "How often the horn sounds again while an alarm is unacknowledged.",
            unit="duration",
            min=2.0,
        ),
    )
    silence_for: float = field(
        default=300.0,
        metadata=opt(
            "How long \"silence horn\" (key M) mutes it. Not an acknowledgement: the alarm keeps "
            "flashing, and a worse alarm sounds at once.",
            unit="duration",
            min=10.0,
        ),
    )


@dataclass(frozen=True)
class ProbeTargetConfig:
    """A URL the built-in HTTP probe checks: up or down, status, response time, TLS expiry."""

    name: str = field(
        metadata=opt("Name the metrics use: measure = \"<name>.up\", e.g. checkout.up.")
    )
    url: str = field(
        metadata=opt(
            "URL to GET, e.g. https://shop.example.com/health; a path such as /health is "
            "relative to the source's url."
        )
    )
    expect: list[int] = field(
        default_factory=list,
        metadata=opt(
            "Status codes that count as up, e.g. [200, 204]; empty means any 2xx.",
            min=100,
            max=599,
        ),
    )
    timeout: float = field(
        default=0.0,
        metadata=opt(
            "Time allowed for the whole check (DNS, connect, TLS, the answer); 0 means the "
            "source's timeout.",
            unit="duration",
        ),
    )
    follow_redirects: bool = field(
        default=True,
        metadata=opt("Follow redirects (at most 5); when off, a 3xx is the answer checked."),
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
        default="USD",
        metadata=opt("Stripe and PayPal: the reporting currency (ISO code) of money totals."),
    )
    rates: dict[str, float] = field(
        default_factory=dict,
        metadata=opt(
            "Stripe and PayPal: what one unit of another currency is worth in the reporting "
            "currency, e.g. { EUR = 1.09, JPY = 0.0067 }; payments in currencies "
            "without a rate are counted apart and named in a note.",
            min=0.0,
        ),
    )
    lag: float = field(
        default=0.0,
        metadata=opt("How far behind real time the source's data normally is (PayPal reports "
                     "up to 3h late); its panels go stale only past this plus the stale "
                     "allowance, and still show the data's age.", unit="duration"),
    )
    max_body_mb: float = field(
        default=20.0, metadata=opt("Largest response accepted, in MiB.", min=0.1)
    )
    secret2: str = field(
        default="",
        metadata=opt(
            "Name of a second keyring entry, for services that need two keys: Datadog's "
            "application key (`secret` holds its API key).",
            secret=True,
        ),
    )
    site: str = field(
        default="",
        metadata=opt(
            "Datadog: the site, e.g. datadoghq.com, datadoghq.eu, us3.datadoghq.com, "
            "us5.datadoghq.com, ap1.datadoghq.com or ddog-gov.com; the API is "
            "https://api.<site>. Used when `url` is empty; keys work only on their own site.",
        ),
    )
    region: str = field(
        default="us",
        metadata=opt(
            "New Relic: the region of the account (api.newrelic.com, api.eu.newrelic.com, "
            "api.jp.newrelic.com). Used when `url` is empty.",
            choices=("us", "eu", "jp"),
        ),
    )
    account_id: str = field(
        default="", metadata=opt("New Relic: the numeric account id the NRQL queries run in.")
    )
    api_version: str = field(
        default="v2",
        metadata=opt(
            "Datadog: the metrics query endpoint: v2 (POST /api/v2/query/timeseries, every "
            "query of the source in one request) or v1 (GET /api/v1/query, one per metric).",
            choices=("v2", "v1"),
        ),
    )
    client_id: str = field(
        default="",
        metadata=opt(
            "PayPal: the REST app's client id (not a secret); the keyring entry named by "
            "`secret` holds the app's secret."
        ),
    )
    sandbox: bool = field(
        default=False,
        metadata=opt(
            "PayPal: the credentials are sandbox ones; with `url` empty the API is "
            "https://api-m.sandbox.paypal.com, else https://api-m.paypal.com."
        ),
    )
    ca_file: str = field(
        default="",
        metadata=opt(
            "Prometheus and probe: a PEM file of the CA certificates to trust for HTTPS, "
            "instead of the system's (a private CA, or a self-signed server certificate)."
        ),
    )
    insecure: bool = field(
        default=False,
        metadata=opt(
            "Prometheus and probe: do not verify TLS certificates (for tests only; a probe "
            "still reports the days left)."
        ),
    )
    targets: list[ProbeTargetConfig] = field(
        default_factory=list,
        metadata=opt("Probe: the URLs it checks, each a [[sources.targets]] table."),
    )
    key_file: str = field(
        default="",
        metadata=opt(
            "GA4: path of a service-account JSON key file; when set, access tokens are made "
            "from it (google-auth, refreshed before they expire) instead of using `secret` as "
            "the token. The service account must be a Viewer of the GA4 property."
        ),
    )
    funnel: list[str] = field(
        default_factory=list,
        metadata=opt(
            "GA4: the page paths of a funnel, in order, e.g. [\"/\", \"/product\", \"/cart\", "
            "\"/checkout\"], for the measures funnel, funnel_dropoff and funnel_step_N."
        ),
    )
    backfill_days: int = field(
        default=1,
        metadata=opt(
            "Stripe: at the first start, count payments from this many local days back, "
            "today included (listed in the background); week and month totals cover only "
            "what was counted, and say so.",
            min=1,
            max=35,
        ),
    )
    alerts_as_alarms: bool = field(
        default=False,
        metadata=opt(
            "Alertmanager: show its firing alerts (not inhibited, not pushed by a NOC board) "
            "as board alarms, keyed am:<fingerprint>: on the banner and desk, sounding, "
            "escalated and journaled; acknowledging one creates a silence of exactly its "
            "labels, and a silence made elsewhere shows as an acknowledgement by its author."
        ),
    )
    route_label: str = field(
        default="",
        metadata=opt(
            "Alertmanager with alerts_as_alarms: the alert label naming the escalation "
            "route, e.g. team; a value that is no [[routes]] name gives no route."
        ),
    )
    severity_label: str = field(
        default="severity",
        metadata=opt(
            "Alertmanager with alerts_as_alarms: the alert label holding the severity; "
            "critical or page is critical, warning is warning, anything else info."
        ),
    )


@dataclass(frozen=True)
class MetricConfig:
    """A figure on the board: where it comes from, its unit, and which direction is good."""

    id: str = field(metadata=opt("Stable id, e.g. health.checkout.error_rate."))
    source: str = field(metadata=opt("Name of the source that provides it."))
    label: str = field(default="", metadata=opt("Human name shown on panels; defaults to the id."))
    query: str = field(
        default="",
        metadata=opt(
            "Prometheus: the PromQL expression (its first series is the value). "
            "Datadog: the metric query, e.g. avg:system.load.1{*} (the last point of its first "
            "series), or for a monitor measure the monitor tags to match, e.g. team:web. "
            "New Relic: the NRQL, e.g. SELECT percentile(duration, 95) AS 'p95' FROM "
            "Transaction (TIMESERIES: the last complete bucket)."
        ),
    )
    measure: str = field(
        default="",
        metadata=opt(
            "Stripe and GA4: the named measure the connector computes, e.g. orders. "
            "Datadog: empty for a metric query, or a monitor measure: monitors_alert, "
            "monitors_warn, monitors_no_data, monitors_not_ok, monitor_state. New Relic: the "
            "result column (AS alias) to read when the NRQL has several, e.g. p95, or "
            "alias.95 inside a percentile object. PayPal: e.g. sales_today, revenue_today, "
            "refunds_today. Probe: <target>.up, .status, .response_time or .tls_days_left, "
            "e.g. checkout.up. Prometheus without a query: targets_up, targets_down or "
            "targets_up_ratio of /api/v1/targets. Alertmanager: alerts_firing, "
            "alerts_suppressed, alerts_silenced, alerts_total or silences_active."
        ),
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
    kpi: str = field(
        default="",
        metadata=opt(
            "The KPI of the catalogue this metric shows (docs/kpis.md), e.g. users.dau or "
            "sales.aov; empty for none."
        ),
    )
    by: str = field(
        default="",
        metadata=opt(
            "Prometheus: a label name, e.g. route. Each series of the query becomes one row of "
            "the metric's breakdown, named by that label's value (for rankings such as the "
            "slowest routes); the metric's own value is the largest row."
        ),
    )


@dataclass(frozen=True)
class PanelConfig:
    """A panel on a page, placed on a 24-column grid (Grafana's convention)."""

    kind: str = field(
        metadata=opt(
            "Panel type: stat (a number), timeseries (lines), bars (top N of a breakdown), "
            "funnel (steps and drop-off), flow (paths between pages), heatmap (hour of day × "
            "day of week), status (services up/down, uptime, response time), clock, insights "
            "(the slowest and most failing routes and the capacity headroom, from [insights]).",
            choices=PANEL_KINDS,
        )
    )
    metrics: list[str] = field(
        default_factory=list,
        metadata=opt(
            "Metric ids it shows: a stat tile and a heatmap show the first; a funnel's are its "
            "steps in order; a status grid's are the services' up metrics (1 up, 0 down). "
            "Bars, flow, clock and insights need none."
        ),
    )
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
        default=3600.0,
        metadata=opt(
            "Time span a chart or sparkline shows; a status grid's uptime is over it.",
            unit="duration",
        ),
    )
    overlay: str = field(
        default="none",
        metadata=opt(
            "Time series: a comparison period drawn faintly behind the lines.", choices=OVERLAYS
        ),
    )
    breakdown: str = field(
        default="",
        metadata=opt(
            "Top-N bars, funnel, flow: the breakdown (a table) a source publishes, named "
            "<source>.<table>, e.g. stripe.top_products. Flow rows are \"from → to\" page pairs."
        ),
    )
    limit: int = field(
        default=8,
        metadata=opt("Top-N bars: rows shown; flow: pages per column; insights: route lines.",
                     min=1, max=50),
    )
    unit: str = field(
        default="",
        metadata=opt(
            "Top-N bars and funnel: how the values read; empty: the first metric's unit, or "
            "count.",
            choices=("", *UNITS),
        ),
    )
    response: list[str] = field(
        default_factory=list,
        metadata=opt(
            "Status grid: the response-time metric of each service in `metrics` (whose "
            "values are 1 up, 0 down), in the same order; optional."
        ),
    )
    days: int = field(
        default=28,
        metadata=opt("Heatmap: days of hourly history averaged per hour and weekday.",
                     min=1, max=366),
    )
    timezone: str = field(
        default="", metadata=opt("Clock: the IANA time zone it shows; empty: the board's.")
    )


@dataclass(frozen=True)
class PageConfig:
    """A page of panels; pages rotate on the wall."""

    name: str = field(metadata=opt("Page name, shown in the page bar."))
    panels: list[PanelConfig] = field(default_factory=list, metadata=opt("The page's panels."))
    duration: float = field(
        default=0.0,
        metadata=opt("How long the page shows in the rotation; 0 means board.rotate.",
                     unit="duration"),
    )


@dataclass(frozen=True)
class BurnWindowConfig:
    """A burn-rate window pair: both windows must burn the error budget faster than `factor`."""

    long: float = field(metadata=opt("The long window, e.g. 1h.", unit="duration", min=60.0))
    short: float = field(
        metadata=opt("The short window, about 1/12 of the long one, e.g. 5m.", unit="duration",
                     min=1.0)
    )
    factor: float = field(
        metadata=opt("The burn rate both must exceed, e.g. 14.4 (2% of a 30-day budget in 1h).",
                     min=0.01)
    )
    severity: str = field(
        default="critical", metadata=opt("Severity while this pair fires.", choices=SEVERITIES)
    )


@dataclass(frozen=True)
class RuleConfig:
    """An alarm rule: a threshold, a seasonal drop or spike, a rate of change, a week-over-week
    ratio, no data, a stale source, or an SLO burn rate. Options a kind does not use are ignored.
    """

    id: str = field(metadata=opt("Stable rule id, e.g. checkout-errors."))
    metric: str = field(
        metadata=opt(
            "Metric id the rule watches (stale: its source is watched, and the alarm shows on "
            "this metric's panel; burn_rate: the error ratio, or the bad or good event counter)."
        )
    )
    kind: str = field(
        default="threshold",
        metadata=opt(
            "Rule type: threshold (op, level, clear, hold); seasonal (a drop or spike against "
            "the same time of the past weeks: direction, deviations, points, ...); "
            "rate_of_change (the change over `window` against op, level, clear); "
            "week_over_week (the value over the same time a `season` earlier against op, "
            "level, clear); no_data (no fresh point for `after`); stale (the source is down or "
            "has not answered for `after`); burn_rate (SLO error budget burn, `slo`, `burn`).",
            choices=RULE_KINDS,
        ),
    )
    op: str = field(
        default="above",
        metadata=opt(
            "Alarm when the value (rate_of_change: the change; week_over_week: the ratio) is "
            "above or below the level.",
            choices=("above", "below"),
        ),
    )
    level: float = field(
        default=0.0,
        metadata=opt(
            "The level that raises the alarm (rate_of_change: e.g. -0.3 for a 30% fall; "
            "week_over_week: e.g. 0.7 for 70% of last week)."
        ),
    )
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
    severity: str = field(
        default="warning",
        metadata=opt("Severity (burn_rate: each window pair has its own).", choices=SEVERITIES),
    )
    route: str = field(default="", metadata=opt("Escalation route (team) that owns it."))
    summary: str = field(default="", metadata=opt("One line shown in the banner."))
    direction: str = field(
        default="both",
        metadata=opt("seasonal: what to catch, a drop, a spike or both.",
                     choices=("drop", "spike", "both")),
    )
    season: float = field(
        default=604800.0,
        metadata=opt(
            "seasonal: the period of the pattern (1w: the same time of week); week_over_week: "
            "the offset compared against (1w; 1d makes it day over day).",
            unit="duration",
            min=60.0,
        ),
    )
    seasons: int = field(
        default=4,
        metadata=opt("seasonal: how many past seasons the baseline pools at most.", min=1,
                     max=52),
    )
    min_seasons: int = field(
        default=2,
        metadata=opt(
            "seasonal: past seasons needed; with fewer, the rule falls back (to "
            "`fallback_season`, then to a rolling baseline) and says so in the alarm.",
            min=1,
            max=52,
        ),
    )
    fallback_season: float = field(
        default=86400.0,
        metadata=opt(
            "seasonal: the shorter period tried first when the history is too short (1d: the "
            "same time of day over the past 7 days); 0 goes straight to the rolling baseline.",
            unit="duration",
        ),
    )
    window: float = field(
        default=0.0,
        metadata=opt(
            "seasonal: the width of the window around the same time in each past season "
            "(0: 30m); rate_of_change: the span the change is measured over (0: 10m); "
            "week_over_week: the window averaged a season ago (0: 15m).",
            unit="duration",
        ),
    )
    deviations: float = field(
        default=4.0,
        metadata=opt(
            "seasonal: how far from the baseline a point is anomalous, in robust standard "
            "deviations (1.4826 x MAD).",
            min=0.5,
            max=100.0,
        ),
    )
    clear_deviations: float = field(
        default=2.0,
        metadata=opt("seasonal: the alarm clears once points are back within this many.",
                     min=0.0, max=100.0),
    )
    points: int = field(
        default=5,
        metadata=opt(
            "seasonal: consecutive anomalous points that raise the alarm (and normal points "
            "that clear it).",
            min=1,
            max=1000,
        ),
    )
    floor: float = field(
        default=0.1,
        metadata=opt(
            "seasonal: the least spread, as a share of the baseline, so a flat history does "
            "not make every wiggle an alarm.",
            min=0.0,
            max=10.0,
        ),
    )
    min_spread: float = field(
        default=0.0,
        metadata=opt("seasonal: the least spread in the metric's own unit.", min=0.0),
    )
    rolling: float = field(
        default=7200.0,
        metadata=opt(
            "seasonal: the length of the rolling baseline used without enough history.",
            unit="duration",
            min=60.0,
        ),
    )
    relative: bool = field(
        default=True,
        metadata=opt(
            "rate_of_change: the change as a share of the earlier value (-0.3 = fell 30%); "
            "false: in the metric's own unit."
        ),
    )
    after: float = field(
        default=0.0,
        metadata=opt(
            "no_data: how old the freshest point may get; stale: how long since the last "
            "successful poll. 0 means three poll intervals of the source.",
            unit="duration",
        ),
    )
    source: str = field(
        default="",
        metadata=opt("stale: the source to watch; empty means the metric's source."),
    )
    slo: float = field(
        default=0.999,
        metadata=opt("burn_rate: the objective, e.g. 0.999; the error budget is 1 - slo.",
                     min=0.5, max=0.999999),
    )
    total: str = field(
        default="",
        metadata=opt(
            "burn_rate: a metric counting all events (a cumulative counter); then `metric` is "
            "the counter of bad (or good, see `counts`) events. Empty: `metric` is an error "
            "ratio, 0-1."
        ),
    )
    counts: str = field(
        default="bad",
        metadata=opt("burn_rate with `total`: whether `metric` counts bad or good events.",
                     choices=("bad", "good")),
    )
    burn: list[BurnWindowConfig] = field(
        default_factory=list,
        metadata=opt(
            "burn_rate: the window pairs; empty means the SRE workbook's pages, 1h and 5m at "
            "14.4x (critical) and 6h and 30m at 6x (warning)."
        ),
    )
    flap_start: float = field(
        default=20.0,
        metadata=opt(
            "Flapping starts when the weighted state changes over the last 21 evaluations "
            "reach this percent (Nagios); notifications are damped while it flaps. 0 turns "
            "flap detection off.",
            min=0.0,
            max=100.0,
        ),
    )
    flap_stop: float = field(
        default=5.0,
        metadata=opt("Flapping stops when the state changes fall to this percent.", min=0.0,
                     max=100.0),
    )


@dataclass(frozen=True)
class MaintenanceConfig:
    """A maintenance window: matching alarms are suppressed (and recorded as such) while it is
    on. Either one-off (`start`, `end`) or weekly (`days`, `at`, `duration`). It matches by
    rule id, metric id and route (shell-style globs such as `checkout-*`); every list given
    must match; none at all matches every alarm.
    """

    name: str = field(metadata=opt("Name shown on suppressed alarms and in the journal."))
    start: str = field(
        default="",
        metadata=opt('One-off: when it starts, with a zone, e.g. "2026-01-10T02:00:00Z".'),
    )
    end: str = field(default="", metadata=opt("One-off: when it ends."))
    days: list[str] = field(
        default_factory=list,
        metadata=opt("Weekly: the days it starts on, e.g. [\"sat\", \"sun\"] (mon .. sun)."),
    )
    at: str = field(default="", metadata=opt('Weekly: the local time it starts, e.g. "02:00".'))
    duration: float = field(
        default=0.0, metadata=opt("Weekly: how long it lasts.", unit="duration")
    )
    timezone: str = field(
        default="",
        metadata=opt("Weekly: the IANA time zone of `at`; empty means the board's."),
    )
    rules: list[str] = field(
        default_factory=list, metadata=opt("Rule ids (globs) it covers; empty: any.")
    )
    metrics: list[str] = field(
        default_factory=list, metadata=opt("Metric ids (globs) it covers; empty: any.")
    )
    routes: list[str] = field(
        default_factory=list, metadata=opt("Routes (globs) it covers; empty: any.")
    )
    comment: str = field(default="", metadata=opt("Why, for the journal."))


@dataclass(frozen=True)
class EscalationLevelConfig:
    """One level of a route's escalation policy: when it is due and whom it notifies."""

    delay: float = field(
        default=0.0,
        metadata=opt(
            "How long after the alarm was raised, still unacknowledged, this level is notified.",
            unit="duration",
        ),
    )
    notify: list[str] = field(
        default_factory=list,
        metadata=opt(
            "Apprise URLs (json://host/path, mailto://, slack://, pagerduty://, ...) or names "
            "of keyring entries holding such a URL (an entry without \"://\" is a keyring "
            "name)."
        ),
    )


@dataclass(frozen=True)
class RouteConfig:
    """A team that alarms escalate to, with its escalation policy.

    An alarm takes the route its rule names, and every route whose `match` selects its labels.
    Levels are notified at their delays until somebody acknowledges; an acknowledgement, a
    return to normal or shelving ends the escalation, and becoming unacknowledged again (an
    expired acknowledgement, a worse severity) starts it over.
    """

    name: str = field(metadata=opt("Route name, e.g. tech, marketing, customer-service."))
    notify: list[str] = field(
        default_factory=list,
        metadata=opt(
            "Apprise URLs (or keyring names of them) notified as soon as an alarm of this "
            "route is raised (a level at delay 0, before `levels`)."
        ),
    )
    match: dict[str, str] = field(
        default_factory=dict,
        metadata=opt(
            "Labels that select alarms for this route besides those whose rule names it, e.g. "
            "{ severity = \"critical\" }; values are regular expressions matched in full "
            "against the labels rule, metric, severity and route."
        ),
    )
    levels: list[EscalationLevelConfig] = field(
        default_factory=list,
        metadata=opt("Escalation levels ([[routes.levels]]), each with a delay and notifiers."),
    )
    repeat: float = field(
        default=0.0,
        metadata=opt(
            "After the last level, start the policy over this long after it; 0 never repeats.",
            unit="duration",
        ),
    )
    repeat_limit: int = field(
        default=0,
        metadata=opt("How many times the policy starts over; 0 means until acknowledged.", min=0),
    )
    send_resolved: bool = field(
        default=True,
        metadata=opt(
            "Tell the notifiers already notified when the alarm is acknowledged or clears."
        ),
    )


@dataclass(frozen=True)
class AlertmanagerConfig:
    """Alertmanager as the state several boards share.

    Each board pushes its active alarms as alerts (labels alertname, alarm, metric, severity,
    team and `labels`, the same on every board, so Alertmanager deduplicates them), an
    acknowledgement becomes a silence (createdBy the operator), and every board applies the
    silences it reads back as acknowledgements.
    """

    url: str = field(
        default="",
        metadata=opt("Base URL, e.g. http://alertmanager:9093; empty: this board works alone."),
    )
    auth: str = field(
        default="none",
        metadata=opt("How to authenticate (put a proxy in front for bearer).",
                     choices=("none", "basic", "bearer")),
    )
    username: str = field(default="", metadata=opt("User name for basic auth."))
    secret: str = field(
        default="",
        metadata=opt("Name of the keyring entry holding the password or token.", secret=True),
    )
    board: str = field(
        default="",
        metadata=opt(
            "This board's name, in the `board` annotation of the alerts it pushes; empty "
            "means the host name."
        ),
    )
    labels: dict[str, str] = field(
        default_factory=dict,
        metadata=opt(
            "Extra labels on every alert and silence, e.g. { site = \"eu\" } when boards of "
            "several sites share one Alertmanager."
        ),
    )
    poll: float = field(
        default=15.0,
        metadata=opt(
            "How often alerts and silences are read back: the longest an acknowledgement "
            "made on another board takes to show here.",
            unit="duration",
            min=1.0,
        ),
    )
    resend: float = field(
        default=60.0,
        metadata=opt(
            "How often active alarms are pushed again; each alert ends 4 resends later unless "
            "pushed again, so alerts of a board that stopped resolve by themselves.",
            unit="duration",
            min=1.0,
        ),
    )
    ack_horizon: float = field(
        default=3600.0,
        metadata=opt(
            "End of the silence of an acknowledgement without expiry, from now; it is kept "
            "extended while the alarm fires and the acknowledgement holds.",
            unit="duration",
            min=10.0,
        ),
    )
    timeout: float = field(
        default=10.0, metadata=opt("Timeout of one request.", unit="duration", min=0.1)
    )


@dataclass(frozen=True)
class ReportsConfig:
    """Reports: the shifts, the metrics each report reads, the SLO target, and how long the
    rollups the reports read are kept.

    A role left empty (users, orders, ...) is filled from the metrics' `kpi`: e.g. orders from
    the metric showing sales.transactions_today (or sales.transactions_hour), uptime from every
    metric showing health.up.
    """

    handovers: list[str] = field(
        default_factory=lambda: ["06:00", "14:00", "22:00"],
        metadata=opt(
            "Local times (board time zone) at which shifts hand over, e.g. [\"07:00\", "
            "\"19:00\"]; the shift report covers the last shift that ended."
        ),
    )
    folder: str = field(
        default="",
        metadata=opt("Folder the app saves reports in; empty means the user's documents folder "
                     "(NOC Board reports)."),
    )
    shift_kpis: list[str] = field(
        default_factory=list,
        metadata=opt("Metric ids the shift report shows at the start and end of the shift; "
                     "empty: the metrics of the report roles and every metric with a kpi."),
    )
    users: str = field(
        default="", metadata=opt("Metric of users (e.g. users.dau); empty: picked by kpi.")
    )
    orders: str = field(
        default="",
        metadata=opt("Metric of transactions (e.g. sales.orders_today); empty: picked by kpi."),
    )
    revenue: str = field(
        default="",
        metadata=opt("Metric of transaction value (e.g. sales.revenue_today); empty: by kpi."),
    )
    refunds: str = field(
        default="", metadata=opt("Metric of refunds (e.g. sales.refunds_today); empty: by kpi.")
    )
    returns: str = field(
        default="", metadata=opt("Metric of returns (e.g. sales.returns); empty: by kpi.")
    )
    products: str = field(
        default="",
        metadata=opt("Breakdown metric of top products (e.g. sales.top_products); its rows are "
                     "kept in the rollups for the monthly review. Empty: by kpi."),
    )
    uptime: list[str] = field(
        default_factory=list,
        metadata=opt("Metrics that are 1 when a service is up and 0 when down; empty: every "
                     "metric with kpi = \"health.up\"."),
    )
    slo: float = field(
        default=0.999,
        metadata=opt("Availability target of the uptime metrics (the error budget is "
                     "1 - slo of the time), e.g. 0.999.", min=0.5, max=1.0),
    )
    significant: float = field(
        default=0.1,
        metadata=opt("A change at least this large (relative, 0.1 = 10 %) against the previous "
                     "period is called out in daily, weekly and monthly reports.",
                     min=0.0, max=10.0),
    )
    keep_minutes: float = field(
        default=35 * 86_400.0,
        metadata=opt("How long minute rollups are kept (at least 35 days).", unit="duration",
                     min=35 * 86_400.0),
    )
    keep_hours: float = field(
        default=730 * 86_400.0,
        metadata=opt("How long hourly rollups of every metric are kept (at least 2 years, for "
                     "year-over-year figures).", unit="duration", min=730 * 86_400.0),
    )


@dataclass(frozen=True)
class CapacityConfig:
    """A saturation metric whose peak the insights project against its limit as load grows."""

    name: str = field(metadata=opt("What saturates, as the report names it, e.g. Checkout "
                                   "database."))
    metric: str = field(metadata=opt("Metric id of the saturation (CPU busy, connections in use "
                                     "÷ max, queue depth), e.g. health.db_connections."))
    load: str = field(
        default="",
        metadata=opt("Metric id of the load that drives it (requests per second, users on "
                     "site); empty: `[insights] load`."),
    )
    limit: float = field(
        default=0.85,
        metadata=opt("The level not to reach at peak, in the metric's unit (0.85 = 85 % for "
                     "a ratio)."),
    )


@dataclass(frozen=True)
class InsightsConfig:
    """Insights: where to optimise and scale, read from the metrics the board already keeps.

    Bottlenecks rank routes (pages or endpoints) by p95 time and by 404 and 500 responses,
    weighted by their traffic; these read breakdown metrics (`by = "route"`), whose rows the
    board keeps in its rollups. Capacity projects each saturation metric's peak against its
    limit from the trend of the load that drives it.
    """

    route_latency: str = field(
        default="", metadata=opt("Breakdown metric of p95 response or load time by route "
                                 "(seconds), e.g. health.route_p95; empty: no latency ranking.")
    )
    route_requests: str = field(
        default="", metadata=opt("Breakdown metric of requests per second by route: the "
                                 "traffic that weights the rankings.")
    )
    route_5xx: str = field(
        default="", metadata=opt("Breakdown metric of 5xx responses per second by route.")
    )
    route_404: str = field(
        default="", metadata=opt("Breakdown metric of 404 responses per second by route.")
    )
    latency_goal: float = field(
        default=0.5,
        metadata=opt("p95 time (seconds) a route should stay under; the time above it, times "
                     "the route's traffic, ranks the slow routes.", min=0.0),
    )
    load: str = field(
        default="",
        metadata=opt("Metric id of the load capacity entries are fitted against when they name "
                     "none (e.g. health.requests); empty: the metric of kpi users.active_now."),
    )
    flow: str = field(
        default="",
        metadata=opt("Breakdown metric of the behaviour flow (page -> page); empty: the metric "
                     "of kpi behaviour.flow."),
    )
    min_history_days: int = field(
        default=14,
        metadata=opt("Days of history a capacity projection needs; with fewer the report says "
                     "\"not enough history\".", min=3, max=365),
    )
    capacity: list[CapacityConfig] = field(
        default_factory=list, metadata=opt("Saturation metrics to project.")
    )


@dataclass(frozen=True)
class Config:
    """A whole configuration file."""

    board: BoardConfig = field(default_factory=BoardConfig, metadata=opt("The board."))
    sources: list[SourceConfig] = field(default_factory=list, metadata=opt("Sources polled."))
    metrics: list[MetricConfig] = field(default_factory=list, metadata=opt("Metrics shown."))
    pages: list[PageConfig] = field(default_factory=list, metadata=opt("Pages of panels."))
    rules: list[RuleConfig] = field(default_factory=list, metadata=opt("Alarm rules."))
    maintenance: list[MaintenanceConfig] = field(
        default_factory=list,
        metadata=opt("Maintenance windows that suppress matching alarms."),
    )
    routes: list[RouteConfig] = field(default_factory=list, metadata=opt("Escalation routes."))
    alertmanager: AlertmanagerConfig = field(
        default_factory=AlertmanagerConfig,
        metadata=opt("Alertmanager shared by several boards (optional)."),
    )
    reports: ReportsConfig = field(
        default_factory=ReportsConfig,
        metadata=opt("Reports: shifts, the metrics they read, SLO target, rollup retention."),
    )
    insights: InsightsConfig = field(
        default_factory=InsightsConfig,
        metadata=opt("Insights: bottleneck routes, capacity headroom, what changed."),
    )

    def metric(self, metric_id: str) -> MetricConfig | None:
        return next((m for m in self.metrics if m.id == metric_id), None)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)
