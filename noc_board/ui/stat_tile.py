"""A stat tile: one metric's number, unit, change and sparkline, legible across the room.

The number takes the colour of the most severe threshold level it is beyond (with the level in
words in the footer), grey when stale or failing; the change is coloured by the metric's good
direction.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSizePolicy, QWidget

from noc_board.config.schema import PanelConfig
from noc_board.core.panel_model import TileState, compare_caption
from noc_board.core.series import FloatArray
from noc_board.ui.panel_frame import PanelFrameWidget
from noc_board.ui.plot_support import ExpandingRange, line, quiet_plot, relative_x, time_scale
from noc_board.ui.theme import FILL_ALPHA, Palette, blend, value_pixel_size
from noc_board.ui.tile_fit import (
    NUMBER_GAP,
    ROW_GAP,
    SPARKLINE_MIN_PX,
    TileFit,
    fit_tile,
    unit_px,
)

AIR = 4  # a little room beside the number, so rounding never cuts its last digit


class StatTileWidget(PanelFrameWidget):
    """Draws a `TileState` and a sparkline; the big number is as large as the tile allows.

    The number's size follows the tile's height (`theme.value_pixel_size`) and shrinks when the
    number and its unit would not fit the width or the height the title and footer leave; a
    tile too small for everything drops the sparkline, then the change (`tile_fit`). The
    sparkline's plot item is
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
        self.caption_label = QLabel("", self)  # "vs yesterday": only when it fits
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
        self.body.setSpacing(ROW_GAP)

        self.plot = quiet_plot(theme, axes=False)
        per_unit, _ = time_scale(panel.window)
        self.plot.getPlotItem().setXRange(-panel.window / per_unit, 0.0, padding=0.0)
        self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.plot.setMinimumHeight(SPARKLINE_MIN_PX)
        self.curve = line(theme.ok, fill=blend(theme.ok, theme.surface, FILL_ALPHA))
        self.plot.addItem(self.curve)
        self.body.addWidget(self.plot, 1)
        self._y = ExpandingRange()
        self._line_colour = theme.ok
        self._value_style: tuple[str, int] = ("", 0)
        self._change_style = ""
        self._fit_key: tuple[object, ...] = ()
        self._fit = TileFit(0, 0, True, True)
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
        """The number's size (see `fit`)."""
        return self.fit().value_px

    def fit(self) -> TileFit:
        """How the number, the change and the sparkline fill the tile (`tile_fit.fit_tile`):
        the number as large as the height asks (`theme.value_pixel_size`), shrunk to fit the
        width and the room the title and the footer leave; kept until a text or the size
        changes."""
        value, unit = self.value_label.text(), self.unit_label.text()
        change = self.change_label.text()
        header, footer = self._chrome_heights()
        key = (value, unit, change, self.width(), self.height(), header, footer)
        if key != self._fit_key:
            self._fit_key = key
            margins = self.contentsMargins() + self._outer().contentsMargins()
            spacing = self._outer().spacing()
            body = (self.height() - margins.top() - margins.bottom() - header - footer
                    - 2 * spacing)
            room = self.width() - margins.left() - margins.right() - AIR
            hint = self.caption_label.sizeHint()
            self._fit = fit_tile(value, unit, change, (hint.width(), hint.height()), room, body,
                                 value_pixel_size(self.height()))
        return self._fit

    def _outer(self) -> QLayout:
        layout = self.layout()
        if layout is None:  # the frame always sets one
            raise RuntimeError("a stat tile without its layout")
        return layout

    def _chrome_heights(self) -> tuple[int, int]:
        """The heights of the header (title, badge) and the footer (age, reason)."""
        header = self.title_label.sizeHint().height()
        if not self.badge_label.isHidden():
            header = max(header, self.badge_label.sizeHint().height())
        footer = self.age_label.sizeHint().height()
        if not self.reason_label.isHidden():
            margins = self._outer().contentsMargins()
            room = self.width() - margins.left() - margins.right()
            if self.age_label.text():
                room -= self.age_label.sizeHint().width() + 8
            footer = max(footer, self.reason_label.heightForWidth(max(room, 1)))
        return header, footer

    def _restyle_numbers(self) -> None:
        state = self.state
        greyed = state is not None and state.greyed
        t = self.theme
        colour = t.stale if greyed else t.text
        if state is not None and not greyed and state.level:
            colour = t.severity(state.level)  # beyond a rule's level: the level's colour
        fit = self.fit()
        px = fit.value_px
        if self._value_style != (colour, px):
            self._value_style = (colour, px)
            self.value_label.setStyleSheet(f"color: {colour}; font-size: {px}px;")
            self.unit_label.setStyleSheet(f"font-size: {unit_px(px)}px;")
        self.unit_label.setVisible(bool(self.unit_label.text()))  # no gap for a missing unit
        self.change_label.setVisible(fit.change)
        self.caption_label.setVisible(fit.caption)
        self.plot.setVisible(fit.sparkline)
        change_colour = t.text_dim
        if state is not None and not greyed and state.change_good is not None:
            change_colour = t.good if state.change_good else t.bad
        change_style = (f"color: {change_colour}; font-size: {fit.change_px}px; "
                        "font-weight: 700;")
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
