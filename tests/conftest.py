"""Settings every test shares: Qt offscreen, how tests find real server binaries, and the
private display and sound servers some tests start (`xvfb`, `pulse_server`).

Tests that need a real server (Prometheus, Alertmanager) skip with a visible reason where the
binary is missing, so the README's test command passes on a laptop; with
NOC_REQUIRE_REAL_SERVERS=1 (set by .ci/run) a missing binary fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def real_binary(name: str) -> str:
    """The path of a real server binary, or skip (fail under NOC_REQUIRE_REAL_SERVERS=1)."""
    path = shutil.which(name) or (
        f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None
    )
    if path:
        return path
    message = f"{name} is not installed (Debian package providing /usr/bin/{name})"
    if os.environ.get("NOC_REQUIRE_REAL_SERVERS") == "1":
        pytest.fail(message + "; NOC_REQUIRE_REAL_SERVERS=1 requires it")
    pytest.skip(message)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private 1920x1080 Xvfb on a free display (it picks one itself with -displayfd); its
    DISPLAY."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [real_binary("Xvfb"), "-displayfd", str(write), "-screen", "0", "1920x1080x24",
         "-nolisten", "tcp"],
        pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number.isdigit(), "Xvfb did not report its display"
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def pulse_server() -> Iterator[str]:
    """A private PulseAudio server with a null sink (CI has no sound card); its PULSE_SERVER."""
    binary = real_binary("pulseaudio")
    folder = Path(tempfile.mkdtemp(prefix="noc-pa-"))
    socket = folder / "native"
    script = folder / "default.pa"
    script.write_text(
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={socket}\n"
        "load-module module-null-sink sink_name=noc_null\n"
        "set-default-sink noc_null\n"
    )
    env = {**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder)}
    process = subprocess.Popen(
        [binary, "-n", "-F", str(script), "--daemonize=no", "--exit-idle-time=-1",
         "--use-pid-file=false", "--log-target=stderr"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, err = process.communicate(timeout=5)
                pytest.fail(f"pulseaudio did not start: {err[-2000:]}")
            time.sleep(0.05)
        yield f"unix:{socket}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)
