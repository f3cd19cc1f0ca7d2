"""The command line as a user runs it: real processes, real files, exit codes and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from noc_board.engine.launch import demo_config_path


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "noc_board", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_check_config_accepts_the_demo_configuration() -> None:
    proc = run("check-config", str(demo_config_path()))
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout


def test_check_config_names_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "board.toml"
    bad.write_text(
        '[board]\ntitle = "x"\n\n[[sources]]\nname = "prom"\nkind = "prometheus"\n'
        'url = "http://p:9090"\ninterval = "fast"\n',
        encoding="utf-8",
    )
    proc = run("check-config", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:8: sources[0].interval: " in proc.stderr
    assert proc.stdout == ""


def test_a_missing_config_file_is_exit_2_with_a_message(tmp_path: Path) -> None:
    proc = run("check-config", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert "nope.toml" in proc.stderr


def test_the_board_refuses_a_bad_config_before_opening_a_window(tmp_path: Path) -> None:
    bad = tmp_path / "board.toml"
    bad.write_text("[board]\ntheme = 'pink'\n", encoding="utf-8")
    proc = run("--config", str(bad), "--smoke", "1")
    assert proc.returncode == 2
    assert f"{bad}:2: board.theme:" in proc.stderr


def test_smoke_run_of_the_demo_paints_a_real_board(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    shot = tmp_path / "board.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = run("--demo", "--smoke", "4", "--screenshot", str(shot), env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "first frame painted" in proc.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)
    }
    assert len(colours) > 20  # text, tiles and charts, not a blank window
    # the demo journal went to the platform data folder, not the working directory
    assert list((tmp_path / "data").rglob("*.sqlite3"))


@pytest.mark.parametrize("argv", [["--help"], ["check-config", "--help"], ["poll", "--help"]])
def test_help_works(argv: list[str]) -> None:
    proc = run(*argv)
    assert proc.returncode == 0
    assert "usage: noc-board" in proc.stdout
