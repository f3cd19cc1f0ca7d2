"""Cross-checks of the `[reports]` table: handover times, and the metrics its roles name.

Handovers are local times of day ("07:00"), at least one, none twice; every metric a role names
(users, orders, ..., uptime, shift_kpis) must be a configured metric. Called by `crossref`;
inputs already reported bad are skipped.
"""

from __future__ import annotations

from noc_board.config.issues import IssueSink
from noc_board.config.schema import Config
from noc_board.config.walker import did_you_mean
from noc_board.core.maintenance import parse_clock

ROLE_KEYS = ("users", "orders", "revenue", "refunds", "returns", "products")


def check_reports(config: Config, sink: IssueSink) -> None:
    """Report every problem of `config.reports` to `sink`."""
    reports = config.reports
    if reports is None:
        return
    at = ("reports",)
    if not sink.is_bad((*at, "handovers")) and isinstance(reports.handovers, list):
        if not reports.handovers:
            sink.error((*at, "handovers"), "give at least one handover time, e.g. [\"07:00\"]")
        seen: set[int] = set()
        for k, text in enumerate(reports.handovers):
            if not isinstance(text, str):
                continue
            try:
                minute = parse_clock(text)
            except ValueError as exc:
                sink.error((*at, "handovers", k), str(exc))
                continue
            if minute >= 24 * 60:
                sink.error((*at, "handovers", k), f"{text!r} is not a time of day")
            elif minute in seen:
                sink.error((*at, "handovers", k), f"{text!r} is listed twice")
            seen.add(minute)
    known = [m.id for m in config.metrics if m is not None and isinstance(m.id, str)]
    for key in ROLE_KEYS:
        name = getattr(reports, key)
        if isinstance(name, str) and name and name not in known and not sink.is_bad((*at, key)):
            sink.error((*at, key), f"unknown metric {name!r}{did_you_mean(name, known)}")
    for key in ("uptime", "shift_kpis"):
        names = getattr(reports, key)
        if not isinstance(names, list) or sink.is_bad((*at, key)):
            continue
        for k, name in enumerate(names):
            if isinstance(name, str) and name not in known:
                sink.error((*at, key, k), f"unknown metric {name!r}{did_you_mean(name, known)}")
