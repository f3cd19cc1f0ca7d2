"""Reading the journal for reports: alarm episodes, the state of each alarm at a time, source
outages, and an incident's timeline.

An episode is one alarm from its raise to its return to normal: who acknowledged it and when
(the time to acknowledge), its escalations, when it cleared, its worst severity. Each journaled
transition carries `from` and `to` states (noc_board.engine.recorder), so the state of an alarm
at any time is the `to` of its last transition before then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from noc_board.core.alarms import SEVERITY_RANK
from noc_board.store.journal import ACK, ALARM, ESCALATION, SOURCE_HEALTH, Journal, JournalEntry

NORMAL = "normal"
UNACKED_STATES = ("unacknowledged", "returned_unacknowledged")
RAISES = ("raised",)


@dataclass
class Episode:
    """One alarm from raise to normal (or to the end of what was read)."""

    key: str
    rule: str
    metric: str
    severity: str
    raised_at: float
    value: float | None = None
    acked_at: float | None = None
    acked_by: str | None = None
    ack_comment: str = ""
    cleared_at: float | None = None
    closed_at: float | None = None  # back to normal
    escalations: list[tuple[float, str, int]] = field(default_factory=list)  # (ts, route, level)
    shelved_by: str | None = None
    shelved_until: float | None = None
    state: str = "unacknowledged"  # after the last transition read

    @property
    def time_to_ack(self) -> float | None:
        """Seconds from raise to acknowledgement, or None when not acknowledged."""
        return None if self.acked_at is None else max(0.0, self.acked_at - self.raised_at)

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    def duration(self, end: float) -> float:
        """How long it was active: to its clear, or to `end` while still active."""
        stop = self.cleared_at if self.cleared_at is not None else end
        return max(0.0, stop - self.raised_at)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def episodes(entries: Iterable[JournalEntry]) -> list[Episode]:
    """The episodes in `entries` (ALARM, ACK and ESCALATION entries, in journal order)."""
    open_by_key: dict[str, Episode] = {}
    out: list[Episode] = []
    for entry in entries:
        data = entry.data
        key = entry.subject
        current = open_by_key.get(key)
        if entry.kind == ESCALATION:
            if current is not None and "level" in data and not data.get("damped"):
                current.escalations.append((entry.ts, str(data.get("route", "")),
                                            int(data.get("level", 0))))
            continue
        if entry.kind not in (ALARM, ACK):
            continue
        event = str(data.get("event", ""))
        to = str(data.get("to", ""))
        severity = str(data.get("severity", ""))
        if event in RAISES:
            if current is not None and current.closed_at is None:
                current.closed_at = entry.ts  # raised again before it was acknowledged
            current = Episode(key, str(data.get("rule", key)), str(data.get("metric", "")),
                              severity, entry.ts, _num(data.get("value")), state=to)
            open_by_key[key] = current
            out.append(current)
            continue
        if current is None:
            continue
        if SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(current.severity, 0):
            current.severity = severity
        if event == "acknowledged" and current.acked_at is None:
            current.acked_at = entry.ts
            current.acked_by = entry.actor
            current.ack_comment = str(data.get("comment", "") or "")
        elif event == "cleared" and current.cleared_at is None:
            current.cleared_at = entry.ts
        elif event == "shelved":
            current.shelved_by = entry.actor
            current.shelved_until = _num(data.get("until"))
        if to:
            current.state = to
        if to == NORMAL:
            if current.cleared_at is None and event != "unshelved":
                current.cleared_at = entry.ts
            current.closed_at = entry.ts
            del open_by_key[key]
    return out


def read_episodes(journal: Journal, since: float, until: float,
                  lookback: float = 7 * 86_400.0) -> list[Episode]:
    """The episodes raised in [since - lookback, until) with their transitions up to `until`:
    those of the window and those still open when it began."""
    entries = journal.entries(since - lookback, until, kinds=[ALARM, ACK, ESCALATION])
    return episodes(entries)


def states_at(journal: Journal, ts: float) -> dict[str, JournalEntry]:
    """The last ALARM/ACK entry of each alarm before `ts` (its state is `data["to"]`)."""
    out: dict[str, JournalEntry] = {}
    for entry in journal.entries(None, ts, kinds=[ALARM, ACK]):
        out[entry.subject] = entry
    return out


@dataclass(frozen=True)
class Outage:
    """A source down from `start` to `end` (None: still down at the end of what was read)."""

    source: str
    start: float
    end: float | None
    error: str

    def duration(self, until: float) -> float:
        return max(0.0, (self.end if self.end is not None else until) - self.start)


def outages(entries: Sequence[JournalEntry], since: float, until: float) -> list[Outage]:
    """The outages (health DOWN) of every source overlapping [since, until), from its
    source_health entries in journal order (read from well before `since`)."""
    down: dict[str, tuple[float, str]] = {}
    out: list[Outage] = []
    for entry in entries:
        if entry.kind != SOURCE_HEALTH or entry.ts >= until:
            continue
        to = entry.data.get("to")
        if to == "down" and entry.subject not in down:
            down[entry.subject] = (entry.ts, str(entry.data.get("error") or ""))
        elif to != "down" and entry.subject in down:
            start, error = down.pop(entry.subject)
            if entry.ts >= since:
                out.append(Outage(entry.subject, start, entry.ts, error))
    for source, (start, error) in down.items():
        out.append(Outage(source, start, None, error))
    out.sort(key=lambda o: o.start)
    return out


def read_outages(journal: Journal, since: float, until: float,
                 lookback: float = 30 * 86_400.0) -> list[Outage]:
    """Source outages overlapping [since, until)."""
    return outages(journal.entries(since - lookback, until, kinds=[SOURCE_HEALTH]), since, until)
