"""The wallboard on a real hub: values, freshness, failures, alarms, acknowledgement, pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState
from noc_board.engine.hub import Hub
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.timeseries_panel import TimeSeriesPanelWidget

from .conftest import ERRORS, LATENCY, ORDERS, feed_healthy, ingest


def tile(window: WallboardWindow, metric_id: str, page: int = 0) -> StatTileWidget:
    for panel in window.pages[page].panels:
        if isinstance(panel, StatTileWidget) and panel.metric_ids == (metric_id,):
            return panel
    raise AssertionError(f"no stat tile for {metric_id} on page {page}")


def chart(window: WallboardWindow, page: int = 0) -> TimeSeriesPanelWidget:
    return next(p for p in window.pages[page].panels if isinstance(p, TimeSeriesPanelWidget))


def breach(hub: Hub, clock: ManualClock) -> None:
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.041, LATENCY: 420.0})


def test_tile_shows_value_and_unit(window: WallboardWindow, hub: Hub, clock: ManualClock) -> None:
    feed_healthy(hub, clock)
    window.tick()
    orders = tile(window, ORDERS)
    assert orders.value_label.text() == "240"
    assert orders.unit_label.text() == "/min"
    assert orders.title_label.text() == "Orders"
    assert orders.change_label.text().startswith("▲")
    errors = tile(window, ERRORS)
    assert (errors.value_label.text(), errors.unit_label.text()) == ("0.30", "%")
    assert errors.state is not None and errors.state.status == "ok"
    assert not errors.reason_label.isVisibleTo(errors)


def test_before_any_data_tiles_show_no_number(window: WallboardWindow) -> None:
    orders = tile(window, ORDERS)
    assert orders.value_label.text() == "—"
    assert orders.age_label.text() == "no data"


def test_ages_move_without_new_data(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    errors = tile(window, ERRORS)
    assert errors.age_label.text() == "just now"
    clock.advance(1)
    window.tick()
    assert errors.age_label.text() == "just now"  # ages move in 5 s steps
    clock.advance(4)
    window.tick()
    assert errors.age_label.text() == "5s ago"
    clock.advance(7)
    window.tick()
    assert errors.age_label.text() == "10s ago"
    assert window.health_strip.chips["prom"].text().endswith("· 12s")


def test_metrics_updated_only_marks_dirty_until_the_tick(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    clock.advance(15)
    ingest(hub, "stripe", clock.now(), **{ORDERS: 260.0})
    assert tile(window, ORDERS).value_label.text() == "240"  # coalesced: not drawn yet
    window.tick()
    assert tile(window, ORDERS).value_label.text() == "260"


def test_stale_greys_out_with_the_reason(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    latency = tile(window, LATENCY)
    stale_after = hub.stale_after("prom")
    clock.advance(stale_after + 120)
    window.tick()
    assert latency.state is not None and latency.state.status == "stale"
    assert latency.reason_label.isVisibleTo(latency)
    assert "stale: no data for" in latency.reason_label.text()
    assert "#6b7580" in latency.value_label.styleSheet()  # the stale grey
    assert latency.value_label.text() == "352"  # the last number, shown greyed


def test_failing_source_shows_its_error(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    for _ in range(2):
        clock.advance(60)
        hub.source_failed("stripe", "HTTP 503 Service Unavailable", clock.now())
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.003, LATENCY: 350.0})
    window.tick()
    orders = tile(window, ORDERS)
    assert orders.state is not None and orders.state.status == "failing"
    assert "HTTP 503 Service Unavailable" in orders.reason_label.text()
    assert orders.reason_label.isVisibleTo(orders)
    assert "HTTP 503" in orders.toolTip()
    errors = tile(window, ERRORS).state  # the other source's tiles are unaffected
    assert errors is not None and errors.status == "ok"


def test_health_strip_chip_states(window: WallboardWindow, hub: Hub, clock: ManualClock) -> None:
    strip = window.health_strip
    assert strip.state_of("prom") is HealthState.UNKNOWN
    assert strip.chips["prom"].text().startswith("? prom UNKNOWN")
    feed_healthy(hub, clock)
    window.tick()
    assert strip.chips["prom"].text() == "● prom · 0s"
    clock.advance(30)
    hub.source_failed("stripe", "connect timeout", clock.now())
    window.tick()
    assert strip.state_of("stripe") is HealthState.DEGRADED
    assert strip.chips["stripe"].text().startswith("▲ stripe DEGRADED")
    hub.source_failed("stripe", "connect timeout", clock.now() + 1)
    window.tick()
    chip = strip.chips["stripe"]
    assert chip.text().startswith("✖ stripe DOWN · 30s")
    assert "connect timeout" in chip.toolTip() and "2 failed polls" in chip.toolTip()
    assert window.theme.critical in chip.styleSheet()


def test_rule_breach_flashes_the_border_and_the_banner_lists_it(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    assert window.banner.isHidden()
    breach(hub, clock)
    clock.advance(3)
    window.tick()
    errors = tile(window, ERRORS)
    assert errors.flash_timer.isActive()
    assert errors.flash_timer.interval() == 250  # 2 Hz
    assert errors.badge_label.text().strip() == "⚠ CRITICAL"
    phases = []
    for _ in range(3):
        phases.append(errors.flash_on)
        errors.flash_timer.timeout.emit()
    assert phases == [True, False, True]
    assert errors.border_colour()[0].name() != tile(window, ORDERS).border_colour()[0].name()
    assert chart(window).flash_timer.isActive()  # the chart of the same metric too
    assert not tile(window, ORDERS).flash_timer.isActive()
    assert window.banner.isVisibleTo(window)
    assert window.banner.texts() == ["⚠ CRITICAL Checkout errors — above 2 %: 4.10% · 3s"]
    assert window.banner.top_key() == "checkout-errors"


def ack_through_dialog(window: WallboardWindow, qtbot: QtBot, operator: str) -> None:
    dialog = window.banner.dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal() or dialog.windowModality() != Qt.WindowModality.ApplicationModal
    dialog.operator_box.setCurrentText(operator)
    QTest.keyClicks(dialog.comment_edit, "rolled back 2.14")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_pressing_a_acknowledges_the_top_alarm(
    window: WallboardWindow, hub: Hub, clock: ManualClock, qtbot: QtBot
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    window.tick()
    errors = tile(window, ERRORS)
    assert errors.flash_timer.isActive()
    QTest.keyClick(window, Qt.Key.Key_A)
    dialog = window.banner.dialog
    assert dialog is not None
    assert [dialog.operator_box.itemText(i) for i in range(dialog.operator_box.count())] == [
        "alice", "bob",
    ]
    ack_through_dialog(window, qtbot, "bob")
    alarm = next(a for a in hub.alarms() if a.key == "checkout-errors")
    assert alarm.state is AlarmState.ACKED
    assert (alarm.acked_by, alarm.ack_comment) == ("bob", "rolled back 2.14")
    assert not errors.flash_timer.isActive()
    assert errors.badge_label.text().strip() == "✓ ACK · CRITICAL"
    assert errors.border_colour()[0].name() == window.theme.critical
    assert window.banner.isHidden()
    assert window.banner.dialog is None


def test_clicking_a_banner_entry_opens_the_dialog(
    window: WallboardWindow, hub: Hub, clock: ManualClock, qtbot: QtBot
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    window.tick()
    QTest.mouseClick(window.banner.entries[0], Qt.MouseButton.LeftButton)
    assert window.banner.dialog is not None and window.banner.dialog.key == "checkout-errors"
    window.banner.dialog.reject()
    assert window.banner.dialog is None
    assert next(a for a in hub.alarms()).state is AlarmState.UNACKED


def test_a_refused_acknowledgement_is_shown(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    window.banner.acknowledge_requested.emit("checkout-errors", "alice", "")  # nothing to ack
    assert "nothing to acknowledge" in window.message_label.text()
    clock.advance(20)
    window.tick()
    assert window.message_label.text() == ""


def test_page_switching_with_keys(window: WallboardWindow, qtbot: QtBot) -> None:
    assert window.page_index() == 0
    assert window.page_label.text() == "Overview  ·  1/2"
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.page_index() == 1
    assert window.page_label.text() == "Checkout  ·  2/2"
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.page_index() == 0
    QTest.keyClick(window, Qt.Key.Key_Left)
    assert window.page_index() == 1


def test_hidden_pages_catch_up_with_dirty_metrics(
    window: WallboardWindow, hub: Hub, clock: ManualClock, qtbot: QtBot
) -> None:
    feed_healthy(hub, clock)
    window.tick()
    # the hidden page is made after the first frame (noc_board.ui.page_builder), with the data
    qtbot.waitUntil(lambda: window.pages[1].built, timeout=3000)
    hidden = tile(window, LATENCY, page=1)
    assert hidden.value_label.text() == "352"
    breach(hub, clock)
    window.tick()
    assert hidden.value_label.text() == "420"


def test_full_screen_keys(window: WallboardWindow, qtbot: QtBot) -> None:
    QTest.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isFullScreen()
    assert not window.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_the_clock_shows_the_board_time_zone(window: WallboardWindow) -> None:
    # 14:00 UTC is 15:00 in Berlin in January
    assert window.clock_label.text() == "Wed 07 Jan  15:00:00 CET"


def test_the_heartbeat_shows_the_engine_age(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    assert window.heartbeat_label.text().endswith("engine waiting")
    feed_healthy(hub, clock)
    clock.advance(7)
    window.tick()
    first = window.heartbeat_label.text()
    assert first.endswith("engine 7s")
    window.tick()
    assert window.heartbeat_label.text()[0] != first[0]  # the heart beats every tick


def test_the_automatic_tick_runs_and_stops_with_the_window(
    qtbot: QtBot, hub: Hub, bridge: Any, clock: ManualClock
) -> None:
    w = WallboardWindow(hub, bridge, clock)
    qtbot.addWidget(w)
    assert w.tick_timer.isActive() and w.tick_timer.interval() == 1000
    w.close()
    assert not w.tick_timer.isActive()
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.001})  # a closed window ignores the bridge
    assert not w._dirty


def test_notices_last_and_refusals_pass(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    window.show_notice("secret 'stripe-key' is not set")
    assert "stripe-key" in window.message_label.text()
    window.banner.acknowledge_requested.emit("checkout-errors", "alice", "")
    assert "nothing to acknowledge" in window.message_label.text()
    clock.advance(60)
    window.tick()
    assert "stripe-key" in window.message_label.text()  # the notice is back, it lasts


def test_closing_emits_closed(window: WallboardWindow) -> None:
    seen: list[bool] = []
    window.closed.connect(lambda: seen.append(True))
    window.close()
    assert seen == [True] and not window.tick_timer.isActive()
