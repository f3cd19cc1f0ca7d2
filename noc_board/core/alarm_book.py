"""The alarm book: the configured rules, their memory and the alarms they own. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from noc_board.config.schema import RuleConfig
from noc_board.core import alarms as sm
from noc_board.core.alarms import Alarm, AlarmEvent
from noc_board.core.samples import Sample
from noc_board.core.threshold import ThresholdRule, ThresholdState, Verdict, evaluate_threshold


class AlarmBook:
    """Evaluates samples against the rules and keeps one alarm per rule.

    Operator intents (acknowledge, shelve) and the passage of time (`tick`) go through here too,
    so every transition comes out as an `AlarmEvent` for the journal.
    """

    def __init__(self, rules: Sequence[RuleConfig]) -> None:
        self._rules: dict[str, ThresholdRule] = {}
        self._state: dict[str, ThresholdState] = {}
        self._alarms: dict[str, Alarm] = {}
        self._by_metric: dict[str, list[str]] = {}
        for cfg in rules:
            rule = ThresholdRule(
                rule_id=cfg.id,
                metric=cfg.metric,
                op=cfg.op,
                level=cfg.level,
                clear=cfg.level if cfg.clear is None else cfg.clear,
                hold=cfg.hold,
                severity=cfg.severity,
            )
            self._rules[cfg.id] = rule
            self._state[cfg.id] = ThresholdState()
            self._alarms[cfg.id] = Alarm(
                key=cfg.id,
                rule=cfg.id,
                metric=cfg.metric,
                severity=cfg.severity,
                summary=cfg.summary or f"{cfg.metric} {cfg.op} {cfg.level:g}",
                route=cfg.route,
            )
            self._by_metric.setdefault(cfg.metric, []).append(cfg.id)

    def alarms(self) -> tuple[Alarm, ...]:
        return tuple(self._alarms.values())

    def alarm(self, key: str) -> Alarm:
        try:
            return self._alarms[key]
        except KeyError:
            raise sm.AlarmError(f"no alarm {key!r}") from None

    def restore(self, alarm: Alarm) -> None:
        """Put back an alarm's state from the journal after a restart."""
        if alarm.key in self._alarms:
            self._alarms[alarm.key] = alarm
            self._state[alarm.key].firing = alarm.active

    def observe(self, samples: Iterable[Sample]) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for sample in samples:
            for key in self._by_metric.get(sample.metric, ()):
                rule = self._rules[key]
                verdict = evaluate_threshold(rule, self._state[key], sample.ts, sample.value)
                alarm = self._alarms[key]
                if verdict is Verdict.RAISE:
                    alarm, new = sm.raise_alarm(alarm, sample.ts, rule.severity, sample.value)
                elif verdict is Verdict.CLEAR:
                    alarm, new = sm.clear_alarm(alarm, sample.ts, sample.value)
                else:
                    continue
                self._alarms[key] = alarm
                events.extend(new)
        return events

    def acknowledge(
        self, key: str, at: float, operator: str, comment: str = "", until: float | None = None
    ) -> list[AlarmEvent]:
        alarm, events = sm.acknowledge(self.alarm(key), at, operator, comment, until)
        self._alarms[key] = alarm
        return events

    def shelve(
        self, key: str, at: float, operator: str, until: float, comment: str = ""
    ) -> list[AlarmEvent]:
        alarm, events = sm.shelve(self.alarm(key), at, operator, until, comment)
        self._alarms[key] = alarm
        return events

    def tick(self, at: float) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for key, alarm in list(self._alarms.items()):
            new, evs = sm.tick(alarm, at)
            if evs:
                self._alarms[key] = new
                events.extend(evs)
        return events
