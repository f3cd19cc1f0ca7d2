"""The frozen Linux bundle: its size on disk and its cold start to the first painted frame.

    python bench/bench_bundle.py                  # builds with `pyinstaller build.spec` first
    python bench/bench_bundle.py --dist DIR       # measures an existing dist/noc-board folder
    python bench/bench_bundle.py --dist NEW --vs OLD --runs 8   # two bundles, runs alternated

Targets (issue 7): under 200 MB unpacked; cold start under 1.5 s. Prints figures only.

A cold start is `noc-board --demo --smoke 3` offscreen, timed from the launch to the wall time
that the board logs with its first painted frame; the CPU time the main process had used by then
is printed beside it. On a shared machine the wall time swings with the load (printed too); the
CPU time much less, and `--vs` alternates two bundles run by run so both see the same machine.
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


def _largest(folder: Path, count: int = 10) -> list[tuple[float, str]]:
    files = [(p.stat().st_size / 2**20, str(p.relative_to(folder))) for p in _files(folder)]
    return sorted(files, reverse=True)[:count]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cold_start(program: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, main-process CPU seconds) from the launch to the first painted frame."""
    t0 = time.time()
    proc = subprocess.Popen(
        [str(program), "--demo", "--smoke", "3"],
        env={**env, "XDG_DATA_HOME": tempfile.mkdtemp(prefix="noc-bundle-data-")},
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    took = cpu = float("nan")
    for line in proc.stderr:
        match = FIRST_FRAME.search(line)
        if match:
            took = float(match.group(1)) - t0
            cpu = _cpu_seconds(proc.pid)
    proc.wait(timeout=60)
    return took, cpu


def _build() -> Path:
    work = Path(tempfile.mkdtemp(prefix="noc-bundle-"))
    t0 = time.monotonic()
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
            str(ROOT / "build.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    print(f"build: {time.monotonic() - t0:.0f} s")
    return work / "dist" / "noc-board"


def _summary(label: str, starts: list[tuple[float, float]]) -> str:
    walls = [w for w, _ in starts]
    cpus = [c for _, c in starts]
    return (
        f"{label}: first painted frame after median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}); main-process CPU by then median "
        f"{statistics.median(cpus):.2f} s (min {min(cpus):.2f}); {len(starts)} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, help="an existing dist/noc-board folder")
    parser.add_argument("--vs", type=Path, help="another dist/noc-board folder, run alternately")
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each bundle")
    args = parser.parse_args()
    bundle = args.dist if args.dist is not None else _build()
    print(f"bundle size: {_size_mib(bundle):.0f} MiB unpacked (target under 200 MB)")
    for size, name in _largest(bundle):
        print(f"  {size:5.1f} MiB  {name}")
    if args.vs is not None:
        print(f"compared with {args.vs}: {_size_mib(args.vs):.0f} MiB unpacked")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    _cold_start(bundle / "noc-board", env)  # warm the page cache
    if args.vs is not None:
        _cold_start(args.vs / "noc-board", env)
    for _ in range(args.runs):
        ours.append(_cold_start(bundle / "noc-board", env))
        if args.vs is not None:
            theirs.append(_cold_start(args.vs / "noc-board", env))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(_summary("this bundle", ours) + " (target 1.5 s)")
    if theirs:
        print(_summary("--vs bundle", theirs))
        ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs, strict=True))
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(ours, theirs, strict=True))
        print(f"this / --vs, run by run: wall median {ratio:.2f}, CPU median {cpu_ratio:.2f}")


if __name__ == "__main__":
    main()
