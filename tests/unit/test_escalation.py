"""Escalation timing (pure): which level is due when, repeats, catch-up, and route selection."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from noc_board.config.schema import EscalationLevelConfig, RouteConfig
from noc_board.core.alarms import Alarm
from noc_board.core.escalation import (
    Escalation,
    Level,
    Policy,
    due_steps,
    next_due,
    policy_from_config,
    routes_for,
    skip_to,
    step_at,
)

POLICY = Policy(
    "tech",
    (Level(0.0, ("a",)), Level(300.0, ("b",)), Level(900.0, ("c",))),
    repeat=600.0,
    repeat_limit=1,
)


def times(policy: Policy, started: float = 0.0, limit: int = 20) -> list[tuple[int, float]]:
    out = []
    for index in range(limit):
        step = step_at(policy, started, index)
        if step is None:
            break
        out.append((step.level, step.at))
    return out


def test_levels_are_due_at_their_delays_then_the_policy_repeats_up_to_its_limit() -> None:
    assert times(POLICY, 100.0) == [
        (0, 100.0), (1, 400.0), (2, 1000.0),  # first pass
        (0, 1600.0), (1, 1900.0), (2, 2500.0),  # one repeat, 600 s after the last level
    ]


def test_without_repeat_the_policy_ends_after_its_last_level() -> None:
    once = Policy("tech", POLICY.levels)
    assert times(once) == [(0, 0.0), (1, 300.0), (2, 900.0)]
    assert next_due(once, Escalation("k", "tech", 0.0, done=3)) is None


def test_repeat_limit_zero_repeats_until_acknowledged() -> None:
    forever = Policy("tech", (Level(60.0, ("a",)),), repeat=240.0)
    assert [at for _, at in times(forever, limit=5)] == [60.0, 360.0, 660.0, 960.0, 1260.0]


def test_a_policy_without_levels_has_nothing_to_do() -> None:
    assert step_at(Policy("quiet", ()), 0.0, 0) is None


def test_due_steps_are_those_whose_time_has_come_and_not_done() -> None:
    esc = Escalation("k", "tech", 0.0)
    assert [s.level for s in due_steps(POLICY, esc, 299.0)] == [0]
    assert [s.level for s in due_steps(POLICY, esc, 300.0)] == [0, 1]
    done = esc.advanced(due_steps(POLICY, esc, 300.0), ["a", "b"])
    assert done.done == 2 and done.notified == {"a", "b"}
    assert due_steps(POLICY, done, 899.0) == []
    assert next_due(POLICY, done) == 900.0


def test_a_long_pause_catches_up_with_each_level_once() -> None:
    esc = Escalation("k", "tech", 0.0)
    steps = due_steps(POLICY, esc, 10_000.0)  # both passes are overdue
    assert [(s.level, s.cycle) for s in steps] == [(0, 1), (1, 1), (2, 1)]
    assert esc.advanced(steps, ()).done == 6


def test_skip_to_marks_what_is_due_as_done_without_sending() -> None:
    esc = skip_to(POLICY, Escalation("k", "tech", 0.0), 350.0)
    assert esc.done == 2 and esc.notified == frozenset()
    assert next_due(POLICY, esc) == 900.0


def test_route_config_becomes_a_policy_with_notify_as_a_level_at_zero() -> None:
    route = RouteConfig(
        name="tech",
        notify=["json://h/now"],
        levels=[EscalationLevelConfig(900.0, ["json://h/late"]),
                EscalationLevelConfig(300.0, ["json://h/mid"])],
        match={"severity": "critical"},
        repeat=60.0,
        repeat_limit=2,
        send_resolved=False,
    )
    policy = policy_from_config(route)
    assert [(lv.delay, lv.notify) for lv in policy.levels] == [
        (0.0, ("json://h/now",)), (300.0, ("json://h/mid",)), (900.0, ("json://h/late",)),
    ]
    assert policy.cycle == 960.0
    assert policy.match == (("severity", "critical"),)
    assert not policy.send_resolved and policy.repeat_limit == 2
    assert policy.notifiers() == ("json://h/now", "json://h/mid", "json://h/late")


def test_routes_are_chosen_by_name_or_by_labels() -> None:
    tech = Policy("tech", POLICY.levels)
    pager = Policy("pager", POLICY.levels, match=(("severity", "critical"),))
    money = Policy("cs", POLICY.levels, match=(("metric", r"sales\..*"), ("severity", "warn.*")))
    broken = Policy("broken", POLICY.levels, match=(("rule", "([unclosed"),))
    policies = [tech, pager, money, broken]

    def chosen(**fields: str) -> list[str]:
        alarm = Alarm(key="k", rule=fields.get("rule", "r"), metric=fields.get("metric", "m"),
                      severity=fields.get("severity", "warning"), route=fields.get("route", ""))
        return [p.route for p in routes_for(alarm, policies)]

    assert chosen(route="tech") == ["tech"]
    assert chosen(route="tech", severity="critical") == ["tech", "pager"]
    assert chosen(metric="sales.decline_rate") == ["cs"]
    assert chosen(metric="sales.decline_rate", severity="critical") == ["pager"]
    assert chosen(metric="health.cpu") == []  # an empty match takes only alarms that name it
    assert chosen(rule="([unclosed") == ["broken"]  # a bad pattern compares as plain text


@given(
    delays=st.lists(st.floats(0, 10_000), min_size=1, max_size=4),
    repeat=st.just(0.0) | st.floats(1, 5_000),  # a repeat is minutes; 0 means none
    limit=st.integers(0, 3),
    started=st.floats(0, 1e9),
)
def test_steps_never_go_back_in_time_and_a_limited_policy_ends(
    delays: list[float], repeat: float, limit: int, started: float
) -> None:
    policy = Policy("r", tuple(Level(d, ("x",)) for d in sorted(delays)), repeat, limit)
    seen = times(policy, started, limit=60)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(seen))
    assert all(at >= started for _, at in seen)
    if repeat <= 0:
        assert len(seen) == len(delays)
    elif limit:
        assert len(seen) == len(delays) * (limit + 1)
