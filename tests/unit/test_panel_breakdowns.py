"""Pure models of the breakdown panels: top-N bars, funnel, behaviour flow. No Qt."""

from __future__ import annotations

import math

import pytest

from noc_board.core.panel_models.bars import bars_body
from noc_board.core.panel_models.flow import flow_body, split_edge, transitions
from noc_board.core.panel_models.funnel import funnel_body, funnel_from_breakdown
from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit

NOW = 1_000_000.0


def table(*rows: tuple[str, float]) -> Breakdown:
    return Breakdown("src.table", NOW, rows)


# --- bars ------------------------------------------------------------------------------------


def test_bars_rank_largest_first_and_sum_the_rest() -> None:
    body = bars_body(table(("b", 20.0), ("a", 50.0), ("c", 5.0), ("d", 25.0)), 2, Unit.MONEY,
                     "EUR")
    assert [b.label for b in body.bars] == ["a", "d"]
    assert [b.value_text for b in body.bars] == ["50.00 EUR", "25.00 EUR"]
    assert body.bars[0].fraction == 1.0 and body.bars[1].fraction == 0.5
    assert [b.share_text for b in body.bars] == ["50%", "25%"]  # of the total, 100
    assert body.more_text == "+2 more · 25.00 EUR"


def test_bars_never_draw_a_number_they_do_not_have() -> None:
    body = bars_body(table(("gone", math.nan), ("x", 3.0), ("inf", math.inf)), 5, Unit.COUNT, "")
    assert [b.label for b in body.bars] == ["x"]
    assert bars_body(None, 5, Unit.COUNT, "").bars == ()
    assert bars_body(table(("only", math.nan)), 5, Unit.COUNT, "").bars == ()


def test_bars_ties_are_ordered_by_label_so_rows_do_not_jump() -> None:
    body = bars_body(table(("zeta", 1.0), ("alpha", 1.0)), 5, Unit.COUNT, "")
    assert [b.label for b in body.bars] == ["alpha", "zeta"]


# --- funnel ----------------------------------------------------------------------------------


def test_funnel_shares_and_drops() -> None:
    body = funnel_body(["visits", "cart", "purchase"], [1000.0, 250.0, 50.0])
    assert [s.share_text for s in body.steps] == ["100.0%", "25.0%", "5.0%"]
    assert [s.drop_text for s in body.steps] == ["", "−75.0%", "−80.0%"]
    assert body.steps[2].drop == pytest.approx(0.8)
    assert body.overall_text == "5.00% of visits → purchase"


def test_funnel_step_without_a_number_leaves_its_drops_blank() -> None:
    body = funnel_body(["a", "b", "c"], [100.0, math.nan, 10.0])
    assert body.steps[1].count_text == "—"
    assert body.steps[1].drop_text == "" and body.steps[2].drop_text == ""
    assert math.isnan(body.steps[1].share)
    assert body.steps[2].share_text == "10.0%"


def test_funnel_growth_is_a_gain_not_a_negative_drop() -> None:
    body = funnel_body(["a", "b"], [10.0, 12.0])
    assert body.steps[1].drop_text == "+20.0%"


def test_funnel_from_a_breakdown_keeps_the_row_order() -> None:
    body = funnel_from_breakdown(table(("/", 100.0), ("/cart", 40.0), ("/thanks", 8.0)))
    assert [s.label for s in body.steps] == ["/", "/cart", "/thanks"]
    assert funnel_from_breakdown(None).steps == ()
    assert funnel_from_breakdown(table()).steps == ()


# --- flow ------------------------------------------------------------------------------------


def test_split_edge_accepts_the_usual_arrows() -> None:
    assert split_edge("/a → /b") == ("/a", "/b")
    assert split_edge("/a -> /b") == ("/a", "/b")
    assert split_edge("/a\t/b") == ("/a", "/b")
    assert split_edge("(entrance) → /") == ("(entrance)", "/")
    assert split_edge("no arrow here") is None


def test_transitions_classify_entrances_and_compute_exits() -> None:
    edges, views = transitions(table(
        ("(entrance) → /", 100.0), ("www.google.com → /p", 50.0),
        ("https://shop.example/ → /p", 60.0), ("/p → /cart", 30.0), ("/ → (exit)", 10.0),
    ))
    assert edges[(None, "/")] == 100.0
    assert edges[(None, "/p")] == 50.0  # another site is an entrance
    assert edges[("/", "/p")] == 60.0  # a full URL on our own pages is internal
    assert views == {"/": 100.0, "/p": 110.0, "/cart": 30.0}
    assert edges[("/", None)] == 10.0  # explicit exits win
    assert edges[("/p", None)] == 80.0  # views 110 - onward 30
    assert edges[("/cart", None)] == 30.0


def test_flow_columns_hold_the_same_visits_and_merge_the_long_tail() -> None:
    rows = [("(entrance) → /", 1000.0), ("/ → /p", 600.0), ("/p → /cart", 200.0)]
    rows += [(f"/ → /x{i}", 10.0) for i in range(5)]
    body = flow_body(table(*rows), limit=3)
    left = {n.label: n.value for n in body.left}
    right = {n.label: n.value for n in body.right}
    assert sum(left.values()) == pytest.approx(sum(right.values()))
    assert next(iter(left)) == "Entrance"
    assert list(right)[-1] == "Exit"
    assert "Other pages" in right  # the five /x pages
    assert right["Other pages"] == pytest.approx(50.0)
    assert right["Exit"] == pytest.approx(1000.0)  # every visit ends somewhere
    home = next(n for n in body.left if n.label == "/")
    assert home.exit_text == "35% exit"  # 1000 views, 650 onward
    for link in body.links:
        assert body.left[link.source].value >= link.value
        assert body.right[link.target].value >= link.value
    assert body.summary_text.startswith("1,850 page views")


def test_flow_without_transitions_is_empty() -> None:
    assert flow_body(None, 5).links == ()
    assert flow_body(table(("garbage", 3.0), ("/a → /b", math.nan)), 5).links == ()
