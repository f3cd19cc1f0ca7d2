"""The demo Datadog organisation's monitors, their states judged from the simulator.

Each monitor is a threshold on a simulator figure at the clock's time, stated the way a real
one is (`overall_state` OK, Warn, Alert, or "No Data" while its metric has no number, e.g. the
latency of a service that is down).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from noc_board.demo.simulator import MarketSimulator, MarketState

CREATED = "2025-11-03T09:12:44.000000+00:00"
CREATOR = {"email": "noc@marketplace.example", "handle": "noc@marketplace.example",
           "name": "NOC", "id": 4242}


@dataclass(frozen=True, slots=True)
class _Spec:
    id: int
    name: str
    type: str
    query: str
    tags: tuple[str, ...]
    warn: float
    alert: float
    read: Callable[[MarketState, int], float]  # the figure, NaN for no data
    below: bool = False  # alert when the figure falls under the thresholds


def _load(state: MarketState, cores: int) -> float:
    return max(state.cpu.values()) * cores


SPECS = (
    _Spec(1001, "Checkout 5xx rate is high", "query alert",
          "avg(last_5m):avg:marketplace.error.ratio{service:checkout} > 0.05",
          ("service:checkout", "team:tech"), 0.02, 0.05,
          lambda s, _: s.services["checkout"].error_ratio),
    _Spec(1002, "Search is down", "service check",
          '"http.can_connect".over("service:search").by("host").last(2).count_by_status()',
          ("service:search", "team:tech"), 0.5, 0.5,
          lambda s, _: 1.0 if s.services["search"].up else 0.0, below=True),
    _Spec(1003, "Web p95 latency", "query alert",
          "avg(last_5m):avg:marketplace.latency.p95.seconds{service:web} > 2",
          ("service:web", "team:tech"), 1.0, 2.0,
          lambda s, _: s.services["web"].p95_latency),
    _Spec(1004, "Payments p95 latency", "query alert",
          "avg(last_5m):avg:marketplace.latency.p95.seconds{service:payments} > 3",
          ("service:payments", "team:tech"), 1.5, 3.0,
          lambda s, _: s.services["payments"].p95_latency),
    _Spec(1005, "Server load", "metric alert",
          "avg(last_5m):max:system.load.1{env:demo} by {host} > 3.4",
          ("team:tech",), 2.8, 3.4, _load),
    _Spec(1006, "Payment decline rate", "query alert",
          "avg(last_15m):avg:marketplace.payment.decline.ratio{*} > 0.15",
          ("service:payments", "team:customer-service"), 0.10, 0.15,
          lambda s, _: s.decline_rate),
)


def _state(spec: _Spec, value: float) -> str:
    if math.isnan(value):
        return "No Data"
    if spec.below:
        return "Alert" if value < spec.alert else "Warn" if value < spec.warn else "OK"
    return "Alert" if value > spec.alert else "Warn" if value > spec.warn else "OK"


def monitors_at(sim: MarketSimulator, now: float, cores: int) -> list[dict[str, Any]]:
    """Every monitor as `GET /api/v1/monitor` lists it, states as of `now`."""
    state = sim.state_at(now)
    out = []
    for spec in SPECS:
        overall = _state(spec, spec.read(state, cores))
        out.append({
            "id": spec.id, "name": spec.name, "type": spec.type, "query": spec.query,
            "message": f"{spec.name} @slack-noc", "tags": list(spec.tags),
            "overall_state": overall, "priority": None, "multi": "by {" in spec.query,
            "options": {"thresholds": {"critical": spec.alert, "warning": spec.warn},
                        "notify_no_data": True, "no_data_timeframe": 10},
            "created": CREATED, "modified": CREATED, "creator": CREATOR,
            "restricted_roles": None, "deleted": None, "matching_downtimes": [],
            "overall_state_modified": None,
        })
    return out
