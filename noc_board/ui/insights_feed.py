"""The insights panel's feed: a digest of six weeks of rollups, computed off the GUI thread.

Reading and fitting six weeks of hourly rollups (reports.insight_digest, about 10-20 ms on a
small store, more on a big one) does not belong in a frame (p99 budget 20 ms). So the digest
runs in a worker thread, at most every `INSIGHTS_REFRESH` seconds per panel and only while the
panel is visible (its page is shown). The result lands in a `Future`; the GUI thread takes it
either at once, through the running asyncio loop (qasync's in the app: `call_soon_threadsafe`
runs on the GUI thread), or at the next repaint tick (tests that drive the tick by hand have no
running loop). The store's connection is shared across threads under its lock, so the worker
reads the same `Rollups` the board writes; a store that fails makes a digest that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6

from noc_board.config.schema import Config, PanelConfig
from noc_board.core.panel_model import TileState
from noc_board.core.panel_models.freshness import age_text
from noc_board.core.panel_models.insights import InsightsBody, insights_body
from noc_board.engine.hub import Hub
from noc_board.ui.insights_panel import InsightsPanelWidget

if TYPE_CHECKING:
    from noc_board.reports.insight_digest import InsightDigest
    from noc_board.store import Rollups
    from noc_board.ui.board_presenter import BoardPresenter

log = logging.getLogger(__name__)

INSIGHTS_REFRESH = 300.0  # seconds between digests of one insights panel
INSIGHTS_WINDOW = 86_400.0  # routes over the last 24 h against the 24 h before
READING = "reading the history…"
# (rollups, config, zone, now, window) -> digest: reports.insight_digest.insight_digest
Digester = Callable[["Rollups", Config, str, float, float], "InsightDigest"]


def real_digest(rollups: Rollups, config: Config, zone_name: str, now: float,
                window: float) -> InsightDigest:
    """`insight_digest`, imported when first needed (the first frame does not need it)."""
    from noc_board.reports.insight_digest import insight_digest

    return insight_digest(rollups, config, zone_name, now, window)


def panel_title(panel: PanelConfig) -> str:
    return panel.title or "Insights"


@dataclass(slots=True)
class _Slot:
    """One panel's digests: when the last was asked for, the one in flight, the last one."""

    asked_at: float | None = None
    pending: Future[InsightDigest] | None = None
    digest: InsightDigest | None = None


class InsightsFeed:
    """Feeds insights panels: `refresh(widget, now, visible)` on every repaint tick.

    `digest` is what the worker thread runs (replaceable in tests).
    """

    def __init__(self, hub: Hub, presenter: BoardPresenter) -> None:
        self.hub = hub
        self.presenter = presenter
        self.digest: Digester = real_digest
        self._slots: weakref.WeakKeyDictionary[InsightsPanelWidget, _Slot] = (
            weakref.WeakKeyDictionary()
        )

    def pending(self, widget: InsightsPanelWidget) -> bool:
        """Whether a digest for `widget` is being computed."""
        slot = self._slots.get(widget)
        return slot is not None and slot.pending is not None and not slot.pending.done()

    def refresh(self, widget: InsightsPanelWidget, now: float, visible: bool) -> None:
        """Draw the last digest's age; take a finished one; ask for a new one when due."""
        history = self.presenter.history
        if history is None:
            widget.set_state(TileState(title=panel_title(widget.panel), status="nodata",
                                       reason="no history: the board runs without its store"))
            return
        slot = self._slots.setdefault(widget, _Slot())
        self._land(widget, slot)
        due = slot.asked_at is None or now - slot.asked_at >= INSIGHTS_REFRESH
        if visible and slot.pending is None and due:
            slot.asked_at = now
            slot.pending = self._start(widget, history.rollups, now)
        widget.set_state(self._state(panel_title(widget.panel), slot.digest, now))

    # --- the worker and the landing -----------------------------------------------------------

    def _start(self, widget: InsightsPanelWidget, rollups: Rollups,
               now: float) -> Future[InsightDigest]:
        """Run the digest in a worker thread; its result lands in the returned future."""
        future: Future[InsightDigest] = Future()
        config = self.hub.config
        digest = self.digest
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None  # the tick is driven by hand: the next refresh takes the result
        ref = weakref.ref(widget)

        def work() -> None:
            try:
                future.set_result(digest(rollups, config, config.board.timezone, now,
                                         INSIGHTS_WINDOW))
            except BaseException as exc:  # handed to the GUI thread, which says why
                future.set_exception(exc)
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (quit)
                    loop.call_soon_threadsafe(self._landed, ref)

        threading.Thread(target=work, name="insights-digest", daemon=True).start()
        return future

    def _landed(self, ref: weakref.ref[InsightsPanelWidget]) -> None:
        """A digest is done (on the GUI thread, from the loop): draw it now, not next tick."""
        widget = ref()
        if widget is None or not shiboken6.isValid(widget):
            return
        slot = self._slots.get(widget)
        if slot is not None and self._land(widget, slot) and slot.digest is not None:
            widget.set_state(self._state(panel_title(widget.panel), slot.digest,
                                         slot.digest.computed_at))

    def _land(self, widget: InsightsPanelWidget, slot: _Slot) -> bool:
        """Take a finished digest into its panel; whether one landed."""
        future = slot.pending
        if future is None or not future.done():
            return False
        slot.pending = None
        slot.digest = self._collect(future, slot.asked_at or 0.0)
        widget.set_body(self._body(slot.digest, widget.panel))
        return True

    def _collect(self, future: Future[InsightDigest], asked_at: float) -> InsightDigest:
        """The digest of a finished future; a failure becomes a digest that says why."""
        exc = future.exception()
        if exc is None:
            return future.result()
        log.error("the insights digest failed", exc_info=(type(exc), exc, exc.__traceback__))
        from noc_board.reports.insight_digest import unavailable

        return unavailable(asked_at, INSIGHTS_WINDOW, self.hub.config.insights.latency_goal,
                           f"the insights failed: {type(exc).__name__}: {exc}")

    # --- what the panel draws -----------------------------------------------------------------

    @staticmethod
    def _body(digest: InsightDigest, panel: PanelConfig) -> InsightsBody:
        if digest.missing:
            return InsightsBody()  # the header's reason is drawn in its place
        return insights_body(digest.slow, digest.errors, digest.capacity, digest.goal,
                             panel.limit, digest.routes_note, digest.capacity_note,
                             digest.window)

    @staticmethod
    def _state(title: str, digest: InsightDigest | None, now: float) -> TileState:
        if digest is None:
            return TileState(title=title, status="nodata", reason=READING, age_text="no data")
        age = max(0.0, now - digest.computed_at)
        text = age_text(now, digest.computed_at)
        if digest.missing:
            return TileState(title=title, status="nodata", reason=f"no data: {digest.missing}",
                             age_text=text, age_seconds=age)
        return TileState(title=title, status="ok", age_text=text, age_seconds=age)
