"""Writes what the hub does into the store: alarm transitions, health changes, rollups.

Each alarm entry carries the alarm's whole state after the transition, so a restarted board
puts every alarm back (who acknowledged it, until when) from the journal alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.health import SourceHealth
from noc_board.core.samples import Sample
from noc_board.store import Store
from noc_board.store.journal import ACK, ALARM, SOURCE_HEALTH, JournalEntry

HORN = "horn"  # the horn was silenced (not an acknowledgement); subject: the alarm key

_ALARM_FIELDS = [f.name for f in dataclasses.fields(Alarm)]


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def alarm_to_data(alarm: Alarm) -> dict[str, Any]:
    data = {name: getattr(alarm, name) for name in _ALARM_FIELDS}
    data["state"] = alarm.state.value
    data["value"] = _json_number(alarm.value)
    return data


def alarm_from_data(data: dict[str, Any]) -> Alarm:
    fields = {name: data[name] for name in _ALARM_FIELDS if name in data}
    fields["state"] = AlarmState(fields.get("state", "normal"))
    value = fields.get("value")
    fields["value"] = float("nan") if value is None else float(value)
    return Alarm(**fields)


class StoreRecorder:
    """The hub's `Recorder` on a real store. Every append is committed before it returns."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record_alarm_events(
        self, events: Sequence[AlarmEvent], alarms: Sequence[Alarm] = ()
    ) -> None:
        by_key = {a.key: a for a in alarms}
        for event in events:
            alarm = by_key.get(event.key)
            data: dict[str, Any] = {
                "event": event.event,
                "rule": event.rule,
                "metric": event.metric,
                "severity": event.severity,
                "value": _json_number(event.value),
                "from": event.state_from.value,
                "to": event.state_to.value,
                "comment": event.comment,
                "until": event.until,
            }
            if event.origin:
                data["origin"] = event.origin  # e.g. acknowledged on another board
            if alarm is not None:
                data["alarm"] = alarm_to_data(alarm)
            kind = ACK if event.event == "acknowledged" else ALARM
            message = (
                f"{event.rule} {event.event} ({event.state_from.value} -> {event.state_to.value})"
            )
            if event.origin:
                message += f" via {event.origin}"
            self._store.journal.append(
                JournalEntry(event.ts, kind, event.key, event.actor, message, data)
            )

    def record_horn_silenced(
        self, at: float, operator: str, until: float, alarms: Sequence[Alarm]
    ) -> None:
        """One entry per alarm that was sounding: the horn muted by `operator` until `until`."""
        for alarm in alarms:
            data: dict[str, Any] = {
                "event": "silenced",
                "rule": alarm.rule,
                "metric": alarm.metric,
                "severity": alarm.severity,
                "value": _json_number(alarm.value),
                "to": alarm.state.value,
                "until": until,
            }
            message = f"{alarm.rule} horn silenced (still {alarm.state.value})"
            self._store.journal.append(JournalEntry(at, HORN, alarm.key, operator, message, data))

    def alarm_history(self, key: str, limit: int = 200) -> list[JournalEntry]:
        """The journal's entries about alarm `key` (transitions, acks, escalations, the horn),
        newest first; source-health entries of a source with the same name are left out."""
        entries = self._store.journal.entries(subject=key, limit=limit, newest_first=True)
        return [e for e in entries if e.kind != SOURCE_HEALTH]

    def record_health(self, before: SourceHealth, after: SourceHealth) -> None:
        at = after.last_attempt or after.last_success or 0.0
        message = f"{after.source} {before.state.value} -> {after.state.value}"
        if after.last_error:
            message += f": {after.last_error}"
        data = {
            "from": before.state.value,
            "to": after.state.value,
            "error": after.last_error,
            "last_success": after.last_success,
        }
        self._store.journal.append(
            JournalEntry(at, SOURCE_HEALTH, after.source, "system", message, data)
        )

    def record_samples(self, samples: Sequence[Sample]) -> None:
        self._store.rollups.add(samples)

    def restore_alarms(self, current: Sequence[Alarm]) -> list[Alarm]:
        """The last journaled state of each alarm the configuration still has."""
        restored: list[Alarm] = []
        for alarm in current:
            entries = self._store.journal.entries(
                kinds=[ALARM, ACK], subject=alarm.key, limit=1, newest_first=True
            )
            if entries and "alarm" in entries[0].data:
                old = alarm_from_data(entries[0].data["alarm"])
                # keep the configuration's current summary and route; the state is the journal's
                restored.append(dataclasses.replace(old, summary=alarm.summary, route=alarm.route))
        return restored
