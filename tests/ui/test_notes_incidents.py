"""Shift notes, the incident editor and the one-key shift report at the workstation.

Real hub, real SQLite journal (on disk), real widgets offscreen. The incident editor's fields
survive a restart: a second hub on the same file shows what the first one saved. F9 writes the
shift report in a worker thread, with progress, and can be cancelled.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from noc_board.config.schema import Config
from noc_board.core.clock import ManualClock
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.reports import export as report_export
from noc_board.reports.context import ReportContext
from noc_board.reports.document import Report
from noc_board.store import Store, open_store
from noc_board.store.operator_log import OperatorLog
from noc_board.ui.bridge import EngineBridge
from noc_board.ui.incident_editor import IncidentDialog
from noc_board.ui.main_window import WallboardWindow
from noc_board.ui.notes_panel import NotesDialog
from noc_board.ui.report_export import ReportDesk, report_file_name

from .conftest import ERRORS, START, feed_healthy, ingest, make_config

ZONE = __import__("zoneinfo").ZoneInfo("Europe/Berlin")


def board_config(folder: Path) -> Config:
    config = make_config()
    return dataclasses.replace(config, reports=dataclasses.replace(
        config.reports, folder=str(folder), handovers=["06:00", "14:00", "22:00"]))


class Board:
    """A hub with a journal on disk and its bridge: what the app has after a (re)start."""

    def __init__(self, path: Path, config: Config, clock: ManualClock) -> None:
        self.store: Store = open_store(path)
        self.hub = Hub(config, clock, StoreRecorder(self.store),
                       operator_log=OperatorLog(self.store.journal))
        self.bridge = EngineBridge(self.hub)

    def close(self) -> None:
        self.bridge.close()
        self.store.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def board(qapp: QApplication, tmp_path: Path, clock: ManualClock) -> Iterator[Board]:
    b = Board(tmp_path / "journal.sqlite3", board_config(tmp_path / "reports"), clock)
    yield b
    b.close()


def flush() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def test_notes_panel_journals_a_flagged_note_and_lists_the_shift(
        qtbot: QtBot, board: Board, clock: ManualClock) -> None:
    dialog = NotesDialog(board.bridge, clock, ZONE)
    qtbot.addWidget(dialog)
    dialog.show()
    panel = dialog.panel
    panel.operator_box.setCurrentText("bob")
    QTest.keyClicks(panel.editor, "Rolled back deploy 4711")
    panel.flag_box.setChecked(True)
    QTest.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    notes = board.hub.notes()
    assert [(n.operator, n.text, n.flagged) for n in notes] == [
        ("bob", "Rolled back deploy 4711", True)]
    assert panel.editor.toPlainText() == "" and not panel.flag_box.isChecked()
    assert panel.list.count() == 1 and "⚑ Rolled back deploy 4711" in panel.list.item(0).text()
    # Ctrl+Enter adds too; an empty note is not sent
    QTest.keyClicks(panel.editor, "Search is slow again")
    QTest.keyClick(panel.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    panel.submit()
    assert [n.text for n in board.hub.notes()] == ["Rolled back deploy 4711",
                                                   "Search is slow again"]
    # a note written elsewhere (another dialog, the journal) shows up through the bridge
    board.hub.add_note("alice", "from the other desk")
    assert panel.list.count() == 3 and "alice: from the other desk" in panel.list.item(0).text()
    dialog.reject()


def test_incident_editor_saves_across_a_restart(
        qtbot: QtBot, tmp_path: Path, clock: ManualClock) -> None:
    config = board_config(tmp_path / "reports")
    path = tmp_path / "journal.sqlite3"
    first = Board(path, config, clock)
    try:
        feed_healthy(first.hub, clock, minutes=5)
        clock.advance(60)
        ingest(first.hub, "prom", clock.now(), **{ERRORS: 0.2})  # checkout-errors is raised
        dialog = IncidentDialog(first.bridge, clock, ZONE)
        qtbot.addWidget(dialog)
        dialog.show()
        editor = dialog.editor
        editor.operator_box.setCurrentText("alice")
        QTest.keyClicks(editor.new_title, "Checkout errors")
        QTest.mouseClick(editor.from_alarms_button, Qt.MouseButton.LeftButton)
        (incident,) = first.hub.incidents().values()
        assert incident.alarms == ("checkout-errors",) and incident.severity == "critical"
        assert editor.selected_id() == incident.id
        editor.edits["cause"].setPlainText("A bad deploy (4711).")
        editor.edits["resolution"].setPlainText("Rolled back.")
        editor.edits["actions"].setPlainText("Canary deploys for checkout.")
        editor.status_box.setCurrentText("resolved")
        QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        assert editor.saved_label.text() == "Saved to the journal."
        assert editor.changed_fields() == {}
        QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)  # nothing changed
        assert editor.saved_label.text() == "Nothing to save."
        dialog.reject()
    finally:
        first.close()
    clock.advance(3600)
    second = Board(path, config, clock)  # the board restarted on the same journal
    try:
        dialog = IncidentDialog(second.bridge, clock, ZONE)
        qtbot.addWidget(dialog)
        dialog.show()
        editor = dialog.editor
        assert editor.list.count() == 1 and editor.selected_id() == incident.id
        assert editor.title_edit.text() == "Checkout errors"
        assert editor.edits["cause"].toPlainText() == "A bad deploy (4711)."
        assert editor.edits["resolution"].toPlainText() == "Rolled back."
        assert editor.edits["actions"].toPlainText() == "Canary deploys for checkout."
        assert editor.status_box.currentText() == "resolved"
        stored = second.hub.incidents()[incident.id]
        assert stored.opened_by == "alice" and stored.resolved_at is not None
        # a second edit after the restart is kept on top of the first
        editor.operator_box.setCurrentText("bob")
        editor.edits["actions"].setPlainText("Canary deploys; an alarm on deploys.")
        editor.save()
        assert second.hub.incidents()[incident.id].actions == \
            "Canary deploys; an alarm on deploys."
        assert second.hub.incidents()[incident.id].cause == "A bad deploy (4711)."
        dialog.reject()
    finally:
        second.close()


def test_opening_an_incident_needs_a_title(qtbot: QtBot, board: Board,
                                           clock: ManualClock) -> None:
    dialog = IncidentDialog(board.bridge, clock, ZONE)
    qtbot.addWidget(dialog)
    editor = dialog.editor
    editor.operator_box.setCurrentText("alice")
    QTest.mouseClick(editor.by_hand_button, Qt.MouseButton.LeftButton)
    assert board.hub.incidents() == {}
    assert "title" in editor.saved_label.text()
    QTest.keyClicks(editor.new_title, "Search slow")
    QTest.mouseClick(editor.by_hand_button, Qt.MouseButton.LeftButton)
    (incident,) = board.hub.incidents().values()
    assert incident.alarms == () and incident.title == "Search slow"
    dialog.reject()


@pytest.fixture
def window(qtbot: QtBot, board: Board, clock: ManualClock) -> Iterator[WallboardWindow]:
    w = WallboardWindow(board.hub, board.bridge, clock, tick_ms=0)
    w.resize(1280, 720)
    w.show()
    yield w
    timers = w.findChildren(QTimer)
    w.shutdown()
    running = [t.objectName() or repr(t) for t in timers if t.isActive()]
    w.close()
    w.deleteLater()
    flush()
    assert not running, running


def test_f9_writes_the_shift_report_off_the_gui_thread(
        qtbot: QtBot, window: WallboardWindow, board: Board, clock: ManualClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed_healthy(board.hub, clock, minutes=30)
    board.hub.add_note("alice", "quiet shift")
    threads: list[str] = []
    real_build = report_export.build_report

    def build(ctx: ReportContext, kind: str, start: float | None = None,
              end: float | None = None, incident: str | None = None) -> Report:
        threads.append(threading.current_thread().name)
        return real_build(ctx, kind, start, end, incident)

    monkeypatch.setattr(report_export, "build_report", build)
    desk = window.report_desk()
    exporter_ready = desk._exporter()
    assert exporter_ready is not None
    progress: list[float] = []
    exporter_ready.progressed.connect(lambda done, what: progress.append(done))
    with qtbot.waitSignal(exporter_ready.finished, timeout=20_000) as done:
        QTest.keyClick(window, Qt.Key.Key_F9)
    path = Path(done.args[0])
    assert path == tmp_path / "reports" / report_file_name("shift", clock.now(),
                                                           "Europe/Berlin")
    assert path.read_bytes().startswith(b"%PDF") and threads == ["report-shift"]
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    assert "report saved" in window.message_label.text()
    assert desk.progress_dialog is None
    # Ctrl+E does the same
    failures: list[str] = []
    exporter_ready.failed.connect(failures.append)
    with qtbot.waitSignal(exporter_ready.finished, timeout=20_000):
        QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not failures
    assert exporter_ready.wait(5)


def test_a_long_export_can_be_cancelled_and_leaves_no_file(
        qtbot: QtBot, window: WallboardWindow, board: Board, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()

    def slow(ctx: ReportContext, kind: str, start: float | None = None,
             end: float | None = None, incident: str | None = None) -> Report:
        started.set()
        for _ in range(2000):  # a long build: steps until cancelled (at most ~20 s)
            ctx.progress.step(0.1, "reading the month")
            threading.Event().wait(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(report_export, "build_report", slow)
    desk: ReportDesk = window.report_desk()
    target = tmp_path / "reports" / "monthly.pdf"
    assert desk.export("monthly", target)
    exporter = desk.exporter
    assert exporter is not None and exporter.busy
    assert not desk.export("monthly", target)  # one at a time
    assert started.wait(10)
    with qtbot.waitSignal(exporter.cancelled, timeout=10_000):
        assert desk.progress_dialog is not None
        button = desk.progress_dialog.findChild(QPushButton)
        assert button is not None and button.text() == "Cancel"
        button.click()
    assert exporter.wait(5)
    assert not target.exists()
    assert not list((tmp_path / "reports").glob(".*.tmp"))
    assert "cancelled" in window.message_label.text()


def test_n_and_i_open_the_notes_and_incidents(qtbot: QtBot, window: WallboardWindow) -> None:
    QTest.keyClick(window, Qt.Key.Key_N)
    desk = window.report_desk()
    assert isinstance(desk.notes_dialog, NotesDialog) and desk.notes_dialog.isVisible()
    QTest.keyClick(window, Qt.Key.Key_I)
    assert isinstance(desk.incident_dialog, IncidentDialog) and desk.incident_dialog.isVisible()
    desk.shutdown()
    flush()
    assert desk.notes_dialog is None and desk.incident_dialog is None
