"""The alarm book: the configured rules, their memory and the alarms they own. Pure.

Points go to the rules that watch their metric; ticks go to every rule (no data and stale
sources are judged on time); each rule's `Decision` becomes a transition of the rule's alarm
through the state machine (`noc_board.core.alarms`). On the way the book damps flapping rules
(`noc_board.core.flapping`) and suppresses alarms inside maintenance windows
(`noc_board.core.maintenance`), so what comes out is every `AlarmEvent` for the journal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from noc_board.config.schema import MaintenanceConfig, RuleConfig
from noc_board.core import alarms as sm
from noc_board.core.alarm_table import AlarmTable
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.flapping import FlapDetector, FlapSettings
from noc_board.core.health import SourceHealth
from noc_board.core.maintenance import MaintenanceWindow, window_from_config
from noc_board.core.rules.base import Decision, Rule, TickContext, Verdict
from noc_board.core.rules.factory import build_rule, describe
from noc_board.core.rules.history import HistoryProvider, NoHistory
from noc_board.core.samples import Sample


class AlarmBook(AlarmTable):
    """Evaluates samples and ticks against the rules and keeps one alarm per rule.

    Operator intents (acknowledge, shelve) and the passage of time (`tick`) go through here too,
    so every transition comes out as an `AlarmEvent` for the journal.

    `history` feeds seasonal and week-over-week baselines; `metric_sources` maps metric ids to
    their source (stale rules watch it); `stale_after(source)` is the default age for no_data
    and stale rules; `maintenance` windows suppress the alarms they match, with times of day in
    `timezone` unless a window names its own.
    """

    def __init__(
        self,
        rules: Sequence[RuleConfig],
        *,
        history: HistoryProvider | None = None,
        metric_sources: Mapping[str, str] | None = None,
        stale_after: Callable[[str], float] | None = None,
        maintenance: Sequence[MaintenanceConfig | MaintenanceWindow] = (),
        timezone: str = "UTC",
    ) -> None:
        super().__init__()
        sources = dict(metric_sources or {})
        provider = history if history is not None else NoHistory()
        self._rules: dict[str, Rule] = {}
        self._flaps: dict[str, FlapDetector] = {}
        self._by_metric: dict[str, list[str]] = {}
        self._windows = [
            w if isinstance(w, MaintenanceWindow) else window_from_config(w, timezone)
            for w in maintenance
        ]
        for cfg in rules:
            rule = build_rule(cfg, provider, sources, stale_after)
            self._rules[cfg.id] = rule
            self._flaps[cfg.id] = FlapDetector(FlapSettings(cfg.flap_start, cfg.flap_stop))
            self._alarms[cfg.id] = Alarm(
                key=cfg.id,
                rule=cfg.id,
                metric=cfg.metric,
                severity=rule.severity,
                summary=cfg.summary or describe(cfg, sources),
                route=cfg.route,
            )
            for metric in rule.watches:
                self._by_metric.setdefault(metric, []).append(cfg.id)

    def rule(self, key: str) -> Rule:
        """The rule behind an alarm (for tests and for explaining it)."""
        return self._rules[key]

    def restore(self, alarm: Alarm) -> None:
        """Put back an alarm's state from the journal after a restart."""
        if alarm.key in self._alarms:
            self._alarms[alarm.key] = alarm
            self._rules[alarm.key].restore(alarm.active)
            self._flaps[alarm.key].restore(alarm.flapping)

    # --- points and time ---------------------------------------------------------------------

    def observe(self, samples: Iterable[Sample]) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        latest = -math.inf
        for sample in samples:
            keys = self._by_metric.get(sample.metric)
            if not keys:
                continue
            if self._windows and sample.ts > latest:
                latest = sample.ts
                events.extend(self._maintain(sample.ts))
            for key in keys:
                decision = self._rules[key].observe(sample.metric, sample.ts, sample.value)
                if decision.evaluated or decision.verdict is not Verdict.NONE:
                    events.extend(self._apply(key, decision, sample.ts))
        return events

    def tick(self, at: float, health: Mapping[str, SourceHealth] | None = None) -> list[AlarmEvent]:
        """Let time pass: acknowledgements, shelves and suppressions expire; maintenance windows
        start and end; no-data and stale-source rules judge the silence."""
        events = self.expire(at)
        if self._windows:
            events.extend(self._maintain(at))
        context = TickContext(health or {})
        for key, rule in self._rules.items():
            decision = rule.tick(at, context)
            if decision.verdict is not Verdict.NONE:
                events.extend(self._apply(key, decision, at))
        return events

    # --- internals ---------------------------------------------------------------------------

    def _apply(self, key: str, decision: Decision, at: float) -> list[AlarmEvent]:
        """One decision of one rule: flapping first, then the transition it asks for."""
        rule = self._rules[key]
        alarm = self._alarms[key]
        flap = self._flaps[key]
        events: list[AlarmEvent] = []
        severity = decision.severity or rule.severity
        change = flap.record(rule.firing) if decision.evaluated else None
        if change is True:
            alarm, evs = sm.set_flapping(
                alarm, at, True,
                f"flapping: {flap.percent:.0f}% state change over the last 21 evaluations; "
                "held active, notifications damped",
            )
            events += evs
            if not alarm.active:
                alarm, evs = sm.raise_alarm(alarm, at, severity, decision.value, decision.note)
                events += evs
        elif change is False:
            alarm, evs = sm.set_flapping(
                alarm, at, False, f"stopped flapping ({flap.percent:.0f}% state change)"
            )
            events += evs
        verdict = decision.verdict
        if flap.flapping:
            # damped: the value follows, a worse severity still comes through, nothing clears
            if verdict is Verdict.RAISE:
                alarm, evs = sm.raise_alarm(alarm, at, severity, decision.value, decision.note)
                events += evs
            elif not math.isnan(decision.value):
                alarm = replace(alarm, value=decision.value)
        elif verdict is Verdict.RAISE:
            alarm, evs = sm.raise_alarm(alarm, at, severity, decision.value, decision.note)
            events += evs
        elif verdict is Verdict.CLEAR or (change is False and alarm.active and not rule.firing):
            alarm, evs = sm.clear_alarm(alarm, at, decision.value)
            events += evs
        self._alarms[key] = alarm
        return events

    def _maintain(self, at: float) -> list[AlarmEvent]:
        """Suppress alarms a window covers now; bring back those no window covers any more."""
        on = []
        for window in self._windows:
            occurrence = window.occurrence(at)
            if occurrence is not None:
                on.append((window, occurrence[1]))
        events: list[AlarmEvent] = []
        for key, alarm in list(self._alarms.items()):
            found = next(
                ((w, end) for w, end in on if w.matches(alarm.rule, alarm.metric, alarm.route)),
                None,
            )
            suppressed = alarm.state is AlarmState.SUPPRESSED
            if found is not None and not suppressed:
                window, end = found
                alarm, evs = sm.suppress(alarm, at, window.name, end, window.comment)
            elif found is None and suppressed:
                alarm, evs = sm.unsuppress(alarm, at)
            else:
                continue
            self._alarms[key] = alarm
            events.extend(evs)
        return events
