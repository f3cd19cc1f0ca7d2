"""The window's page playlist: rotation, holds while an operator is at the board, and the jump to
the page of a new alarm. The rules are in `core.panel_models.rotation`; this binds them to a
window's pages (which page shows a metric) and to its clock."""

from __future__ import annotations

from collections.abc import Sequence

from noc_board.config.schema import BoardConfig, PageConfig
from noc_board.core.panel_models.rotation import Rotation


def page_metric_ids(page: PageConfig) -> frozenset[str]:
    """Every metric and breakdown a page shows."""
    ids = {m for p in page.panels for m in p.metrics}
    ids.update(m for p in page.panels for m in p.response if m)
    ids.update(p.breakdown for p in page.panels if p.breakdown)
    return frozenset(ids)


class PagePlaylist:
    """Which page of `pages` shows, and when the next is due."""

    def __init__(self, pages: Sequence[PageConfig], board: BoardConfig, now: float) -> None:
        self.pages = list(pages)
        self._ids = [page_metric_ids(p) for p in self.pages]
        self.rotation = Rotation([p.duration for p in self.pages], board.rotate,
                                 board.idle_resume, board.alarm_hold, now)

    @property
    def index(self) -> int:
        return self.rotation.index

    def due(self, now: float) -> int | None:
        """The page to rotate to now, or None."""
        return self.rotation.due(now)

    def shown(self, index: int, now: float) -> None:
        """A page was shown (by a key or the rotation): its time starts now."""
        self.rotation.show(index, now)

    def touched(self, now: float) -> None:
        self.rotation.touched(now)

    def toggle_pause(self, now: float) -> bool:
        return self.rotation.toggle_pause(now)

    def page_for_metric(self, metric_id: str, current: int | None = None) -> int | None:
        """The index of a page showing `metric_id`: the current one if it does, else the first."""
        if current is not None and 0 <= current < len(self._ids) and metric_id in self._ids[
                current]:
            return current
        return next((i for i, ids in enumerate(self._ids) if metric_id in ids), None)

    def jump(self, index: int, now: float) -> None:
        """Show the page of a new alarm and hold it there."""
        self.rotation.jump(index, now)

    def status_text(self, now: float) -> str:
        return self.rotation.status_text(now)
