"""Settings every test shares: Qt offscreen, and how tests find real server binaries.

Tests that need a real server (Prometheus, Alertmanager) skip with a visible reason where the
binary is missing, so the README's test command passes on a laptop; with
NOC_REQUIRE_REAL_SERVERS=1 (set by .ci/run) a missing binary fails the test instead.
"""

from __future__ import annotations

import os
import shutil

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
