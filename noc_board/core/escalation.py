"""Escalation timing: which level of a route's policy is due when. Pure, no clock of its own.

A policy (PagerDuty's shape) is an ordered list of levels, each with a delay measured from the
moment the alarm became unacknowledged and the notifiers to tell at that moment. After the
last level the policy may start over (`repeat` seconds after the last level, up to
`repeat_limit` times, 0 meaning until acknowledged). An acknowledgement, a return to normal or
shelving ends an escalation; becoming unacknowledged again (an expired acknowledgement, a worse
severity, an unshelved alarm) starts a new one from the first level.

Routes choose alarms by name (the rule's `route`) or by labels (`match`, regular expressions
matched in full against the alarm's labels: rule, metric, severity, route).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from noc_board.config.schema import RouteConfig
from noc_board.core.alarms import Alarm


@dataclass(frozen=True, slots=True)
class Level:
    """One level: when it is due (seconds after the alarm was raised) and whom it tells."""

    delay: float
    notify: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A route's escalation policy, with the label matchers that select its alarms."""

    route: str
    levels: tuple[Level, ...]
    repeat: float = 0.0
    repeat_limit: int = 0
    match: tuple[tuple[str, str], ...] = ()
    send_resolved: bool = True

    @property
    def cycle(self) -> float:
        """Seconds from the start of one pass over the levels to the start of the next."""
        return (self.levels[-1].delay if self.levels else 0.0) + self.repeat

    def notifiers(self) -> tuple[str, ...]:
        """Every notifier any level names, in order, without repeats."""
        return tuple(dict.fromkeys(n for level in self.levels for n in level.notify))


@dataclass(frozen=True, slots=True)
class Step:
    """The `index`-th notification of an escalation: level `level` of pass `cycle`, due `at`."""

    index: int
    cycle: int
    level: int
    at: float


@dataclass(frozen=True, slots=True)
class Escalation:
    """One alarm escalating along one route: when it started and how many steps are done.

    `notified` holds the notifiers told so far, for the message that the alarm was
    acknowledged or cleared.
    """

    key: str
    route: str
    started: float
    done: int = 0
    notified: frozenset[str] = field(default_factory=frozenset)

    def advanced(self, steps: Sequence[Step], notified: Iterable[str]) -> Escalation:
        """The escalation after `steps` were carried out, telling `notified`."""
        done = max((s.index + 1 for s in steps), default=self.done)
        return replace(self, done=max(done, self.done), notified=self.notified | set(notified))


def policy_from_config(route: RouteConfig) -> Policy:
    """The policy of a configured route.

    The route's own `notify` list is a level at delay 0 before its `levels`; levels are taken
    in order of delay.
    """
    levels = [Level(lv.delay, tuple(lv.notify)) for lv in route.levels]
    if route.notify:
        levels.insert(0, Level(0.0, tuple(route.notify)))
    levels.sort(key=lambda lv: lv.delay)
    return Policy(
        route=route.name,
        levels=tuple(levels),
        repeat=route.repeat,
        repeat_limit=route.repeat_limit,
        match=tuple(sorted(route.match.items())),
        send_resolved=route.send_resolved,
    )


def step_at(policy: Policy, started: float, index: int) -> Step | None:
    """The `index`-th step of an escalation that started at `started`; None past the end."""
    count = len(policy.levels)
    if count == 0 or index < 0:
        return None
    cycle, level = divmod(index, count)
    if cycle > 0 and (policy.repeat <= 0 or (policy.repeat_limit and cycle > policy.repeat_limit)):
        return None
    return Step(index, cycle, level, started + cycle * policy.cycle + policy.levels[level].delay)


def due_steps(policy: Policy, escalation: Escalation, now: float) -> list[Step]:
    """The steps not yet done whose time has come, oldest first.

    After a long pause (a sleeping laptop) several passes may be due: only the latest step of
    each level is kept, so a catch-up never tells the same people the same thing twice.
    """
    latest: dict[int, Step] = {}
    index = escalation.done
    while (step := step_at(policy, escalation.started, index)) is not None and step.at <= now:
        latest[step.level] = step
        index += 1
    return sorted(latest.values(), key=lambda s: s.index)


def next_due(policy: Policy, escalation: Escalation) -> float | None:
    """When the next step is due, or None when the policy has nothing more to do."""
    step = step_at(policy, escalation.started, escalation.done)
    return None if step is None else step.at


def skip_to(policy: Policy, escalation: Escalation, now: float) -> Escalation:
    """The escalation with every step due by `now` marked done, without sending (catch-up)."""
    steps = due_steps(policy, escalation, now)
    return escalation.advanced(steps, ()) if steps else escalation


def alarm_labels(alarm: Alarm) -> dict[str, str]:
    """The labels routes match against."""
    return {
        "rule": alarm.rule,
        "metric": alarm.metric,
        "severity": alarm.severity,
        "route": alarm.route,
    }


def matches(match: Sequence[tuple[str, str]], labels: Mapping[str, str]) -> bool:
    """Whether every (label, pattern) holds: the pattern matches the label's value in full."""
    for name, pattern in match:
        try:
            if re.fullmatch(pattern, labels.get(name, "")) is None:
                return False
        except re.error:
            if labels.get(name, "") != pattern:
                return False
    return True


def routes_for(alarm: Alarm, policies: Sequence[Policy]) -> list[Policy]:
    """The policies an alarm escalates along: the one its rule names, and those whose
    `match` selects its labels (a route with an empty `match` takes only alarms that name it).
    """
    labels = alarm_labels(alarm)
    chosen: list[Policy] = []
    for policy in policies:
        named = bool(alarm.route) and policy.route == alarm.route
        if named or (policy.match and matches(policy.match, labels)):
            chosen.append(policy)
    return chosen
