"""Turns the hub's published state into what panels draw: tile states, sparklines, chart lines.

The only place on the Qt side that reads the hub's series (and, through the bridge's
`HistoryReader`, the store's rollups); widgets receive ready states and arrays. Series are
redrawn only when their version or the displayed second changed; rollup reads are cached per
minute in bounded caches, so a long run holds no more than the panels need.
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from noc_board.config.schema import PanelConfig
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.panel_model import (
    TileState,
    chart_scale,
    merge_states,
    metric_label,
    tile_change,
    tile_state,
    value_with_unit,
)
from noc_board.core.panel_models.compare import CAPTIONS, compare_offset, tolerance
from noc_board.core.panel_models.thresholds import Threshold, thresholds_for
from noc_board.core.series import FloatArray
from noc_board.core.units import Unit, format_value
from noc_board.engine.history import HistoryReader
from noc_board.engine.hub import Hub
from noc_board.ui.panel_feeds import PanelFeeds
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.timeseries_panel import LineData, Mark, TimeSeriesPanelWidget

REFERENCE_CACHE = 512  # (metric, moment) -> value read from the rollups
MARKS_KEPT = 200  # alarm raises remembered for the charts' marks


@dataclass(frozen=True, slots=True)
class _Overlay:
    """A chart's comparison period as read at `minute`."""

    minute: int
    ts: FloatArray
    values: FloatArray
    offset: float
    caption: str


