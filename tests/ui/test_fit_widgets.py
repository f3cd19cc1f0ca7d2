"""Panels and strips in less room than they were designed for: type shrinks, the least needed
parts give way first, long texts end in "…", and what is drawn always fits (`text_fit`)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from noc_board.config.schema import PanelConfig
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.panel_model import TileState
from noc_board.core.panel_models.clock_face import ClockFace
from noc_board.core.panel_models.status import ServiceRow
from noc_board.ui.clock_panel import ClockPanelWidget
from noc_board.ui.health_strip import SourceHealthStripWidget, fair_widths
from noc_board.ui.stat_tile import StatTileWidget
from noc_board.ui.status_grid import StatusGridWidget, cell_type
from noc_board.ui.theme import DARK, MIN_TEXT_PX, stylesheet
from noc_board.ui.tile_fit import FLOOR_PX, VALUE_MIN_PX, fit_tile

from .text_fit import text_problems

NOW = 1_767_794_400.0
CAPTION = (88, 21)  # "vs 1h ago" at the board's smallest text


def shown(widget: QWidget, width: int, height: int) -> QWidget:
    """`widget` given `width` x `height` in a styled window (as a page's grid gives it room,
    whatever it would rather have), laid out and painted."""
    host = widget.parentWidget()
    if host is None:
        host = QWidget()
        host.setStyleSheet(stylesheet(DARK))
        widget.setParent(host)
        HOSTS.append(host)
    host.resize(width, height)
    widget.setGeometry(0, 0, width, height)
    host.show()
    QApplication.processEvents()
    assert (widget.width(), widget.height()) == (width, height)
    widget.grab()
    return widget


HOSTS: list[QWidget] = []  # the windows of `shown` (qtbot closes the widgets inside)


# --- the stat tile's number, change and sparkline ------------------------------------------------


def test_a_tile_gives_up_the_sparkline_then_the_change_then_shrinks_the_number(
    qapp: QApplication,
) -> None:
    roomy = fit_tile("38.9k", "", "▲ 13.6%", CAPTION, 400, 300, 100)
    assert (roomy.value_px, roomy.change, roomy.sparkline, roomy.caption) == (
        100, True, True, True,
    )
    no_line = fit_tile("38.9k", "", "▲ 13.6%", CAPTION, 400, 90, 100)
    assert no_line.change and not no_line.sparkline and no_line.value_px >= VALUE_MIN_PX
    alone = fit_tile("38.9k", "", "▲ 13.6%", CAPTION, 400, 50, 100)
    assert not alone.change and not alone.sparkline and alone.value_px >= VALUE_MIN_PX
    squeezed = fit_tile("38.9k", "", "▲ 13.6%", CAPTION, 400, 25, 100)
    assert FLOOR_PX <= squeezed.value_px < VALUE_MIN_PX
    narrow = fit_tile("38.9k", "", "▲ 13.6%", CAPTION, 150, 300, 100)
    assert narrow.change and not narrow.caption  # "vs 1h ago" only where it fits


def test_a_short_tile_draws_every_text_whole(qtbot: QtBot) -> None:
    tile = StatTileWidget(PanelConfig(kind="stat", metrics=["m"], window=3600.0), DARK)
    qtbot.addWidget(tile)
    state = TileState(title="Active users (30 min)", value_text="38,888", unit_text="USD",
                      change_text="▲ 12.5%", change_good=True, status="ok", age_text="5s ago",
                      alarm="unacked", severity="critical", alarm_text="⚠ CRITICAL",
                      level="warning", level_text="▲ over 5.00% · critical")
    tile.set_state(state)
    for width, height in ((400, 300), (220, 160), (160, 120), (150, 100)):
        shown(tile, width, height)
        assert text_problems(tile) == [], (width, height)
    assert tile.plot.isHidden() and tile.change_label.isHidden()  # the smallest kept the number
    assert tile.badge_label.text().strip() == "⚠"  # the badge's symbol leaves the title room
    shown(tile, 600, 300)
    assert tile.badge_label.text().strip() == "⚠ CRITICAL" and not tile.plot.isHidden()


def test_the_title_keeps_its_words_before_the_badge_does(qtbot: QtBot) -> None:
    """A wall tile (1920 px / 6) with a warning: "Checkout 5xx" whole and the badge's symbol,
    not "Checko…" beside "⚠ WARNING"; with room for both, both."""
    tile = StatTileWidget(PanelConfig(kind="stat", metrics=["m"]), DARK)
    qtbot.addWidget(tile)
    tile.set_state(TileState(title="Checkout 5xx", value_text="25.0", unit_text="%",
                             status="ok", alarm="unacked", severity="warning",
                             alarm_text="⚠ WARNING"))
    shown(tile, 300, 220)
    assert tile.badge_label.text().strip() == "⚠"
    title = tile.title_label
    assert title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width()
    shown(tile, 460, 220)
    assert tile.badge_label.text().strip() == "⚠ WARNING"


def test_a_tile_without_a_unit_leaves_no_gap_for_it(qtbot: QtBot) -> None:
    tile = StatTileWidget(PanelConfig(kind="stat", metrics=["m"]), DARK)
    qtbot.addWidget(tile)
    tile.set_state(TileState(title="Orders", value_text="290.3k", status="ok"))
    shown(tile, 170, 160)
    assert tile.unit_label.isHidden() and text_problems(tile) == []


# --- the status grid and the clock -------------------------------------------------------------


def row(name: str, state: str = "up") -> ServiceRow:
    down = state == "down"
    return ServiceRow(name=name, state="down" if down else "up",
                      state_text="DOWN" if down else "UP", uptime_text="99.95%",
                      span_text="over 45m", response_text="1,888 ms", status="ok",
                      since_text="down 3m" if down else "")


ROWS = (row("Web"), row("Search"), row("Catalog"), row("Checkout", "down"), row("Payments"))


def test_status_cells_drop_their_second_line_when_short(qapp: QApplication) -> None:
    tall, short = cell_type(ROWS, 400, 80), cell_type(ROWS, 400, 30)
    assert tall.two_lines and not short.two_lines
    assert short.big.pixelSize() < tall.big.pixelSize()


def test_a_status_grid_fits_any_of_its_cells(qtbot: QtBot) -> None:
    grid = StatusGridWidget(PanelConfig(kind="status", metrics=["a"]), DARK)
    qtbot.addWidget(grid)
    grid.set_body(ROWS)
    for width, height in ((900, 500), (450, 260), (420, 190), (340, 220), (300, 100)):
        shown(grid, width, height)
        assert grid.canvas.drawn and text_problems(grid) == [], (width, height)
        names = [d.text for d in grid.canvas.drawn]
        if height > 100:  # a grid any smaller cuts even the words, but nothing overlaps
            assert "✖ DOWN" in names and "Checkout" in names, (width, height)


def test_a_short_clock_keeps_the_time_and_drops_the_zone_then_the_date(qtbot: QtBot) -> None:
    clock = ClockPanelWidget(PanelConfig(kind="clock"), DARK)
    qtbot.addWidget(clock)
    clock.set_body(ClockFace("14:03:27", "Wed 7 Jan 2026", "Europe/Berlin · CET (UTC+01:00)"))
    seen = []
    for height in (400, 150, 120, 90):
        shown(clock, 420, height)
        assert text_problems(clock) == [], height
        seen.append([d.text for d in clock.canvas.drawn])
    assert seen[0] == ["14:03:27", "Wed 7 Jan 2026", "Europe/Berlin · CET (UTC+01:00)"]
    assert seen[-1][0] == "14:03:27" and len(seen[-1]) < 3
    assert all(s[0] == "14:03:27" for s in seen)


# --- the source strip -------------------------------------------------------------------------


def test_fair_widths_give_short_chips_what_they_want_and_share_the_rest() -> None:
    assert fair_widths([50, 200, 300], 1000) == [50, 200, 300]
    assert fair_widths([50, 200, 300], 400) == [50, 175, 175]
    assert fair_widths([100, 100], 0) == [0, 0]


def test_chips_of_a_narrow_strip_share_it_and_end_in_an_ellipsis(qtbot: QtBot) -> None:
    strip = SourceHealthStripWidget(DARK)
    qtbot.addWidget(strip)
    names = ["prometheus", "stripe", "ga4", "datadog", "newrelic", "paypal", "probe",
             "alertmanager"]
    healths = [SourceHealth(source=n, state=HealthState.OK, last_success=NOW - 5) for n in names]
    healths[1] = SourceHealth(source="stripe", state=HealthState.DOWN, last_success=NOW - 300)
    strip.set_healths(healths, NOW)
    shown(strip, 1900, 50)
    assert [c.shown_text() for c in strip.chips.values()] == [
        c.text() for c in strip.chips.values()
    ]
    shown(strip, 900, 50)
    chips = list(strip.chips.values())
    assert sum(c.width() for c in chips) <= 900
    assert all(c.shown_text().endswith("…") for c in chips if len(c.text()) > 12)
    assert all(c.shown_text()[0] in "●✖" for c in chips)  # the state's symbol always shows
    assert text_problems(strip) == []
    assert MIN_TEXT_PX == 18  # the type the chips keep: they are elided, not shrunk
