"""The Stripe book: what the connector has counted, and up to where, kept across restarts.

Stripe has no metrics API, so the connector lists objects by `created` and counts them itself.
Per list (charges, refunds, disputes, payment intents, checkout sessions) a **cursor** says
"every object created before this second is counted"; the counts live in **day totals**
(local days of the board's time zone). Advancing a cursor and adding what it passed over to
the day totals is one atomic write to the `SourceState` (one SQLite transaction), so a crash
or a restart at any point neither loses nor double counts: the next run lists from the cursor.

Objects newer than the cursor form the **tail**: listed again on every poll and counted
provisionally, because the newest seconds may still be filling in and a pending payment may
still change. A separate in-memory window keeps the last hour's charges one by one, for the
rolling last-hour figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import msgspec

from noc_board.sources.source_state import SourceState
from noc_board.sources.stripe_totals import DayTotals, LocalDays, totals_by_day
from noc_board.sources.stripe_wire import StripeCharge, StripeObject

STATE_VERSION = 1
KEEP_DAYS = 40  # day totals kept: the current month and some
HOUR = 3600
_DAY_PREFIX = "day."
_CURSOR_PREFIX = "cursor."
_day_decoder = msgspec.json.Decoder(DayTotals)


@dataclass(frozen=True, slots=True)
class RecentCharge:
    """A charge of the last hour, kept one by one for the rolling figures."""

    created: int
    amount: int
    currency: str
    succeeded: bool
    failed: bool
    attempt: str  # payment intent (or charge id): retries share it


class StripeBook:
    """Cursors, day totals, the tail and the last hour of one Stripe source.

    `identity` names what was counted (the API base URL and the time zone): when it differs
    from the saved one, the saved counts belong to another account or calendar and are
    dropped. Call `load` once before anything else.
    """

    def __init__(self, state: SourceState, identity: str, days: LocalDays) -> None:
        self._state = state
        self._identity = identity
        self.days_of = days
        self.since: int | None = None  # when counting began (the coverage start)
        self.cursors: dict[str, int] = {}
        self.days: dict[str, DayTotals] = {}
        self.tail: dict[str, list[StripeObject]] = {}
        self.recent: dict[str, RecentCharge] = {}
        self.recent_from: int | None = None  # the last hour is complete from here on
        self.loaded = False

    # -- persistence ---------------------------------------------------------------------

    def load(self) -> list[str]:
        """Read the saved state; notes say why saved counts were dropped, if they were."""
        self.loaded = True
        items = self._state.items()
        if not items:
            return []
        try:
            meta = json.loads(items.get("meta", "null"))
            if not isinstance(meta, dict) or meta.get("v") != STATE_VERSION:
                raise ValueError("unknown version")
            if meta.get("identity") != self._identity:
                self._reset(items)
                return ["the Stripe account or time zone changed: counting starts again"]
            since = meta.get("since")
            if not isinstance(since, int):
                raise ValueError("no start")
            cursors: dict[str, int] = {}
            days: dict[str, DayTotals] = {}
            for key, value in items.items():
                if key.startswith(_CURSOR_PREFIX):
                    cursor = json.loads(value)
                    if not isinstance(cursor, int):
                        raise ValueError(f"bad cursor {key}")
                    cursors[key.removeprefix(_CURSOR_PREFIX)] = cursor
                elif key.startswith(_DAY_PREFIX):
                    days[key.removeprefix(_DAY_PREFIX)] = _day_decoder.decode(value)
        except (ValueError, TypeError, msgspec.DecodeError):
            self._reset(items)
            return ["the saved Stripe counts were unreadable: counting starts again"]
        self.since, self.cursors, self.days = since, cursors, days
        return []

    def _reset(self, items: Mapping[str, str]) -> None:
        self._state.put(dict.fromkeys(items))
        self.since, self.cursors, self.days = None, {}, {}

    def begin(self, since: int, kinds: Iterable[str], oldest: int) -> None:
        """Start counting: at `since` when nothing was counted yet; a list without a cursor
        (newly configured) starts at the coverage start, but never before `oldest`."""
        changes: dict[str, str | None] = {}
        if self.since is None:
            self.since = since
            changes["meta"] = json.dumps(
                {"v": STATE_VERSION, "identity": self._identity, "since": since}
            )
        for kind in kinds:
            if kind not in self.cursors:
                self.cursors[kind] = max(self.since, oldest)
                changes[_CURSOR_PREFIX + kind] = json.dumps(self.cursors[kind])
        if changes:
            self._state.put(changes)

    def commit(self, batches: Mapping[str, tuple[Sequence[StripeObject], int]], today: str
               ) -> None:
        """Count each list's objects into the day totals and move its cursor to the given
        second, in one write. Objects at or after the new cursor are not counted."""
        touched: dict[str, DayTotals] = {}
        changes: dict[str, str | None] = {}
        for kind, (objects, upto) in batches.items():
            counted = [o for o in objects if self.cursors[kind] <= o.created < upto]
            for key, more in totals_by_day(kind, counted, self.days_of).items():
                day = touched.get(key)
                if day is None:
                    existing = self.days.get(key)
                    day = _copy(existing) if existing is not None else DayTotals()
                    touched[key] = day
                day.merge(more)
            changes[_CURSOR_PREFIX + kind] = json.dumps(max(upto, self.cursors[kind]))
        for key, day in touched.items():
            changes[_DAY_PREFIX + key] = msgspec.json.encode(day).decode()
        for key in self.days:
            if key < _days_before(today, KEEP_DAYS):
                changes[_DAY_PREFIX + key] = None
        self._state.put(changes)  # raises before anything below changes when it fails
        self.days.update(touched)
        for key in [k for k in self.days if changes.get(_DAY_PREFIX + k, "") is None]:
            del self.days[key]
        for kind, (_, upto) in batches.items():
            self.cursors[kind] = max(upto, self.cursors[kind])

    # -- the provisional tail and the last hour --------------------------------------------

    def set_tail(self, kind: str, objects: Sequence[StripeObject]) -> None:
        self.tail[kind] = [o for o in objects if o.created >= self.cursors.get(kind, 0)]

    def tail_days(self) -> dict[str, DayTotals]:
        out: dict[str, DayTotals] = {}
        for kind, objects in self.tail.items():
            for key, more in totals_by_day(kind, objects, self.days_of).items():
                out.setdefault(key, DayTotals()).merge(more)
        return out

    def feed_recent(self, charges: Iterable[StripeCharge], now: float) -> None:
        start = now - HOUR
        for c in charges:
            if c.created >= start:
                self.recent[c.id] = RecentCharge(
                    c.created, c.amount, c.currency.lower(), c.status == "succeeded",
                    c.status == "failed", c.attempt_key(),
                )
        for key in [k for k, c in self.recent.items() if c.created < start]:
            del self.recent[key]

    def total(self, first_day: str, last_day: str, tail: Mapping[str, DayTotals]) -> DayTotals:
        """Counted plus provisional (`tail`, from `tail_days`) totals of the local days
        first_day..last_day."""
        out = DayTotals()
        for source in (self.days, tail):
            for key, day in source.items():
                if first_day <= key <= last_day:
                    out.merge(day)
        return out

    def covered_from(self) -> float:
        return math.inf if self.since is None else float(self.since)


def _copy(day: DayTotals) -> DayTotals:
    copied: DayTotals = _day_decoder.decode(msgspec.json.encode(day))
    return copied


def _days_before(today: str, count: int) -> str:
    return (date.fromisoformat(today) - timedelta(days=count)).isoformat()
