"""Cross-checks of what the KPI catalogue and the GA4 funnel add to a configuration.

A metric's `kpi` must name a KPI of the catalogue (`noc_board.core.kpis`); a GA4 source's
`funnel` lists page paths, each starting with "/", at least two of them. Called by `crossref`;
like every cross-check they skip inputs already reported bad.
"""

from __future__ import annotations

from noc_board.config.issues import IssueSink, KeyPath
from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.config.walker import did_you_mean
from noc_board.core.kpis import ids


def check_metric_kpi(at: KeyPath, metric: MetricConfig, sink: IssueSink) -> None:
    """`kpi` is empty or the id of a catalogue KPI."""
    kpi = metric.kpi
    if not isinstance(kpi, str) or not kpi or sink.is_bad((*at, "kpi")):
        return
    known = ids()
    if kpi not in known:
        hint = did_you_mean(kpi, known) or "; the KPIs are listed in docs/kpis.md"
        sink.error((*at, "kpi"), f"unknown KPI {kpi!r}{hint}")


def check_ga4_funnel(at: KeyPath, source: SourceConfig, sink: IssueSink) -> None:
    """A funnel is page paths ("/cart"), two or more."""
    steps = source.funnel
    if source.kind != "ga4" or not isinstance(steps, list) or not steps:
        return
    if sink.is_bad((*at, "funnel")) or sink.is_bad((*at, "kind")):
        return
    if len(steps) < 2:
        sink.error((*at, "funnel"), "a funnel has at least two steps (page paths, in order)")
    for k, step in enumerate(steps):
        if isinstance(step, str) and not step.startswith("/"):
            sink.error((*at, "funnel", k), f"a funnel step is a page path starting with /, "
                                           f"e.g. \"/cart\", not {step!r}")
