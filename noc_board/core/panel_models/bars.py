"""Top-N bars from a breakdown (e.g. top-selling products by revenue): pure, no Qt.

Rows whose value is not a number are left out (never drawn as zero); the rest are ordered by
value, largest first, and the first `limit` shown, each with its share of the largest (the bar's
length) and of the total. What does not fit is summed into "+N more".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit, format_value


@dataclass(frozen=True, slots=True)
class Bar:
    """One row: its label, value, the value as text, and its length (0-1 of the largest)."""

    label: str
    value: float
    value_text: str
    fraction: float
    share_text: str  # of the total, e.g. "23%"


@dataclass(frozen=True, slots=True)
class BarsBody:
    """What a bar panel draws below its header.

    `rest_count` and `rest_total` are the rows beyond the bars (what `more_text` sums), in
    `unit` and `currency`, so a panel with room for fewer bars can say what it leaves out
    (`more_after`).
    """

    bars: tuple[Bar, ...] = ()
    more_text: str = ""  # e.g. "+12 more · 3.4k USD"
    rest_count: int = 0
    rest_total: float = 0.0
    unit: Unit = Unit.COUNT
    currency: str = ""

    def more_after(self, shown: int) -> str:
        """The "+N more · total" line when only the first `shown` bars are drawn."""
        if shown >= len(self.bars):
            return self.more_text
        hidden = self.bars[shown:]
        count = self.rest_count + len(hidden)
        total = self.rest_total + sum(b.value for b in hidden)
        return f"+{count} more · {_text(total, self.unit, self.currency)}"


def _text(value: float, unit: Unit, currency: str) -> str:
    number, unit_text = format_value(value, unit, currency)
    if not unit_text:
        return number
    return f"{number}{unit_text}" if unit_text in ("%", "/s", "/min") else f"{number} {unit_text}"


def bars_body(breakdown: Breakdown | None, limit: int, unit: Unit, currency: str) -> BarsBody:
    """The bars of `breakdown`'s rows: the `limit` largest finite values."""
    if breakdown is None:
        return BarsBody()
    rows = [(label, float(v)) for label, v in breakdown.rows if math.isfinite(v)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    if not rows:
        return BarsBody()
    shown, rest = rows[:limit], rows[limit:]
    total = sum(v for _, v in rows)
    top = max(abs(shown[0][1]), 1e-300)
    bars = tuple(
        Bar(label, value, _text(value, unit, currency), max(0.0, value / top),
            f"{value / total * 100:.0f}%" if total > 0 else "")
        for label, value in shown
    )
    more = ""
    rest_total = sum(v for _, v in rest)
    if rest:
        more = f"+{len(rest)} more · {_text(rest_total, unit, currency)}"
    return BarsBody(bars, more, len(rest), rest_total, unit, currency)
