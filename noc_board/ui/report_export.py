"""Exports in the app: off the GUI thread, with progress and cancel; and the operator's desk of
notes, incidents and the one-key shift report.

`ReportExporter` runs one export at a time in a worker thread: it opens its own connection to
the store (WAL lets it read beside the engine's writer), builds the report and writes it
atomically (noc_board.reports.export), reporting progress through its signals, which Qt
delivers on the GUI thread. `cancel()` stops it at its next step and no file is left.

`ReportDesk` is what the main window's keys reach: F9 (or Ctrl+E) exports the shift report to
the reports folder with a progress dialog, N opens the shift notes, I the incidents.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from noc_board.config.schema import Config
from noc_board.core.clock import Clock
from noc_board.reports.context import Cancelled, Progressor, ReportContext, ReportError
from noc_board.reports.periods import local
from noc_board.ui.bridge import EngineBridge

log = logging.getLogger(__name__)

REPORTS_FOLDER = "NOC Board reports"


def reports_folder(config: Config) -> Path:
    """Where the app saves reports: `[reports] folder`, else Documents/NOC Board reports."""
    if config.reports.folder:
        return Path(config.reports.folder).expanduser()
    from platformdirs import user_documents_path

    return user_documents_path() / REPORTS_FOLDER


def report_file_name(kind: str, now: float, zone: str, suffix: str = ".pdf",
                     incident: str | None = None) -> str:
    """shift-2026-01-07-1400.pdf, incident-INC-0003-2026-01-07-1412.pdf, ..."""
    stamp = local(now, zone).strftime("%Y-%m-%d-%H%M")
    middle = f"{incident}-" if incident else ""
    return f"{kind}-{middle}{stamp}{suffix}"


class ReportExporter(QObject):
    """Runs exports in a worker thread, one at a time.

    Signals:
        progressed(float, str): the share done (0..1) and what is being done.
        finished(str): the path written.
        failed(str): why nothing was written.
        cancelled(): the export was cancelled; nothing was written.
    """

    progressed = Signal(float, str)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, config: Config, store_path: Path, clock: Clock,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.store_path = store_path
        self.clock = clock
        self._thread: threading.Thread | None = None
        self._progress: Progressor | None = None
        self._ended = threading.Event()  # set before the last signal, as the thread ends

    @property
    def busy(self) -> bool:
        """Whether an export runs (False once its outcome was signalled)."""
        return (self._thread is not None and self._thread.is_alive()
                and not self._ended.is_set())

    def export(self, kind: str, path: Path, start: float | None = None,
               end: float | None = None, incident: str | None = None,
               author: str = "") -> bool:
        """Start an export; False when one is already running."""
        if self.busy:
            return False
        progress = Progressor(lambda done, what: self.progressed.emit(done, what))
        self._progress = progress
        self._ended = threading.Event()
        now = self.clock.now()
        self._thread = threading.Thread(
            target=self._run,
            args=(kind, path, start, end, incident, author, now, progress, self._ended),
            name=f"report-{kind}", daemon=True)
        self._thread.start()
        return True

    def cancel(self) -> None:
        """Stop the running export at its next step (its file is not written)."""
        if self._progress is not None:
            self._progress.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker ended (tests, shutdown); whether it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self, kind: str, path: Path, start: float | None, end: float | None,
             incident: str | None, author: str, now: float, progress: Progressor,
             ended: threading.Event) -> None:
        from noc_board.reports.export import export_report
        from noc_board.store import StoreError, open_store

        try:
            with open_store(self.store_path) as store:
                ctx = ReportContext(self.config, store.journal, store.rollups, now, progress,
                                    author)
                export_report(ctx, kind, path, start, end, incident)
        except Cancelled:
            ended.set()
            self.cancelled.emit()
        except (ReportError, StoreError, OSError) as exc:
            log.warning("report %s not written: %s", path, exc)
            ended.set()
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("report %s failed", path)
            ended.set()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            ended.set()
            self.finished.emit(str(path))


class ReportDesk(QObject):
    """Notes, incidents and exports for one board window (a child of it)."""

    def __init__(self, window: QWidget, bridge: EngineBridge, clock: Clock,
                 zone: dt.tzinfo, folder: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = bridge
        self.clock = clock
        self.zone = zone
        self._folder = folder
        self.exporter: ReportExporter | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.notes_dialog: QDialog | None = None
        self.incident_dialog: QDialog | None = None
        self.last_path: str = ""

    @property
    def config(self) -> Config:
        return self.bridge.hub.config

    def folder(self) -> Path:
        return self._folder if self._folder is not None else reports_folder(self.config)

    def _exporter(self) -> ReportExporter | None:
        log_ = self.bridge.hub.operator_log
        if log_ is None:
            self.bridge.intent_failed.emit("this board keeps no journal: nothing to report")
            return None
        if self.exporter is None or self.exporter.store_path != log_.journal.path \
                or self.exporter.config is not self.config:
            if self.exporter is not None and self.exporter.busy:
                return self.exporter
            self.exporter = ReportExporter(self.config, log_.journal.path, self.clock, self)
            self.exporter.progressed.connect(self._progressed)
            self.exporter.finished.connect(self._finished)
            self.exporter.failed.connect(self._failed)
            self.exporter.cancelled.connect(self._cancelled)
        return self.exporter

    def export_shift_report(self) -> bool:
        """F9: the shift report (the shift now ending, or the one just ended) as a PDF."""
        now = self.clock.now()
        path = self.folder() / report_file_name("shift", now, self.config.board.timezone)
        return self.export("shift", path)

    def export_incident_report(self, incident_id: str) -> bool:
        """The report of one incident as a PDF."""
        now = self.clock.now()
        path = self.folder() / report_file_name("incident", now, self.config.board.timezone,
                                                incident=incident_id)
        return self.export("incident", path, incident=incident_id)

    def export(self, kind: str, path: Path, start: float | None = None,
               end: float | None = None, incident: str | None = None) -> bool:
        """Start an export with a progress dialog; False when one runs or nothing to read."""
        exporter = self._exporter()
        if exporter is None:
            return False
        if exporter.busy:
            self.bridge.intent_failed.emit("a report is being written already")
            return False
        from noc_board.ui.ack_dialog import seat_operator

        dialog = QProgressDialog(f"Writing the {kind} report…", "Cancel", 0, 100, self.window)
        dialog.setWindowTitle("Report")
        dialog.setMinimumDuration(300)  # a quick export shows no dialog at all
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(exporter.cancel)
        self.progress_dialog = dialog
        return exporter.export(kind, path, start, end, incident, seat_operator())

    def _progressed(self, done: float, what: str) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setValue(round(done * 100))
            self.progress_dialog.setLabelText(what.capitalize() + "…")

    def _close_progress(self) -> None:
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None:
            dialog.blockSignals(True)  # closing a progress dialog emits canceled
            dialog.close()
            dialog.deleteLater()

    def _finished(self, path: str) -> None:
        self._close_progress()
        self.last_path = path
        message = getattr(self.window, "show_message", None)
        if callable(message):
            message(f"report saved: {path}")
        log.info("report saved to %s", path)

    def _failed(self, reason: str) -> None:
        self._close_progress()
        self.bridge.intent_failed.emit(f"report not written: {reason}")

    def _cancelled(self) -> None:
        self._close_progress()
        self.bridge.intent_failed.emit("report cancelled; nothing was written")

    def open_notes(self) -> QDialog:
        """N: the shift notes (one dialog, raised when already open)."""
        from noc_board.ui.notes_panel import NotesDialog

        if self.notes_dialog is None:
            dialog = NotesDialog(self.bridge, self.clock, self.zone, self.window)
            dialog.finished.connect(self._notes_closed)
            self.notes_dialog = dialog
        if self.notes_dialog.isVisible():
            self.notes_dialog.raise_()  # already open: bring it to the front
        else:
            self.notes_dialog.show()
        return self.notes_dialog

    def _notes_closed(self, _result: int) -> None:
        dialog, self.notes_dialog = self.notes_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def open_incidents(self) -> QDialog:
        """I: the incidents (one dialog, raised when already open)."""
        from noc_board.ui.incident_editor import IncidentDialog

        if self.incident_dialog is None:
            dialog = IncidentDialog(self.bridge, self.clock, self.zone, self.window,
                                    export=self.export_incident_report)
            dialog.finished.connect(self._incidents_closed)
            self.incident_dialog = dialog
        if self.incident_dialog.isVisible():
            self.incident_dialog.raise_()  # already open: bring it to the front
        else:
            self.incident_dialog.show()
        return self.incident_dialog

    def _incidents_closed(self, _result: int) -> None:
        dialog, self.incident_dialog = self.incident_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def shutdown(self) -> None:
        """Cancel a running export and wait for it; close the dialogs (idempotent)."""
        if self.exporter is not None:
            self.exporter.cancel()
            self.exporter.wait(10.0)
        self._close_progress()
        for dialog in (self.notes_dialog, self.incident_dialog):
            if dialog is not None:
                dialog.reject()
