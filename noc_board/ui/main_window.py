"""The wallboard window: top bar, alarm banner, pages of panels, source health strip.

One repaint tick (a QTimer, 1 Hz by default) coalesces every change: the bridge's signals only
mark metrics dirty, and the tick recomputes the visible page (ages move every second even without
new data) plus the hidden panels whose metrics changed. Keys: A acknowledges the top alarm,
←/→ change page, F11 toggles full screen, Esc leaves it.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from noc_board.core.alarms import Alarm
from noc_board.core.clock import Clock
from noc_board.core.health import SourceHealth
from noc_board.core.units import format_duration
from noc_board.engine.hub import Hub
from noc_board.ui.alarm_banner import AlarmBannerWidget
from noc_board.ui.board_page import BoardPageWidget
from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.health_strip import SourceHealthStripWidget
from noc_board.ui.screen_placement import place_on_screen, set_full_screen
from noc_board.ui.theme import palette, stylesheet

__all__ = ["WallboardWindow", "place_on_screen"]

log = logging.getLogger(__name__)

MESSAGE_SECONDS = 15.0  # how long a refused intent's reason stays in the top bar


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; the clock shows UTC", name)
        return dt.UTC


class WallboardWindow(QMainWindow):
    """The board. Built from a hub (read) and a bridge (signals in, intents out); no globals.

    `tick_ms=0` turns the automatic repaint tick off: tests call `tick()` after moving the clock.

    Signals:
        closed(): the window was closed (after its timers stopped); the app ends on it.
    """

    closed = Signal()

    def __init__(
        self, hub: Hub, bridge: EngineBridge, clock: Clock, tick_ms: int = 1000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.bridge = bridge
        self.clock = clock
        board = hub.config.board
        self.theme = palette(board.theme)
        self._zone = _zone(board.timezone)
        self.presenter = BoardPresenter(hub)
        self._dirty: set[str] = set()
        self._last_engine_signal: float | None = None
        self._message_until = 0.0
        self._notices: list[str] = []
        self._beat = False
        self.setWindowTitle(board.title)
        self.setStyleSheet(stylesheet(self.theme))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        central = QWidget(self)
        central.setObjectName("WallboardCentral")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._build_top_bar(board.title))
        metrics = {m.id: m for m in hub.config.metrics}
        currencies = {}
        for metric in hub.config.metrics:
            source = hub.config.source(metric.source)
            currencies[metric.id] = source.currency if source else "USD"
        self.banner = AlarmBannerWidget(self.theme, metrics, board.operators, currencies, central)
        self.banner.acknowledge_requested.connect(self._acknowledge)
        column.addWidget(self.banner)
        self.stack = QStackedWidget(central)
        self.pages: list[BoardPageWidget] = [
            BoardPageWidget(page, hub.config, self.theme, self.stack) for page in hub.config.pages
        ]
        for page in self.pages:
            self.stack.addWidget(page)
        if not self.pages:
            empty = QLabel("No pages configured: add [[pages]] to the configuration.", self.stack)
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(empty)
        column.addWidget(self.stack, 1)
        self.health_strip = SourceHealthStripWidget(self.theme, central)
        column.addWidget(self.health_strip)
        self.setCentralWidget(central)

        bridge.metrics_updated.connect(self._on_metrics_updated)
        bridge.health_changed.connect(self._on_health_changed)
        bridge.alarms_changed.connect(self._on_alarms_changed)
        bridge.intent_failed.connect(self._on_intent_failed)
        self._connected = True

        self.tick_timer = QTimer(self)
        self.tick_timer.setObjectName("repaint-tick")
        self.tick_timer.setInterval(max(tick_ms, 1))
        self.tick_timer.timeout.connect(self.tick)
        if tick_ms > 0:
            self.tick_timer.start()
        self._show_page_label()
        self.tick()

    def _build_top_bar(self, title: str) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("TopBar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(bar)
        row.setContentsMargins(20, 8, 20, 8)
        row.setSpacing(24)
        self.title_label = QLabel(title, bar)
        self.title_label.setObjectName("BoardTitle")
        self.page_label = QLabel("", bar)
        self.page_label.setObjectName("PageName")
        self.message_label = QLabel("", bar)
        self.message_label.setObjectName("IntentMessage")
        self.heartbeat_label = QLabel("", bar)
        self.heartbeat_label.setObjectName("Heartbeat")
        self.clock_label = QLabel("", bar)
        self.clock_label.setObjectName("Clock")
        row.addWidget(self.title_label)
        row.addWidget(self.page_label)
        row.addStretch(1)
        row.addWidget(self.message_label)
        row.addWidget(self.heartbeat_label)
        row.addWidget(self.clock_label)
        return bar

    # --- published state in: only mark dirty -----------------------------------------------------

    def _engine_spoke(self) -> None:
        self._last_engine_signal = self.clock.now()

    def _on_metrics_updated(self, metric_ids: frozenset[str]) -> None:
        self._engine_spoke()
        self._dirty.update(metric_ids)

    def _on_health_changed(self, health: SourceHealth) -> None:
        self._engine_spoke()
        self._dirty.update(m.id for m in self.hub.config.metrics if m.source == health.source)

    def _on_alarms_changed(self, alarms: tuple[Alarm, ...]) -> None:
        self._engine_spoke()
        self._dirty.update(a.metric for a in alarms)

    def _on_intent_failed(self, reason: str) -> None:
        self.message_label.setText(f"⚠ {reason}")
        self.message_label.setToolTip(reason)
        self._message_until = self.clock.now() + MESSAGE_SECONDS

    def show_notice(self, text: str) -> None:
        """A lasting notice in the top bar (e.g. a missing secret); several are joined."""
        if text not in self._notices:
            self._notices.append(text)
        self._show_notices()

    def _show_notices(self) -> None:
        text = "  ·  ".join(self._notices)
        self.message_label.setText(f"⚠ {text}" if text else "")
        self.message_label.setToolTip("\n".join(self._notices))

    def _acknowledge(self, key: str, operator: str, comment: str) -> None:
        if self.bridge.acknowledge(key, operator, comment):
            self.tick()  # the operator sees the flash stop at once

    # --- the repaint tick ---------------------------------------------------------------------

    def tick(self) -> None:
        """Redraw: clock, heartbeat, health, banner, the visible page, and dirty hidden panels."""
        now = self.clock.now()
        stamp = dt.datetime.fromtimestamp(now, self._zone)
        self.clock_label.setText(stamp.strftime("%a %d %b  %H:%M:%S %Z"))
        self._beat = not self._beat
        heart = "♥" if self._beat else "♡"
        since = self._last_engine_signal
        age = "waiting" if since is None else format_duration(now - since)
        self.heartbeat_label.setText(f"{heart} engine {age}")
        if self._message_until and now >= self._message_until:
            self._message_until = 0.0
            self._show_notices()
        self.health_strip.set_healths(self.hub.healths(), now)
        self.banner.set_alarms(self.hub.alarms(), now)
        current = self.current_page()
        dirty, self._dirty = frozenset(self._dirty), set()
        for page in self.pages:
            if page is current:
                self.presenter.refresh(page.panels, now, draw_series=True)
            elif dirty:
                touched = [p for p in page.panels if dirty.intersection(p.metric_ids)]
                self.presenter.refresh(touched, now, draw_series=False)

    # --- pages ----------------------------------------------------------------------------------

    def current_page(self) -> BoardPageWidget | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, BoardPageWidget) else None

    def page_index(self) -> int:
        return self.stack.currentIndex()

    def show_page(self, index: int) -> None:
        """Show page `index` (wrapping around) and draw it at once."""
        if not self.pages:
            return
        self.stack.setCurrentIndex(index % len(self.pages))
        self._show_page_label()
        page = self.current_page()
        if page is not None:
            self.presenter.refresh(page.panels, self.clock.now(), draw_series=True)

    def next_page(self) -> None:
        self.show_page(self.page_index() + 1)

    def previous_page(self) -> None:
        self.show_page(self.page_index() - 1)

    def _show_page_label(self) -> None:
        page = self.current_page()
        if page is None:
            self.page_label.setText("")
            return
        self.page_label.setText(
            f"{page.page.name}  ·  {self.page_index() + 1}/{len(self.pages)}"
        )

    # --- keys and teardown ----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_A:
            self.banner.request_ack()
        elif key == Qt.Key.Key_Right:
            self.next_page()
        elif key == Qt.Key.Key_Left:
            self.previous_page()
        elif key == Qt.Key.Key_F11:
            set_full_screen(self, not self.isFullScreen())
        elif key == Qt.Key.Key_Escape and self.isFullScreen():
            set_full_screen(self, False)
        else:
            super().keyPressEvent(event)

    def shutdown(self) -> None:
        """Stop every timer, close the dialog and stop listening to the bridge (idempotent)."""
        self.tick_timer.stop()
        self.banner.close_dialog()
        for page in self.pages:
            page.stop_timers()
        if self._connected:
            self._connected = False
            self.bridge.metrics_updated.disconnect(self._on_metrics_updated)
            self.bridge.health_changed.disconnect(self._on_health_changed)
            self.bridge.alarms_changed.disconnect(self._on_alarms_changed)
            self.bridge.intent_failed.disconnect(self._on_intent_failed)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()
