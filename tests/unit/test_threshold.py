"""Threshold rules: the hold time, the clear level (hysteresis) and missing values."""

from noc_board.core.threshold import ThresholdRule, ThresholdState, Verdict, evaluate_threshold


def run(rule: ThresholdRule, points: list[tuple[float, float]]) -> list[Verdict]:
    state = ThresholdState()
    return [evaluate_threshold(rule, state, t, v) for t, v in points]


def test_raises_only_after_hold() -> None:
    rule = ThresholdRule("r", "m", "above", level=5, clear=3, hold=60)
    verdicts = run(rule, [(0, 6), (30, 7), (59, 8), (60, 9)])
    assert verdicts == [Verdict.NONE, Verdict.NONE, Verdict.NONE, Verdict.RAISE]


def test_a_dip_restarts_the_hold() -> None:
    rule = ThresholdRule("r", "m", "above", level=5, clear=3, hold=60)
    verdicts = run(rule, [(0, 6), (30, 4), (40, 6), (90, 6), (100, 6)])
    assert verdicts == [Verdict.NONE] * 4 + [Verdict.RAISE]


def test_hysteresis_band_keeps_firing_until_clear_level() -> None:
    rule = ThresholdRule("r", "m", "above", level=5, clear=3, hold=0)
    verdicts = run(rule, [(0, 6), (1, 4), (2, 4.5), (3, 3), (4, 4)])
    assert verdicts == [Verdict.RAISE, Verdict.NONE, Verdict.NONE, Verdict.CLEAR, Verdict.NONE]


def test_below_rule() -> None:
    rule = ThresholdRule("r", "m", "below", level=0.5, clear=1.0, hold=0)
    verdicts = run(rule, [(0, 1), (1, 0), (2, 0.7), (3, 1)])
    assert verdicts == [Verdict.NONE, Verdict.RAISE, Verdict.NONE, Verdict.CLEAR]


def test_nan_changes_nothing() -> None:
    rule = ThresholdRule("r", "m", "above", level=5, clear=3, hold=10)
    verdicts = run(rule, [(0, 6), (5, float("nan")), (10, 6)])
    assert verdicts == [Verdict.NONE, Verdict.NONE, Verdict.RAISE]
