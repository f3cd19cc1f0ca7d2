"""Making a report file: build the model, render it in the format the file name asks for, and
write it atomically (a temporary file beside the target, synced, then renamed over it), so a
reader never sees half a report and a failed or cancelled export leaves nothing behind.

The PDF renderer imports Qt when (and only when) a PDF is asked for; HTML and CSV need no Qt.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from noc_board.reports.context import Progressor, ReportContext, ReportError
from noc_board.reports.document import Report
from noc_board.reports.periods import KINDS, Period, default_period

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".csv": "csv"}


@dataclass(frozen=True)
class Exported:
    """A written report: where, in which format, how many pages (PDF), and how long it took."""

    path: Path
    format: str
    pages: int
    seconds: float
    report: Report


def format_of(path: Path) -> str:
    """"pdf", "html" or "csv" from the file name; raises ReportError for anything else."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReportError(f"{path.name}: the file name must end in .pdf, .html or .csv")
    return fmt


def report_period(ctx: ReportContext, kind: str, start: float | None, end: float | None
                  ) -> Period:
    """The window of a report of `kind` (not for incidents: theirs is the incident's own)."""
    return default_period(kind, ctx.now, ctx.zone, ctx.config.reports.handovers, start, end)


def build_report(ctx: ReportContext, kind: str, start: float | None = None,
                 end: float | None = None, incident: str | None = None) -> Report:
    """The report model of `kind` (see periods.KINDS); raises ReportError when it cannot be made."""
    if kind not in KINDS:
        raise ReportError(f"unknown report kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == "incident":
        from noc_board.reports.incident import build_incident, incident_period

        if not incident:
            raise ReportError("an incident report needs --incident ID (e.g. INC-0001)")
        found = ctx.log.incident(incident)
        if found is None:
            known = ", ".join(sorted(ctx.log.incidents())) or "none yet"
            raise ReportError(f"no incident {incident!r} in the journal (incidents: {known})")
        return build_incident(ctx, incident, incident_period(ctx, found, start, end))
    period = report_period(ctx, kind, start, end)
    if kind == "shift":
        from noc_board.reports.shift import build_shift

        return build_shift(ctx, period)
    if kind == "monthly":
        from noc_board.reports.monthly import build_monthly

        return build_monthly(ctx, period)
    from noc_board.reports.periodic import build_periodic

    return build_periodic(ctx, kind, period)


def write_report(report: Report, path: Path, progress: Progressor | None = None) -> int:
    """Render `report` to `path` atomically; the number of pages (1 for HTML and CSV)."""
    fmt = format_of(path)
    progress = progress or Progressor()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pages = 1
    try:
        if fmt == "pdf":
            from noc_board.reports.render_pdf import render_pdf

            pages = render_pdf(report, temp, progress)
        else:
            if fmt == "html":
                from noc_board.reports.render_html import render_html

                text = render_html(report)
            else:
                from noc_board.reports.render_csv import render_csv

                text = render_csv(report)
            progress.check()
            temp.write_text(text, encoding="utf-8", newline="")
        progress.check()
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return pages


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows (POSIX)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def export_report(ctx: ReportContext, kind: str, path: Path, start: float | None = None,
                  end: float | None = None, incident: str | None = None) -> Exported:
    """Build and write one report; raises ReportError, Cancelled or OSError."""
    began = time.perf_counter()
    fmt = format_of(path)
    whole = ctx.progress
    ctx.progress = whole.part(0.0, 0.7)
    try:
        report = build_report(ctx, kind, start, end, incident)
    finally:
        ctx.progress = whole
    pages = write_report(report, path, whole.part(0.7, 1.0))
    whole.step(1.0, "done")
    return Exported(Path(path), fmt, pages, time.perf_counter() - began, report)
