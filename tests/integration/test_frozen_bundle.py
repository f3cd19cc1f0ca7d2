"""The Linux bundle: `pyinstaller build.spec` builds, and the frozen program runs the demo.

Slow (a minute or two): it builds the real onedir bundle into a temporary folder, then runs the
frozen program offscreen with `--demo --smoke 5 --screenshot FILE`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if (
        shutil.which("pyinstaller") is None
        and not (Path(sys.executable).parent / "pyinstaller").exists()
    ):
        pytest.fail("pyinstaller is not installed: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("pyinstaller")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "build.spec"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "dist" / "noc-board"


def test_bundle_carries_its_resources(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (internal / "resources" / "config" / "demo.toml").is_file()
    assert list((internal / "resources").rglob("*.wav")), "the alarm sounds are missing"
    # Qt's translations and unused modules are left out
    assert not list(internal.rglob("QtWebEngine*"))
    assert not list(internal.rglob("qtbase_*.qm"))


def test_frozen_program_runs_the_demo(bundle: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    shot = tmp_path / "frozen.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.run(
        [str(bundle / "noc-board"), "--demo", "--smoke", "5", "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    image = QImage(str(shot))
    assert not image.isNull()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)
    }
    assert len(colours) > 20


def test_frozen_cli_validates_a_config(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[board]\ntheme = 'pink'\n", encoding="utf-8")
    proc = subprocess.run(
        [str(bundle / "noc-board"), "check-config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert f"{bad}:2: board.theme:" in proc.stderr
