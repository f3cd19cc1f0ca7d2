"""Turns the hub's published state into what panels draw: tile states, sparklines, chart lines.

The only place on the Qt side that reads the hub's series; widgets receive ready `TileState`s
and arrays. Series are redrawn only when their version or the displayed second changed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

from noc_board.config.schema import PanelConfig
from noc_board.core.alarms import Alarm
from noc_board.core.panel_model import (
    TileState,
    chart_scale,
    merge_states,
    metric_label,
    tile_state,
    value_with_unit,
)
from noc_board.core.units import Unit, format_value
from noc_board.engine.hub import Hub
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.timeseries_panel import LineData, TimeSeriesPanelWidget


class BoardPresenter:
    """Feeds panels from a hub: `refresh(panels, now, draw_series)` on every repaint tick."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._drawn: weakref.WeakKeyDictionary[PanelFrameWidget, tuple[object, ...]] = (
            weakref.WeakKeyDictionary()
        )

    def metric_state(
        self, metric_id: str, panel: PanelConfig, alarms: Sequence[Alarm], now: float
    ) -> TileState:
        """The tile state of one metric as `panel` shows it."""
        hub = self.hub
        metric = hub.config.metric(metric_id)
        if metric is None:
            return TileState(
                title=panel.title or metric_id, status="nodata",
                reason=f"unknown metric {metric_id}", age_text="no data",
            )
        source = hub.config.source(metric.source)
        return tile_state(
            metric, panel, hub.series(metric_id), hub.health(metric.source), alarms, now,
            hub.stale_after(metric.source), source.currency if source else "USD",
        )

    def refresh(
        self, panels: Iterable[PanelFrameWidget], now: float, draw_series: bool = True
    ) -> None:
        """Recompute and draw the states of `panels`; their series too when `draw_series`."""
        alarms = self.hub.alarms()
        for widget in panels:
            if isinstance(widget, StatTileWidget):
                self._refresh_stat(widget, alarms, now, draw_series)
            elif isinstance(widget, TimeSeriesPanelWidget):
                self._refresh_chart(widget, alarms, now, draw_series)

    def _refresh_stat(
        self, widget: StatTileWidget, alarms: Sequence[Alarm], now: float, draw_series: bool
    ) -> None:
        if not widget.metric_ids:
            return
        metric_id = widget.metric_ids[0]
        widget.set_state(self.metric_state(metric_id, widget.panel, alarms, now))
        series = self.hub.series(metric_id)
        if not draw_series or series is None:
            return
        key = (series.version, int(now))
        if self._drawn.get(widget) != key:
            self._drawn[widget] = key
            ts, values = series.arrays()
            widget.set_sparkline(ts, values, now)

    def _refresh_chart(
        self, widget: TimeSeriesPanelWidget, alarms: Sequence[Alarm], now: float,
        draw_series: bool,
    ) -> None:
        states = [self.metric_state(m, widget.panel, alarms, now) for m in widget.metric_ids]
        title = widget.panel.title or (states[0].title if len(states) == 1 else "")
        if not title:
            title = " · ".join(self._label(m) for m in widget.metric_ids)
        widget.set_state(merge_states(title, states))
        if not draw_series:
            return
        all_series = [self.hub.series(m) for m in widget.metric_ids]
        key = (tuple(s.version if s else -1 for s in all_series), int(now))
        if self._drawn.get(widget) == key:
            return
        self._drawn[widget] = key
        lines = []
        for metric_id, series in zip(widget.metric_ids, all_series, strict=True):
            if series is None:
                continue
            ts, values = series.arrays()
            factor, _ = chart_scale(self._unit(metric_id))
            if factor != 1.0:
                values = values * factor
            lines.append(LineData(metric_id, self._label(metric_id), ts, values,
                                  self._value_text(metric_id, series.last_value())))
        widget.set_lines(lines, now)

    def _label(self, metric_id: str) -> str:
        metric = self.hub.config.metric(metric_id)
        return metric_label(metric) if metric else metric_id

    def _unit(self, metric_id: str) -> Unit:
        metric = self.hub.config.metric(metric_id)
        return Unit(metric.unit) if metric else Unit.COUNT

    def _value_text(self, metric_id: str, last: float) -> str:
        metric = self.hub.config.metric(metric_id)
        source = self.hub.config.source(metric.source) if metric else None
        currency = source.currency if source else "USD"
        return value_with_unit(*format_value(last, self._unit(metric_id), currency))
