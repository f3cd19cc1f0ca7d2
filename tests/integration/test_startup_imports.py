"""What the board imports before its first frame (issue 7: cold start under 1.5 s).

Runs the demo board for a second with `python -X importtime` and reads the imports logged
before "first frame painted": notifiers (apprise), GA4 service-account tokens (google-auth and
the cryptography it loads), building and rendering reports, and the test tools must wait until
they are used.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$")

NOT_AT_START = ("apprise", "google", "cryptography", "hypothesis", "pytest", "PIL", "matplotlib")
# the reports' builders and renderers wait for a report to be asked for (their small data
# helpers, such as the report roles and the insights' inputs, may be read at start)
REPORT_BUILDERS = {
    f"noc_board.reports.{name}"
    for name in ("render_pdf", "render_html", "render_csv", "export", "document", "chart_layout",
                 "shift", "incident", "periodic", "monthly", "commands", "insight_sections",
                 "insight_digest")
}


def test_the_first_frame_waits_for_nothing_it_does_not_show(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "noc_board", "--demo", "--smoke", "1"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    first_frame = next(
        (i for i, line in enumerate(lines) if "first frame painted" in line), None
    )
    assert first_frame is not None, proc.stderr[-3000:]
    before = {m.group(1) for line in lines[:first_frame] if (m := IMPORT_LINE.match(line))}
    assert "pyqtgraph" in before and "noc_board.ui.main_window" in before  # the log is read
    early = sorted(
        name for name in before if name.split(".")[0] in NOT_AT_START or name in REPORT_BUILDERS
    )
    assert early == []
    assert all(name in {p.stem for p in (ROOT / "noc_board" / "reports").glob("*.py")}
               for name in (n.rsplit(".", 1)[1] for n in REPORT_BUILDERS))  # no stale names
