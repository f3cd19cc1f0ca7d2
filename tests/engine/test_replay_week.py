"""The demo configuration's rules over the demo week: every incident caught, no crying wolf.

resources/demo/week.toml injects one incident of each kind; the rules in
resources/config/demo.toml are the defaults a new user gets. Replayed with the default four
weeks of simulated history (what a board that has been running would have in its store).
"""

import datetime as dt

import pytest

from noc_board.config.loader import load_config
from noc_board.core.alarms import AlarmEvent
from noc_board.core.scenario import Scenario, parse_scenario
from noc_board.engine.replay import replay_scenario
from noc_board.resources import resource_path

# the rule that should catch each incident kind of the week
EXPECTED = {
    "outage": {"checkout-errors", "checkout-down", "checkout-slo", "orders-drop"},
    "latency": {"web-latency"},
    "errors": {"payments-errors"},
    "payment_declines": {"payment-declines"},
    "traffic_drop": {"traffic-drop", "orders-drop"},
    "conversion_drop": {"orders-drop"},
    "refund_spike": {"refund-spike"},
    "source_down": {"stripe-stale"},
}


@pytest.fixture(scope="module")
def week() -> tuple[Scenario, list[AlarmEvent]]:
    path = resource_path("demo", "week.toml")
    scenario = parse_scenario(path.read_text(), str(path))
    config = load_config(resource_path("config", "demo.toml"))
    result = replay_scenario(config, scenario)
    return scenario, [e for e in result.events if e.event == "raised"]


def test_the_week_has_one_incident_of_each_kind(week: tuple[Scenario, list[AlarmEvent]]) -> None:
    scenario, _ = week
    assert sorted(w.kind for w in scenario.incident_windows()) == sorted(EXPECTED)


def test_every_incident_raises_the_alarm_for_it(week: tuple[Scenario, list[AlarmEvent]]) -> None:
    scenario, raised = week
    for window in scenario.incident_windows():
        caught = {e.rule for e in raised if window.start <= e.ts < window.end}
        assert caught & EXPECTED[window.kind], f"{window.kind}: raised only {caught}"
        first = min(e.ts for e in raised if window.start <= e.ts < window.end
                    and e.rule in EXPECTED[window.kind])
        assert first - window.start <= 15 * 60, f"{window.kind}: caught late"


def test_no_alarm_outside_the_incidents(week: tuple[Scenario, list[AlarmEvent]]) -> None:
    scenario, raised = week
    windows = scenario.incident_windows()
    wolf = [
        f"{dt.datetime.fromtimestamp(e.ts, dt.UTC):%a %H:%M} {e.rule} {e.value:.4g}"
        for e in raised
        if not any(w.start <= e.ts < w.end for w in windows)
    ]
    assert wolf == []
