"""A page of the board: its panels laid out on a 24-column grid (Grafana's convention)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QWidget

from noc_board.config.schema import Config, PageConfig, PanelConfig
from noc_board.core.panel_model import chart_scale, metric_label
from noc_board.core.units import Unit
from noc_board.ui.bars_panel import BarsPanelWidget
from noc_board.ui.clock_panel import ClockPanelWidget
from noc_board.ui.flow_panel import FlowPanelWidget
from noc_board.ui.funnel_panel import FunnelPanelWidget
from noc_board.ui.heatmap_panel import HeatmapPanelWidget
from noc_board.ui.insights_panel import InsightsPanelWidget
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.status_grid import StatusGridWidget
from noc_board.ui.theme import Palette
from noc_board.ui.timeseries_panel import TimeSeriesPanelWidget

PAINTED: dict[str, Callable[[PanelConfig, Palette, QWidget | None], PanelFrameWidget]] = {
    "bars": BarsPanelWidget,
    "funnel": FunnelPanelWidget,
    "flow": FlowPanelWidget,
    "heatmap": HeatmapPanelWidget,
    "status": StatusGridWidget,
    "clock": ClockPanelWidget,
    "insights": InsightsPanelWidget,
}


def build_panel(panel: PanelConfig, config: Config, theme: Palette,
                parent: QWidget | None = None) -> PanelFrameWidget:
    """The widget of `panel`'s kind."""
    if panel.kind == "timeseries":
        labels = []
        for metric_id in panel.metrics:
            metric = config.metric(metric_id)
            labels.append(metric_label(metric) if metric else metric_id)
        first = config.metric(panel.metrics[0]) if panel.metrics else None
        _, suffix = chart_scale(Unit(first.unit)) if first else (1.0, "")
        return TimeSeriesPanelWidget(panel, labels, theme, suffix, parent)
    painted = PAINTED.get(panel.kind)
    if painted is not None:
        return painted(panel, theme, parent)
    return StatTileWidget(panel, theme, parent)

COLUMNS = 24
ROW_MIN_PX = 36  # a 1080p board has room for ~22 rows under the bars and the banner
SPACING_PX = 12


class BoardPageWidget(QWidget):
    """Places each panel at (x, y) spanning (w, h) grid cells.

    All 24 columns, and all rows down to the lowest panel, stretch equally, so a page fills the
    screen whatever its size and every row has the same height; panels ignore their size hints so
    content never bends the grid.

    With `build=False` the page is an empty shell (no layout, no panels) until `build()`: the
    window makes the page it shows first before its first frame and the others after it
    (noc_board.ui.main_window), since making a page's panels is most of a cold start.
    """

    def __init__(
        self, page: PageConfig, config: Config, theme: Palette, parent: QWidget | None = None,
        build: bool = True,
    ) -> None:
        super().__init__(parent)
        self.page = page
        self.panels: list[PanelFrameWidget] = []
        self._config = config
        self._theme = theme
        self._built = False
        if build:
            self.build()

    @property
    def built(self) -> bool:
        """Whether the panels are made (`build()` ran)."""
        return self._built

    def build(self) -> bool:
        """Make the grid and its panels; False (nothing done) when they were made already."""
        if self._built:
            return False
        self._built = True
        page = self.page
        grid = QGridLayout(self)
        grid.setContentsMargins(SPACING_PX, SPACING_PX, SPACING_PX, SPACING_PX)
        grid.setSpacing(SPACING_PX)
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)
        rows = max((p.y + p.h for p in page.panels), default=1)
        for row in range(rows):
            grid.setRowStretch(row, 1)
            grid.setRowMinimumHeight(row, ROW_MIN_PX)
        for panel in page.panels:
            widget = build_panel(panel, self._config, self._theme, self)
            width = max(1, min(panel.w, COLUMNS - panel.x))
            grid.addWidget(widget, panel.y, panel.x, panel.h, width)
            self.panels.append(widget)
        return True

    def metric_ids(self) -> frozenset[str]:
        """Every metric (and breakdown) shown on the page."""
        ids = {m for p in self.page.panels for m in p.metrics}
        ids.update(p.breakdown for p in self.page.panels if p.breakdown)
        ids.update(m for p in self.page.panels for m in p.response if m)
        return frozenset(ids)

    def stop_timers(self) -> None:
        """Stop every panel's timers (teardown)."""
        for panel in self.panels:
            panel.stop_timers()
