"""replay_sim over a growing marketplace with a slow route: breakdown rows, the pool, growth.

A metric with `by` becomes one row per label value, "<metric id>#<value>", and the metric
itself is the largest row; the rows fold into a real store's rollups as a board keeps them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from noc_board.config.loader import parse_config
from noc_board.core.samples import Sample
from noc_board.core.scenario import ROUTES, parse_scenario
from noc_board.demo.simulator import MarketSimulator
from noc_board.engine.replay_sim import MetricFeed, simulate
from noc_board.store import open_store

CONFIG = """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "1m"

[[metrics]]
id = "health.route_p95"
source = "prom"
unit = "seconds"
query = "marketplace_route_latency_p95_seconds"
by = "route"

[[metrics]]
id = "health.route_requests"
source = "prom"
unit = "per_second"
query = "marketplace_route_requests_per_second"
by = "route"

[[metrics]]
id = "health.route_5xx"
source = "prom"
unit = "per_second"
query = 'marketplace_route_responses_per_second{code="5xx"}'
by = "route"

[[metrics]]
id = "health.route_404"
source = "prom"
unit = "per_second"
query = 'marketplace_route_responses_per_second{code="404"}'
by = "route"

[[metrics]]
id = "health.db_pool"
source = "prom"
unit = "ratio"
query = 'marketplace_db_connections_ratio{db="checkout-db"}'

[[metrics]]
id = "health.requests"
source = "prom"
unit = "per_second"
query = "sum(marketplace_requests_per_second)"

[[metrics]]
id = "odd.total_by_route"
source = "prom"
query = "sum(marketplace_route_requests_per_second)"
by = "route"
"""
SCENARIO = """
start = "2026-01-05T00:00:00Z"
duration = "21d"
step = "5m"
seed = 7

[baseline]
growth = 0.1

[[incidents]]
kind = "latency"
start = "2026-01-14T20:00:00Z"
duration = "1h"
magnitude = 4.0
target = "/search"
"""
BREAKDOWNS = ("health.route_p95", "health.route_requests", "health.route_5xx",
              "health.route_404")
METRICS = (*BREAKDOWNS, "health.db_pool", "health.requests", "odd.total_by_route")
WEEK = 7 * 86400.0
PAST = WEEK


@pytest.fixture(scope="module")
def feed() -> MetricFeed:
    config = parse_config(CONFIG, "routes.toml")
    return simulate(config, parse_scenario(SCENARIO, "growth.toml"), METRICS, PAST)


def test_each_breakdown_has_a_row_per_route_and_its_largest(feed: MetricFeed) -> None:
    for metric in BREAKDOWNS:
        rows = {r: feed.values[f"{metric}#{r}"] for r in ROUTES}
        stacked = np.stack(list(rows.values()))
        np.testing.assert_array_equal(feed.values[metric], np.fmax.reduce(stacked, axis=0))
        assert all(v.shape == feed.times.shape for v in rows.values())
    names = {k for k in feed.values if k.startswith("health.route_p95#")}
    assert names == {f"health.route_p95#{r}" for r in ROUTES}
    assert "health.db_pool" in feed.values and "health.requests" in feed.values
    assert not any(k.startswith(("health.db_pool#", "health.requests#")) for k in feed.values)


def test_rows_are_the_simulators_figures_with_growth_from_the_scenario_start(
        feed: MetricFeed) -> None:
    scenario = parse_scenario(SCENARIO, "growth.toml")
    truth = MarketSimulator(scenario).frame(feed.times)  # the replay's lead moves no origin
    np.testing.assert_array_equal(feed.values["health.route_p95#/checkout"],
                                  truth.route_p95_latency["/checkout"])
    np.testing.assert_array_equal(feed.values["health.route_5xx#/product"],
                                  truth.route_errors_per_second["/product"])
    np.testing.assert_array_equal(feed.values["health.db_pool"],
                                  truth.db_connections["checkout-db"])
    assert feed.times[feed.first] == scenario.start
    np.testing.assert_allclose(truth.growth[feed.first], 1.0)


def test_the_load_grows_and_the_pool_with_it(feed: MetricFeed) -> None:
    per_week = round(WEEK / 300)
    weeks = [slice(k * per_week, (k + 1) * per_week) for k in range(4)]  # the lead, then 3
    requests = [float(feed.values["health.requests"][w].mean()) for w in weeks]
    assert requests[3] / requests[0] == pytest.approx(1.3, rel=0.05)  # week -1 to week 2
    assert requests == sorted(requests)
    shipping = [float(feed.values["health.route_requests#/help/shipping"][w].mean())
                for w in weeks]
    assert shipping == sorted(shipping)
    pool_peaks = [float(feed.values["health.db_pool"][w].max()) for w in weeks]
    assert pool_peaks[3] > pool_peaks[0] + 0.08


def test_the_slow_route_shows_in_its_row_only(feed: MetricFeed) -> None:
    start = parse_scenario(SCENARIO, "growth.toml").incidents[0].start
    on = (feed.times >= start) & (feed.times < start + 3600)
    before = (feed.times >= start - 3600) & (feed.times < start)
    search = feed.values["health.route_p95#/search"]
    assert search[on].min() > 2.5 * search[before].max()
    cart = feed.values["health.route_p95#/cart"]
    assert cart[on].max() < 1.5 * cart[before].max()
    # the slow help page is the largest row, except while search is four times slower
    worst = feed.values["health.route_p95"]
    np.testing.assert_array_equal(worst[~on], feed.values["health.route_p95#/help/shipping"][~on])


def test_a_breakdown_without_the_label_is_skipped_with_the_reason(feed: MetricFeed) -> None:
    assert "odd.total_by_route" not in feed.values
    assert any(s.startswith("odd.total_by_route: no series of") and "'route'" in s
               for s in feed.skipped)


def test_the_rows_fold_into_the_rollups(feed: MetricFeed, tmp_path: Path) -> None:
    keep = slice(feed.first, feed.first + 288)  # the scenario's first day
    times = feed.times[keep].tolist()
    batch = [Sample(metric, t, v) for metric in ("health.route_p95#/checkout", "health.db_pool")
             for t, v in zip(times, feed.values[metric][keep].tolist(), strict=True)]
    with open_store(tmp_path / "store.sqlite3") as store:
        store.rollups.add(batch)
        assert {"health.route_p95#/checkout", "health.db_pool"} <= set(store.rollups.metrics())
        hours = store.rollups.hours("health.route_p95#/checkout", times[0], times[-1] + 300)
        assert len(hours) == 24
