"""Widgets on their own: plots on a budget, fitting numbers, theme, dialog, banner, screens."""

from __future__ import annotations

import getpass
import logging

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from noc_board.config.schema import MetricConfig, PanelConfig
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.panel_model import TileState
from noc_board.core.series import FloatArray
from noc_board.ui.ack_dialog import AckDialog, default_operators
from noc_board.ui.alarm_banner import MAX_ENTRIES, AlarmBannerWidget
from noc_board.ui.expiry_picker import AT_TIME
from noc_board.ui.health_strip import chip_text, chip_tooltip
from noc_board.ui.intent_dialog import OperatorIntentDialog
from noc_board.ui.plot_support import ExpandingRange, format_tick, nice_ticks, time_scale
from noc_board.ui.screen_placement import find_screen, place_on_screen
from noc_board.ui.shelve_dialog import ShelveDialog
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.theme import DARK, LIGHT, MIN_TEXT_PX, palette, stylesheet, value_pixel_size
from noc_board.ui.timeseries_panel import LineData, TimeSeriesPanelWidget

NOW = 1_000_000.0


def f64(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


# --- plot helpers --------------------------------------------------------------------------------


def test_expanding_range_grows_and_does_not_shrink() -> None:
    r = ExpandingRange()
    assert r.fit(np.array([0.0, 10.0]))
    low, high = r.low, r.high
    assert low < 0.0 and high > 10.0
    assert not r.fit(np.array([2.0, 8.0]))  # inside: unchanged
    assert (r.low, r.high) == (low, high)
    assert r.fit(np.array([0.0, 20.0]))
    assert r.high > 20.0 and r.low <= low
    assert not r.fit(np.array([np.nan, np.nan]))


def test_expanding_range_refits_when_the_data_is_a_sliver() -> None:
    r = ExpandingRange()
    r.fit(np.array([0.0, 1000.0]))  # a spike
    assert r.fit(np.array([10.0, 12.0]))  # long after: the data is a sliver of the range
    assert r.high < 20.0


def test_time_scale_and_round_ticks() -> None:
    assert time_scale(3600) == (60.0, "m")
    assert time_scale(86_400) == (3600.0, "h")
    assert time_scale(7 * 86_400) == (86_400.0, "d")
    assert nice_ticks(-60.0, 0.0, 6) == ([-60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0], 10.0)
    values, step = nice_ticks(0.12, 0.31, 5)
    assert step == pytest.approx(0.05) and values[0] == pytest.approx(0.15)
    assert [format_tick(v, step, "%") for v in values] == ["0.15%", "0.20%", "0.25%", "0.30%"]
    assert format_tick(350.0, 50.0, " ms") == "350 ms"
    assert format_tick(-0.0, 2.5) == "0.0"
    assert nice_ticks(1.0, 1.0) == ([], 0.0)


def test_sparkline_item_is_created_once_with_a_cheap_pen(qtbot: QtBot) -> None:
    panel = PanelConfig(kind="stat", metrics=["m"], window=1800.0)
    tile = StatTileWidget(panel, DARK)
    qtbot.addWidget(tile)
    tile.resize(400, 300)
    curve = tile.curve
    ts = f64(NOW - np.arange(200, 0, -1) * 15.0)
    tile.set_sparkline(ts, np.linspace(1.0, 5.0, 200), NOW)
    tile.set_sparkline(f64(ts + 15), np.linspace(1.0, 5.0, 200), NOW + 15)
    assert tile.curve is curve
    assert tile.plot.getPlotItem().listDataItems() == [curve]
    assert curve.opts["pen"].width() <= 1 and curve.opts["antialias"] is False
    x_range, y_range = tile.plot.getPlotItem().getViewBox().viewRange()
    assert x_range == pytest.approx([-30.0, 0.0])  # fixed: the window in minutes
    x, _ = curve.getData()
    assert x.min() >= -30.5 and x.max() <= 0.0  # only the window (plus one point) is fed
    tile.set_sparkline(f64(ts + 30), np.linspace(2.0, 4.0, 200), NOW + 30)
    assert tile.plot.getPlotItem().getViewBox().viewRange()[1] == y_range  # only expands


def test_the_number_shrinks_to_fit_a_narrow_tile(qtbot: QtBot) -> None:
    tile = StatTileWidget(PanelConfig(kind="stat", metrics=["m"]), DARK)
    qtbot.addWidget(tile)
    tile.show()
    tile.resize(900, 300)
    tile.set_state(TileState(title="Revenue", value_text="12.3k", unit_text="EUR", status="ok"))
    wide = tile.value_pixel_size()
    assert wide == value_pixel_size(tile.height())
    tile.resize(260, 300)
    narrow = tile.value_pixel_size()
    assert MIN_TEXT_PX * 2 <= narrow < wide
    assert f"font-size: {narrow}px" in tile.value_label.styleSheet()


def test_greyed_tile_shows_reason_and_stale_colours(qtbot: QtBot) -> None:
    tile = StatTileWidget(PanelConfig(kind="stat", metrics=["m"]), DARK)
    qtbot.addWidget(tile)
    tile.set_state(TileState(title="Orders", value_text="12", status="stale",
                             reason="stale: no data for 3m", age_text="3m ago"))
    assert tile.reason_label.text() == "◷ stale: no data for 3m"
    assert DARK.stale in tile.value_label.styleSheet()
    assert tile.curve.opts["pen"].color().name() == DARK.stale
    tile.set_state(TileState(title="Orders", value_text="12", status="ok", age_text="1s ago"))
    assert tile.reason_label.isHidden()
    assert tile.curve.opts["pen"].color().name() == DARK.ok


def test_chart_y_range_only_expands_and_legend_follows(qtbot: QtBot) -> None:
    panel = PanelConfig(kind="timeseries", metrics=["a", "b"], window=3600.0)
    chart = TimeSeriesPanelWidget(panel, ["A", "B"], DARK, " ms")
    qtbot.addWidget(chart)
    ts = f64(NOW - np.arange(100, 0, -1) * 30.0)
    chart.set_lines([LineData("a", "A", ts, np.full(100, 10.0), "10 ms"),
                     LineData("b", "B", ts, np.full(100, 5.0), "5 ms")], NOW)
    view = chart.plot.getPlotItem().getViewBox()
    first = view.viewRange()[1]
    chart.set_lines([LineData("a", "A", ts, np.full(100, 9.0), "9 ms")], NOW)
    assert view.viewRange()[1] == first
    chart.set_lines([LineData("a", "A", ts, np.full(100, 30.0), "30 ms")], NOW)
    assert view.viewRange()[1][1] > 30.0 and view.viewRange()[1][0] == first[0]
    assert view.viewRange()[0] == pytest.approx([-60.0, 0.0])
    y_labels = [label for _, label in chart.axes.y_ticks]
    assert y_labels and all(label.endswith(" ms") for label in y_labels)
    assert chart.legend_texts() == ["A 30 ms", "B 5 ms"]
    assert DARK.series[0] in chart.legend_label.text()  # the swatch has the line's colour
    assert all(c.opts["antialias"] is False for c in chart.curves.values())


# --- theme ---------------------------------------------------------------------------------------


def test_value_size_scales_with_the_tile_and_stays_legible() -> None:
    assert value_pixel_size(100) == 40
    assert value_pixel_size(300) > value_pixel_size(200) > 40
    assert value_pixel_size(2000) == 150


def test_palettes_are_colour_blind_safe_and_styled() -> None:
    assert palette("light") is LIGHT and palette("dark") is DARK and palette("?") is DARK
    for p in (DARK, LIGHT):
        assert p.good != p.bad and p.ok != p.critical
        assert "#00ff00" not in (p.ok, p.good) and "#ff0000" not in (p.critical, p.bad)
        assert p.severity("critical") == p.critical and p.severity("warning") == p.warning
        sheet = stylesheet(p)
        assert p.window in sheet and p.text in sheet and f"{MIN_TEXT_PX}px" in sheet


# --- health chips --------------------------------------------------------------------------------


def test_chip_text_and_tooltip() -> None:
    down = SourceHealth(source="stripe", state=HealthState.DOWN, last_error="HTTP 503",
                        last_success=NOW - 300, consecutive_failures=4)
    assert chip_text(down, NOW) == "✖ stripe DOWN · 5m"
    assert chip_tooltip(down) == "stripe: HTTP 503 (4 failed polls in a row)"
    assert chip_text(SourceHealth(source="ga4"), NOW) == "? ga4 UNKNOWN · never"
    ok = SourceHealth(source="prom", state=HealthState.OK, last_success=NOW - 3)
    assert chip_text(ok, NOW) == "● prom · 3s"  # the symbol says OK; the words are for trouble
    assert chip_tooltip(SourceHealth(source="ga4")) == "ga4: not polled yet"


# --- acknowledgement -----------------------------------------------------------------------------


def test_operators_default_to_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "nightshift")
    assert default_operators([]) == ["nightshift"]
    assert default_operators(["alice", " "]) == ["alice"]

    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert default_operators([]) == []


