"""What every book of alarms shares: the alarms by key, the operator intents on them, and their
expiry with time. Pure: callers pass the time and get every transition as an `AlarmEvent`.

The rules' book (`alarm_book.AlarmBook`) and the book of other tools' alarms
(`external_book.ExternalAlarmBook`) differ in how alarms are raised and cleared; acknowledging,
shelving and letting acknowledgements and shelves expire are the same for both.
"""

from __future__ import annotations

from noc_board.core import alarms as sm
from noc_board.core.alarms import Alarm, AlarmEvent


class AlarmTable:
    """Alarms by key, and the transitions an operator or the clock makes on them."""

    def __init__(self) -> None:
        self._alarms: dict[str, Alarm] = {}

    def alarms(self) -> tuple[Alarm, ...]:
        return tuple(self._alarms.values())

    def alarm(self, key: str) -> Alarm:
        try:
            return self._alarms[key]
        except KeyError:
            raise sm.AlarmError(f"no alarm {key!r}") from None

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

    def expire(self, at: float) -> list[AlarmEvent]:
        """Acknowledgements, shelves and suppressions whose time is up end."""
        events: list[AlarmEvent] = []
        for key, alarm in list(self._alarms.items()):
            new, evs = sm.tick(alarm, at)
            if evs:
                self._alarms[key] = new
                events.extend(evs)
        return events
