"""What every rule is: it sees points and ticks, and answers with a `Decision`.

A rule owns its memory (pending since, consecutive points, recent windows). The alarm book
(`noc_board.core.alarm_book`) turns decisions into alarm transitions, damps flapping and applies
maintenance windows; a rule knows nothing of acknowledgements.
"""

from __future__ import annotations

import abc
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from noc_board.core.health import SourceHealth

NAN = math.nan


class Verdict(enum.Enum):
    """What one evaluation says about the alarm."""

    NONE = "none"  # nothing changes
    RAISE = "raise"  # the condition has held long enough (or still holds)
    CLEAR = "clear"  # the value is back on the good side of the clear level


@dataclass(frozen=True, slots=True)
class Decision:
    """A rule's answer to one point or tick.

    `evaluated` says the condition was judged afresh (a point of the watched metric): these
    are the evaluations flap detection counts. `severity` overrides the rule's own (a burn-rate
    window has its own); `note` explains the judgement ("expected 1,240 ± 90 (4 weeks)").
    """

    verdict: Verdict = Verdict.NONE
    value: float = NAN
    severity: str | None = None
    note: str | None = None
    evaluated: bool = False


NOTHING = Decision()


@dataclass(frozen=True, slots=True)
class TickContext:
    """What time-driven rules (no data, stale source) read at a tick."""

    health: Mapping[str, SourceHealth] = field(default_factory=dict)


class Rule(Protocol):
    """An alarm rule with its memory. `watches` are the metrics whose points it wants."""

    @property
    def rule_id(self) -> str: ...

    @property
    def metric(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def watches(self) -> tuple[str, ...]: ...

    @property
    def firing(self) -> bool:
        """Whether the condition currently holds (after hold times and hysteresis)."""
        ...

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        """A new point of one of the watched metrics (NaN: the source said "no number")."""
        ...

    def tick(self, now: float, context: TickContext) -> Decision:
        """Time passes; rules that judge time (no data, stale) decide here."""
        ...

    def restore(self, firing: bool) -> None:
        """Start from a journaled alarm that was (or was not) active."""
        ...


class PointRule(abc.ABC):
    """A base for rules judged on the points of one metric; time alone changes nothing."""

    def __init__(self, rule_id: str, metric: str, severity: str) -> None:
        self._rule_id = rule_id
        self._metric = metric
        self._severity = severity
        self._firing = False

    @property
    def rule_id(self) -> str:
        return self._rule_id

    @property
    def metric(self) -> str:
        return self._metric

    @property
    def severity(self) -> str:
        return self._severity

    @property
    def watches(self) -> tuple[str, ...]:
        return (self._metric,)

    @property
    def firing(self) -> bool:
        return self._firing

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        if math.isnan(value) or metric != self._metric:
            return NOTHING
        return self.judge(ts, value)

    @abc.abstractmethod
    def judge(self, ts: float, value: float) -> Decision:
        """One finite point of the metric; subclasses decide."""

    def tick(self, now: float, context: TickContext) -> Decision:
        return NOTHING

    def restore(self, firing: bool) -> None:
        self._firing = firing

    def _raise(self, value: float, note: str | None = None) -> Decision:
        self._firing = True
        return Decision(Verdict.RAISE, value, None, note, True)

    def _clear(self, value: float, note: str | None = None) -> Decision:
        self._firing = False
        return Decision(Verdict.CLEAR, value, None, note, True)

    def _same(self, value: float, note: str | None = None) -> Decision:
        """No transition; a firing rule re-asserts RAISE so the alarm's value follows."""
        verdict = Verdict.RAISE if self._firing else Verdict.NONE
        return Decision(verdict, value, None, note, True)
