"""Screenshots of a board window: one PNG of every page (for `--screenshot DIR` and the docs).

Each page is shown, left to settle on the running event loop for a moment (layouts, plots and
the first paint happen there: no nested event loop), grabbed and saved as `<n>-<page-name>.png`
(e.g. `1-overview.png`); the window goes back to the page it was on.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from noc_board.ui.main_window import WallboardWindow

SETTLE_S = 0.3


def page_file_name(index: int, name: str) -> str:
    """"1-overview.png" for the first page called "Overview"."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "page"
    return f"{index + 1}-{slug}.png"


async def save_pages(window: WallboardWindow, directory: Path,
                     settle: float = SETTLE_S) -> list[Path]:
    """Grab every page of `window` into `directory` (created); the files written."""
    directory.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, a local folder
    was = window.page_index()
    saved: list[Path] = []
    for index, page in enumerate(window.pages):
        window.show_page(index)
        window.tick()
        await asyncio.sleep(settle)
        path = directory / page_file_name(index, page.page.name)
        if not window.grab().save(str(path)):
            raise OSError(f"cannot write the screenshot {path}")
        saved.append(path)
    if window.pages:
        window.show_page(was)
    return saved
