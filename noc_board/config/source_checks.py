"""Cross-checks of the PayPal and probe sources and of Prometheus measures.

Called by `crossref` for each source and each metric; kept apart so each source family's rules
sit in one place. Like every cross-check they skip inputs already reported bad.
"""

from __future__ import annotations

import re

from noc_board.config.issues import IssueSink, KeyPath
from noc_board.config.schema import (
    PROBE_FIELDS,
    PROMETHEUS_MEASURES,
    MetricConfig,
    SourceConfig,
)
from noc_board.config.walker import did_you_mean

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def check_source_kind(at: KeyPath, source: SourceConfig, sink: IssueSink) -> None:
    """PayPal needs its client id and secret; a probe needs targets with unique names."""
    if sink.is_bad((*at, "kind")):
        return
    if source.kind == "paypal":
        if not source.client_id and not sink.is_bad((*at, "client_id")):
            sink.error((*at, "client_id"), "required for a paypal source: the REST app's "
                                           "client id")
        if not source.secret and not sink.is_bad((*at, "secret")):
            sink.error((*at, "secret"), "required for a paypal source: the name of the "
                                        "keyring entry holding the app's secret")
    elif source.kind == "probe" and not sink.is_bad((*at, "targets")):
        _check_targets(at, source, sink)
    _check_alert_labels(at, source, sink)


def _check_alert_labels(at: KeyPath, source: SourceConfig, sink: IssueSink) -> None:
    """alerts_as_alarms is Alertmanager's; its labels are Prometheus label names."""
    if (source.alerts_as_alarms is True and source.kind != "alertmanager"
            and not sink.is_bad((*at, "alerts_as_alarms"))):
        sink.error((*at, "alerts_as_alarms"), "only an alertmanager source shows alerts as "
                                              "alarms")
    for key in ("route_label", "severity_label"):
        value = getattr(source, key)
        if (isinstance(value, str) and value and not _LABEL_NAME.fullmatch(value)
                and not sink.is_bad((*at, key))):
            sink.error((*at, key), f"{value!r} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)")


def _check_targets(at: KeyPath, source: SourceConfig, sink: IssueSink) -> None:
    if not source.targets:
        sink.error((*at, "targets"), "a probe source checks at least one URL: add a "
                                     "[[sources.targets]] with a name and a url")
        return
    seen: set[str] = set()
    for k, target in enumerate(source.targets):
        if target is None:
            continue
        where = (*at, "targets", k)
        if isinstance(target.name, str) and not sink.is_bad((*where, "name")):
            if not target.name or "." in target.name:
                sink.error((*where, "name"), "a target name is non-empty and has no dot "
                                             "(metrics name it as <target>.up)")
            elif target.name in seen:
                sink.error((*where, "name"), f"duplicate target name {target.name!r}")
            seen.add(target.name)
        if isinstance(target.url, str) and not sink.is_bad((*where, "url")):
            url = target.url.strip()
            absolute = url.startswith(("http://", "https://"))
            if not absolute and not url.startswith("/"):
                sink.error((*where, "url"), "expected an http:// or https:// URL, or a path "
                                            "starting with / (relative to the source's url)")
            elif not absolute and not source.url and not sink.is_bad((*at, "url")):
                sink.error((*where, "url"), "a relative URL needs the source's url as its base")


def check_metric_measure(
    at: KeyPath, metric: MetricConfig, source: SourceConfig, sink: IssueSink
) -> bool:
    """Check a metric of a probe source, or a Prometheus metric without a query.

    Returns True when it handled the metric (the generic "needs a query" check must then not
    run), False to leave it to the generic checks.
    """
    if source.kind == "prometheus" and metric.measure and not metric.query:
        if metric.measure not in PROMETHEUS_MEASURES and not sink.is_bad((*at, "measure")):
            sink.error((*at, "measure"), f"unknown Prometheus measure {metric.measure!r}; "
                       f"known: {', '.join(PROMETHEUS_MEASURES)} (or give a query)")
        return True
    if source.kind != "probe" or not metric.measure or sink.is_bad((*at, "measure")):
        return False
    target, _, field = metric.measure.rpartition(".")
    names = [t.name for t in source.targets if t is not None and isinstance(t.name, str)]
    if field not in PROBE_FIELDS:
        hint = did_you_mean(field, list(PROBE_FIELDS)) or f"; known: {', '.join(PROBE_FIELDS)}"
        sink.error((*at, "measure"), f"a probe measure is <target>.<field>; unknown field "
                                     f"{field!r}{hint}")
    elif target not in names and not any(t is None for t in source.targets):
        hint = did_you_mean(target, names) or (
            f"; targets of {source.name!r}: {', '.join(names)}" if names else "")
        sink.error((*at, "measure"), f"unknown probe target {target!r}{hint}")
    return True