def test_dialog_refuses_an_unnamed_operator(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "nightshift")
    dialog = AckDialog("k", "CRITICAL x", [])
    qtbot.addWidget(dialog)
    assert dialog.operator_box.isEditable() and dialog.operator() == "nightshift"
    got: list[tuple[str, str, str]] = []
    dialog.acknowledge_requested.connect(lambda *args: got.append(args))
    dialog.open()
    dialog.operator_box.setCurrentText("  ")
    dialog.accept()
    assert got == [] and dialog.isVisible() and dialog.error_label.isVisibleTo(dialog)
    dialog.operator_box.setCurrentText("carol")
    dialog.comment_edit.setText("on it")
    dialog.accept()
    assert got == [("k", "carol", "on it")] and not dialog.isVisible()


def test_both_intent_dialogs_ask_alike_and_say_their_own_words(qtbot: QtBot) -> None:
    ack = AckDialog("k", "CRITICAL x", ["alice"])
    shelf = ShelveDialog("k", "CRITICAL x", ["alice"])
    for dialog in (ack, shelf):
        qtbot.addWidget(dialog)
        assert isinstance(dialog, OperatorIntentDialog)
        assert dialog.operator() == "alice" and not dialog.operator_box.isEditable()
    assert ack.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Acknowledge"
    assert shelf.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Shelve"
    shelved: list[tuple[str, str, float, str]] = []
    shelf.shelve_requested.connect(lambda *args: shelved.append(args))
    shelf.open()
    shelf.expiry.set_time(NOW - 3600.0)
    shelf.expiry.choose(AT_TIME)  # a time in the past: refused in the shelf's words
    shelf.accept()
    assert shelved == [] and shelf.error_label.text() == "The shelf must end in the future."
    assert ack.intent() is not None  # no expiry is fine for an acknowledgement


