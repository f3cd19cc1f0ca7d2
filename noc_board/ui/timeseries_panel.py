"""A time-series chart: the panel's metrics over its window, with a legend and the frame's cues."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState
from noc_board.core.series import FloatArray
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.plot_support import ChartAxes, ExpandingRange, line, quiet_plot, relative_x
from noc_board.ui.theme import Palette


@dataclass(frozen=True, slots=True)
class LineData:
    """One line of a chart: its legend label and latest value, and its points already scaled
    for display (ratios as percentages)."""

    metric_id: str
    label: str
    ts: FloatArray
    values: FloatArray
    value_text: str = ""


class TimeSeriesPanelWidget(PanelFrameWidget):
    """Draws several series over `panel.window` on a relative time axis ("30m" … "now").

    One plot item per metric, created once with a width-1 pen; the x range is fixed and the y
    range only expands (see plot_support). The legend is a line of text above the plot (colour
    swatch, name, latest value), so it never hides the data. The header state (`set_state`) is
    the merge of the metrics' tile states: the worst freshness and the loudest alarm.
    """

    def __init__(
        self, panel: PanelConfig, labels: Sequence[str], theme: Palette, y_suffix: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(panel, theme, parent)
        self.plot = quiet_plot(theme, axes=True)
        self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        item = self.plot.getPlotItem()
        self.axes = ChartAxes(item, theme, panel.window, y_suffix)
        self.legend_label = QLabel(self)
        self.legend_label.setProperty("role", "legend")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        self.legend_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._legend: dict[str, tuple[str, str]] = {}  # metric id -> (label, value text)
        self._colours: dict[str, str] = {}
        for i, (metric_id, label) in enumerate(zip(self.metric_ids, labels, strict=True)):
            colour = theme.series[i % len(theme.series)]
            curve = line(colour, name=label)
            item.addItem(curve)
            self.curves[metric_id] = curve
            self._colours[metric_id] = colour
            self._legend[metric_id] = (label, "")
        self._render_legend()
        self.body.addWidget(self.legend_label, 0)
        self.body.addWidget(self.plot, 1)
        self._y = ExpandingRange()

    def set_state(self, state: TileState) -> None:
        """Draw the header state (freshness, reason, alarm); equal states cost nothing."""
        if state == self.state:
            return
        greyed_before = self.state is not None and self.state.greyed
        self.apply_frame_state(state)
        if greyed_before != state.greyed:
            self.plot.getPlotItem().setOpacity(0.4 if state.greyed else 1.0)

    def set_lines(self, lines: Sequence[LineData], now: float) -> None:
        """Feed the curves; x is in time units before `now`."""
        visible: list[FloatArray] = []
        legend_changed = False
        for data in lines:
            curve = self.curves.get(data.metric_id)
            if curve is None:
                continue
            x, keep = relative_x(data.ts, now, self.panel.window)
            y = data.values[keep]
            curve.setData(x, y, connect="finite")
            visible.append(y)
            entry = (data.label, data.value_text)
            if self._legend.get(data.metric_id) != entry:
                self._legend[data.metric_id] = entry
                legend_changed = True
        if legend_changed:
            self._render_legend()
        if visible and self._y.fit(np.concatenate(visible)):
            self.axes.set_y_range(self._y.low, self._y.high)

    def legend_texts(self) -> list[str]:
        """The legend's entries as plain text, e.g. "Checkout errors 4.10%"."""
        return [f"{label} {value}".strip() for label, value in self._legend.values()]

    def _render_legend(self) -> None:
        parts = []
        for metric_id, (label, value) in self._legend.items():
            colour = self._colours[metric_id]
            number = f" <b>{html.escape(value)}</b>" if value else ""
            parts.append(
                f'<span style="color:{colour}; font-weight:900;">━━</span>&nbsp;'
                f"{html.escape(label)}{number}"
            )
        self.legend_label.setText("&nbsp;&nbsp;&nbsp;&nbsp; ".join(parts))
