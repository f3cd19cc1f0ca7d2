"""The escalation engine: runs the routes' policies on the hub's alarm events, in its clock's time.

It is a hub listener. An alarm that becomes unacknowledged starts an escalation along each
route that takes it (noc_board.core.escalation says which level is due when); an
acknowledgement, a return to normal, shelving or a maintenance window ends it, and the
notifiers already told hear that it ended (when the route's `send_resolved` says so). While an
alarm flaps, due levels are journaled as damped instead of sent. Listener callbacks only
change state and wake the loop; every notification leaves from `step()`, on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from noc_board.config.schema import RouteConfig
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.escalation import (
    Escalation,
    Policy,
    Step,
    due_steps,
    next_due,
    policy_from_config,
    routes_for,
    skip_to,
)
from noc_board.core.health import SourceHealth
from noc_board.engine.notifiers import JournalSink, Message, Notifier, shown_target
from noc_board.engine.waits import Sleep, sleep_or_wake
from noc_board.store.journal import ESCALATION, JournalEntry

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class _Ending:
    """An escalation that ended and the notice owed to those it told."""

    escalation: Escalation
    alarm: Alarm
    reason: str
    title_word: str


def _when(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _age(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _value(value: float) -> str:
    return "no data" if math.isnan(value) else f"{value:g}"


def _ending(event: AlarmEvent) -> tuple[str, str]:
    """Why an escalation ended, in words, and the word for the notice's title."""
    if event.event == "acknowledged":
        via = f" via {event.origin}" if event.origin else ""
        said = f": {event.comment}" if event.comment else ""
        return f"acknowledged by {event.actor}{via}{said}", "ACKNOWLEDGED"
    if event.state_to is AlarmState.SHELVED:
        return f"shelved by {event.actor}", "SHELVED"
    if event.state_to is AlarmState.SUPPRESSED:
        return f"suppressed ({event.actor})", "SUPPRESSED"
    return "returned to normal before anybody acknowledged it", "CLEARED"