def _alarm(key: str, severity: str, raised_at: float) -> Alarm:
    return Alarm(key=key, rule=key, metric="m", severity=severity, state=AlarmState.UNACKED,
                 active=True, value=1.0, raised_at=raised_at)


def test_banner_orders_limits_and_hides(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    metrics = {"m": MetricConfig(id="m", source="s", label="Thing")}
    banner = AlarmBannerWidget(DARK, metrics, ["alice"], parent=parent)
    alarms = [_alarm(f"w{i}", "warning", NOW - i) for i in range(MAX_ENTRIES)]
    alarms.append(_alarm("c", "critical", NOW - 1))
    banner.set_alarms(alarms, NOW)
    assert not banner.isHidden()
    texts = banner.texts()
    assert len(texts) == MAX_ENTRIES and texts[0] == "⚠ CRITICAL Thing — c: 1 · 1s"
    assert banner.top_key() == "c"
    assert banner.more_label.text() == "+1 more"
    banner.set_alarms([], NOW)
    assert banner.isHidden() and banner.top_key() is None
    assert banner.request_ack() is None


def test_banner_key_a_opens_the_dialog(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    banner = AlarmBannerWidget(DARK, {}, ["alice"], parent=parent)
    banner.set_alarms([_alarm("c", "critical", NOW)], NOW)
    QTest.keyClick(banner, Qt.Key.Key_A)
    assert banner.dialog is not None and banner.dialog.key == "c"
    banner.close_dialog()
    assert banner.dialog is None


# --- screens -------------------------------------------------------------------------------------


def test_unknown_screen_falls_back_to_primary_and_says_which_exist(
    qapp: object, caplog: pytest.LogCaptureFixture
) -> None:
    primary = QGuiApplication.primaryScreen()
    with caplog.at_level(logging.WARNING, logger="noc_board.ui.screen_placement"):
        assert find_screen("HDMI-9") is primary
    (record,) = caplog.records
    assert "HDMI-9" in record.getMessage() and "Screens:" in record.getMessage()
    assert find_screen(None) is primary
    assert find_screen(primary.name()) is primary


def test_place_on_screen_full_screen_is_frameless(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    screen = place_on_screen(window, None, fullscreen=True)
    assert screen is QGuiApplication.primaryScreen()
    assert window.isFullScreen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    other = QWidget()
    qtbot.addWidget(other)
    place_on_screen(other, None, fullscreen=False)
    assert other.isVisible() and not other.isFullScreen()
    assert not other.windowFlags() & Qt.WindowType.FramelessWindowHint
