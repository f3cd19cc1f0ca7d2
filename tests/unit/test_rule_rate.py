"""Rate of change and week-over-week: threshold logic on a derived figure."""

import math
from collections.abc import Sequence

import numpy as np
import pytest

from noc_board.core.rules.base import Verdict
from noc_board.core.rules.history import ArrayHistory, NoHistory
from noc_board.core.rules.rate import RateOfChangeRule
from noc_board.core.rules.week_over_week import WeekOverWeekRule
from noc_board.core.threshold import ThresholdRule

WEEK = 7 * 86400.0


def verdicts(rule: RateOfChangeRule | WeekOverWeekRule,
             points: Sequence[tuple[float, float]]) -> list[Verdict]:
    return [rule.observe("m", t, v).verdict for t, v in points]


def test_relative_fall_within_the_window_raises_and_clears_with_hysteresis() -> None:
    level = ThresholdRule("r", "m", "below", level=-0.3, clear=-0.1)
    rule = RateOfChangeRule(level, window=600)
    points = [(0, 100), (300, 100), (600, 90), (900, 60), (1200, 65), (1500, 62), (1800, 64)]
    # at 900: 60 vs 100 at 300 = -40%; at 1200: 65 vs 90 at 600: -28% (in the band);
    # at 1500: 62 vs 60 at 900 = +3%: clear
    assert verdicts(rule, points) == [Verdict.NONE, Verdict.NONE, Verdict.NONE, Verdict.RAISE,
                                      Verdict.NONE, Verdict.CLEAR, Verdict.NONE]
    note = rule.observe("m", 2100, 10).note
    assert note is not None and note == "changed -83.9% in 10 min (now 10)"


def test_absolute_change_and_hold() -> None:
    level = ThresholdRule("r", "m", "above", level=50, clear=10, hold=120)
    rule = RateOfChangeRule(level, window=60, relative=False)
    points = [(0, 0), (60, 100), (120, 200), (180, 300), (240, 300)]
    assert verdicts(rule, points) == [Verdict.NONE, Verdict.NONE, Verdict.NONE, Verdict.RAISE,
                                      Verdict.CLEAR]


def test_nothing_is_judged_before_the_window_is_covered_or_on_nan() -> None:
    rule = RateOfChangeRule(ThresholdRule("r", "m", "below", -0.5, -0.5), window=600)
    assert rule.observe("m", 0, 100).verdict is Verdict.NONE
    assert rule.observe("m", 60, 1).verdict is Verdict.NONE  # nothing 600 s before yet
    assert not rule.observe("m", 700, math.nan).evaluated
    with pytest.raises(ValueError):
        RateOfChangeRule(ThresholdRule("r", "m", "below", -0.5, -0.5), window=0)


def test_week_over_week_ratio_against_last_weeks_window_mean() -> None:
    t = np.arange(0, WEEK + 7200, 60.0)
    v = np.full(t.size, 200.0)
    now = [0.0]
    history = ArrayHistory({"m": (t, v)}, now=lambda: now[0])
    level = ThresholdRule("r", "m", "below", level=0.7, clear=0.85, hold=120)
    rule = WeekOverWeekRule(level, history, offset=WEEK, window=900)
    out = []
    for ts, value in [(WEEK, 200), (WEEK + 60, 120), (WEEK + 120, 120), (WEEK + 180, 130),
                      (WEEK + 240, 160), (WEEK + 300, 190)]:
        now[0] = ts
        out.append(rule.observe("m", ts, value))
    assert [d.verdict for d in out] == [Verdict.NONE, Verdict.NONE, Verdict.NONE, Verdict.RAISE,
                                        Verdict.NONE, Verdict.CLEAR]
    assert out[3].note == "65% of a week ago (130 vs 200)"


def test_week_over_week_without_last_week_says_nothing() -> None:
    rule = WeekOverWeekRule(ThresholdRule("r", "m", "below", 0.7, 0.7), NoHistory())
    assert rule.observe("m", WEEK, 1.0).verdict is Verdict.NONE
    assert not rule.firing
