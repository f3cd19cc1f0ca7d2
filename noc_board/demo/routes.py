"""The demo marketplace's routes: how each service's traffic, time and errors split by page.

Every route belongs to one service and takes a fixed share of its requests, so a service's
requests are the sum of its routes'. A route's p95 is its service's times a latency factor;
its 5xx ratio follows its service's error ratio (``1 - (1 - e) ** f``: about ``f * e`` while
errors are rare, 1 when the service is fully down); its 404 ratio is its service's, weighted
by the route. Both weights are normalised so a service's routes average to the service itself.

Planted for the insights to find: "/help/shipping" is rarely visited (0.15 % of web traffic)
but slow by nature (p95 about 2 s) and full of dead links; "/product" answers the most 404s
(removed products); "/checkout" is the slowest busy route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from noc_board.core.scenario import SERVICES
from noc_board.demo.noise import FloatArray


@dataclass(frozen=True, slots=True)
class RouteProfile:
    """One route: its service, share of that service's requests, and its factors."""

    service: str
    share: float  # of the service's requests; a service's shares sum to 1
    latency: float  # p95 relative to the service's p95
    errors: float  # 5xx tendency relative to the service (normalised within the service)
    not_found: float  # 404 weight within the service (normalised within the service)


ROUTE_PROFILES: Mapping[str, RouteProfile] = {
    "/": RouteProfile("web", 0.6185, 0.8, 1.0, 1.0),
    "/search": RouteProfile("search", 1.0, 1.0, 1.0, 1.0),
    "/product": RouteProfile("catalog", 1.0, 1.0, 1.0, 1.0),
    "/cart": RouteProfile("checkout", 0.6, 0.75, 0.5, 1.0),
    "/checkout": RouteProfile("checkout", 0.4, 1.35, 1.75, 1.0),
    "/payment": RouteProfile("payments", 1.0, 1.0, 1.0, 1.0),
    "/account": RouteProfile("web", 0.38, 1.1, 1.0, 0.4),
    "/help/shipping": RouteProfile("web", 0.0015, 5.0, 2.0, 30.0),
}
ROUTE_SERVICE: Mapping[str, str] = {r: p.service for r, p in ROUTE_PROFILES.items()}
"""The service each route belongs to."""

# share of each service's requests answered 404 (broken links, products gone)
NOT_FOUND = {"web": 0.006, "search": 0.002, "catalog": 0.012, "checkout": 0.001,
             "payments": 0.0005}


def _normalised(attribute: str) -> dict[str, float]:
    """Each route's weight divided by its service's share-weighted mean weight."""
    means = {s: sum(p.share * getattr(p, attribute) for p in ROUTE_PROFILES.values()
                    if p.service == s) for s in SERVICES}
    return {r: getattr(p, attribute) / means[p.service] for r, p in ROUTE_PROFILES.items()}


_ERRORS = _normalised("errors")
_NOT_FOUND_WEIGHT = _normalised("not_found")


@dataclass(frozen=True, slots=True)
class RouteFigures:
    """Per route, arrays over time: requests served, p95, 5xx and 404 responses per second."""

    requests_per_second: Mapping[str, FloatArray]
    p95_latency: Mapping[str, FloatArray]  # seconds; NaN while the service is fully down
    errors_per_second: Mapping[str, FloatArray]  # 5xx, including 503s while refused
    not_found_per_second: Mapping[str, FloatArray]


def not_found_ratio(service: str, error_ratio: FloatArray) -> FloatArray:
    """A service's share of requests answered 404: a little more while it errs."""
    result: FloatArray = NOT_FOUND[service] * (0.7 + 0.6 * np.clip(error_ratio / 0.004, 0, 1))
    return result


def route_figures(
    served: Mapping[str, FloatArray],
    offered: Mapping[str, FloatArray],
    p95: Mapping[str, FloatArray],
    error_ratio: Mapping[str, FloatArray],
    slowdown: Mapping[str, FloatArray],
    wobble: Mapping[str, FloatArray],
) -> RouteFigures:
    """Split service figures into routes.

    `served` and `offered` are each service's requests per second (answered, and sent by
    clients even to a dead service); `slowdown` multiplies a route's p95 (a route-targeted
    latency incident), `wobble` is its own small noise around 1.
    """
    rps, latency, errors, missing = {}, {}, {}, {}
    for route, p in ROUTE_PROFILES.items():
        s = p.service
        rps[route] = served[s] * p.share
        latency[route] = p95[s] * p.latency * slowdown[route] * wobble[route]
        ratio = 1.0 - np.power(1.0 - np.clip(error_ratio[s], 0.0, 1.0), _ERRORS[route])
        errors[route] = offered[s] * p.share * ratio
        missing[route] = rps[route] * not_found_ratio(s, error_ratio[s]) * _NOT_FOUND_WEIGHT[route]
    return RouteFigures(rps, latency, errors, missing)
