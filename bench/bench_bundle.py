"""The frozen Linux bundle: its size on disk and its cold start to the first painted frame.

    python bench/bench_bundle.py                  # builds with `pyinstaller build.spec` first
    python bench/bench_bundle.py --dist DIR       # measures an existing dist/noc-board folder

Targets (issue 7): under 200 MB unpacked; cold start under 1.5 s. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_FRAME = re.compile(r"first frame painted at (\d+\.\d+)")


def _files(folder: Path) -> list[Path]:
    # PyInstaller links some libraries twice (a symlink beside the real file, or a linked
    # folder): count each file on disk once, as du does
    seen: set[tuple[int, int]] = set()
    files = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                files.append(path)
    return files


def _size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in _files(folder)) / 2**20


def _largest(folder: Path, count: int = 8) -> list[tuple[float, str]]:
    files = [
        (p.stat().st_size / 2**20, str(p.relative_to(folder)))
        for p in folder.rglob("*")
        if p.is_file()
    ]
    return sorted(files, reverse=True)[:count]


def _cold_start(program: Path, env: dict[str, str]) -> float:
    t0 = time.time()
    proc = subprocess.Popen(
        [str(program), "--demo", "--smoke", "3"],
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    took = float("nan")
    for line in proc.stderr:
        match = FIRST_FRAME.search(line)
        if match:
            took = float(match.group(1)) - t0
    proc.wait(timeout=60)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, help="an existing dist/noc-board folder")
    args = parser.parse_args()
    bundle = args.dist
    if bundle is None:
        work = Path(tempfile.mkdtemp(prefix="noc-bundle-"))
        t0 = time.monotonic()
        subprocess.run(
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
            check=True,
            cwd=ROOT,
        )
        print(f"build: {time.monotonic() - t0:.0f} s")
        bundle = work / "dist" / "noc-board"
    print(f"bundle size: {_size_mib(bundle):.0f} MiB unpacked (target under 200 MB)")
    for size, name in _largest(bundle):
        print(f"  {size:5.1f} MiB  {name}")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "XDG_DATA_HOME": tempfile.mkdtemp(prefix="noc-bundle-data-"),
    }
    starts = [_cold_start(bundle / "noc-board", env) for _ in range(3)]
    print(
        f"frozen cold start to first painted frame: min {min(starts):.2f} s, median "
        f"{statistics.median(starts):.2f} s, max {max(starts):.2f} s (3 runs; target 1.5 s)"
    )


if __name__ == "__main__":
    main()
