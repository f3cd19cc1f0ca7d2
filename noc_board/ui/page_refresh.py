"""Feeding a page's panels a few per frame, so no frame waits for the whole page.

Measured (bench/bench_frames.py, 24 panels at 1080p): refreshing and repainting the page in one
go blocks the GUI thread 40-60 ms once a second (frame p99 59 ms). Here the panels with new data
(their plots repaint) go one a frame, each painted before the next is fed, and the rest (only
their ages and staleness move) a few a frame: frame p99 under 20 ms. Slicing everything one by
one would cost a paint pass each, which shows in the steady CPU (bench/bench_soak.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer

from noc_board.ui.board_presenter import BoardPresenter
from noc_board.ui.panel_frame import PanelFrameWidget

FRESH_PER_FRAME = 1  # panels with new data fed per frame...
REST_PER_FRAME = 3  # ...and panels only recomputed (ages, staleness)
FRAME_MS = 16  # one batch a frame (60 Hz)


class PageRefresher(QObject):
    """Runs a page refresh as batches on a single-shot timer; `refresh` starts a new one."""

    def __init__(self, presenter: BoardPresenter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.batches: list[list[PanelFrameWidget]] = []
        self._now = 0.0
        self.timer = QTimer(self)
        self.timer.setObjectName("repaint-slice")
        self.timer.setSingleShot(True)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._next)

    def refresh(self, panels: Sequence[PanelFrameWidget], fresh_ids: frozenset[str],
                now: float) -> None:
        """Feed `panels`, those showing `fresh_ids` (new data) first, over the next frames."""
        fresh = [p for p in panels if fresh_ids.intersection(p.metric_ids)]
        rest = [p for p in panels if p not in fresh]
        self.batches = [fresh[i:i + FRESH_PER_FRAME] for i in range(0, len(fresh),
                                                                     FRESH_PER_FRAME)]
        self.batches += [rest[i:i + REST_PER_FRAME] for i in range(0, len(rest), REST_PER_FRAME)]
        self._now = now
        self._next()

    def _next(self) -> None:
        if not self.batches:
            return
        self.presenter.refresh(self.batches.pop(0), self._now, draw_series=True)
        if self.batches:
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.batches = []
