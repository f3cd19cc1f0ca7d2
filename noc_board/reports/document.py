"""The report as a document: what every renderer (PDF, HTML, CSV) draws, and nothing else.

A builder (shift, incident, daily/weekly, monthly) reads the store and fills a `Report` with
sections of blocks: key figures, paragraphs, tables and charts. Every number stays a number next
to its text, so the CSV carries the raw value and the PDF and HTML the formatted one; charts
carry their series, so the CSV can give the numbers behind them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Raw = float | int | str | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: the text shown and the raw value a spreadsheet gets (a number, an ISO
    time, or the text itself). `tone` colours it: "good", "bad", "warn" or ""."""

    text: str
    raw: Raw = None
    tone: str = ""

    @property
    def value(self) -> Raw:
        """What the CSV writes: the raw value, else the text."""
        return self.text if self.raw is None else self.raw


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its title, whether numbers align right, and its share of the width."""

    title: str
    numeric: bool = False
    width: float = 1.0


@dataclass(frozen=True, slots=True)
class Table:
    """A table. `name` is its section name in the CSV (short, no spaces)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = "None."  # shown instead of an empty table
    note: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    """A key figure: "Orders 12,345 +4.2 % vs previous day".

    `change_text` is shown under the value; `tone` colours it (good/bad/warn/"").
    """

    label: str
    text: str
    raw: Raw = None
    unit: str = ""
    change_text: str = ""
    change: float | None = None
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Figures:
    """A row of key figures (tiles)."""

    name: str
    items: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Text. `style`: "body", "muted" (small, grey), "callout" (boxed: what needs attention)."""

    text: str
    style: str = "body"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list of short lines; `style` as for Paragraph."""

    items: tuple[str, ...]
    style: str = "body"


@dataclass(frozen=True, slots=True)
class Series:
    """One line (or one set of bars) of a chart; NaN is a gap. `dashed` for a comparison."""

    name: str
    values: tuple[float, ...]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart: `kind` "line", "bars" or "heatmap".

    line and bars: `labels` name the x positions (times as text, days), one value per label in
    each series; `x_ticks` the indices of labels shown under the axis (all when empty).
    heatmap: `rows` are the series (one per row, e.g. weekdays), `labels` the columns (hours).
    `unit` is for the y axis ("%", "USD", ""): values with unit "%" are fractions (0.5 = 50 %).
    """

    name: str
    title: str
    kind: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    x_ticks: tuple[int, ...] = ()
    note: str = ""

    def has_data(self) -> bool:
        """Whether any series has a finite value."""
        return any(v == v for s in self.series for v in s.values)


Block = Figures | Paragraph | Bullets | Table | Chart


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    """A whole report, ready to render.

    `period_text` (e.g. "Wed 7 Jan 2026 06:00 – 14:00") and `timezone` go on every page;
    `start`/`end` are the window as unix seconds.
    """

    kind: str
    title: str
    subtitle: str
    board: str
    start: float
    end: float
    timezone: str
    period_text: str
    generated_text: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def tables(self) -> list[Table]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        """Every chart, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    def figures(self) -> list[Figure]:
        """Every key figure, in order."""
        return [f for s in self.sections for b in s.blocks if isinstance(b, Figures)
                for f in b.items]


def table(name: str, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
          empty: str = "None.", note: str = "") -> Table:
    """A `Table` from lists."""
    return Table(name, title, tuple(columns), tuple(tuple(r) for r in rows), empty, note)
