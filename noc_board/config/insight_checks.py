"""Cross-checks of breakdown metrics (`by`) and of the `[insights]` table.

A metric's `by` names a label of a Prometheus query's series: only Prometheus metrics with a
query have one (Datadog and New Relic group inside the query: `by {route}`, `FACET route`).
Every metric `[insights]` names must be a configured metric; its route metrics and its flow
must be breakdowns (a row per route or per transition), each capacity entry needs a limit above
0 and a load to be fitted against. Called by `crossref`; inputs already reported bad are skipped.
"""

from __future__ import annotations

import re

from noc_board.config.issues import IssueSink, KeyPath
from noc_board.config.schema import Config, MetricConfig, SourceConfig
from noc_board.config.walker import did_you_mean
from noc_board.core.kpis import by_id

ROUTE_KEYS = ("route_latency", "route_requests", "route_5xx", "route_404")
LOAD_KPI = "users.active_now"  # the load capacity is fitted against when none is named
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_DATADOG_GROUPS = re.compile(r"\bby\s*\{")
_NRQL_FACET = re.compile(r"\bFACET\b", re.IGNORECASE)
_GROUP_ELSEWHERE = {
    "datadog": "a Datadog query groups by itself, e.g. avg:trace.http.request.duration{*} "
               "by {resource_name}, each group a row",
    "newrelic": "an NRQL query groups by itself with FACET, e.g. SELECT count(*) FROM "
                "Transaction FACET name, each facet a row",
}


def check_metric_by(at: KeyPath, metric: MetricConfig, source: SourceConfig,
                    sink: IssueSink) -> None:
    """`by` is a label name, on a Prometheus metric with a query."""
    by = metric.by
    if not isinstance(by, str) or not by or sink.is_bad((*at, "by")):
        return
    if source.kind != "prometheus":
        tail = _GROUP_ELSEWHERE.get(source.kind, f"a {source.kind} source has no labels")
        sink.error((*at, "by"), f"only a Prometheus query is read by label; {tail}")
    elif not _LABEL_NAME.fullmatch(by):
        sink.error((*at, "by"), f"{by!r} is not a label name (letters, digits and _, not "
                                "starting with a digit), e.g. route")
    elif not metric.query and metric.measure and not sink.is_bad((*at, "measure")):
        sink.error((*at, "by"), f"the measure {metric.measure!r} has no series to read by "
                                "label; `by` needs a query")


def is_breakdown(metric: MetricConfig, source: SourceConfig | None) -> bool:
    """Whether the metric comes as rows: read `by` a label, grouped in its query (Datadog
    `by {...}`, New Relic `FACET`), or showing a table KPI of the catalogue."""
    if metric.by:
        return True
    kpi = by_id(metric.kpi) if metric.kpi else None
    if kpi is not None and kpi.table:
        return True
    if source is None:
        return False
    if source.kind == "datadog":
        return bool(_DATADOG_GROUPS.search(metric.query))
    if source.kind == "newrelic":
        return bool(_NRQL_FACET.search(metric.query))
    return False


def check_insights(config: Config, sink: IssueSink) -> None:
    """Report every problem of `config.insights` to `sink`."""
    insights = config.insights
    if insights is None:
        return
    at: KeyPath = ("insights",)
    metrics = {m.id: m for m in config.metrics if m is not None and isinstance(m.id, str)}
    sources = {s.name: s for s in config.sources if s is not None and isinstance(s.name, str)}
    for key in (*ROUTE_KEYS, "flow"):
        metric = _resolve(sink, (*at, key), getattr(insights, key), metrics)
        source = None if metric is None else sources.get(metric.source)
        if metric is None or source is None or is_breakdown(metric, source):
            continue  # an unknown source is reported at the metric
        if key == "flow":
            sink.error((*at, key), f"metric {metric.id!r} has one value, not a row per "
                                   "transition: the flow is a breakdown such as GA4's measure "
                                   "behaviour_flow")
        else:
            sink.error((*at, key), f"metric {metric.id!r} has one value, not a row per "
                                   "route: give it by = \"route\" (Prometheus), or group its "
                                   "query by route (Datadog: by {route}; New Relic: FACET "
                                   "route)")
    _resolve(sink, (*at, "load"), insights.load, metrics)
    if not isinstance(insights.capacity, list) or sink.is_bad((*at, "capacity")):
        return
    default_load = bool(insights.load) or any(m.kpi == LOAD_KPI for m in metrics.values())
    names: set[str] = set()
    for k, entry in enumerate(insights.capacity):
        if entry is None:
            continue
        where = (*at, "capacity", k)
        if isinstance(entry.name, str) and not sink.is_bad((*where, "name")):
            if entry.name in names:
                sink.error((*where, "name"), f"duplicate capacity name {entry.name!r}")
            names.add(entry.name)
        _resolve(sink, (*where, "metric"), entry.metric, metrics)
        _resolve(sink, (*where, "load"), entry.load, metrics)
        if (isinstance(entry.load, str) and not entry.load and not default_load
                and not sink.is_bad((*at, "load"))):
            sink.error((*where, "load"), "no load to project against: name its metric here "
                                         "or as [insights] load (no metric shows kpi "
                                         f"{LOAD_KPI})")
        limit = entry.limit
        if (isinstance(limit, float | int) and not limit > 0
                and not sink.is_bad((*where, "limit"))):
            sink.error((*where, "limit"), f"a limit is above 0, e.g. 0.85 (85 % of a ratio), "
                                          f"not {limit:g}")


def _resolve(sink: IssueSink, path: KeyPath, name: object,
             metrics: dict[str, MetricConfig]) -> MetricConfig | None:
    """The metric `name` at `path` names; None (reported when unknown) or when empty."""
    if not isinstance(name, str) or not name or sink.is_bad(path):
        return None
    metric = metrics.get(name)
    if metric is None:
        sink.error(path, f"unknown metric {name!r}{did_you_mean(name, list(metrics))}")
    return metric
