"""What a report builder reads from, and how a long export reports progress or is cancelled.

`ReportContext` bundles the configuration, the journal and rollups (read only), the time the
report is made and a progress callback. The callback gets a fraction (0..1) and a word on what
is being done; `check()` raises `Cancelled` once `cancel()` was called (from any thread), so a
builder or renderer stops between steps and no file is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from noc_board.config.schema import Config
from noc_board.reports.measures import RollupReader
from noc_board.reports.roles import Roles, resolve_roles
from noc_board.store.journal import Journal
from noc_board.store.operator_log import OperatorLog
from noc_board.store.rollups import Rollups

Progress = Callable[[float, str], None]


class Cancelled(Exception):
    """The export was cancelled; nothing was written."""


class ReportError(Exception):
    """A report that cannot be made (unknown incident, bad window); the message says why."""


@dataclass
class Progressor:
    """Progress reporting and cancellation shared by a builder and a renderer."""

    callback: Progress | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)
    low: float = 0.0
    high: float = 1.0

    def part(self, low: float, high: float) -> Progressor:
        """A progressor for one part of the work, mapped onto [low, high] of this one and
        cancelled with it."""
        span = self.high - self.low
        return Progressor(self.callback, self._cancelled, self.low + span * low,
                          self.low + span * high)

    def cancel(self) -> None:
        """Ask the export to stop at its next step (thread-safe)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise Cancelled if cancel() was called."""
        if self._cancelled.is_set():
            raise Cancelled("the export was cancelled")

    def step(self, fraction: float, what: str) -> None:
        """Report progress (and stop here if cancelled)."""
        self.check()
        if self.callback is not None:
            done = self.low + (self.high - self.low) * min(1.0, max(0.0, fraction))
            self.callback(done, what)


@dataclass
class ReportContext:
    """The inputs of every report builder."""

    config: Config
    journal: Journal
    rollups: Rollups
    now: float
    progress: Progressor = field(default_factory=Progressor)
    author: str = ""  # who asked for it (the operator), shown on the cover line

    def __post_init__(self) -> None:
        self.zone = self.config.board.timezone
        self.roles: Roles = resolve_roles(self.config)
        self.reader = RollupReader(self.rollups, self.zone)
        self.log = OperatorLog(self.journal)
