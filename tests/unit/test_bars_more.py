"""A bar panel with room for fewer bars than it has: the "+N more" line counts and sums what it
leaves out, in the panel's unit. No Qt."""

from __future__ import annotations

from noc_board.core.panel_models.bars import bars_body
from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit

ROWS = (("a", 50.0), ("b", 25.0), ("c", 20.0), ("d", 5.0), ("e", 3.0))


def test_more_after_counts_and_sums_the_bars_left_out() -> None:
    body = bars_body(Breakdown("t", 0.0, ROWS), 3, Unit.MONEY, "EUR")
    assert body.more_text == "+2 more · 8.00 EUR"
    assert body.more_after(3) == body.more_text  # every bar drawn: the line as it was
    assert body.more_after(1) == "+4 more · 53.00 EUR"  # b, c and the two beyond the limit
    everything = bars_body(Breakdown("t", 0.0, ROWS), 10, Unit.COUNT, "")
    assert everything.more_text == "" and everything.more_after(5) == ""
    assert everything.more_after(2) == "+3 more · 28"
