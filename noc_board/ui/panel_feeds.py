"""Feeds the panels beyond stat tiles and charts: bars, funnel, flow, heatmap, status grid, clock,
insights (ui.insights_feed: its digest runs off the GUI thread).

Each feed reads the hub (breakdowns, series, health, alarms) or, for the heatmap, the store's
hourly rollups through the `HistoryReader`, builds the pure model (`core.panel_models`) and hands
the widget its header (`TileState`) and body. Bodies compare equal when nothing changed, so a
panel repaints only on news; rollup reads are cached for `HEATMAP_REFRESH` seconds per panel.
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from noc_board.config.schema import PanelConfig
from noc_board.core.alarms import Alarm
from noc_board.core.panel_model import (
    TileState,
    alarm_badge,
    alarm_look,
    merge_states,
    metric_label,
    value_with_unit,
)
from noc_board.core.panel_models.bars import bars_body
from noc_board.core.panel_models.clock_face import clock_face
from noc_board.core.panel_models.flow import flow_body
from noc_board.core.panel_models.freshness import freshness
from noc_board.core.panel_models.funnel import funnel_body, funnel_from_breakdown
from noc_board.core.panel_models.heatmap import HeatBody, heat_body
from noc_board.core.panel_models.status import ServiceRow, service_row, uptime_from_minutes
from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit, format_value
from noc_board.engine.hub import Hub
from noc_board.ui.bars_panel import BarsPanelWidget
from noc_board.ui.clock_panel import ClockPanelWidget
from noc_board.ui.flow_panel import FlowPanelWidget
from noc_board.ui.funnel_panel import FunnelPanelWidget
from noc_board.ui.heatmap_panel import HeatmapPanelWidget
from noc_board.ui.insights_feed import InsightsFeed
from noc_board.ui.insights_panel import InsightsPanelWidget
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.status_grid import StatusGridWidget

if TYPE_CHECKING:
    from noc_board.ui.board_presenter import BoardPresenter

HEATMAP_REFRESH = 300.0  # seconds between rollup reads of one heatmap
UPTIME_REFRESH = 60.0  # and of one service's stored uptime
DAY = 86_400.0
EMPTY = np.empty(0)


def breakdown_title(breakdown_id: str) -> str:
    """A readable default title: "stripe.top_products" -> "Top products"."""
    name = breakdown_id.split(".", 1)[-1].replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else breakdown_id


def zone(name: str, fallback: dt.tzinfo) -> dt.tzinfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


class PanelFeeds:
    """One `refresh(widget, alarms, now, draw_series)` for every painted panel kind."""

    def __init__(self, hub: Hub, presenter: BoardPresenter) -> None:
        self.hub = hub
        self.presenter = presenter
        self.insights = InsightsFeed(hub, presenter)
        self._heat: weakref.WeakKeyDictionary[HeatmapPanelWidget, tuple[float, HeatBody]] = (
            weakref.WeakKeyDictionary()
        )
        # (metric, window) -> (read at, (fraction, seconds known)); bounded by the configuration
        self._uptimes: dict[tuple[str, float], tuple[float, tuple[float, float]]] = {}

    def refresh(self, widget: PanelFrameWidget, alarms: Sequence[Alarm], now: float,
                draw_series: bool) -> None:
        if isinstance(widget, BarsPanelWidget):
            self._bars(widget, alarms, now)
        elif isinstance(widget, FunnelPanelWidget):
            self._funnel(widget, alarms, now)
        elif isinstance(widget, FlowPanelWidget):
            self._flow(widget, alarms, now)
        elif isinstance(widget, HeatmapPanelWidget):
            self._heatmap(widget, alarms, now, draw_series)
        elif isinstance(widget, StatusGridWidget):
            self._status(widget, alarms, now)
        elif isinstance(widget, ClockPanelWidget):
            self._clock(widget, now)
        elif isinstance(widget, InsightsPanelWidget):
            self.insights.refresh(widget, now, draw_series)

    # --- shared -----------------------------------------------------------------------------

    def _currency(self, source: str) -> str:
        cfg = self.hub.config.source(source)
        return cfg.currency if cfg else "USD"

    def _unit(self, panel: PanelConfig) -> Unit:
        if panel.unit:
            return Unit(panel.unit)
        metric = self.hub.config.metric(panel.metrics[0]) if panel.metrics else None
        return Unit(metric.unit) if metric else Unit.COUNT

    def breakdown_header(self, panel: PanelConfig, breakdown: Breakdown | None,
                         alarms: Sequence[Alarm], now: float) -> TileState:
        """Freshness of a breakdown (its source is the id's first part) and the panel's alarms."""
        source = panel.breakdown.split(".", 1)[0]
        has_rows = breakdown is not None and any(math.isfinite(v) for _, v in breakdown.rows)
        fresh = freshness(self.hub.health(source), breakdown.ts if breakdown else math.nan, now,
                          self.hub.stale_after(source), has_value=has_rows)
        look, severity = alarm_look(alarms, panel.metrics)
        return TileState(
            title=panel.title or breakdown_title(panel.breakdown), status=fresh.status,
            reason=fresh.reason if has_rows or breakdown is None else "the table is empty",
            age_text=fresh.age_text, age_seconds=fresh.age_seconds, alarm=look,
            severity=severity, alarm_text=alarm_badge(look, severity),
        )

    def _metrics_header(self, panel: PanelConfig, metric_ids: Sequence[str], title: str,
                        alarms: Sequence[Alarm], now: float) -> TileState:
        states = [self.presenter.metric_state(m, panel, alarms, now) for m in metric_ids]
        return merge_states(panel.title or title, states)

    # --- kinds ------------------------------------------------------------------------------

    def _bars(self, widget: BarsPanelWidget, alarms: Sequence[Alarm], now: float) -> None:
        panel = widget.panel
        breakdown = self.hub.breakdown(panel.breakdown)
        widget.set_state(self.breakdown_header(panel, breakdown, alarms, now))
        currency = self._currency(panel.breakdown.split(".", 1)[0])
        widget.set_body(bars_body(breakdown, panel.limit, self._unit(panel), currency))

    def _funnel(self, widget: FunnelPanelWidget, alarms: Sequence[Alarm], now: float) -> None:
        panel = widget.panel
        if panel.breakdown:
            breakdown = self.hub.breakdown(panel.breakdown)
            widget.set_state(self.breakdown_header(panel, breakdown, alarms, now))
            currency = self._currency(panel.breakdown.split(".", 1)[0])
            widget.set_body(funnel_from_breakdown(breakdown, self._unit(panel), currency))
            return
        header = self._metrics_header(panel, panel.metrics, "Funnel", alarms, now)
        widget.set_state(header)
        labels, counts = [], []
        for metric_id in panel.metrics:
            metric = self.hub.config.metric(metric_id)
            labels.append(metric_label(metric) if metric else metric_id)
            series = self.hub.series(metric_id)
            counts.append(series.last_value() if series is not None else math.nan)
        widget.set_body(funnel_body(labels, counts, self._unit(panel)))

    def _flow(self, widget: FlowPanelWidget, alarms: Sequence[Alarm], now: float) -> None:
        panel = widget.panel
        breakdown = self.hub.breakdown(panel.breakdown)
        header = self.breakdown_header(panel, breakdown, alarms, now)
        body = flow_body(breakdown, panel.limit)
        if breakdown is not None and not body.links and header.status == "ok":
            header = replace(header, status="nodata",
                             reason="the table has no \"from → to\" page transitions")
        widget.set_state(header)
        widget.set_body(body)

    def _heatmap(self, widget: HeatmapPanelWidget, alarms: Sequence[Alarm], now: float,
                 visible: bool) -> None:
        panel = widget.panel
        if not panel.metrics:
            return
        metric_id = panel.metrics[0]
        metric = self.hub.config.metric(metric_id)
        title = panel.title or (f"{metric_label(metric)} by hour and weekday" if metric
                                else metric_id)
        header = self._metrics_header(panel, [metric_id], title, alarms, now)
        history = self.presenter.history
        if history is None:
            header = TileState(title=header.title, status="nodata",
                               reason="no history: the board runs without its store",
                               age_text=header.age_text)
        widget.set_state(header)
        tz = self.presenter.tz
        widget.set_now(now, tz)
        if history is None or not visible:
            return
        cached = self._heat.get(widget)
        if cached is not None and now - cached[0] < HEATMAP_REFRESH:
            return
        unit = Unit(metric.unit) if metric else Unit.COUNT
        source = metric.source if metric else ""
        rows = history.hours(metric_id, now - panel.days * DAY, now)
        body = heat_body(rows, tz, unit, self._currency(source))
        self._heat[widget] = (now, body)
        widget.set_body(body)

    def _status(self, widget: StatusGridWidget, alarms: Sequence[Alarm], now: float) -> None:
        panel = widget.panel
        header = self._metrics_header(panel, list(panel.metrics), "Services", alarms, now)
        widget.set_state(header)
        rows: list[ServiceRow] = []
        responses = list(panel.response) + [""] * (len(panel.metrics) - len(panel.response))
        for metric_id, response_id in zip(panel.metrics, responses, strict=False):
            metric = self.hub.config.metric(metric_id)
            source = metric.source if metric else ""
            state = self.presenter.metric_state(metric_id, panel, alarms, now)
            name = metric_label(metric) if metric else metric_id
            name = name.removesuffix(" up").removesuffix(" Up")
            ts, values = self.presenter.arrays(metric_id) or (EMPTY, EMPTY)
            stored = None
            if not ts.size or ts[0] > now - panel.window:  # the ring does not span the window
                stored = self._stored_uptime(metric_id, panel.window, now)
            rows.append(service_row(
                name, ts, values, now, panel.window, self.hub.stale_after(source),
                state.status, state.reason, self._response_text(response_id, panel, alarms, now),
                stored,
            ))
        widget.set_body(tuple(rows))

    def _stored_uptime(self, metric_id: str, window: float,
                       now: float) -> tuple[float, float] | None:
        """Uptime over the window from the minute rollups, read at most once a minute."""
        history = self.presenter.history
        if history is None:
            return None
        key = (metric_id, window)
        cached = self._uptimes.get(key)
        if cached is None or now - cached[0] >= UPTIME_REFRESH:
            cached = (now, uptime_from_minutes(history.minutes(metric_id, now - window, now)))
            self._uptimes[key] = cached
        return cached[1]

    def _response_text(self, metric_id: str, panel: PanelConfig, alarms: Sequence[Alarm],
                       now: float) -> str:
        if not metric_id:
            return ""
        metric = self.hub.config.metric(metric_id)
        series = self.hub.series(metric_id)
        if metric is None or series is None:
            return "—"
        state = self.presenter.metric_state(metric_id, panel, alarms, now)
        if state.status != "ok":
            return "—"
        return value_with_unit(*format_value(series.last_value(), Unit(metric.unit)))

    def _clock(self, widget: ClockPanelWidget, now: float) -> None:
        panel = widget.panel
        name = panel.timezone or self.hub.config.board.timezone
        tz = zone(name, self.presenter.tz)
        face = clock_face(now, tz, name)
        widget.set_state(TileState(title=panel.title or "Time", status="ok"))
        widget.set_body(face)
