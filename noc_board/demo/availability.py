"""Rolling 24-hour availability and downtime of each demo service, from its request counters.

Request-based availability (the SRE workbook's choice): requests answered 200 ÷ all requests
in the last 24 hours (or since the scenario started, when that is later). Downtime: the share
of requests refused (503, the service down) times the window, an estimate of the seconds the
service was down that weights each minute by its traffic. Both are served as gauges, so the
demo configuration can show the mission's uptime and downtime with plain selectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from noc_board.core.scenario import SERVICES
from noc_board.demo.noise import FloatArray

if TYPE_CHECKING:
    from noc_board.demo.metrics import Catalogue

WINDOW = 86400.0
AVAILABILITY = "marketplace_availability_24h_ratio"
DOWNTIME = "marketplace_downtime_24h_seconds"
HELP = {
    AVAILABILITY: "Requests answered 200 / all requests over the last 24 hours (0-1).",
    DOWNTIME: "Seconds of the last 24 hours the service was down: the refused (503) share of "
              "its requests times the window.",
}
NAMES = tuple(HELP)


def series(catalogue: Catalogue, name: str, times: FloatArray, start: float
           ) -> list[tuple[dict[str, str], FloatArray]]:
    """The series of `name` for every service at `times`."""
    times = np.atleast_1d(np.asarray(times, dtype=np.float64))
    since = np.maximum(times - WINDOW, start)
    delta = catalogue.counters(times) - catalogue.counters(since)
    span = np.maximum(times - since, 0.0)
    out = []
    for n, service in enumerate(SERVICES):
        ok, failed, refused = (delta[:, 3 * n + k] for k in range(3))
        total = ok + failed + refused
        safe = np.where(total > 0, total, 1.0)
        if name == AVAILABILITY:
            values: FloatArray = np.where(total > 0, ok / safe, 1.0)
        else:
            values = np.where(total > 0, refused / safe * span, 0.0)
        out.append(({"service": service}, values))
    return out
