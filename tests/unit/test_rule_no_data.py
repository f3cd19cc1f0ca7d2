"""No data and stale source: silence is an alarm, not a frozen number."""

import math

from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.rules.base import TickContext, Verdict
from noc_board.core.rules.no_data import NoDataRule
from noc_board.core.rules.stale import StaleSourceRule

QUIET = TickContext()


def test_no_fresh_point_for_longer_than_after_raises_and_a_point_clears() -> None:
    rule = NoDataRule("r", "m", "warning", after=120)
    assert rule.tick(1000, QUIET).verdict is Verdict.NONE  # the silence starts counting here
    rule.observe("m", 1010, 5.0)
    assert rule.tick(1130, QUIET).verdict is Verdict.NONE  # 120 s: not more than `after`
    raised = rule.tick(1131, QUIET)
    assert raised.verdict is Verdict.RAISE and math.isnan(raised.value)
    assert raised.note == "no fresh point of m for 2m"
    assert rule.tick(1200, QUIET).verdict is Verdict.NONE  # raised once
    assert rule.observe("m", 1201, math.nan).verdict is Verdict.NONE  # NaN is no data
    cleared = rule.observe("m", 1202, 7.0)
    assert cleared.verdict is Verdict.CLEAR and cleared.value == 7.0


def test_a_metric_that_never_came_raises_after_the_first_ticks() -> None:
    rule = NoDataRule("r", "m", "warning", after=60)
    rule.tick(0, QUIET)
    decision = rule.tick(61, QUIET)
    assert decision.verdict is Verdict.RAISE
    assert decision.note == "no point of m since the board started 1m ago"


def health(state: HealthState, last_success: float | None, error: str | None = None
           ) -> TickContext:
    return TickContext({"stripe": SourceHealth("stripe", state, error, last_success)})


def test_stale_source_down_raises_and_an_answer_clears() -> None:
    rule = StaleSourceRule("r", "sales.orders", "critical", "stripe", after=180)
    assert rule.tick(100, health(HealthState.OK, 100)).verdict is Verdict.NONE
    assert rule.tick(130, health(HealthState.DEGRADED, 100, "HTTP 503")).verdict is Verdict.NONE
    down = rule.tick(160, health(HealthState.DOWN, 100, "HTTP 503"))
    assert down.verdict is Verdict.RAISE
    assert down.note == "source stripe is down: HTTP 503 (last answer 1m ago)"
    assert rule.tick(170, health(HealthState.DOWN, 100, "HTTP 503")).verdict is Verdict.NONE
    assert rule.tick(175, health(HealthState.OK, 175)).verdict is Verdict.CLEAR


def test_stale_source_that_answers_too_rarely_raises() -> None:
    rule = StaleSourceRule("r", "m", "warning", "stripe", after=180)
    assert rule.tick(200, health(HealthState.OK, 100)).verdict is Verdict.NONE
    late = rule.tick(281, health(HealthState.OK, 100))
    assert late.verdict is Verdict.RAISE and late.note == "source stripe last answered 3m ago"


def test_a_source_that_never_answered_is_stale_after_the_wait() -> None:
    rule = StaleSourceRule("r", "m", "warning", "stripe", after=60)
    assert rule.tick(0, health(HealthState.UNKNOWN, None)).verdict is Verdict.NONE
    decision = rule.tick(61, health(HealthState.UNKNOWN, None))
    assert decision.verdict is Verdict.RAISE
    assert decision.note == "source stripe has not answered since the board started"
    assert rule.tick(62, TickContext()).verdict is Verdict.CLEAR  # unknown source: not stale
