"""Making a window's pages lazily: the first one before the first frame, the rest after it.

Making a page's panels (plots, painted canvases, their labels) is about a third of a cold start
with the demo's five pages (bench/bench_startup.py, bench/bench_bundle.py), and only the page on
screen is needed for the first frame. So a window makes that page at once and leaves the others
as empty shells (`BoardPageWidget(build=False)`); once the window has painted its first frame,
this builder makes them one per event-loop turn (a single-shot timer at 0 ms, restarted after
each page), next in rotation order first, so no frame waits for more than one page. A page that
is wanted before its turn (the rotation, a key, the jump to a new alarm, a screenshot) is made on
the spot with `ensure`. If no frame comes (a window never shown), the chain starts after
`grace_ms` anyway.

Each page made is handed to `on_built` (the window pushes the hub's current state into it, so a
page made late shows current data at once); `finished` says when none is left to make (the app
then moves what they allocated out of the collector's way, as it does after start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from noc_board.ui.board_page import BoardPageWidget

FIRST_FRAME_GRACE_MS = 2000  # start anyway when the window has not painted by then


class PageBuilder(QObject):
    """Builds the unbuilt pages of `pages`, one per event-loop turn after `first_frame()`.

    `current()` says which page is on screen (the chain goes on from the one after it).

    Signals:
        finished(): the last page not built was built (by the chain or on demand).
    """

    finished = Signal()

    def __init__(
        self, pages: Sequence[BoardPageWidget], current: Callable[[], int],
        on_built: Callable[[BoardPageWidget], None], parent: QObject | None = None,
        grace_ms: int = FIRST_FRAME_GRACE_MS,
    ) -> None:
        super().__init__(parent)
        self.pages = pages
        self._current = current
        self._on_built = on_built
        self.timer = QTimer(self)
        self.timer.setObjectName("page-build")
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._build_next)
        self._stopped = False
        if self.pending():
            self.timer.start(max(grace_ms, 0))

    def pending(self) -> list[int]:
        """The indexes of the pages not built yet, in the order the chain builds them."""
        count = len(self.pages)
        start = self._current() + 1 if count else 0
        order = [(start + step) % count for step in range(count)]
        return [i for i in order if not self.pages[i].built]

    def first_frame(self) -> None:
        """The window painted its first frame: build the rest from the next turn on."""
        if not self._stopped and self.pending():
            self.timer.start(0)

    def ensure(self, index: int) -> BoardPageWidget:
        """Page `index`, built now if it was not (for a page about to be shown)."""
        page = self.pages[index]
        if page.build():
            self._on_built(page)
            if all(p.built for p in self.pages):
                self.timer.stop()
                self.finished.emit()
        return page

    def build_all(self) -> int:
        """Build every page not built yet, now; how many were."""
        pending = self.pending()
        for index in pending:
            self.ensure(index)
        return len(pending)

    def _build_next(self) -> None:
        pending = self.pending()
        if pending:
            self.ensure(pending[0])
        if len(pending) > 1 and not self._stopped:
            self.timer.start(0)

    def stop(self) -> None:
        """No more building in the background (teardown); `ensure` still works."""
        self._stopped = True
        self.timer.stop()
