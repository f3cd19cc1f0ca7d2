"""Shift notes and incidents, kept in the journal (append only: the latest entry wins).

A note is one `note` entry: subject "shift" (or the incident id it belongs to), the operator as
actor, the text as message, and `data = {"text", "flagged", "incident"}`; a flagged note is one
the next shift must read.

An incident is a series of `incident` entries with the incident's id as subject ("INC-0007"):
the first (`data.event = "opened"`) carries its title, the alarm keys it was opened from, when
it started and its severity; each later one (`"updated"`) carries only the fields that changed.
Folding them in journal order gives the incident as it stands, so an edit made in the app
survives a restart, and the journal still shows who changed what and when.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from noc_board.store.journal import INCIDENT, NOTE, Journal, JournalEntry

SHIFT_SUBJECT = "shift"
OPEN = "open"
RESOLVED = "resolved"
STATUSES = (OPEN, RESOLVED)
TEXT_FIELDS = ("title", "cause", "resolution", "actions", "severity")
TIME_FIELDS = ("started_at", "resolved_at")
EDITABLE = (*TEXT_FIELDS, *TIME_FIELDS, "status", "alarms")
_ID = re.compile(r"^INC-(\d+)$")


class OperatorLogError(ValueError):
    """A note or incident edit that cannot be kept (empty text, unknown incident, bad field)."""


@dataclass(frozen=True, slots=True)
class Note:
    """A shift note as journaled."""

    ts: float
    operator: str
    text: str
    flagged: bool = False
    incident: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as it stands after every journaled edit."""

    id: str
    title: str
    opened_at: float
    opened_by: str
    started_at: float
    status: str = OPEN
    resolved_at: float | None = None
    alarms: tuple[str, ...] = ()
    severity: str = ""
    cause: str = ""
    resolution: str = ""
    actions: str = ""
    updated_at: float = 0.0
    updated_by: str = ""
    edits: int = 0  # journal entries after the opening one

    @property
    def ended_at(self) -> float | None:
        """When it ended (resolved), or None while open."""
        return self.resolved_at if self.status == RESOLVED else None

    def overlaps(self, since: float, until: float) -> bool:
        """Whether the incident was going on at some time in [since, until)."""
        end = self.ended_at
        return self.started_at < until and (end is None or end >= since)


@dataclass
class _Draft:
    fields: dict[str, Any] = field(default_factory=dict)


def note_from_entry(entry: JournalEntry) -> Note:
    """The note an entry of kind `note` holds."""
    data = entry.data
    incident = data.get("incident")
    return Note(
        ts=entry.ts,
        operator=entry.actor or "",
        text=str(data.get("text", entry.message)),
        flagged=bool(data.get("flagged", False)),
        incident=str(incident) if incident else None,
        id=entry.id,
    )


def fold_incidents(entries: Iterable[JournalEntry]) -> dict[str, Incident]:
    """Every incident the `incident` entries describe, by id (entries in journal order).

    Updates to an id never opened are ignored; fields a later entry gives replace earlier ones.
    """
    out: dict[str, Incident] = {}
    for entry in entries:
        if entry.kind != INCIDENT:
            continue
        data = entry.data
        fields = data.get("fields", {})
        if not isinstance(fields, dict):
            continue
        current = out.get(entry.subject)
        if data.get("event") == "opened" and current is None:
            current = Incident(
                id=entry.subject,
                title=str(fields.get("title", "")),
                opened_at=entry.ts,
                opened_by=entry.actor or "",
                started_at=entry.ts,
                updated_at=entry.ts,
                updated_by=entry.actor or "",
            )
            current = _apply(current, fields)
            current = replace(current, edits=0)
        elif current is not None:
            current = _apply(current, fields)
            current = replace(current, updated_at=entry.ts, updated_by=entry.actor or "",
                              edits=current.edits + 1)
        else:
            continue
        out[entry.subject] = current
    return out


def _apply(incident: Incident, fields: Mapping[str, Any]) -> Incident:
    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in fields and isinstance(fields[name], str):
            changes[name] = fields[name]
    for name in TIME_FIELDS:
        if name in fields:
            value = fields[name]
            changes[name] = float(value) if isinstance(value, int | float) else None
    if fields.get("status") in STATUSES:
        changes["status"] = fields["status"]
    if isinstance(fields.get("alarms"), list):
        changes["alarms"] = tuple(str(a) for a in fields["alarms"])
    if changes.get("started_at", incident.started_at) is None:
        changes.pop("started_at")
    return replace(incident, **changes)


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields of an update, checked; raises OperatorLogError on anything else."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise OperatorLogError(f"an incident has no field {name!r}; editable: "
                                   f"{', '.join(EDITABLE)}")
        if name in TEXT_FIELDS:
            if not isinstance(value, str):
                raise OperatorLogError(f"{name} is text")
            out[name] = value.strip() if name in ("title", "severity") else value
        elif name in TIME_FIELDS:
            if value is not None and not (isinstance(value, int | float)
                                          and math.isfinite(value)):
                raise OperatorLogError(f"{name} is a time (unix seconds) or None")
            out[name] = None if value is None else float(value)
        elif name == "status":
            if value not in STATUSES:
                raise OperatorLogError(f"status is one of {', '.join(STATUSES)}")
            out[name] = value
        else:  # alarms
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise OperatorLogError("alarms is a list of alarm keys")
            out[name] = [str(a) for a in value]
    if "title" in out and not out["title"]:
        raise OperatorLogError("an incident needs a title")
    return out


