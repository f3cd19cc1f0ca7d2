"""`noc-board poll --once --json`: poll every source once and print what came back."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any, TextIO

from noc_board.config.loader import ConfigError
from noc_board.core.clock import SystemClock
from noc_board.engine.launch import launch
from noc_board.engine.runtime import Engine

ONCE_CATCHUP_WAIT = 180.0  # seconds a one-shot poll waits for a Stripe backlog to be listed


def _number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


async def _poll(engine: Engine) -> dict[str, Any]:
    await engine.scheduler.poll_once()
    hub = engine.hub
    metrics: dict[str, Any] = {}
    for metric in engine.config.metrics:
        series = hub.series(metric.id)
        has = series is not None and len(series) > 0
        metrics[metric.id] = {
            "value": _number(series.last_value()) if series is not None and has else None,
            "ts": series.last_ts() if series is not None and has else None,
            "unit": metric.unit,
            "source": metric.source,
        }
        breakdown = hub.breakdown(metric.id)
        if breakdown is not None:
            metrics[metric.id]["rows"] = [[label, _number(v)] for label, v in breakdown.rows]
    sources = {
        h.source: {
            "state": h.state.value,
            "error": h.last_error,
            "last_success": h.last_success,
        }
        for h in hub.healths()
    }
    return {"metrics": metrics, "sources": sources, "missing_secrets": engine.missing_secrets}


def poll_command(config_path: Path | None, demo: bool, out: TextIO, err: TextIO) -> int:
    """Exit 0 when every source answered, 1 when some did not, 2 on a bad configuration."""
    clock = SystemClock()
    try:
        started = launch(config_path, demo, clock, with_store=False)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=err)
        return 2
    except OSError as exc:
        print(f"noc-board: cannot read the configuration: {exc}", file=err)
        return 2

    async def run() -> dict[str, Any]:
        # one poll is all there is: wait for a Stripe backlog rather than print "catching up"
        engine = Engine.create(started.config, clock, started.secrets, None,
                               catchup_wait=ONCE_CATCHUP_WAIT)
        try:
            return await _poll(engine)
        finally:
            await engine.close()

    try:
        report = asyncio.run(run())
    finally:
        started.stop()
    json.dump(report, out, indent=2, sort_keys=True)
    out.write("\n")
    failed = [name for name, s in report["sources"].items() if s["state"] not in ("ok", "degraded")]
    for name in failed:
        print(f"noc-board: source {name} failed: {report['sources'][name]['error']}", file=err)
    return 1 if failed else 0
