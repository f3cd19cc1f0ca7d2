"""The insights end to end: a replayed scenario of a growing marketplace with one slow route,
written into a real store by `noc-board replay --store`, then `noc-board report weekly` read back
as CSV. The bottleneck section must name the slow route first (and the rare slow help page below
it), and the headroom section must project the checkout database past its limit within the
weeks the growth implies.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from noc_board.cli import main
from noc_board.core.scenario import parse_scenario
from noc_board.demo.simulator import MarketSimulator

CONFIG = """
[board]
title = "Insights test"
timezone = "Europe/Berlin"
store = "{store}"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "1m"

[[metrics]]
id = "users.concurrent"
source = "prom"
label = "Users on site"
kpi = "users.active_now"
good = "up"
query = "marketplace_active_users"

[[metrics]]
id = "sales.orders_rate"
source = "prom"
label = "Orders per hour"
kpi = "sales.transactions_hour"
good = "up"
query = "marketplace_orders_per_hour"

[[metrics]]
id = "health.requests"
source = "prom"
label = "Requests"
unit = "per_second"
query = "sum(marketplace_requests_per_second)"

[[metrics]]
id = "health.checkout.p95"
source = "prom"
label = "Checkout p95"
kpi = "health.response_time"
unit = "seconds"
good = "down"
query = 'marketplace_latency_p95_seconds{{service="checkout"}}'

[[metrics]]
id = "health.route_p95"
source = "prom"
label = "p95 by route"
kpi = "health.route_response_time"
unit = "seconds"
good = "down"
by = "route"
query = "marketplace_route_latency_p95_seconds"

[[metrics]]
id = "health.route_requests"
source = "prom"
label = "Requests by route"
kpi = "health.route_requests"
unit = "per_second"
by = "route"
query = "marketplace_route_requests_per_second"

[[metrics]]
id = "health.route_5xx"
source = "prom"
label = "5xx by route"
kpi = "health.route_errors_5xx"
unit = "per_second"
good = "down"
by = "route"
query = 'marketplace_route_responses_per_second{{code="5xx"}}'

[[metrics]]
id = "health.route_404"
source = "prom"
label = "404 by route"
kpi = "health.route_errors_404"
unit = "per_second"
good = "down"
by = "route"
query = 'marketplace_route_responses_per_second{{code="404"}}'

[[metrics]]
id = "health.db_connections"
source = "prom"
label = "Checkout DB connections"
kpi = "health.db_connections"
unit = "ratio"
good = "down"
query = "max(marketplace_db_connections_ratio)"

[insights]
route_latency = "health.route_p95"
route_requests = "health.route_requests"
route_5xx = "health.route_5xx"
route_404 = "health.route_404"
load = "health.requests"

[[insights.capacity]]
name = "Checkout database"
metric = "health.db_connections"
limit = 0.85

[[rules]]
id = "checkout-slow"
metric = "health.checkout.p95"
level = 2.0
severity = "warning"
summary = "Checkout p95 above 2 s"
"""

# Monday 2 March 2026, 00:00 in Berlin; six weeks of history before it
WEEK_START = "2026-03-01T23:00:00Z"
SCENARIO = f"""
start = "{WEEK_START}"
duration = "7d"
step = "10m"
seed = 11

[baseline]
growth = 0.1

[[incidents]]
kind = "latency"
target = "/search"
start = "{WEEK_START}"
duration = "7d"
magnitude = 4.0

# Wednesday and Thursday: a broken payment form loses most orders (users are unaffected)
[[incidents]]
kind = "conversion_drop"
start = "2026-03-03T23:00:00Z"
duration = "2d"
magnitude = 0.8
"""
WEEK_T0 = dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC).timestamp()


def read_csv(path: Path) -> dict[str, list[dict[str, str]]]:
    """Section name -> its rows as dicts keyed by the section's header."""
    out: dict[str, list[dict[str, str]]] = {}
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
        if not row:
            header = None
        elif header is None:
            header = row
        else:
            out.setdefault(row[0], []).append(dict(zip(header, row, strict=True)))
    return out