class OperatorLog:
    """Writes and reads notes and incidents on one journal. Every write is committed before it
    returns (Journal.append)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    # --- notes ------------------------------------------------------------------------------

    def add_note(self, at: float, operator: str, text: str, *, flagged: bool = False,
                 incident: str | None = None) -> Note:
        """Journal a note by `operator`; raises OperatorLogError for an empty one."""
        text = text.strip()
        if not text:
            raise OperatorLogError("a note needs some text")
        if not operator.strip():
            raise OperatorLogError("a note needs the operator's name")
        data = {"text": text, "flagged": flagged, "incident": incident}
        entry = JournalEntry(at, NOTE, incident or SHIFT_SUBJECT, operator, text, data)
        entry_id = self.journal.append(entry)
        return Note(at, operator, text, flagged, incident, entry_id)

    def notes(self, since: float | None = None, until: float | None = None) -> list[Note]:
        """The notes written in [since, until), oldest first."""
        return [note_from_entry(e) for e in self.journal.entries(since, until, kinds=[NOTE])]

    # --- incidents ----------------------------------------------------------------------------

    def incidents(self) -> dict[str, Incident]:
        """Every incident, by id, as it stands."""
        return fold_incidents(self.journal.entries(kinds=[INCIDENT]))

    def incident(self, incident_id: str) -> Incident | None:
        """One incident as it stands, or None."""
        return fold_incidents(self.journal.entries(kinds=[INCIDENT],
                                                   subject=incident_id)).get(incident_id)

    def next_id(self) -> str:
        """The id the next incident gets: INC- and one more than the highest so far."""
        highest = 0
        for entry in self.journal.entries(kinds=[INCIDENT]):
            match = _ID.match(entry.subject)
            if match:
                highest = max(highest, int(match.group(1)))
        return f"INC-{highest + 1:04d}"

    def open_incident(self, at: float, operator: str, title: str,
                      alarms: Sequence[str] = (), *, started_at: float | None = None,
                      severity: str = "") -> Incident:
        """Open an incident (from alarms, or by hand with none) and return it."""
        if not operator.strip():
            raise OperatorLogError("an incident needs the operator's name")
        fields = clean_fields({"title": title, "alarms": list(alarms), "status": OPEN,
                               "severity": severity})
        fields["started_at"] = at if started_at is None else min(started_at, at)
        incident_id = self.next_id()
        count = len(fields["alarms"])
        message = f"incident {incident_id} opened: {fields['title']}" + (
            f" ({count} alarm{'s' if count != 1 else ''})" if count else "")
        self.journal.append(JournalEntry(at, INCIDENT, incident_id, operator, message,
                                         {"event": "opened", "fields": fields}))
        opened = self.incident(incident_id)
        assert opened is not None  # just written
        return opened

    def update_incident(self, at: float, operator: str, incident_id: str,
                        fields: Mapping[str, Any]) -> Incident:
        """Journal the changed fields of an incident and return it as it now stands.

        Fields equal to the current ones are left out; nothing changed writes nothing.
        Resolving without a `resolved_at` resolves it at `at`.
        """
        current = self.incident(incident_id)
        if current is None:
            raise OperatorLogError(f"no incident {incident_id!r}")
        if not operator.strip():
            raise OperatorLogError("an edit needs the operator's name")
        wanted = clean_fields(fields)
        if wanted.get("status") == RESOLVED and "resolved_at" not in wanted \
                and current.resolved_at is None:
            wanted["resolved_at"] = at
        if wanted.get("status") == OPEN and current.status == RESOLVED:
            wanted.setdefault("resolved_at", None)
        changed = {k: v for k, v in wanted.items() if _current(current, k) != v}
        if not changed:
            return current
        words = ", ".join(sorted(changed))
        message = f"incident {incident_id} updated: {words}"
        if changed.get("status") == RESOLVED:
            message = f"incident {incident_id} resolved"
        self.journal.append(JournalEntry(at, INCIDENT, incident_id, operator, message,
                                         {"event": "updated", "fields": changed}))
        updated = self.incident(incident_id)
        assert updated is not None
        return updated


def _current(incident: Incident, name: str) -> Any:
    value = getattr(incident, name)
    return list(value) if name == "alarms" else value
