"""Alarms that other tools raise (Alertmanager alerts), kept beside the rules' alarm book.

A rule's alarm exists from the start and is driven by samples; an external alarm appears
when its tool first shows it, follows the same state machine (`noc_board.core.alarms`), and
leaves the book once it is back to normal and its tool no longer shows it. Each alarm belongs
to the source (`owner`) that showed it; an alarm put back from the journal belongs to the first
source that reports. Pure: callers pass the time, and get every transition as an `AlarmEvent`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from noc_board.core import alarms as sm
from noc_board.core.alarm_table import AlarmTable
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState


class ExternalAlarmBook(AlarmTable):
    """The alarms of other tools, by key, with the operator intents the rules' book has."""

    def __init__(self) -> None:
        super().__init__()
        self._owner: dict[str, str] = {}  # "" for an alarm restored and not yet claimed

    def __contains__(self, key: object) -> bool:
        return key in self._alarms

    def owned_by(self, owner: str) -> tuple[Alarm, ...]:
        """The alarms of `owner`, claiming those restored and not yet claimed."""
        for key, who in self._owner.items():
            if not who:
                self._owner[key] = owner
        return tuple(a for k, a in self._alarms.items() if self._owner[k] == owner)

    def restore(self, alarm: Alarm) -> None:
        """Put back an alarm from the journal after a restart (not one already normal)."""
        if alarm.state is not AlarmState.NORMAL:
            self._alarms[alarm.key] = alarm
            self._owner.setdefault(alarm.key, "")

    # --- what the tool shows -------------------------------------------------------------------

    def observe(self, owner: str, seen: Iterable[Alarm], at: float) -> list[AlarmEvent]:
        """`seen`: the alarms `owner` shows active now (key, rule, severity, summary, route,
        `raised_at` its start). New ones are raised, known ones follow severity and summary,
        those of `owner` no longer shown clear; normal ones not shown leave the book."""
        shown = {a.key: a for a in seen}
        events: list[AlarmEvent] = []
        for old in self.owned_by(owner):
            if old.key in shown:
                continue
            if old.state is AlarmState.NORMAL:
                del self._alarms[old.key], self._owner[old.key]
            elif old.active:
                new, evs = sm.clear_alarm(old, at, math.nan)
                self._alarms[old.key] = new
                events += evs
        for fresh in shown.values():
            events += self._show(owner, fresh, at)
        return events

    def _show(self, owner: str, fresh: Alarm, at: float) -> list[AlarmEvent]:
        old = self._alarms.get(fresh.key)
        if old is not None and self._owner[fresh.key] not in ("", owner):
            return []  # another source shows the same alert (one cluster): that one owns it
        self._owner[fresh.key] = owner
        if old is None:
            start = min(fresh.raised_at if fresh.raised_at is not None else at, at)
            blank = replace(fresh, state=AlarmState.NORMAL, active=False, raised_at=None,
                            changed_at=None)
            new, evs = sm.raise_alarm(blank, start, fresh.severity, fresh.value)
        elif not old.active:  # firing again, or still shown while shelved and quiet
            start = fresh.raised_at if fresh.raised_at is not None else at
            start = min(max(start, old.changed_at or start), at)
            new, evs = sm.raise_alarm(_described(old, fresh), start, fresh.severity,
                                      fresh.value)
        else:
            new, evs = sm.raise_alarm(_described(old, fresh), at, fresh.severity, fresh.value)
        self._alarms[fresh.key] = new
        return evs

    def describe(self, key: str, summary: str, detail: str) -> bool:
        """Change what an alarm says without a transition (e.g. that its tool is unreachable);
        True when something changed."""
        old = self._alarms.get(key)
        if old is None or (old.summary, old.detail) == (summary, detail):
            return False
        self._alarms[key] = replace(old, summary=summary, detail=detail)
        return True


def _described(old: Alarm, fresh: Alarm) -> Alarm:
    """`old` saying what its tool says now."""
    return replace(old, summary=fresh.summary, route=fresh.route, detail=fresh.detail,
                   metric=fresh.metric)
