"""The alarm desk on a real hub and journal: acknowledge with expiry, shelve, history, silence,
tray, the page of a new alarm, and colours that hold without red-green vision."""

from __future__ import annotations

import getpass
import itertools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from noc_board.config.schema import BoardConfig, Config, MetricConfig, RuleConfig
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.store import Store, open_store
from noc_board.ui.alarm_banner import AlarmBannerWidget
from noc_board.ui.alarm_desk import AlarmDesk, create_alarm_desk
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.expiry_picker import AT_TIME
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.sound import NO_DEVICE, RecordingSink
from noc_board.ui.theme import DARK, LIGHT, Palette

from .conftest import ERRORS, LATENCY, ORDERS, START, feed_healthy, ingest

KEY = "checkout-errors"


class RecordingTray(QSystemTrayIcon):
    """A tray icon that records instead of talking to a desktop (offscreen has none)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.messages: list[tuple[str, str]] = []
        self.shown = False

    def show(self) -> None:
        self.shown = True

    def hide(self) -> None:
        self.shown = False

    def showMessage(self, title: str, message: str, *args: object) -> None:
        self.messages.append((title, message))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "board.sqlite")
    yield s
    s.close()


@pytest.fixture
def hub(config: Config, clock: ManualClock, store: Store) -> Hub:
    """The widget tests' hub, journaling into a real store (overrides conftest's)."""
    return Hub(config, clock, StoreRecorder(store))


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def desk(
    window: WallboardWindow, bridge: EngineBridge, clock: ManualClock, sink: RecordingSink
) -> Iterator[AlarmDesk]:
    d = create_alarm_desk(window, bridge, clock, sink=sink, tray_factory=RecordingTray,
                          tray_available=lambda: True)
    d.start()
    yield d
    d.shutdown()


def tray(desk: AlarmDesk) -> RecordingTray:
    assert desk.tray is not None and isinstance(desk.tray.icon, RecordingTray)
    return desk.tray.icon


def breach(hub: Hub, clock: ManualClock) -> None:
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.041, LATENCY: 420.0})


def the_alarm(hub: Hub) -> Alarm:
    return next(a for a in hub.alarms() if a.key == KEY)


def click_ok(buttons: QDialogButtonBox) -> None:
    QTest.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


# --- acknowledge with expiry ----------------------------------------------------------------------


def test_an_expiring_acknowledgement_raises_the_alarm_again(
    window: WallboardWindow, hub: Hub, clock: ManualClock, desk: AlarmDesk, sink: RecordingSink
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    # no repaint tick yet: the banner, the horn and the tray already have it
    assert window.banner.texts() == ["⚠ CRITICAL Checkout errors — above 2 %: 4.10% · 0s"]
    assert sink.clips() == ["critical"]
    assert [t for t, _ in tray(desk).messages] == ["Marketplace NOC: critical alarm"]
    QTest.keyClick(window, Qt.Key.Key_A)
    dialog = window.banner.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.operator_box.setCurrentText("bob")
    QTest.keyClicks(dialog.comment_edit, "rolling back")
    dialog.expiry.choose(1800.0)
    click_ok(dialog.buttons)
    acked_at = clock.now()
    alarm = the_alarm(hub)
    assert alarm.state is AlarmState.ACKED
    assert (alarm.acked_by, alarm.ack_comment, alarm.ack_until) == (
        "bob", "rolling back", acked_at + 1800.0,
    )
    assert window.banner.isHidden() and desk.horn is not None and desk.horn.loud is None
    assert desk.tray is not None and "no unacknowledged" in tray(desk).toolTip()

    clock.advance(1799)
    hub.tick()
    assert the_alarm(hub).state is AlarmState.ACKED
    clock.advance(1)
    hub.tick()
    assert the_alarm(hub).state is AlarmState.UNACKED
    assert window.banner.top_key() == KEY and window.banner.isVisibleTo(window)
    assert sink.clips() == ["critical", "critical"]
    assert len(tray(desk).messages) == 2 and "1 unacknowledged alarm" in tray(desk).toolTip()


def test_an_expiry_in_the_past_is_refused(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    dialog = window.banner.request_ack()
    assert dialog is not None
    got: list[object] = []
    dialog.acknowledge_until_requested.connect(lambda *a: got.append(a))
    dialog.expiry.choose(AT_TIME)
    assert dialog.expiry.time_edit.isVisibleTo(dialog)
    dialog.expiry.set_time(clock.now() - 120)
    click_ok(dialog.buttons)
    assert got == [] and dialog.isVisible()
    assert dialog.error_label.text() == "The expiry must be in the future."
    dialog.expiry.set_time(clock.now() + 7200)  # a wall-clock time, minute precision
    click_ok(dialog.buttons)
    alarm = the_alarm(hub)
    assert alarm.state is AlarmState.ACKED and alarm.ack_until is not None
    assert 7080 < alarm.ack_until - clock.now() <= 7200


# --- shelve ---------------------------------------------------------------------------------------


def test_shelving_hides_the_alarm_until_the_shelf_expires(
    window: WallboardWindow, hub: Hub, clock: ManualClock, desk: AlarmDesk, sink: RecordingSink
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    QTest.keyClick(window, Qt.Key.Key_S)
    dialog = window.banner.shelve_dialog
    assert dialog is not None and dialog.isVisible() and dialog.key == KEY
    assert dialog.expiry.combo.currentText() == "for 1h"
    dialog.operator_box.setCurrentText("alice")
    QTest.keyClicks(dialog.comment_edit, "provider maintenance")
    click_ok(dialog.buttons)
    alarm = the_alarm(hub)
    assert alarm.state is AlarmState.SHELVED
    assert (alarm.shelved_by, alarm.shelved_until) == ("alice", clock.now() + 3600.0)
    assert window.banner.texts() == [] and window.banner.top_key() is None
    assert window.banner.aside() == "shelved: checkout-errors until 16:00"  # Europe/Berlin
    assert desk.horn is not None and desk.horn.loud is None

    clock.advance(3600)
    hub.tick()  # the shelf ran out while the error rate is still high
    assert the_alarm(hub).state is AlarmState.UNACKED
    assert window.banner.top_key() == KEY and window.banner.aside() == ""
    assert sink.clips() == ["critical", "critical"]


# --- silence --------------------------------------------------------------------------------------


def test_m_silences_the_horn_journals_it_and_acknowledges_nothing(
    window: WallboardWindow, hub: Hub, clock: ManualClock, desk: AlarmDesk, sink: RecordingSink,
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "nightshift")
    feed_healthy(hub, clock)
    breach(hub, clock)
    QTest.keyClick(window, Qt.Key.Key_M)
    horn = desk.horn
    assert horn is not None and horn.muted_until == clock.now() + 300.0
    assert the_alarm(hub).state is AlarmState.UNACKED  # not an acknowledgement
    window.tick()
    assert window.banner.top_key() == KEY
    assert window.banner.aside() == "horn silenced until 15:05"
    [entry] = store.journal.entries(kinds=["horn"])
    assert (entry.subject, entry.actor) == (KEY, "nightshift")
    assert entry.data["event"] == "silenced" and entry.data["until"] == clock.now() + 300.0
    clock.advance(300)
    horn.tick()
    assert sink.clips() == ["critical", "critical"] and window.banner.aside() == ""


def test_m_with_nothing_sounding_says_so(window: WallboardWindow, desk: AlarmDesk) -> None:
    QTest.keyClick(window, Qt.Key.Key_M)
    assert window.message_label.text() == "⚠ the horn is not sounding"


def test_a_board_without_sound_has_no_horn(
    qapp: object, config: Config, clock: ManualClock, qtbot: QtBot
) -> None:
    quiet = replace(config, board=replace(config.board, sound=False))
    hub = Hub(quiet, clock)
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    qtbot.addWidget(window)
    desk = create_alarm_desk(window, bridge, clock, tray_available=lambda: False)
    desk.start()
    assert desk.horn is None and desk.tray is None
    window.silence_horn()
    assert window.message_label.text() == "⚠ the horn is off on this board"
    desk.shutdown()
    window.shutdown()
    bridge.close()


# --- no audio device ------------------------------------------------------------------------------


def test_no_audio_device_is_one_notice_and_the_board_stays_alarmed(
    window: WallboardWindow, hub: Hub, bridge: EngineBridge, clock: ManualClock
) -> None:
    sink = RecordingSink(device=False)
    desk = create_alarm_desk(window, bridge, clock, sink=sink, tray_available=lambda: False)
    desk.start()
    assert window.message_label.text() == f"⚠ {NO_DEVICE}"
    feed_healthy(hub, clock)
    breach(hub, clock)
    assert desk.horn is not None
    for _ in range(30):
        clock.advance(1)
        desk.horn.tick()
    window.tick()
    assert window.message_label.text() == f"⚠ {NO_DEVICE}"  # once, not once per try
    assert window.banner.top_key() == KEY
    sink.device = True
    clock.advance(10)
    desk.horn.tick()
    assert sink.clips() == ["critical"] and window.message_label.text() == ""
    desk.shutdown()


# --- history --------------------------------------------------------------------------------------


def test_history_lists_every_transition_with_who_and_why(
    window: WallboardWindow, hub: Hub, clock: ManualClock, desk: AlarmDesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "nightshift")
    feed_healthy(hub, clock)
    breach(hub, clock)
    clock.advance(20)
    window.silence_horn()
    clock.advance(40)
    window.banner.acknowledge_until_requested.emit(KEY, "bob", "rolled back", clock.now() + 600)
    clock.advance(600)
    hub.tick()
    QTest.keyClick(window, Qt.Key.Key_H)
    dialog = window.history_dialog
    assert dialog is not None and dialog.isVisible() and dialog.key == KEY
    rows = [(r.event, r.who, r.comment, r.state) for r in dialog.rows]
    assert rows == [
        ("acknowledgement expired", "system", "", "acknowledged → unacknowledged"),
        ("acknowledged", "bob", "rolled back", "unacknowledged → acknowledged"),
        ("horn silenced", "nightshift", "", "unacknowledged"),
        ("raised", "system", "", "normal → unacknowledged"),
    ]
    raised = dialog.rows[-1]
    assert raised.value == "4.10%" and raised.severity == "CRITICAL"
    assert raised.when == "Wed 07 Jan 15:00:15"  # the board's zone, Europe/Berlin
    assert dialog.rows[1].until == "Wed 07 Jan 15:11:15"
    assert dialog.table.rowCount() == 4
    comment = dialog.table.item(1, 5)
    assert comment is not None and comment.text() == "rolled back"
    dialog.reject()
    assert window.history_dialog is None


# a popup menu asks the platform to raise it and grab the keyboard; offscreen cannot
@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing the keyboard",
    "does not support propagateSizeHints",
)
def test_a_banner_entry_menu_offers_ack_shelve_and_history(
    window: WallboardWindow, hub: Hub, clock: ManualClock
) -> None:
    feed_healthy(hub, clock)
    breach(hub, clock)
    entry = window.banner.entries[0]
    entry.customContextMenuRequested.emit(QPoint(5, 5))
    menu = window.banner.menu
    assert menu is not None
    actions = [a.text() for a in menu.actions()]
    assert actions == ["Acknowledge…  (A)", "Shelve…  (S)", "History…  (H)"]
    menu.actions()[2].trigger()
    assert window.history_dialog is not None and window.history_dialog.key == KEY
    menu.actions()[1].trigger()
    assert window.banner.shelve_dialog is not None
    menu.close()


def test_history_without_a_journal_is_empty(qapp: object, config: Config) -> None:
    bridge = EngineBridge(Hub(config, ManualClock(START)))
    assert bridge.alarm_history(KEY) == []
    bridge.close()


# --- the page of a new alarm ----------------------------------------------------------------------


def test_a_new_alarm_brings_its_page_to_the_front(
    qapp: object, config: Config, clock: ManualClock, qtbot: QtBot
) -> None:
    orders_low = RuleConfig(id="orders-low", metric=ORDERS, op="below", level=100.0,
                            severity="warning")
    board = replace(config, rules=[*config.rules, orders_low])
    hub = Hub(board, clock)
    bridge = EngineBridge(hub)
    window = WallboardWindow(hub, bridge, clock, tick_ms=0)
    qtbot.addWidget(window)
    feed_healthy(hub, clock)
    window.show_page(1)  # Checkout: has a chart of the error rate, nothing of orders
    breach(hub, clock)
    assert window.page_index() == 1  # the alarm's metric is on this page: stay
    clock.advance(60)
    ingest(hub, "stripe", clock.now(), **{ORDERS: 20.0})
    assert window.page_index() == 0  # orders are only on Overview
    window.shutdown()
    bridge.close()


# --- the banner's order and cues ------------------------------------------------------------------


def _alarm(key: str, severity: str, raised_at: float) -> Alarm:
    return Alarm(key=key, rule=key, metric="m", severity=severity, state=AlarmState.UNACKED,
                 active=True, value=1.0, raised_at=raised_at)


def test_banner_orders_by_severity_then_age_with_a_cue_beside_colour(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    metrics = {"m": MetricConfig(id="m", source="s", label="Thing")}
    banner = AlarmBannerWidget(DARK, metrics, ["alice"], parent=parent)
    banner.set_alarms([
        _alarm("w-old", "warning", START - 600), _alarm("c-new", "critical", START - 10),
        _alarm("i", "info", START - 900), _alarm("c-old", "critical", START - 300),
    ], START)
    assert banner.texts() == [
        "⚠ CRITICAL Thing — c-old: 1 · 5m", "⚠ CRITICAL Thing — c-new: 1 · 10s",
        "⚠ WARNING Thing — w-old: 1 · 10m", "⚠ INFO Thing — i: 1 · 15m",
    ]
    styles = [b.styleSheet() for b in banner.entries]
    assert "3px solid" in styles[0] and "3px dashed" in styles[2] and "border" not in styles[3]


def test_two_rules_on_one_metric_read_differently_in_any_width(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    metrics = {"m": MetricConfig(id="m", source="s", label="Checkout 5xx rate", unit="ratio")}
    banner = AlarmBannerWidget(DARK, metrics, ["alice"], parent=parent)
    level = replace(_alarm("checkout-errors", "critical", START - 120), value=0.071,
                    summary="Checkout 5xx rate above 5% for 2 min")
    burn = replace(_alarm("checkout-slo", "critical", START - 60), value=0.071,
                   summary="Checkout burns its 99.5% availability budget")
    banner.resize(1800, 60)
    banner.set_alarms([level, burn], START)
    assert banner.texts() == [
        "⚠ CRITICAL Checkout 5xx rate — above 5% for 2 min: 7.10% · 2m",
        "⚠ CRITICAL Checkout 5xx rate — burns its 99.5% availability budget: 7.10% · 1m",
    ]
    # a row too narrow for both whole lines shows the first and counts the other, whose line
    # is in the count's tooltip: alarms never widen the window past the screen
    parent.resize(900, 200)
    banner.resize(900, 60)
    parent.show()
    assert banner.minimumSizeHint().width() <= 900
    assert banner.texts() == [
        "⚠ CRITICAL Checkout 5xx rate — above 5% for 2 min: 7.10% · 2m",
    ]
    assert banner.more_label.text() == "+1 more"
    assert "burns its 99.5%" in banner.more_label.toolTip()
    # a line longer than the row ends in "…" (the entry's tooltip has it all)
    banner.set_alarms([burn], START)
    banner.resize(500, 60)
    entry = banner.entries[0]
    assert entry.shown_text().endswith("…") and entry.toolTip() == entry.text()
    assert entry.fontMetrics().horizontalAdvance(entry.shown_text()) <= entry.width()


_SIMULATE = {  # Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def _lab(colour: str, matrix: list[list[float]]) -> np.ndarray:
    srgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(np.array(matrix) @ linear, 0.0, 1.0)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ seen / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("theme", [DARK, LIGHT], ids=lambda p: p.name)
def test_severity_colours_stay_apart_without_red_green_vision(theme: Palette) -> None:
    colours = {"ok": theme.ok, "info": theme.info, "warning": theme.warning,
               "critical": theme.critical}
    for vision, matrix in _SIMULATE.items():
        for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
            distance = float(np.linalg.norm(_lab(ca, matrix) - _lab(cb, matrix)))
            assert distance >= 15, f"{theme.name}: {a} and {b} look alike with {vision}"


# --- tray -----------------------------------------------------------------------------------------


def test_tray_counts_unacked_alarms_and_only_new_ones_notify(
    window: WallboardWindow, hub: Hub, clock: ManualClock, desk: AlarmDesk
) -> None:
    icon = tray(desk)
    assert icon.shown and icon.toolTip() == "Marketplace NOC: no unacknowledged alarms"
    feed_healthy(hub, clock)
    breach(hub, clock)
    assert icon.messages == [
        ("Marketplace NOC: critical alarm", "CRITICAL Checkout errors — above 2 %: 4.10%"),
    ]
    assert icon.toolTip().startswith("Marketplace NOC: 1 unacknowledged alarm\n")
    clock.advance(15)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05})  # the same alarm, still high
    hub.acknowledge(KEY, "alice")
    assert len(icon.messages) == 1 and icon.toolTip().endswith("no unacknowledged alarms")
    assert desk.tray is not None
    desk.tray.silence_requested.emit()  # the tray's "Silence horn": nothing sounds now
    assert window.message_label.text() == "⚠ the horn is not sounding"
    desk.shutdown()
    assert not icon.shown


def test_no_system_tray_no_icon(window: WallboardWindow, bridge: EngineBridge,
                                clock: ManualClock) -> None:
    desk = create_alarm_desk(window, bridge, clock, sink=RecordingSink(),
                             tray_available=lambda: False)
    assert desk.tray is None
    desk.shutdown()


def test_board_config_has_sound_settings() -> None:
    board = BoardConfig()
    assert (board.sound, board.volume, board.sound_repeat, board.silence_for) == (
        True, 80, 10.0, 300.0,
    )
