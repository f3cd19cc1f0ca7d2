"""The demo board on a real X server (Xvfb) at 1920×1080: every page draws, none is blank.

The board runs as a user would start it (`noc-board --demo --fullscreen --smoke S
--screenshot DIR`), on the xcb platform of a private Xvfb, and writes one PNG per page; the same
command (under `xvfb-run -a -s "-screen 0 1920x1080x24"`) makes docs/screenshots.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from noc_board.config.loader import load_config
from noc_board.resources import resource_path
from noc_board.ui.screenshots import page_file_name

WIDTH, HEIGHT = 1920, 1080
SMOKE_S = 5


def pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert (image.width(), image.height()) == (WIDTH, HEIGHT), f"{path.name} is not 1920×1080"
    data = np.frombuffer(image.constBits(), dtype=np.uint32)
    return data[: WIDTH * HEIGHT].reshape(HEIGHT, WIDTH).copy()


def test_the_demo_board_draws_every_page_at_1080p(xvfb: str, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run(
        [sys.executable, "-m", "noc_board", "--demo", "--fullscreen", "--smoke", str(SMOKE_S),
         "--screenshot", str(shots)],
        env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    pages = load_config(resource_path("config", "demo.toml")).pages
    files = [shots / page_file_name(i, p.name) for i, p in enumerate(pages)]
    assert sorted(shots.iterdir()) == sorted(files)
    images = [pixels(f) for f in files]
    for path, image in zip(files, images, strict=True):
        body = image[120:-80]  # the pages, between the top bar and the source strip
        assert np.unique(body[::3, ::3]).size > 200, f"{path.name} looks blank"
        # every panel row draws: no band of the page is a single flat colour
        for band in np.array_split(body, 6):
            assert np.unique(band[::4, ::4]).size > 20, f"{path.name} has an empty band"
    for i, a in enumerate(images):
        for b in images[i + 1:]:
            assert np.mean(a != b) > 0.2  # each page is its own, not the same one again
