"""A stat tile: one metric's number, unit, change and sparkline, legible across the room.

The number takes the colour of the most severe threshold level it is beyond (with the level in
words in the footer), grey when stale or failing; the change is coloured by the metric's good
direction.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState, compare_caption
from noc_board.core.series import FloatArray
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.plot_support import ExpandingRange, line, quiet_plot, relative_x, time_scale
from noc_board.ui.theme import (
    FILL_ALPHA,
    MIN_TEXT_PX,
    NUMERAL_FAMILY,
    Palette,
    blend,
    value_pixel_size,
)

NUMBER_GAP = 10
SIDE_MARGINS = 40  # the frame's left and right content margins plus a little air
CHROME_PX = 120


def numeral_font(px: int) -> QFont:
    """The bold condensed face of big numbers, at `px` pixels."""
    font = QFont()
    font.setFamilies([f.strip() for f in NUMERAL_FAMILY.split(",")])
    font.setPixelSize(px)
    font.setBold(True)
    return font


class StatTileWidget(PanelFrameWidget):
    """Draws a `TileState` and a sparkline; the big number is as large as the tile allows.

    The number's size follows the tile's height (`theme.value_pixel_size`) and shrinks, in 4 px
    steps, when the number and its unit would not fit the width. The sparkline's plot item is
    created once; `set_sparkline` only feeds it data, over a fixed x range (the panel's window)
    and a y range that only expands.
    """

    def __init__(
        self, panel: PanelConfig, theme: Palette, parent: QWidget | None = None
    ) -> None:
        super().__init__(panel, theme, parent)
        self.metric_ids = tuple(panel.metrics[:1])
        self.value_label = QLabel("—", self)
        self.value_label.setProperty("role", "value")
        self.unit_label = QLabel("", self)
        self.unit_label.setProperty("role", "unit")
        self.change_label = QLabel("", self)
        self.change_label.setProperty("role", "change")
        self.caption_label = QLabel("", self)
        self.caption_label.setProperty("role", "age")
        self._caption = compare_caption(panel)

        number_row = QHBoxLayout()
        number_row.setSpacing(NUMBER_GAP)
        number_row.addWidget(self.value_label, 0, Qt.AlignmentFlag.AlignBaseline)
        number_row.addWidget(self.unit_label, 0, Qt.AlignmentFlag.AlignBaseline)
        number_row.addStretch(1)
        self.body.addLayout(number_row, 0)
        change_row = QHBoxLayout()
        change_row.setSpacing(NUMBER_GAP)
        change_row.addWidget(self.change_label, 0, Qt.AlignmentFlag.AlignBaseline)
        change_row.addWidget(self.caption_label, 0, Qt.AlignmentFlag.AlignBaseline)
        change_row.addStretch(1)
        self.body.addLayout(change_row, 0)

        self.plot = quiet_plot(theme, axes=False)
        per_unit, _ = time_scale(panel.window)
        self.plot.getPlotItem().setXRange(-panel.window / per_unit, 0.0, padding=0.0)
        self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.plot.setMinimumHeight(24)
        self.curve = line(theme.ok, fill=blend(theme.ok, theme.surface, FILL_ALPHA))
        self.plot.addItem(self.curve)
        self.body.addWidget(self.plot, 1)
        self._y = ExpandingRange()
        self._line_colour = theme.ok
        self._value_style: tuple[str, int] = ("", 0)
        self._change_style = ""
        self._fit_key: tuple[str, str, int, int] = ("", "", -1, -1)
        self._fit_px = 0
        self._restyle_numbers()

    # --- drawing given state ------------------------------------------------------------------

    def set_state(self, state: TileState) -> None:
        """Draw `state`; nothing is redrawn when it equals the last one."""
        before = self.state
        if before == state:
            return
        self.apply_frame_state(state)
        if before is None or before.value_text != state.value_text:
            self.value_label.setText(state.value_text)
        if before is None or before.unit_text != state.unit_text:
            self.unit_label.setText(state.unit_text)
        if before is None or before.change_text != state.change_text:
            self.change_label.setText(state.change_text)
            self.caption_label.setText(self._caption if state.change_text else "")
        self._restyle_numbers()

    def set_sparkline(self, ts: FloatArray, values: FloatArray, now: float) -> None:
        """Feed the sparkline the series (oldest first); x is relative to `now`."""
        x, keep = relative_x(ts, now, self.panel.window)
        y = values[keep]
        if self._y.fit(y):
            self.plot.getPlotItem().setYRange(self._y.low, self._y.high, padding=0.0)
        self.curve.setData(x, y, connect="finite")

    # --- looks ---------------------------------------------------------------------------------

    def value_pixel_size(self) -> int:
        """The number's size: from the height, shrunk (4 px steps) until it fits the width."""
        value, unit = self.value_label.text(), self.unit_label.text()
        key = (value, unit, self.width(), self.height())
        if key != self._fit_key:
            self._fit_key = key
            self._fit_px = self._fit(value, unit)
        return self._fit_px

    def _fit(self, value: str, unit: str) -> int:
        # the header, the change row and the footer take about CHROME_PX of a tile's height
        px = min(value_pixel_size(self.height()), max(MIN_TEXT_PX * 2, self.height() - CHROME_PX))
        room = self.width() - SIDE_MARGINS
        while px > MIN_TEXT_PX * 2:
            needed = QFontMetrics(numeral_font(px)).horizontalAdvance(value)
            if unit:
                needed += NUMBER_GAP + QFontMetrics(numeral_font(px // 2)).horizontalAdvance(unit)
            if needed <= room:
                break
            px -= 4
        return px

    def _restyle_numbers(self) -> None:
        state = self.state
        greyed = state is not None and state.greyed
        t = self.theme
        colour = t.stale if greyed else t.text
        if state is not None and not greyed and state.level:
            colour = t.severity(state.level)  # beyond a rule's level: the level's colour
        px = self.value_pixel_size()
        if self._value_style != (colour, px):
            self._value_style = (colour, px)
            self.value_label.setStyleSheet(f"color: {colour}; font-size: {px}px;")
            self.unit_label.setStyleSheet(f"font-size: {max(MIN_TEXT_PX + 4, px // 2)}px;")
        change_colour = t.text_dim
        if state is not None and not greyed and state.change_good is not None:
            change_colour = t.good if state.change_good else t.bad
        change_px = max(MIN_TEXT_PX + 6, min(px // 3, 44))
        change_style = f"color: {change_colour}; font-size: {change_px}px; font-weight: 700;"
        if change_style != self._change_style:
            self._change_style = change_style
            self.change_label.setStyleSheet(change_style)
        line_colour = t.stale if greyed else t.ok
        if state is not None and not greyed and state.level:
            line_colour = t.severity(state.level)
        if line_colour != self._line_colour:
            self._line_colour = line_colour
            self.curve.setPen(line_colour, width=1)
            self.curve.setBrush(blend(line_colour, t.surface, FILL_ALPHA))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._restyle_numbers()
