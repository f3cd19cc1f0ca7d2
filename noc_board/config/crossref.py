"""Checks across the configuration once each option has its type: names that must be unique,
references that must resolve, and options that depend on each other.

Runs on the loader's best-effort `Config`, in which an invalid array element is None and an
invalid required option is None; any check whose inputs were already reported bad is skipped.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Any

from noc_board.config.insight_checks import check_insights, check_metric_by
from noc_board.config.issues import IssueSink
from noc_board.config.kpi_checks import check_ga4_funnel, check_metric_kpi
from noc_board.config.plaintext import secret_name_problem
from noc_board.config.report_checks import check_reports
from noc_board.config.rule_checks import check_rules_and_maintenance
from noc_board.config.schema import Config, MetricConfig, PanelConfig, RuleConfig, SourceConfig
from noc_board.config.source_checks import check_metric_measure, check_source_kind
from noc_board.config.walker import did_you_mean

GRID_COLUMNS = 24
_LISTED_AT_MOST = 8
_NO_METRICS_NEEDED = ("bars", "flow", "funnel", "clock", "insights")
_NEEDS = {"prometheus": "query", "stripe": "measure", "ga4": "measure", "newrelic": "query",
          "paypal": "measure", "probe": "measure", "alertmanager": "measure"}
_NEEDS_TEXT = {
    "query": "the PromQL expression",
    "query:newrelic": "the NRQL, e.g. SELECT count(*) FROM Transaction",
    "query:datadog": "the metric query, e.g. avg:system.load.1{*}, unless a monitor measure "
                     "is set",
    "measure": "the named measure the connector computes, e.g. orders",
}


def check_references(config: Config, sink: IssueSink) -> None:
    """Report every cross-reference problem of `config` to `sink`."""
    sources = _index(config.sources, "sources", "name", "source name", sink)
    metrics = _index(config.metrics, "metrics", "id", "metric id", sink)
    _index(config.rules, "rules", "id", "rule id", sink)
    routes = _index(config.routes, "routes", "name", "route name", sink)
    _check_board(config, sink)
    for i, source in enumerate(config.sources):
        if source is not None:
            _check_source(i, source, sink)
    for i, metric in enumerate(config.metrics):
        if metric is not None:
            _check_metric(i, metric, config, sources, sink)
    _check_panels(config, metrics, sink)
    _check_screens(config, sink)
    for i, rule in enumerate(config.rules):
        if rule is not None:
            _check_rule(i, rule, metrics, routes, sink)
    check_rules_and_maintenance(config, metrics, sources, sink)
    check_reports(config, sink)
    check_insights(config, sink)


def _index(
    items: Sequence[Any], table: str, key: str, what: str, sink: IssueSink
) -> dict[str, int] | None:
    """Name -> index of its first element, reporting duplicates; None when unsure."""
    uncertain = sink.any_bad_under((table,), key)  # before duplicates add to the bad keys
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        name = None if item is None else getattr(item, key)
        if not isinstance(name, str):
            continue
        if name in seen:
            first = seen[name]
            line = sink.locate((table, first, key))
            sink.error((table, i, key),
                       f"duplicate {what} {name!r}; {table}[{first}] on line {line} has it too")
        else:
            seen[name] = i
    return None if uncertain else seen


def _dangling(
    sink: IssueSink, path: tuple[str | int, ...], value: str,
    known: dict[str, int] | None, what: str, table: str,
) -> None:
    """Report `value` at `path` unless it names an element of `known` (None: unsure, skip)."""
    if known is None or value in known:
        return
    names = list(known)
    if not names:
        hint = f"; no [[{table}]] are defined"
    elif hint := did_you_mean(value, names):
        pass
    elif len(names) <= _LISTED_AT_MOST:
        hint = f"; known: {', '.join(names)}"
    else:
        hint = f"; it must be one of the [[{table}]]"
    sink.error(path, f"unknown {what} {value!r}{hint}")


def _check_board(config: Config, sink: IssueSink) -> None:
    zone = config.board.timezone
    if sink.is_bad(("board", "timezone")) or zone == "UTC":
        return
    known = zoneinfo.available_timezones()  # empty without a tz database (Windows sans tzdata)
    if known and zone not in known:
        sink.error(("board", "timezone"),
                   f"unknown time zone {zone!r}{did_you_mean(zone, sorted(known))}")


def _check_source(i: int, source: SourceConfig, sink: IssueSink) -> None:
    at = ("sources", i)
    if source.kind == "ga4" and not sink.is_bad((*at, "kind")):
        if not source.property_id:
            sink.error((*at, "property_id"), "required for a ga4 source (the numeric property id)")
        elif not source.property_id.isdigit():
            sink.error((*at, "property_id"), "a GA4 property id is a number, e.g. \"123456789\"")
    if source.kind in _KEYED and not sink.is_bad((*at, "kind")):
        _check_keyed_source(at, source, sink)
    check_source_kind(at, source, sink)
    check_ga4_funnel(at, source, sink)
    if source.auth in ("basic", "bearer") and not sink.is_bad((*at, "auth")):
        if not source.secret and not sink.is_bad((*at, "secret")):
            sink.error((*at, "secret"),
                       f"auth = \"{source.auth}\" needs the name of the keyring entry holding "
                       f"the {'password' if source.auth == 'basic' else 'token'}")
        if source.auth == "basic" and not source.username and not sink.is_bad((*at, "username")):
            sink.error((*at, "username"), "auth = \"basic\" needs a username")
    for key in ("secret", "secret2"):
        name = getattr(source, key)
        if name and not sink.is_bad((*at, key)):
            problem = secret_name_problem(name)
            if problem is not None:
                sink.error((*at, key), f"{problem} (this names a keyring entry)")


_KEYED = {
    "datadog": (("secret", "the API key (sent as DD-API-KEY)"),
                ("secret2", "the application key (sent as DD-APPLICATION-KEY)")),
    "newrelic": (("secret", "the User API key, NRAK-... (sent as API-Key)"),),
}


def _check_keyed_source(at: tuple[str | int, ...], source: SourceConfig, sink: IssueSink) -> None:
    """Datadog and New Relic: their keys' keyring entries, and New Relic's account id."""
    for key, what in _KEYED[source.kind]:
        if not getattr(source, key) and not sink.is_bad((*at, key)):
            sink.error((*at, key), f"required for a {source.kind} source: the name of the "
                                   f"keyring entry holding {what}")
    if source.kind == "newrelic" and not sink.is_bad((*at, "account_id")):
        if not source.account_id:
            sink.error((*at, "account_id"),
                       "required for a newrelic source (the numeric account id)")
        elif not source.account_id.isdigit():
            sink.error((*at, "account_id"), "a New Relic account id is a number, e.g. "
                                            "\"1234567\"")


def _check_metric(
    i: int, metric: MetricConfig, config: Config, sources: dict[str, int] | None,
    sink: IssueSink,
) -> None:
    at = ("metrics", i)
    check_metric_kpi(at, metric, sink)
    if not isinstance(metric.source, str):
        return
    _dangling(sink, (*at, "source"), metric.source, sources, "source", "sources")
    j = None if sources is None else sources.get(metric.source)
    if j is None or sink.is_bad(("sources", j, "kind")):
        return
    source = config.sources[j]
    check_metric_by(at, metric, source, sink)
    if check_metric_measure(at, metric, source, sink):
        return
    needed = _NEEDS.get(source.kind)
    if source.kind == "datadog" and not metric.measure:
        needed = "query"  # a metric query; a monitor measure may go without
    if needed is not None and not getattr(metric, needed) and not sink.is_bad((*at, needed)):
        text = _NEEDS_TEXT.get(f"{needed}:{source.kind}", _NEEDS_TEXT[needed])
        sink.error((*at, needed), f"required for a metric of a {source.kind} source "
                                   f"({metric.source!r}): {text}")


def _check_panels(config: Config, metrics: dict[str, int] | None, sink: IssueSink) -> None:
    for p, page in enumerate(config.pages):
        if page is None:
            continue
        for q, panel in enumerate(page.panels):
            if panel is None:
                continue
            at = ("pages", p, "panels", q)
            if isinstance(panel.metrics, list):
                if not panel.metrics and panel.kind not in _NO_METRICS_NEEDED:
                    sink.error((*at, "metrics"), "a panel shows at least one metric")
                for k, metric_id in enumerate(panel.metrics):
                    if isinstance(metric_id, str):
                        _dangling(sink, (*at, "metrics", k), metric_id, metrics, "metric",
                                  "metrics")
            _check_panel_extras(config, at, panel, metrics, sink)
            if (panel.x + panel.w > GRID_COLUMNS and not sink.is_bad((*at, "x"))
                    and not sink.is_bad((*at, "w"))):
                sink.error((*at, "w"), f"x + w is {panel.x + panel.w}; the grid has "
                                        f"{GRID_COLUMNS} columns")


def _check_panel_extras(
    config: Config, at: tuple[str | int, ...], panel: PanelConfig,
    metrics: dict[str, int] | None, sink: IssueSink,
) -> None:
    """Breakdowns name a source; bars and flow need one; status response metrics resolve."""
    kind = panel.kind
    if kind in ("bars", "flow") and not panel.breakdown and not sink.is_bad((*at, "kind")):
        sink.error((*at, "breakdown"), f"a {kind} panel needs the breakdown it shows, "
                                       "e.g. stripe.top_products")
    if kind == "funnel" and not panel.breakdown and len(panel.metrics) < 2:
        sink.error((*at, "metrics"), "a funnel needs a breakdown or at least two metrics "
                                     "(its steps, in order)")
    if panel.breakdown and isinstance(panel.breakdown, str):
        source = panel.breakdown.split(".", 1)[0]
        names = [s.name for s in config.sources if s is not None]
        if "." not in panel.breakdown or (names and source not in names):
            sink.error((*at, "breakdown"),
                       f"{panel.breakdown!r} is not <source>.<table> of a configured source"
                       f"{did_you_mean(source, names)}")
    if isinstance(panel.response, list):
        if panel.response and len(panel.response) != len(panel.metrics):
            sink.error((*at, "response"), f"gives {len(panel.response)} response metrics for "
                                          f"{len(panel.metrics)} services; give one per service")
        for k, metric_id in enumerate(panel.response):
            if isinstance(metric_id, str) and metric_id:
                _dangling(sink, (*at, "response", k), metric_id, metrics, "metric", "metrics")
    if panel.timezone and not sink.is_bad((*at, "timezone")):
        known = zoneinfo.available_timezones()
        if known and panel.timezone not in known and panel.timezone != "UTC":
            sink.error((*at, "timezone"), f"unknown time zone {panel.timezone!r}"
                                          f"{did_you_mean(panel.timezone, sorted(known))}")


def _check_screens(config: Config, sink: IssueSink) -> None:
    """Each screen's pages name configured pages."""
    pages = [p.name for p in config.pages if p is not None and isinstance(p.name, str)]
    for i, screen in enumerate(config.board.screens):
        if screen is None or not isinstance(screen.pages, list):
            continue
        for k, name in enumerate(screen.pages):
            if isinstance(name, str) and name not in pages:
                hint = did_you_mean(name, pages) or f"; pages: {', '.join(pages) or 'none'}"
                sink.error(("board", "screens", i, "pages", k), f"unknown page {name!r}{hint}")


def _check_rule(
    i: int, rule: RuleConfig, metrics: dict[str, int] | None, routes: dict[str, int] | None,
    sink: IssueSink,
) -> None:
    at = ("rules", i)
    if isinstance(rule.metric, str):
        _dangling(sink, (*at, "metric"), rule.metric, metrics, "metric", "metrics")
    if rule.route and not sink.is_bad((*at, "route")):
        _dangling(sink, (*at, "route"), rule.route, routes, "route", "routes")
    if rule.clear is None or any(sink.is_bad((*at, k)) for k in ("op", "level", "clear")):
        return
    if rule.op == "above" and rule.clear > rule.level:
        sink.error((*at, "clear"), f"with op = \"above\" the alarm clears when the value falls "
                                    f"back, so clear must be at or below level "
                                    f"({_num(rule.level)}), not {_num(rule.clear)}")
    elif rule.op == "below" and rule.clear < rule.level:
        sink.error((*at, "clear"), f"with op = \"below\" the alarm clears when the value rises "
                                    f"back, so clear must be at or above level "
                                    f"({_num(rule.level)}), not {_num(rule.clear)}")


def _num(value: float) -> str:
    return f"{value:g}"