class EscalationEngine:
    """Escalates unacknowledged alarms along their routes until somebody acknowledges.

    Subscribe it to the hub (`hub.subscribe(engine)`), then `start()` its loop, which calls
    `step()` whenever a step is due or an alarm event arrived; `stop()` ends the loop. Tests
    drive `step(now)` directly, or run the loop with an injected `sleep`.
    """

    def __init__(
        self,
        routes: Sequence[RouteConfig],
        notifier: Notifier,
        clock: Clock,
        *,
        journal: JournalSink | None = None,
        sleep: Sleep = asyncio.sleep,
        board: str = "NOC Board",
        max_wait: float = 60.0,
    ) -> None:
        self._policies = [policy_from_config(r) for r in routes]
        self._by_route = {p.route: p for p in self._policies}
        self._notifier = notifier
        self._clock = clock
        self._journal = journal
        self._sleep = sleep
        self._board = board
        self._max_wait = max_wait
        self._alarms: dict[str, Alarm] = {}
        self._active: dict[tuple[str, str], Escalation] = {}
        self._endings: list[_Ending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- reading --------------------------------------------------------------------------

    def escalations(self) -> tuple[Escalation, ...]:
        """The escalations running, for the UI ("escalated to tech, level 2")."""
        return tuple(self._active.values())

    def policy(self, route: str) -> Policy | None:
        return self._by_route.get(route)

    def next_due(self) -> float | None:
        """When the next step of any escalation is due, or None."""
        times = [
            t
            for (_, route), esc in self._active.items()
            if (t := next_due(self._by_route[route], esc)) is not None
        ]
        return min(times, default=None)

    # --- the hub's events -------------------------------------------------------------------

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        """Not used: escalation follows alarms only."""

    def health_changed(self, health: SourceHealth) -> None:
        """Not used: escalation follows alarms only."""

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        self._alarms = {a.key: a for a in alarms}
        for event in events:
            alarm = self._alarms.get(event.key)
            if alarm is None:
                continue
            if event.state_to is AlarmState.UNACKED and event.state_from is not AlarmState.UNACKED:
                self._end(event, quiet=True)  # a leftover of an earlier episode, if any
                self._start(alarm, event.ts)
            elif event.state_to is AlarmState.UNACKED and event.event == "severity_changed":
                self._start(alarm, event.ts, only_new=True)
            elif event.state_to is not AlarmState.UNACKED:
                self._end(event)
        self._wake.set()

    def seed(self, alarms: Sequence[Alarm], now: float) -> None:
        """Take over alarms already unacknowledged (after a restart): their escalations resume
        where the policy stands now, without re-sending the levels already due."""
        for alarm in alarms:
            self._alarms[alarm.key] = alarm
            if alarm.state is AlarmState.UNACKED:
                start = alarm.raised_at if alarm.raised_at is not None else now
                for policy in routes_for(alarm, self._policies):
                    esc = Escalation(alarm.key, policy.route, start)
                    self._active[(alarm.key, policy.route)] = skip_to(policy, esc, now)
        self._wake.set()

    def _start(self, alarm: Alarm, at: float, *, only_new: bool = False) -> None:
        for policy in routes_for(alarm, self._policies):
            slot = (alarm.key, policy.route)
            if only_new and slot in self._active:
                continue
            if policy.levels:
                self._active[slot] = Escalation(alarm.key, policy.route, at)

    def _end(self, event: AlarmEvent, *, quiet: bool = False) -> None:
        alarm = self._alarms.get(event.key)
        for slot in [s for s in self._active if s[0] == event.key]:
            esc = self._active.pop(slot)
            if quiet or alarm is None:
                continue
            reason, word = _ending(event)
            self._endings.append(_Ending(esc, alarm, reason, word))

    # --- sending ----------------------------------------------------------------------------

    def step(self, now: float | None = None) -> list[Step]:
        """Send every step due by `now` (default: the clock) and the notices owed; returns the
        steps sent."""
        now = self._clock.now() if now is None else now
        sent: list[Step] = []
        for slot, esc in list(self._active.items()):
            policy = self._by_route[slot[1]]
            steps = due_steps(policy, esc, now)
            if not steps:
                continue
            alarm = self._alarms.get(esc.key)
            if alarm is None:
                continue
            if alarm.flapping:
                self._active[slot] = esc.advanced(steps, ())
                for s in steps:
                    self._journal_step(alarm, policy, s, now, damped=True)
                continue
            told: list[str] = []
            for s in steps:
                targets = policy.levels[s.level].notify
                self._notifier.submit(self._message(alarm, policy, s, now), targets)
                self._journal_step(alarm, policy, s, now)
                told.extend(targets)
                sent.append(s)
            self._active[slot] = esc.advanced(steps, told)
        endings, self._endings = self._endings, []
        for ending in endings:
            self._send_ending(ending, now)
        return sent

    def _message(self, alarm: Alarm, policy: Policy, step: Step, now: float) -> Message:
        since = alarm.raised_at if alarm.raised_at is not None else now
        title = f"[{alarm.severity.upper()}] {alarm.summary or alarm.rule}"
        lines = [
            f"{alarm.summary or alarm.rule}",
            f"Rule {alarm.rule} on {alarm.metric}: {_value(alarm.value)}",
            f"Unacknowledged for {_age(now - since)} (raised {_when(since)})",
            f"Escalation {policy.route}: level {step.level + 1} of {len(policy.levels)}"
            + (f", repeat {step.cycle}" if step.cycle else ""),
            f"Board: {self._board}",
        ]
        if alarm.detail:
            lines.insert(2, alarm.detail)
        return Message(alarm.key, policy.route, title, "\n".join(lines), alarm.severity, step.level)

    def _send_ending(self, ending: _Ending, now: float) -> None:
        esc, alarm = ending.escalation, ending.alarm
        policy = self._by_route.get(esc.route)
        self._journal_entry(
            now, alarm.key, f"escalation along {esc.route} ended: {ending.reason}",
            {"route": esc.route, "ended": ending.title_word.lower(), "reason": ending.reason,
             "steps": esc.done},
        )
        if policy is None or not policy.send_resolved or not esc.notified:
            return
        title = f"[{ending.title_word}] {alarm.summary or alarm.rule}"
        body = f"{alarm.summary or alarm.rule}\n{ending.reason.capitalize()}\nBoard: {self._board}"
        message = Message(alarm.key, esc.route, title, body, "ok", None)
        self._notifier.submit(message, sorted(esc.notified))

    def _journal_step(
        self, alarm: Alarm, policy: Policy, step: Step, now: float, *, damped: bool = False
    ) -> None:
        targets = policy.levels[step.level].notify
        where = f"{policy.route} level {step.level + 1}"
        if damped:
            text = f"{alarm.rule} escalation to {where} damped: the alarm is flapping"
        else:
            text = f"{alarm.rule} escalated to {where} ({len(targets)} notifier(s))"
        data = {
            "route": policy.route,
            "level": step.level,
            "cycle": step.cycle,
            "step": step.index,
            "due": step.at,
            "targets": [shown_target(t) for t in targets],
            "damped": damped,
            "severity": alarm.severity,
        }
        self._journal_entry(now, alarm.key, text, data)

    def _journal_entry(self, ts: float, key: str, text: str, data: dict[str, Any]) -> None:
        log.info("%s", text)
        if self._journal is None:
            return
        try:
            self._journal(JournalEntry(ts, ESCALATION, key, "system", text, data))
        except Exception:
            log.exception("cannot journal an escalation")

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Send what is due, sleep until the next step or an alarm event; forever."""
        while True:
            self._wake.clear()
            now = self._clock.now()
            self.step(now)
            due = self.next_due()
            wait = self._max_wait if due is None else min(self._max_wait, max(0.0, due - now))
            await self._wait(wait)

    async def _wait(self, delay: float) -> None:
        await sleep_or_wake(self._sleep, self._wake, delay)

    def start(self) -> None:
        """Run the loop on the running event loop."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="escalation")

    async def stop(self) -> None:
        """End the loop and cancel deliveries in flight."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._notifier.close()
