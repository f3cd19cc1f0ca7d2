"""The wallboard window: top bar, alarm banner, pages of panels, source health strip.

One repaint tick (a QTimer, 1 Hz by default) coalesces every change: the bridge's signals only
mark metrics dirty, and the tick recomputes the visible page (ages move every second even without
new data) plus the hidden panels whose metrics changed. Keys: A acknowledges the top alarm,
S shelves it, H shows its history, M silences the horn (a timed mute, not an acknowledgement),
←/→ change page, Space pauses the rotation, R polls every source now, ? shows the keys, F11
toggles full screen, Esc leaves it;
F9 (or Ctrl+E) writes the shift report, N opens the shift notes, I the incidents.

The pages rotate as a playlist (`page_playlist`): held while an operator is at the board, and
jumping to the page of a new alarm (`show_page_for_metric`). A window may show a subset of the
pages (one window per screen). The tick also watches the board itself: a late tick means the
board was stalled, and it is said on screen; an engine that stopped speaking shows in the
heartbeat.

Only the page shown first is made before the first frame; the others are made after it, one per
event-loop turn, or at once when they are wanted earlier (`page_builder`). Pages not made yet
have no panels, so nothing feeds them; a page made later is fed the hub's state as it is made.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from noc_board.config.schema import PageConfig
from noc_board.core.alarms import SEVERITY_RANK, Alarm, AlarmEvent
from noc_board.core.clock import Clock
from noc_board.core.health import SourceHealth
from noc_board.engine.hub import Hub
from noc_board.ui.ack_dialog import seat_operator
from noc_board.ui.alarm_banner import AlarmBannerWidget, newly_unacked
from noc_board.ui.alarm_history import AlarmHistoryDialog
from noc_board.ui.board_page import BoardPageWidget
from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.board_watchdog import TickGap
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.health_strip import SourceHealthStripWidget
from noc_board.ui.help_overlay import HelpOverlayWidget
from noc_board.ui.page_builder import PageBuilder
from noc_board.ui.page_playlist import PagePlaylist
from noc_board.ui.page_refresh import PageRefresher
from noc_board.ui.screen_placement import place_on_screen, set_full_screen
from noc_board.ui.theme import palette, stylesheet
from noc_board.ui.top_bar import TopBarWidget

if TYPE_CHECKING:
    from noc_board.ui.report_export import ReportDesk
    from noc_board.ui.sound import AlarmHorn

__all__ = ["WallboardWindow", "place_on_screen"]

log = logging.getLogger(__name__)

ENGINE_SILENT_POLLS = 3  # the heartbeat warns after this many of the slowest poll intervals


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
        parent: QWidget | None = None, pages: Sequence[PageConfig] | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.bridge = bridge
        self.clock = clock
        board = hub.config.board
        self.theme = palette(board.theme)
        self._zone = _zone(board.timezone)
        self.presenter = BoardPresenter(hub, bridge.history, self._zone)
        shown_pages = list(hub.config.pages if pages is None else pages)
        self.playlist = PagePlaylist(shown_pages, board, clock.now())
        self._tick_gap = TickGap(max(tick_ms, 0) / 1000.0)
        self.on_tick: Callable[[], None] | None = None  # the app's stall watchdog beats here
        intervals = [s.interval for s in hub.config.sources if s is not None]
        self._engine_silent_after = max(30.0, ENGINE_SILENT_POLLS * max(intervals, default=10.0))
        self._dirty: set[str] = set()
        self._last_engine_signal: float | None = None
        self.setWindowTitle(board.title)
        self.setStyleSheet(stylesheet(self.theme))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        central = QWidget(self)
        central.setObjectName("WallboardCentral")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.top_bar = TopBarWidget(board.title, self.theme, central)
        column.addWidget(self.top_bar)
        bar = self.top_bar  # its labels, by their old names (tests and hooks read them)
        self.title_label, self.page_label = bar.title_label, bar.page_label
        self.message_label, self.heartbeat_label = bar.message_label, bar.heartbeat_label
        self.clock_label = bar.clock_label
        self.config_errors_label = QLabel("", central)
        self.config_errors_label.setObjectName("ConfigErrors")
        self.config_errors_label.setWordWrap(True)
        self.config_errors_label.hide()
        column.addWidget(self.config_errors_label)
        metrics = {m.id: m for m in hub.config.metrics}
        currencies = {}
        for metric in hub.config.metrics:
            source = hub.config.source(metric.source)
            currencies[metric.id] = source.currency if source else "USD"
        self.banner = AlarmBannerWidget(self.theme, metrics, board.operators, currencies, central)
        self.banner.acknowledge_requested.connect(self._acknowledge)
        # the alarm desk: acks with expiry, shelving, history, the horn (noc_board.ui.sound)
        self._metrics, self._currencies = metrics, currencies
        self.banner.set_clock(clock, self._zone)
        self.banner.acknowledge_until_requested.connect(self._acknowledge_until)
        self.banner.shelve_requested.connect(self._shelve)
        self.banner.history_requested.connect(self.show_history)
        self.horn: AlarmHorn | None = None
        self.history_dialog: AlarmHistoryDialog | None = None
        self._report_desk: ReportDesk | None = None  # notes, incidents, reports: made on use
        column.addWidget(self.banner)
        self.stack = QStackedWidget(central)
        # the first page now, the others after the first frame (noc_board.ui.page_builder)
        self.pages: list[BoardPageWidget] = [
            BoardPageWidget(page, hub.config, self.theme, self.stack, build=index == 0)
            for index, page in enumerate(shown_pages)
        ]
        for page in self.pages:
            self.stack.addWidget(page)
        self._painted = False
        self.page_builder = PageBuilder(self.pages, self.page_index, self._page_built, self)
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
        bridge.alarm_events.connect(self._on_alarm_events)
        bridge.alarm_events.connect(self.presenter.note_events)
        self._connected = True
        self.help_overlay = HelpOverlayWidget(self.theme, central)

        self.tick_timer = QTimer(self)
        self.tick_timer.setObjectName("repaint-tick")
        self.tick_timer.setInterval(max(tick_ms, 1))
        self.tick_timer.timeout.connect(self.tick)
        self.refresher = PageRefresher(self.presenter, self)  # the running tick's page feed
        if tick_ms > 0:
            self.tick_timer.start()
        self._show_page_label()
        self.tick()

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
        self.banner.set_alarms(alarms, self.clock.now())  # the banner at once, not at the tick

    def _on_intent_failed(self, reason: str) -> None:
        self.top_bar.show_message(reason, self.clock.now())

    def show_notice(self, text: str) -> None:
        """A lasting notice in the top bar (e.g. a missing secret); several are joined."""
        self.top_bar.show_notice(text)

    def clear_notice(self, text: str) -> None:
        """Take back a notice given with `show_notice` (e.g. the audio device is back)."""
        self.top_bar.clear_notice(text)

    def _acknowledge(self, key: str, operator: str, comment: str) -> None:
        if self.bridge.acknowledge(key, operator, comment):
            self.tick()  # the operator sees the flash stop at once

    # --- the alarm desk: horn, ack with expiry, shelve, history, the page of a new alarm ----------

    def attach_horn(self, horn: AlarmHorn) -> None:
        """Let the window drive `horn`: M silences it, the banner shows its silence, and it stops
        with the window. Feeding it alarms is the caller's (noc_board.ui.alarm_desk)."""
        self.horn = horn
        horn.changed.connect(self._show_horn_state)
        self._show_horn_state()

    def silence_horn(self) -> float | None:
        """Mute the horn for its silence time, journaled with the OS user; not an ack."""
        if self.horn is None:
            self._on_intent_failed("the horn is off on this board")
            return None
        operator = seat_operator()
        until = self.horn.silence(operator)
        if until is None:
            self._on_intent_failed("the horn is not sounding")
            return None
        self.bridge.silence_horn(operator, until, self.horn.pending_keys())
        return until

    def _show_horn_state(self) -> None:
        until = self.horn.muted_until if self.horn is not None else None
        text = ""
        if until is not None:
            stamp = dt.datetime.fromtimestamp(until, self._zone).strftime("%H:%M")
            text = f"horn silenced until {stamp}"  # the entries still say ⚠: not acked
        self.banner.set_horn_text(text)

    def _acknowledge_until(self, key: str, operator: str, comment: str, until: float) -> None:
        if self.bridge.acknowledge(key, operator, comment, until):
            self.tick()

    def _shelve(self, key: str, operator: str, until: float, comment: str) -> None:
        if self.bridge.shelve(key, operator, until, comment):
            self.tick()

    def show_history(self, key: str) -> AlarmHistoryDialog:
        """Open the history of alarm `key` (read from the journal through the bridge)."""
        alarm = next((a for a in self.hub.alarms() if a.key == key), None)
        title = key if alarm is None else f"{alarm.rule}: {alarm.summary or alarm.metric}"
        if self.history_dialog is not None:
            self.history_dialog.reject()
        currency = self._currencies.get(alarm.metric, "USD") if alarm is not None else "USD"
        dialog = AlarmHistoryDialog(
            key, title, self.bridge.alarm_history(key), self._zone, self._metrics, currency, self,
            self.theme,
        )
        dialog.finished.connect(self._history_finished)
        self.history_dialog = dialog
        dialog.open()
        return dialog

    def _history_finished(self, _result: int) -> None:
        dialog, self.history_dialog = self.history_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def show_alarm_page(self, metric_id: str) -> bool:
        """Show a page with a panel of `metric_id` (the current one if it has one); False when no
        page has. The hook page rotation uses to jump to a new alarm."""
        return self.show_page_for_metric(metric_id)

    def show_page_for_metric(self, metric_id: str) -> bool:
        """Jump to a page showing `metric_id` (the current one if it does) and hold the rotation
        there for `board.alarm_hold`; False when none of this window's pages shows it."""
        index = self.playlist.page_for_metric(metric_id, self.page_index())
        if index is None:
            return False
        now = self.clock.now()
        if index != self.page_index():
            self.show_page(index)
        self.playlist.jump(index, now)
        self._show_page_label()
        return True

    def _on_alarm_events(self, events: tuple[AlarmEvent, ...]) -> None:
        fresh = newly_unacked(events)
        if not fresh:
            return
        worst = max(fresh, key=lambda e: SEVERITY_RANK.get(e.severity, 0))
        self.show_alarm_page(worst.metric)
        self.tick()  # the flashing border now, not at the next tick

    # --- the repaint tick ---------------------------------------------------------------------

    def tick(self) -> None:
        """Redraw: clock, heartbeat, health, banner, the visible page, and dirty hidden panels."""
        now = self.clock.now()
        if self.on_tick is not None:
            self.on_tick()
        self.top_bar.tick(now, self._zone, self._last_engine_signal, self._engine_silent_after)
        stalled = self._tick_gap.tick() if self.tick_timer.isActive() else None
        if stalled is not None:
            log.warning("the board was stalled for %.1f s", stalled)
            stamp = dt.datetime.fromtimestamp(now, self._zone)
            self._on_intent_failed(f"board stalled {stalled:.0f}s before {stamp:%H:%M:%S}")
        due = self.playlist.due(now)
        if due is not None and due != self.page_index():
            self._show_index(due)
        self._show_page_label()
        self.health_strip.set_healths(self.hub.healths(), now)
        self.banner.set_alarms(self.hub.alarms(), now)
        current = self.current_page()
        dirty, self._dirty = frozenset(self._dirty), set()
        for page in self.pages:
            if page is not current and dirty:  # hidden: states only, nothing to paint
                touched = [p for p in page.panels if dirty.intersection(p.metric_ids)]
                self.presenter.refresh(touched, now, draw_series=False)
        visible = list(current.panels) if current is not None else []
        if self.tick_timer.isActive():  # a few panels a frame (noc_board.ui.page_refresh)
            self.refresher.refresh(visible, dirty, now)
        else:  # tests drive the tick by hand and look at once
            self.refresher.stop()
            self.presenter.refresh(visible, now, draw_series=True)

    # --- pages ----------------------------------------------------------------------------------

    def current_page(self) -> BoardPageWidget | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, BoardPageWidget) else None

    def page_index(self) -> int:
        return self.stack.currentIndex()

    def show_page(self, index: int) -> None:
        """Show page `index` (wrapping around) and draw it at once; its rotation time restarts."""
        if not self.pages:
            return
        self._show_index(index % len(self.pages))
        self.playlist.shown(self.page_index(), self.clock.now())
        self._show_page_label()

    def _show_index(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.page_builder.ensure(index)  # made now if its turn has not come yet
        self.stack.setCurrentIndex(index)
        page = self.current_page()
        if page is not None:
            self.presenter.refresh(page.panels, self.clock.now(), draw_series=True)

    def _page_built(self, page: BoardPageWidget) -> None:
        """A page made after the start is fed the hub's current state at once."""
        self.presenter.refresh(page.panels, self.clock.now(), draw_series=False)

    def build_all_pages(self) -> int:
        """Make every page not made yet, now (e.g. in tests); how many were."""
        return self.page_builder.build_all()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:  # the first frame is out: the other pages may be made now
            self._painted = True
            self.page_builder.first_frame()

    def next_page(self) -> None:
        self.operator_touched()
        self.show_page(self.page_index() + 1)

    def previous_page(self) -> None:
        self.operator_touched()
        self.show_page(self.page_index() - 1)

    def _show_page_label(self) -> None:
        page = self.current_page()
        if page is None:
            self.page_label.setText("")
            return
        rotation = self.playlist.status_text(self.clock.now())
        self.page_label.setText(
            f"{page.page.name}  ·  {self.page_index() + 1}/{len(self.pages)}"
            + (f"  ·  {rotation}" if rotation else "")
        )

    def operator_touched(self) -> None:
        """An operator used the keyboard or mouse: rotation holds for `board.idle_resume`."""
        self.playlist.touched(self.clock.now())

    def toggle_rotation(self) -> bool:
        """Space: pause or resume the rotation; returns whether it is now paused."""
        paused = self.playlist.toggle_pause(self.clock.now())
        self._show_page_label()
        return paused

    def refresh_now(self) -> bool:
        """R: poll every source now (through the bridge); False when this board cannot."""
        done = self.bridge.refresh()
        if not done:
            self._on_intent_failed("refresh is not available on this board")
        return done

    def show_config_errors(self, errors: Sequence[str]) -> None:
        """A new configuration was refused: say why on the board (the last good one stays)."""
        if not errors:
            self.config_errors_label.hide()
            self.config_errors_label.setText("")
            return
        shown = list(errors[:4]) + ([f"… and {len(errors) - 4} more"] if len(errors) > 4 else [])
        self.config_errors_label.setText(
            "✖ configuration not applied (the last good one stays in force):\n"
            + "\n".join(shown))
        self.config_errors_label.show()

    # --- keys and teardown ----------------------------------------------------------------------

    # --- notes, incidents and reports (noc_board.ui.report_export) --------------------------------

    def report_desk(self) -> ReportDesk:
        """The desk of shift notes (N), incidents (I) and reports (F9), made on first use."""
        if self._report_desk is None:
            from noc_board.ui.report_export import ReportDesk

            self._report_desk = ReportDesk(self, self.bridge, self.clock, self._zone)
        return self._report_desk

    def show_message(self, text: str) -> None:
        """A passing message in the top bar (e.g. where a report was saved)."""
        self.top_bar.show_message(text, self.clock.now(), warning=False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        self.operator_touched()
        if key == Qt.Key.Key_Question or event.text() == "?":
            self.help_overlay.toggle()
        elif key == Qt.Key.Key_Escape and self.help_overlay.isVisible():
            self.help_overlay.dismiss()
        elif key == Qt.Key.Key_Space:
            self.toggle_rotation()
        elif key == Qt.Key.Key_R:
            self.refresh_now()
        elif key == Qt.Key.Key_A:
            self.banner.request_ack()
        elif key == Qt.Key.Key_Right:
            self.next_page()
        elif key == Qt.Key.Key_Left:
            self.previous_page()
        elif key == Qt.Key.Key_M:
            self.silence_horn()
        elif key == Qt.Key.Key_S:
            self.banner.request_shelve()
        elif key == Qt.Key.Key_H:
            self.banner.request_history()
        elif key == Qt.Key.Key_F9 or (
                key == Qt.Key.Key_E and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.report_desk().export_shift_report()  # the shift report, one key
        elif key == Qt.Key.Key_N:
            self.report_desk().open_notes()
        elif key == Qt.Key.Key_I:
            self.report_desk().open_incidents()
        elif key == Qt.Key.Key_F11:
            set_full_screen(self, not self.isFullScreen())
        elif key == Qt.Key.Key_Escape and self.isFullScreen():
            set_full_screen(self, False)
        else:
            super().keyPressEvent(event)

    def shutdown(self) -> None:
        """Stop every timer, close the dialog and stop listening to the bridge (idempotent)."""
        self.tick_timer.stop()
        self.refresher.stop()
        self.page_builder.stop()
        self.help_overlay.dismiss()
        self.banner.close_dialog()
        if self.horn is not None:
            self.horn.shutdown()
        if self.history_dialog is not None:
            self.history_dialog.reject()
        if self._report_desk is not None:
            self._report_desk.shutdown()
        for page in self.pages:
            page.stop_timers()
        if self._connected:
            self._connected = False
            self.bridge.metrics_updated.disconnect(self._on_metrics_updated)
            self.bridge.health_changed.disconnect(self._on_health_changed)
            self.bridge.alarms_changed.disconnect(self._on_alarms_changed)
            self.bridge.intent_failed.disconnect(self._on_intent_failed)
            self.bridge.alarm_events.disconnect(self._on_alarm_events)
            self.bridge.alarm_events.disconnect(self.presenter.note_events)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()
