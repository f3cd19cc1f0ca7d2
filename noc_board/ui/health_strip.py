"""The strip along the bottom of the board: one chip per source, its state and its last success."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.units import format_duration
from noc_board.ui.panel_frame import ElidedLabel
from noc_board.ui.theme import Palette

SYMBOLS = {
    HealthState.OK: "●",
    HealthState.DEGRADED: "▲",
    HealthState.DOWN: "✖",
    HealthState.UNKNOWN: "?",
}


def chip_text(health: SourceHealth, now: float) -> str:
    """A chip's words: "● prom · 12s", "✖ stripe DOWN · 5m" (age of the last success).

    A healthy source's chip is its symbol alone (the room reads the exceptions): eight sources
    then fit a 1080p strip with their ages.
    """
    last = health.last_success
    age = "never" if last is None else format_duration(now - last)
    word = "" if health.state is HealthState.OK else f" {health.state.value.upper()}"
    return f"{SYMBOLS[health.state]} {health.source}{word} · {age}"


def chip_tooltip(health: SourceHealth) -> str:
    """The chip's tooltip: the last error, or that all is well."""
    if health.last_error:
        failures = health.consecutive_failures
        tail = f" ({failures} failed polls in a row)" if failures > 1 else ""
        return f"{health.source}: {health.last_error}{tail}"
    if health.state is HealthState.UNKNOWN:
        return f"{health.source}: not polled yet"
    return f"{health.source}: answering"


def fair_widths(wanted: Sequence[int], room: int) -> list[int]:
    """Share `room` among chips wanting these widths: one wanting less than an equal share
    keeps what it wants, and what it leaves goes to the wider ones."""
    given = list(wanted)
    left = max(room, 0)
    pending = sorted(range(len(wanted)), key=lambda i: wanted[i])
    while pending:
        i = pending.pop(0)
        given[i] = min(wanted[i], left // (len(pending) + 1))
        left -= given[i]
    return given


class ChipLabel(ElidedLabel):
    """A source's chip: its whole text when the strip has room; in a narrow strip every chip
    gives way alike and ends in "…" (the tooltip says the rest), rather than being cut."""

    MIN_CHARS = 4  # "● pr…": the symbol and the start of the name

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        padding = hint.width() - self.fontMetrics().horizontalAdvance(self.text())
        room = self.fontMetrics().averageCharWidth() * self.MIN_CHARS + padding
        return QSize(min(hint.width(), room), hint.height())

    def shown_text(self) -> str:
        """The text as painted: elided to the chip's contents."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.drawFrame(painter)  # the style sheet's border and background
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
        painter.end()


class SourceHealthStripWidget(QWidget):
    """One chip per source (colour and symbol, and a word unless OK: ● (OK), ▲ DEGRADED, ✖ DOWN,
    ? UNKNOWN).

    `set_healths` is called on every repaint tick so the ages move; a chip is restyled only when
    its state changes.
    """

    def __init__(self, theme: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HealthStrip")
        # many sources must not widen the window past the screen: the strip clips instead
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.theme = theme
        self.chips: dict[str, ChipLabel] = {}
        self._states: dict[str, HealthState] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(16, 6, 16, 6)
        self._row.setSpacing(12)
        self.caption = QLabel("Sources", self)
        self.caption.setProperty("role", "age")
        self._row.addWidget(self.caption)
        self._row.addStretch(1)

    def colour(self, state: HealthState) -> str:
        t = self.theme
        return {
            HealthState.OK: t.ok, HealthState.DEGRADED: t.info, HealthState.DOWN: t.critical,
        }.get(state, t.stale)

    def set_healths(self, healths: Sequence[SourceHealth], now: float) -> None:
        """Show these sources' health; chips are created on first sight, in order."""
        for health in healths:
            chip = self.chips.get(health.source)
            if chip is None:
                chip = ChipLabel(self)
                chip.setProperty("role", "chip")
                self._row.insertWidget(self._row.count() - 1, chip)
                self.chips[health.source] = chip
            text = chip_text(health, now)
            if chip.text() != text:
                chip.setText(text)
            tooltip = chip_tooltip(health)
            if chip.toolTip() != tooltip:
                chip.setToolTip(tooltip)
            if self._states.get(health.source) is not health.state:
                self._states[health.source] = health.state
                colour = self.colour(health.state)
                weight = 700 if health.state is not HealthState.OK else 400
                chip.setStyleSheet(
                    f"color: {colour}; border: 2px solid {colour}; font-weight: {weight};"
                )

        self._share()

    def _share(self) -> None:
        """In a strip too narrow for every chip, each gets a fair share (`fair_widths`)."""
        chips = list(self.chips.values())
        if not chips:
            return
        margins = self._row.contentsMargins()
        used = (margins.left() + margins.right() + self._row.spacing() * (len(chips) + 1)
                + self.caption.sizeHint().width())
        widths = fair_widths([c.sizeHint().width() for c in chips], self.width() - used)
        for chip, width in zip(chips, widths, strict=True):
            chip.setMaximumWidth(max(width, chip.minimumSizeHint().width()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share()

    def state_of(self, source: str) -> HealthState | None:
        """The state a chip currently shows (for tests and the smoke check)."""
        return self._states.get(source)