def pixel_step(now: float, window: float, width_px: int) -> int:
    """Which pixel of a plot `width_px` wide spanning `window` seconds `now` falls in.

    A plot is redrawn when its data changes or when time has moved its points by a pixel:
    a 2-hour chart 900 px wide moves every 8 s, not every second (DESIGN.md: draw on a budget).
    """
    seconds_per_px = max(1.0, window / max(width_px, 1))
    return int(now // seconds_per_px)


class BoardPresenter:
    """Feeds panels from a hub: `refresh(panels, now, draw_series)` on every repaint tick."""

    def __init__(self, hub: Hub, history: HistoryReader | None = None,
                 tz: dt.tzinfo = dt.UTC) -> None:
        self.hub = hub
        self.history = history
        self.tz = tz
        self._drawn: weakref.WeakKeyDictionary[PanelFrameWidget, tuple[object, ...]] = (
            weakref.WeakKeyDictionary()
        )
        self._references: OrderedDict[tuple[str, int], float] = OrderedDict()
        self._raises: deque[tuple[str, Mark]] = deque(maxlen=MARKS_KEPT)
        self._overlays: weakref.WeakKeyDictionary[TimeSeriesPanelWidget, _Overlay] = (
            weakref.WeakKeyDictionary()
        )
        self._thresholds: dict[str, tuple[Threshold, ...]] = {}
        # lookups and per-version results, keyed by configured ids: bounded by the configuration
        self._metrics = {m.id: m for m in hub.config.metrics}
        self._currencies = {s.name: s.currency for s in hub.config.sources}
        self._changes: dict[tuple[str, str, float], tuple[int, tuple[str, bool | None]]] = {}
        self._arrays: dict[str, tuple[int, FloatArray, FloatArray]] = {}
        self.feeds = PanelFeeds(hub, self)

    # --- shared reads -----------------------------------------------------------------------

    def thresholds(self, metric_id: str) -> tuple[Threshold, ...]:
        """The rule levels on a metric (cached: the rules change only with the configuration)."""
        found = self._thresholds.get(metric_id)
        if found is None:
            found = thresholds_for(metric_id, self.hub.config.rules)
            self._thresholds[metric_id] = found
        return found

    def history_value(self, metric_id: str, moment: float, tol: float) -> float:
        """The store's value of a metric at `moment` (NaN without history), cached by minute."""
        if self.history is None:
            return math.nan
        key = (metric_id, int(moment // 60))
        if key in self._references:
            self._references.move_to_end(key)
            return self._references[key]
        value = self.history.value_at(metric_id, moment, tol)
        self._references[key] = value
        while len(self._references) > REFERENCE_CACHE:
            self._references.popitem(last=False)
        return value

    def note_events(self, events: Iterable[AlarmEvent]) -> None:
        """Remember alarm raises for the charts' marks (a bounded memory)."""
        for event in events:
            if event.event in ("raised", "severity_changed"):
                self._raises.append((event.metric, Mark(event.ts, event.severity)))

    def marks(self, metric_ids: Sequence[str], alarms: Sequence[Alarm]) -> list[Mark]:
        wanted = set(metric_ids)
        out = {m for metric, m in self._raises if metric in wanted}
        for alarm in alarms:
            if alarm.metric in wanted and alarm.raised_at is not None and alarm.active:
                out.add(Mark(alarm.raised_at, alarm.severity))
        return sorted(out, key=lambda m: m.ts)

    def metric_state(
        self, metric_id: str, panel: PanelConfig, alarms: Sequence[Alarm], now: float
    ) -> TileState:
        """The tile state of one metric as `panel` shows it."""
        hub = self.hub
        metric = self._metrics.get(metric_id)
        if metric is None:
            return TileState(
                title=panel.title or metric_id, status="nodata",
                reason=f"unknown metric {metric_id}", age_text="no data",
            )
        series = hub.series(metric_id)
        return tile_state(
            metric, panel, series, hub.health(metric.source), alarms, now,
            hub.stale_after(metric.source), self._currencies.get(metric.source, "USD"),
            self.thresholds(metric_id), tz=self.tz, change=self._change(metric_id, panel),
        )

    def _change(self, metric_id: str, panel: PanelConfig) -> tuple[str, bool | None]:
        """The tile's change, recomputed only when the series changes (kept per metric and
        comparison: bounded by the configuration)."""
        series = self.hub.series(metric_id)
        metric = self._metrics[metric_id]
        version = series.version if series is not None else -1
        key = (metric_id, panel.compare, panel.window)
        kept = self._changes.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        reference = math.nan
        if series is not None and len(series) and self.history is not None:
            last_ts = series.last_ts()
            offset = compare_offset(panel.compare, panel.window, last_ts, self.tz)
            first_ts = float(series.arrays()[0][0])
            if first_ts > last_ts - offset:  # the ring does not reach back
                reference = self.history_value(metric_id, last_ts - offset, tolerance(offset))
        change = tile_change(metric, panel, series, reference, self.tz)
        self._changes[key] = (version, change)
        return change

    def arrays(self, metric_id: str) -> tuple[FloatArray, FloatArray] | None:
        """The series' arrays, copied once per version (several panels may show a metric)."""
        series = self.hub.series(metric_id)
        if series is None:
            return None
        kept = self._arrays.get(metric_id)
        if kept is None or kept[0] != series.version:
            kept = (series.version, *series.arrays())
            self._arrays[metric_id] = kept
        return kept[1], kept[2]

    # --- the tick ---------------------------------------------------------------------------

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
            else:
                self.feeds.refresh(widget, alarms, now, draw_series)

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
        key = (series.version, pixel_step(now, widget.panel.window, widget.plot.width()))
        if self._drawn.get(widget) != key:
            self._drawn[widget] = key
            arrays = self.arrays(metric_id)
            if arrays is not None:
                widget.set_sparkline(arrays[0], arrays[1], now)

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
        marks = self.marks(widget.metric_ids, alarms)
        key = (tuple(s.version if s else -1 for s in all_series),
               pixel_step(now, widget.panel.window, widget.plot.width()), tuple(marks))
        if self._drawn.get(widget) == key:
            return
        first_draw = widget not in self._drawn
        self._drawn[widget] = key
        lines = []
        for metric_id, series in zip(widget.metric_ids, all_series, strict=True):
            if series is None:
                continue
            ts, values = self.arrays(metric_id) or series.arrays()
            factor, _ = chart_scale(self._unit(metric_id))
            if factor != 1.0:
                values = values * factor
            lines.append(LineData(metric_id, self._label(metric_id), ts, values,
                                  self._value_text(metric_id, series.last_value())))
        if first_draw:
            widget.set_thresholds(self._chart_thresholds(widget))
        widget.set_lines(lines, now)
        widget.set_marks(marks, now)
        if widget.panel.overlay != "none" and widget.metric_ids:
            self._refresh_overlay(widget, now)

    def _chart_thresholds(self, widget: TimeSeriesPanelWidget) -> list[Threshold]:
        """The levels of the chart's metrics in its scale, each level once."""
        seen: dict[tuple[float, str, str], Threshold] = {}
        for metric_id in widget.metric_ids:
            factor, _ = chart_scale(self._unit(metric_id))
            for t in self.thresholds(metric_id):
                scaled = Threshold(t.level * factor, t.op, t.severity, t.rule)
                seen.setdefault((scaled.level, t.op, t.severity), scaled)
        return list(seen.values())

    def _refresh_overlay(self, widget: TimeSeriesPanelWidget, now: float) -> None:
        """The first metric's comparison period, from the ring when it reaches back, else from
        the minute rollups; read once a minute, placed every redraw."""
        panel = widget.panel
        minute = int(now // 60)
        cached = self._overlays.get(widget)
        if cached is None or cached.minute != minute:
            metric_id = widget.metric_ids[0]
            offset = compare_offset(panel.overlay, panel.window, now, self.tz)
            start, end = now - offset - panel.window, now - offset + 60.0
            ts, values = self._period(metric_id, start, end)
            factor, _ = chart_scale(self._unit(metric_id))
            caption = CAPTIONS.get(panel.overlay, "previous period").removeprefix("vs ")
            cached = _Overlay(minute, ts, values * factor, offset, caption)
            self._overlays[widget] = cached
        widget.set_overlay(cached.ts, cached.values, cached.offset, now, cached.caption)

    def _period(self, metric_id: str, start: float, end: float) -> tuple[FloatArray, FloatArray]:
        series = self.hub.series(metric_id)
        if series is not None and len(series):
            ts, values = series.arrays()
            if ts[0] <= start:
                keep = (ts >= start) & (ts <= end)
                return ts[keep], values[keep]
        if self.history is not None:
            return self.history.minute_series(metric_id, start, end)
        return np.empty(0), np.empty(0)

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
