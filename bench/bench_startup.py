"""Cold start to the first painted frame, and the steady CPU and RSS of the demo board.

Runs `python -m noc_board --demo --smoke SECONDS` as a child process (offscreen unless a
DISPLAY is set), reads the wall time at which the child logged its first painted frame, and
samples the child's CPU time and RSS from /proc. Prints figures; asserts nothing.

    python bench/bench_startup.py            # 3 cold starts, then a 60 s steady run
    python bench/bench_startup.py --quick    # 3 cold starts, 15 s steady run
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

FIRST_FRAME = re.compile(r"first frame painted at (\d+\.\d+)")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start(seconds: float, env: dict[str, str]) -> tuple[subprocess.Popen[str], float]:
    t0 = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "noc_board", "--demo", "--smoke", str(seconds)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )
    return proc, t0


def _first_frame(proc: subprocess.Popen[str], t0: float) -> float:
    assert proc.stderr is not None
    for line in proc.stderr:
        match = FIRST_FRAME.search(line)
        if match:
            return float(match.group(1)) - t0
    raise RuntimeError(f"the board exited ({proc.wait()}) without painting a frame")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="noc-bench-")

    starts = []
    for _ in range(3):
        proc, t0 = _start(3, env)
        starts.append(_first_frame(proc, t0))
        proc.communicate(timeout=60)
    print(f"cold start to first painted frame: min {min(starts):.2f} s, "
          f"median {statistics.median(starts):.2f} s, max {max(starts):.2f} s (3 runs)")

    steady = 15.0 if args.quick else 60.0
    warmup = 10.0
    proc, t0 = _start(warmup + steady + 5, env)
    _first_frame(proc, t0)
    assert proc.stderr is not None
    drain = subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
    time.sleep(warmup)
    cpu0, rss0, w0 = _cpu_seconds(proc.pid), _rss_mib(proc.pid), time.time()
    time.sleep(steady)
    cpu1, rss1, w1 = _cpu_seconds(proc.pid), _rss_mib(proc.pid), time.time()
    code = proc.wait(timeout=60)
    drain.wait(timeout=10)
    cpu = 100 * (cpu1 - cpu0) / (w1 - w0)
    print(f"steady demo board over {w1 - w0:.0f} s: CPU {cpu:.1f}% of one core, "
          f"RSS {rss0:.0f} MiB -> {rss1:.0f} MiB (smoke exit code {code})")


if __name__ == "__main__":
    main()
