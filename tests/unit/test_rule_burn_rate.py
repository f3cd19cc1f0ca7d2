"""SLO burn rate: a long and a short window must both burn faster than the factor."""

import pytest

from noc_board.core.rules.base import Decision, Verdict
from noc_board.core.rules.burn_rate import WORKBOOK_PAGES, BurnRateRule, BurnWindow


def feed(rule: BurnRateRule, start: float, end: float, ratio: float, step: float = 60.0
         ) -> list[tuple[float, Decision]]:
    out = []
    t = start
    while t < end:
        out.append((t, rule.observe(rule.metric, t, ratio)))
        t += step
    return out


def first(decisions: list[tuple[float, Decision]], verdict: Verdict) -> float:
    return next(t for t, d in decisions if d.verdict is verdict)


def test_workbook_example_fires_after_five_minutes_and_clears_five_after() -> None:
    # SRE workbook: 99.9%, 15% errors for 10 min; the 5m window crosses at once, the 1h one
    # after about 5 min; once the errors stop, the 5m window clears it within 5 min
    rule = BurnRateRule("r", "err", slo=0.999, windows=WORKBOOK_PAGES[:1])
    feed(rule, 0, 2 * 3600, 0.0)
    during = feed(rule, 2 * 3600, 2 * 3600 + 600, 0.15)
    raised_at = first(during, Verdict.RAISE) - 2 * 3600
    assert 4 * 60 <= raised_at <= 6 * 60
    raised = next(d for _, d in during if d.verdict is Verdict.RAISE)
    assert raised.severity == "critical" and raised.note is not None
    assert "over 1h" in raised.note and "SLO 99.9%" in raised.note
    after = feed(rule, 2 * 3600 + 600, 3 * 3600, 0.0)
    cleared_at = first(after, Verdict.CLEAR) - (2 * 3600 + 600)
    assert cleared_at <= 5 * 60  # not an hour later, as a 1h window alone would


def test_with_both_pairs_the_slower_one_takes_over_as_a_warning() -> None:
    rule = BurnRateRule("r", "err", slo=0.999)
    feed(rule, 0, 2 * 3600, 0.0)
    feed(rule, 2 * 3600, 2 * 3600 + 600, 0.15)
    after = feed(rule, 2 * 3600 + 600, 3 * 3600, 0.0)
    severities = [d.severity for _, d in after if d.verdict is Verdict.RAISE]
    # the 5m window empties within 5 minutes; the 6h and 30m pair still burns 6x after that
    assert severities[0] == "critical" and severities[-1] == "warning"
    assert severities == sorted(severities, key=str)  # critical ... then only warning
    cleared_at = first(after, Verdict.CLEAR) - (2 * 3600 + 600)
    assert 15 * 60 <= cleared_at <= 30 * 60  # when the 30m window drops under 6x


def test_a_short_blip_does_not_fire_the_long_window() -> None:
    rule = BurnRateRule("r", "err", slo=0.999)
    feed(rule, 0, 2 * 3600, 0.0)
    blip = feed(rule, 2 * 3600, 2 * 3600 + 120, 0.5)  # 2 of 60 minutes at 50%: 16.7x
    assert any(d.verdict is Verdict.RAISE for _, d in blip)
    rule2 = BurnRateRule("r", "err", slo=0.999)
    feed(rule2, 0, 2 * 3600, 0.0)
    small = feed(rule2, 2 * 3600, 2 * 3600 + 60, 0.5)  # one minute: 0.83% over the hour, 8.3x
    assert all(d.verdict is not Verdict.RAISE for _, d in small)


def test_a_slow_burn_fires_the_six_hour_pair_as_a_warning() -> None:
    rule = BurnRateRule("r", "err", slo=0.999)
    decisions = feed(rule, 0, 7 * 3600, 0.008)  # 8x: below 14.4, above 6
    raised = [d for _, d in decisions if d.verdict is Verdict.RAISE]
    assert raised and all(d.severity == "warning" for d in raised)


def test_counters_of_bad_and_total_events() -> None:
    rule = BurnRateRule("r", "bad", slo=0.99, windows=[BurnWindow(600, 120, 5, "critical")],
                        total="all")
    assert rule.watches == ("bad", "all")
    bad = total = 0.0
    out = []
    for minute in range(120):
        total += 1000
        bad += 200 if minute >= 100 else 1  # 20% errors from minute 100
        rule.observe("all", minute * 60.0, total)
        out.append(rule.observe("bad", minute * 60.0, bad))
    first_raise = next(i for i, d in enumerate(out) if d.verdict is Verdict.RAISE)
    assert 102 <= first_raise <= 104  # 5% over the 10 minutes after 2.5 minutes at 20%
    assert rule.error_ratio(119 * 60.0, 300) == pytest.approx(0.2)


def test_good_counter_and_validation() -> None:
    rule = BurnRateRule("r", "good", slo=0.99, total="all", counts="good")
    rule.observe("all", 0, 0)
    rule.observe("good", 0, 0)
    rule.observe("all", 60, 100)
    rule.observe("good", 60, 90)
    assert rule.error_ratio(60, 3600) == pytest.approx(0.1)
    assert rule.severity == "critical" and WORKBOOK_PAGES[1].severity == "warning"
    with pytest.raises(ValueError):
        BurnRateRule("r", "m", slo=1.0)
    with pytest.raises(ValueError):
        BurnWindow(300, 3600, 14.4, "critical")
