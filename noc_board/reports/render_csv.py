"""The CSV renderer: the numbers behind every table and chart, in one file.

One file, because that is what a spreadsheet opens with a double click. Its first column,
`section`, names the table a row belongs to, so a filter on it shows one table. Each table starts
with its header row (the `section` cell of the header holds the word "section"), and a blank
line separates tables:

    section,Figure,This day,Previous day,Change
    summary,Orders,1234,1180,0.045763
    (blank line)
    section,Raised,Rule,...
    alarms,2026-01-07T07:12:00+01:00,checkout-errors,...

The first table, `report`, says what the file is (kind, period, time zone). Key figures come as
the table `figures`; each chart as a table named after it, one row per x position and one column
per series. Numbers are raw (0.045763 is +4.6 %), times ISO 8601 with their UTC offset,
durations in seconds; UTF-8 with a byte-order mark so Excel reads the accents.
"""

from __future__ import annotations

import csv
import io
import math

from noc_board.reports.document import Chart, Raw, Report, Table
from noc_board.reports.formatting import iso


def _raw(value: Raw) -> Raw:
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return round(value, 6)
    return "" if value is None else value


def render_csv(report: Report) -> str:
    """The whole report as CSV text (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    blocks: list[list[list[Raw]]] = []
    blocks.append([
        ["section", "kind", "title", "subtitle", "board", "from", "to", "timezone"],
        ["report", report.kind, report.title, report.subtitle, report.board,
         iso(report.start, report.timezone), iso(report.end, report.timezone), report.timezone],
    ])
    figures = report.figures()
    if figures:
        rows: list[list[Raw]] = [["section", "figure", "value", "shown", "change", "note"]]
        for f in figures:
            rows.append(["figures", f.label, _raw(f.raw) if f.raw is not None else "", f.text,
                         _raw(f.change) if f.change is not None else "", f.change_text])
        blocks.append(rows)
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table):
                blocks.append(_table(block))
            elif isinstance(block, Chart):
                blocks.append(_chart(block))
    for i, rows in enumerate(blocks):
        if i:
            writer.writerow([])
        writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def _table(t: Table) -> list[list[Raw]]:
    rows: list[list[Raw]] = [["section", *(c.title or f"column {i + 1}"
                                          for i, c in enumerate(t.columns))]]
    for row in t.rows:
        rows.append([t.name, *(_raw(cell.value) for cell in row)])
    return rows


def _chart(c: Chart) -> list[list[Raw]]:
    first = "row" if c.kind == "heatmap" else "x"
    if c.kind == "heatmap":
        rows: list[list[Raw]] = [["section", first, *c.labels]]
        for s in c.series:
            rows.append([c.name, s.name, *(_raw(v) for v in s.values)])
        return rows
    rows = [["section", first, *(s.name for s in c.series)]]
    for i, label in enumerate(c.labels):
        rows.append([c.name, label, *(_raw(s.values[i]) if i < len(s.values) else ""
                                      for s in c.series)])
    return rows
