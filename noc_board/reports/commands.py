"""`noc-board report KIND --from T --to T --out FILE`: a report without a window, for scheduling.

KIND is shift, incident, daily, weekly or monthly; the format comes from the file name (.pdf,
.html, .csv). T is ISO 8601, now, today, yesterday or relative like -8h (reports.periods); with
no --from each kind takes its default window (the last shift, yesterday, last week, last month).
`--config FILE` names the configuration whose journal and metrics are read (default: the
user's); `--demo` reads the demo board's journal; `--incident ID` picks the incident.

Exit 0 after writing the file (one line on stdout says what was written), 2 for a bad
configuration, argument or missing journal, 1 when the file cannot be written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from noc_board.reports.context import ReportContext, ReportError
from noc_board.reports.export import export_report, format_of
from noc_board.reports.periods import PeriodError, parse_time


def report_command(
    kind: str,
    start: str | None,
    end: str | None,
    out_file: Path | None,
    config_path: Path | None,
    incident: str | None,
    demo: bool,
    out: TextIO,
    err: TextIO,
    now: Callable[[], float] | None = None,
) -> int:
    """Write one report; the exit code (see the module docstring)."""
    import time

    from noc_board.config.issues import ConfigError
    from noc_board.config.loader import load_config
    from noc_board.config.locations import data_dir, default_config_path, journal_file
    from noc_board.store import StoreError, open_store

    prog = "noc-board report"
    if out_file is None:
        print(f"{prog}: give --out FILE (.pdf, .html or .csv)", file=err)
        return 2
    try:
        format_of(out_file)
    except ReportError as exc:
        print(f"{prog}: {exc}", file=err)
        return 2
    if demo:
        from noc_board.engine.launch import demo_config_path

        path = config_path or demo_config_path()
    else:
        path = config_path or default_config_path()
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=err)
        return 2
    except OSError as exc:
        print(f"{prog}: cannot read the configuration {path}: {exc}", file=err)
        return 2
    store_path = data_dir() / "demo-journal.sqlite3" if demo else journal_file(
        config.board.store, path)
    if not store_path.exists():
        print(f"{prog}: no journal at {store_path}: the board has not run with this "
              "configuration yet (board.store says where the journal is)", file=err)
        return 2
    moment = (now or time.time)()
    zone = config.board.timezone
    try:
        a = parse_time(start, moment, zone) if start else None
        b = parse_time(end, moment, zone) if end else None
    except PeriodError as exc:
        print(f"{prog}: {exc}", file=err)
        return 2
    try:
        store = open_store(store_path)
    except StoreError as exc:
        print(f"{prog}: {exc}", file=err)
        return 2
    try:
        ctx = ReportContext(config, store.journal, store.rollups, moment)
        done = export_report(ctx, kind, out_file, a, b, incident)
    except (ReportError, PeriodError) as exc:
        print(f"{prog}: {exc}", file=err)
        return 2
    except OSError as exc:
        print(f"{prog}: cannot write {out_file}: {exc}", file=err)
        return 1
    finally:
        store.close()
    pages = f", {done.pages} page{'s' if done.pages != 1 else ''}" if done.format == "pdf" else ""
    print(f"{out_file}: {done.report.title} ({done.report.subtitle}), {done.report.period_text} "
          f"{zone}{pages}", file=out)
    return 0