@functools.cache
def replayed() -> Path:
    """The folder with the config, the scenario and the store a replay wrote (once a session)."""
    folder = Path(tempfile.mkdtemp(prefix="noc-insights-"))
    (folder / "board.toml").write_text(
        CONFIG.format(store=(folder / "journal.sqlite3").as_posix()), encoding="utf-8")
    (folder / "week.toml").write_text(SCENARIO, encoding="utf-8")
    code = main(["replay", "--config", str(folder / "board.toml"), "--scenario",
                 str(folder / "week.toml"), "--history", "42d", "--store",
                 str(folder / "journal.sqlite3")])
    assert code == 0
    return folder


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, str]]]]:
    folder = replayed()
    out = tmp_path_factory.mktemp("report") / "weekly.csv"
    code = main(["report", "weekly", "--config", str(folder / "board.toml"), "--from",
                 "2026-03-02", "--out", str(out)])
    assert code == 0
    yield read_csv(out)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_bottleneck_section_names_the_slow_route_first(
        weekly: dict[str, list[dict[str, str]]]) -> None:
    slow = weekly["bottlenecks_slow"]
    assert slow[0]["Route"] == "/search"
    assert float(slow[0]["p95"]) > 0.5  # over the goal
    # it was slowed this week only: well up on the previous week
    assert float(slow[0]["Change"]) > 1.0
    ranks = [r["Route"] for r in slow]
    # the slow help page few people open ranks below the slowed busy route
    if "/help/shipping" in ranks:
        assert ranks.index("/help/shipping") > 0
    routes = {r["Route"] for r in weekly["bottlenecks_404"]}
    assert "/product" in routes


def test_the_headroom_section_projects_the_growing_database(
        weekly: dict[str, list[dict[str, str]]]) -> None:
    rows = {r["Service"]: r for r in weekly["headroom"]}
    db = rows["Checkout database"]
    assert db["Status"] == "projected"
    days = float(db["In"])
    # growth of 10 % a week takes the healthy evening peak to the limit within weeks
    assert 7 < days < 120
    crossing = dt.datetime.fromisoformat(db["Reaches the limit"]).timestamp()
    assert crossing == pytest.approx(WEEK_T0 + 7 * 86_400 + days * 86_400, abs=86_400)
    assert 0 < float(db["Fit r²"]) <= 1
    assert float(db["Peak this week"]) < 0.85


def test_the_projection_agrees_with_what_the_simulator_does_later(
        weekly: dict[str, list[dict[str, str]]]) -> None:
    """The projection made from the six weeks up to the report against the marketplace's own
    future: the first day whose busiest hour (its mean, as the rollups keep it) reaches 85 %."""
    db = {r["Service"]: r for r in weekly["headroom"]}["Checkout database"]
    projected = dt.datetime.fromisoformat(db["Reaches the limit"]).timestamp()
    scenario = parse_scenario(SCENARIO, "week.toml")
    sim = MarketSimulator(scenario)
    end = WEEK_T0 + 7 * 86_400
    times = np.arange(end, end + 200 * 86_400, 600.0)
    pool = sim.frame(times).db_connections["checkout-db"]
    hourly = pool.reshape(-1, 6).mean(axis=1)
    daily_peak = hourly.reshape(-1, 24).max(axis=1)
    reached = int(np.argmax(daily_peak >= 0.85))
    assert daily_peak[reached] >= 0.85
    actual = end + reached * 86_400
    assert abs(projected - actual) < 3 * 86_400, (projected - actual) / 86_400


def test_what_changed_names_the_lost_orders_and_their_days(
        weekly: dict[str, list[dict[str, str]]]) -> None:
    changes = [r for r in weekly["changes"] if r["Against"] == "previous week"]
    assert [r["KPI"] for r in changes] == ["Orders per hour"]
    orders = changes[0]
    assert float(orders["Change"]) < -0.1 and orders["Verdict"] == "bad"
    # the hours that hold the loss are Wednesday's and Thursday's
    assert "Wed" in orders["Where"] or "Thu" in orders["Where"]
    assert "Mon" not in orders["Where"] and "Sat" not in orders["Where"]


def test_behaviour_sections_and_no_guessing_a_year_back(
        weekly: dict[str, list[dict[str, str]]]) -> None:
    peaks = {r["Figure"]: r for r in weekly["behaviour_peaks"]}
    assert peaks, "a peak-hour row for users and orders"
    for row in peaks.values():
        assert row["Peak hour"] != row["Quietest hour"]
    # a year before there is no history: not guessed, so no year-over-year change is listed
    assert all("year" not in r["Against"] for r in weekly.get("changes", []))
