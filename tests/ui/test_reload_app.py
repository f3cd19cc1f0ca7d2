"""The running program reloads its configuration file: a broken file is refused with its errors
on the board (the last good configuration stays), a fixed one is applied without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

CONFIG = """\
[board]
title = "{title}"
store = "{store}"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "1h"

[[metrics]]
id = "up"
source = "prom"
query = "up"

[[pages]]
name = "Main"

[[pages.panels]]
kind = "stat"
metrics = ["up"]
"""


def test_the_board_reloads_a_changed_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    store = tmp_path / "journal.sqlite3"
    path.write_text(CONFIG.format(title="One", store=store))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path))
    board = subprocess.Popen(
        [sys.executable, "-m", "noc_board", "--config", str(path), "--smoke", "9"],
        env=env, stderr=subprocess.PIPE, text=True)
    assert board.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    for line in board.stderr:
        lines.append(line)
        if "first frame painted" in line:
            break
        assert time.monotonic() < deadline, "".join(lines)
    time.sleep(0.5)
    path.write_text(CONFIG.format(title="Two", store=store).replace('query = "up"',
                                                                     'query = 5'))
    time.sleep(3)
    path.write_text(CONFIG.format(title="Three", store=store))
    _, rest = board.communicate(timeout=60)
    log = "".join(lines) + rest
    assert board.returncode == 0, log[-3000:]
    assert f"{path}:14: metrics[0].query: expected a string, got an integer" in log
    assert "not applied (keeping the last good one)" in log
    assert "configuration reloaded: 1 pages, 1 metrics" in log
