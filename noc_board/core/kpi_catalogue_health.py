"""KPI catalogue, system health: availability, Apdex, latency and load (kpi-and-alarms.md 1.6).

Prometheus recipes use the usual exporter names (node exporter, blackbox exporter, an
`http_requests_total` counter and an `http_request_duration_seconds` histogram); the demo
marketplace publishes ready-made gauges instead, named in the demo configuration. The tables
by route are read with `by = "route"` (each series a row), the breakdowns the insights rank.
"""

from __future__ import annotations

from noc_board.core.kpi_types import Kpi, Provider

H = "System health"
_5M = "[5m]"
_BY_ROUTE = 'a metric with by = "route"'
_DEMO_BY_ROUTE = 'the demo\'s gauge, by = "route"'

HEALTH: tuple[Kpi, ...] = (
    Kpi("health.up", "Up or down now", H,
        "1 while the service answers its health check, 0 while it does not (Prometheus `up` "
        "or blackbox `probe_success`, or the board's own HTTP probe).", "count", "up",
        (Provider("probe", measure="<target>.up"),
         Provider("prometheus", query='probe_success{job="blackbox"}'),
         Provider("prometheus", query='up{job="checkout"}'),
         Provider("datadog", query="avg:synthetics.test_runs{*}"),
         Provider("newrelic", query="SELECT latest(result = 'SUCCESS') FROM SyntheticCheck")),
        ("uptime",)),
    Kpi("health.availability", "Availability (uptime %)", H,
        "Request-based: good requests ÷ all requests over the window (5xx and refused "
        "requests are bad; the SRE workbook's choice). Time-based: minutes up ÷ minutes, e.g. "
        "from probes. The window is named on the tile (24 h here; an SLO uses 30 days).",
        "ratio", "up",
        (Provider("prometheus", query='1 - sum(rate(http_requests_total{code=~"5.."}[24h])) '
                  "/ sum(rate(http_requests_total[24h]))"),
         Provider("prometheus", query="avg_over_time(probe_success[24h])",
                  note="time-based, from a blackbox exporter"),
         Provider("probe", measure="<target>.up",
                  note="the board's series of it, averaged over the window by a panel"),
         Provider("datadog", query="avg:synthetics.http.response.status_code{*}"),
         Provider("newrelic", query="SELECT percentage(count(*), WHERE result = 'SUCCESS') "
                  "FROM SyntheticCheck SINCE 1 day ago")),
        ("uptime",)),
    Kpi("health.downtime", "Downtime (last 24 hours)", H,
        "(1 − availability) × the window: 99.9 % over 24 h allows 86.4 s, over 30 days 43.2 "
        "minutes. Time-based here: the seconds the service refused requests.",
        "seconds", "down",
        (Provider("prometheus", query="(1 - avg_over_time(probe_success[24h])) * 86400"),
         Provider("probe", measure="<target>.up", note="integrated over the window")),
        ("downtime",)),
    Kpi("health.page_load", "Page load time (p75 LCP)", H,
        "75th percentile of Largest Contentful Paint of real page loads (Core Web Vitals: "
        "good ≤ 2.5 s, poor > 4 s), split by mobile and desktop where the tool can.",
        "seconds", "down",
        (Provider("newrelic", query="SELECT percentile(largestContentfulPaint, 75) FROM "
                  "PageViewTiming WHERE timingName = 'largestContentfulPaint'"),
         Provider("datadog", query="p75:rum.view.largest_contentful_paint{*}"),
         Provider("prometheus", query="marketplace_page_load_p75_seconds",
                  note="the demo's gauge"),
         Provider("prometheus", query='probe_duration_seconds{job="blackbox"}',
                  note="a synthetic full-page fetch, not a real user's load")),
        ("page load time",)),
    Kpi("health.response_time", "Server response time (p95)", H,
        "95th percentile of server-side request duration over the last 5 minutes "
        "(percentiles, not averages: a 100 ms mean can hide 1 % of requests at 5 s).",
        "seconds", "down",
        (Provider("prometheus", query="histogram_quantile(0.95, sum by (le) "
                  f"(rate(http_request_duration_seconds_bucket{_5M})))"),
         Provider("datadog", query="p95:trace.http.request.duration{*}"),
         Provider("newrelic", query="SELECT percentile(duration, 95) FROM Transaction"),
         Provider("probe", measure="<target>.response_time",
                  note="one request per interval from the board, not a percentile")),
        ("server response time",)),
    Kpi("health.apdex", "Apdex", H,
        "(satisfied + tolerating ÷ 2) ÷ all requests, with satisfied ≤ T, tolerating ≤ 4T "
        "and errors frustrated; T named on the tile (0.5 s here).", "ratio", "up",
        (Provider("newrelic", query="SELECT apdex(duration, t: 0.5) FROM Transaction"),
         Provider("prometheus", query="(sum(rate(http_request_duration_seconds_bucket"
                  '{le="0.5"}[5m])) + sum(rate(http_request_duration_seconds_bucket{le="2"}'
                  "[5m]))) / 2 / sum(rate(http_request_duration_seconds_count[5m]))")),
        ("server response time",)),
    Kpi("health.error_404_rate", "404 rate", H,
        "Responses with status 404 ÷ all responses over the last 5 minutes (broken links, "
        "missing products).", "ratio", "down",
        (Provider("prometheus", query='sum(rate(http_requests_total{code="404"}[5m])) / '
                  "sum(rate(http_requests_total[5m]))"),
         Provider("datadog", query="sum:nginx.net.request.404{*}.as_rate()"),
         Provider("newrelic", query="SELECT percentage(count(*), WHERE httpResponseCode = "
                  "'404') FROM Transaction"),
         Provider("prometheus", query='marketplace_http_404_ratio{service="web"}',
                  note="the demo's gauge")),
        ("404 rate",)),
    Kpi("health.error_5xx_rate", "500 rate (5xx share)", H,
        "Responses with a 5xx status ÷ all responses over the last 5 minutes.", "ratio", "down",
        (Provider("prometheus", query='sum(rate(http_requests_total{code=~"5.."}[5m])) / '
                  "sum(rate(http_requests_total[5m]))"),
         Provider("datadog", query="sum:trace.http.request.errors{*}.as_rate()"),
         Provider("newrelic", query="SELECT percentage(count(*), WHERE httpResponseCode "
                  "LIKE '5%') FROM Transaction"),
         Provider("probe", measure="<target>.status", note="the status of the last check")),
        ("500 rate",)),
    Kpi("health.route_response_time", "Response time by route (p95)", H,
        "95th percentile of server-side request duration over the last 5 minutes, one row per "
        "route (page or endpoint), slowest first; the number is the slowest route's. Weighted "
        "by each route's traffic (health.route_requests) it ranks the bottlenecks.",
        "seconds", "down",
        (Provider("prometheus", query="histogram_quantile(0.95, sum by (le, route) "
                  f"(rate(http_request_duration_seconds_bucket{_5M})))", note=_BY_ROUTE),
         Provider("prometheus", query="marketplace_route_latency_p95_seconds",
                  note=_DEMO_BY_ROUTE),
         Provider("datadog", query="p95:trace.http.request.duration{*} by {resource_name}"),
         Provider("newrelic", query="SELECT percentile(duration, 95) FROM Transaction "
                  "FACET name")),
        ("server response time",), table=True),
    Kpi("health.route_requests", "Requests by route", H,
        "Requests served per second over the last 5 minutes, one row per route, busiest "
        "first; the number is the busiest route's. The traffic that weights the route "
        "rankings.", "per_second", "none",
        (Provider("prometheus", query=f"sum by (route) (rate(http_requests_total{_5M}))",
                  note=_BY_ROUTE),
         Provider("prometheus", query="marketplace_route_requests_per_second",
                  note=_DEMO_BY_ROUTE),
         Provider("datadog", query="sum:trace.http.request.hits{*} by {resource_name}"
                  ".as_rate()"),
         Provider("newrelic", query="SELECT rate(count(*), 1 second) FROM Transaction "
                  "FACET name")),
        (), table=True),
    Kpi("health.route_errors_5xx", "5xx responses by route", H,
        "Responses with a 5xx status per second over the last 5 minutes, one row per route, "
        "most first; the number is the worst route's.", "per_second", "down",
        (Provider("prometheus", query='sum by (route) (rate(http_requests_total{code=~"5.."}'
                  f"{_5M}))", note=_BY_ROUTE),
         Provider("prometheus", query='marketplace_route_responses_per_second{code="5xx"}',
                  note=_DEMO_BY_ROUTE),
         Provider("datadog", query="sum:trace.http.request.errors{*} by {resource_name}"
                  ".as_rate()"),
         Provider("newrelic", query="SELECT rate(count(*), 1 second) FROM Transaction WHERE "
                  "httpResponseCode LIKE '5%' FACET name")),
        ("500 rate",), table=True),
    Kpi("health.route_errors_404", "404 responses by route", H,
        "Responses with status 404 per second over the last 5 minutes, one row per route, "
        "most first; the number is the worst route's.", "per_second", "down",
        (Provider("prometheus", query='sum by (route) (rate(http_requests_total{code="404"}'
                  f"{_5M}))", note=_BY_ROUTE),
         Provider("prometheus", query='marketplace_route_responses_per_second{code="404"}',
                  note=_DEMO_BY_ROUTE),
         Provider("datadog", query="sum:trace.http.request.hits.by_http_status"
                  "{http.status_code:404} by {resource_name}.as_rate()"),
         Provider("newrelic", query="SELECT rate(count(*), 1 second) FROM Transaction WHERE "
                  "httpResponseCode = '404' FACET name")),
        ("404 rate",), table=True),
    Kpi("health.server_load", "Server load (CPU busy)", H,
        "Share of CPU time not idle over the last 5 minutes, of the busiest host.",
        "ratio", "down",
        (Provider("prometheus", query='max(1 - avg by (instance) (rate(node_cpu_seconds_total'
                  '{mode="idle"}[5m])))'),
         Provider("datadog", query="max:system.cpu.user{*}"),
         Provider("newrelic", query="SELECT max(cpuPercent) / 100 FROM SystemSample")),
        ("server load",)),
    Kpi("health.db_query_time", "Database query time (p95)", H,
        "95th percentile of database query duration over the last 5 minutes.",
        "seconds", "down",
        (Provider("prometheus", query="histogram_quantile(0.95, sum by (le) "
                  f"(rate(db_query_duration_seconds_bucket{_5M})))"),
         Provider("datadog", query="p95:trace.postgres.query.duration{*}"),
         Provider("newrelic", query="SELECT percentile(databaseDuration, 95) FROM "
                  "Transaction")),
        ("database performance",)),
    Kpi("health.db_connections", "Database connections in use", H,
        "Connections in use ÷ the most the pool (or the server) allows, of the busiest "
        "database; near 1 requests queue for a connection. Capacity insights project its "
        "peak against a limit (e.g. 0.85) as load grows.", "ratio", "down",
        (Provider("prometheus", query="max(sum by (instance) (pg_stat_activity_count) / on "
                  "(instance) max by (instance) (pg_settings_max_connections))",
                  note="postgres_exporter: the server's connections"),
         Provider("prometheus", query="max(hikaricp_connections_active / "
                  "hikaricp_connections_max)", note="an application's HikariCP pool"),
         Provider("prometheus", query="max(marketplace_db_connections_ratio)",
                  note="the demo's gauge"),
         Provider("datadog", query="max:postgresql.percent_usage_connections{*}")),
        ("database performance",)),
    Kpi("health.network_latency", "Network latency (round trip)", H,
        "Round-trip time to the site's hosts or between data centres: blackbox ICMP or TCP "
        "probe duration, or the board's own connect time.", "seconds", "down",
        (Provider("prometheus", query='probe_duration_seconds{module="icmp"}'),
         Provider("datadog", query="avg:network.ping.response_time{*}"),
         Provider("newrelic", query="SELECT average(duration) FROM SyntheticCheck"),
         Provider("probe", measure="<target>.response_time")),
        ("network latency",)),
)
