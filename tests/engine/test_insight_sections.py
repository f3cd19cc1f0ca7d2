"""The insight sections of a report read from a real store: exit pages from the kept rows of the
behaviour flow, and what each section says when its data is missing or not configured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from noc_board.config.loader import parse_config
from noc_board.core.samples import Sample
from noc_board.reports.context import ReportContext
from noc_board.reports.document import Bullets, Paragraph, Report, Table
from noc_board.reports.periodic import build_periodic
from noc_board.reports.periods import Period
from noc_board.store import Store, open_store

ZONE = "UTC"
MONDAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
DAY = 86_400.0

FLOW_ONLY = """
[[sources]]
name = "ga4"
kind = "ga4"
url = "http://127.0.0.1:9"
property_id = "1"
secret = "ga4-token"

[[metrics]]
id = "behaviour.flow"
source = "ga4"
kpi = "behaviour.flow"
measure = "behaviour_flow"
"""

# views per day of each transition: entrances to /, on to /cart, on to /checkout; /cart's
# onward share falls in the second week (more users leave at the cart)
WEEK_BEFORE = {"(entrance) → /": 1000.0, "/ → /cart": 400.0, "/cart → /checkout": 300.0}
THIS_WEEK = {"(entrance) → /": 1000.0, "/ → /cart": 400.0, "/cart → /checkout": 200.0}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "journal.sqlite3") as s:
        yield s


def plant_flow(store: Store) -> None:
    """Each day's running count of each transition, every hour (the GA4 flow is "today")."""
    samples = []
    for day in range(-7, 7):
        rows = WEEK_BEFORE if day < 0 else THIS_WEEK
        for hour in range(24):
            t = MONDAY + day * DAY + hour * 3600 + 1800
            for label, per_day in rows.items():
                samples.append(Sample(f"behaviour.flow#{label}", t, per_day * (hour + 1) / 24))
    store.rollups.add(samples, minutes=False)


def weekly(store: Store, text: str) -> Report:
    config = parse_config(text, "board.toml")
    ctx = ReportContext(config, store.journal, store.rollups, MONDAY + 8 * DAY)
    return build_periodic(ctx, "weekly", Period(MONDAY, MONDAY + 7 * DAY, ZONE))


def section(report: Report, title: str) -> list[object]:
    [found] = [s for s in report.sections if s.title == title]
    return list(found.blocks)


def test_exit_pages_come_from_the_kept_flow_rows(store: Store) -> None:
    plant_flow(store)
    report = weekly(store, FLOW_ONLY)
    [exits] = [b for b in section(report, "Behaviour trends")
               if isinstance(b, Table) and b.name == "exit_pages"]
    rows = {r[0].text: r for r in exits.rows}
    # /cart: 400 views a day, 200 go on (300 the week before): exit rate 50 %, was 25 %
    cart = rows["/cart"]
    assert cart[1].raw == pytest.approx(7 * 400) and cart[2].raw == pytest.approx(7 * 200)
    assert cart[3].raw == pytest.approx(0.5) and cart[4].raw == pytest.approx(0.25)
    assert cart[5].raw == pytest.approx(0.25) and cart[5].tone == "bad"
    assert rows["/checkout"][3].raw == pytest.approx(1.0)  # nothing goes on from checkout
    assert exits.rows[0][0].text == "/"  # most exits first: 600 a day leave the home page


def test_every_section_says_what_is_missing_instead_of_guessing(store: Store) -> None:
    report = weekly(store, FLOW_ONLY)  # a flow metric, nothing recorded, nothing else
    texts = [b.text for s in report.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert any("No route metrics are configured" in t for t in texts)
    assert any("No saturation metric is configured" in t for t in texts)
    [exits] = [b for b in section(report, "Behaviour trends")
               if isinstance(b, Table) and b.name == "exit_pages"]
    assert exits.rows == () and exits.empty.startswith("No behaviour flow in the period.")
    [changes] = [b for b in section(report, "What changed") if isinstance(b, Table)]
    assert changes.rows == ()
    assert not any(isinstance(b, Bullets) and b.style == "callout"
                   for b in section(report, "Capacity headroom"))


def test_no_peak_hour_is_named_from_a_few_hours(store: Store) -> None:
    text = FLOW_ONLY + """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"

[[metrics]]
id = "users.concurrent"
source = "prom"
kpi = "users.active_now"
query = "marketplace_active_users"
"""
    last = MONDAY + 6 * DAY
    store.rollups.add([Sample("users.concurrent", last + h * 3600 + 60, 100.0 + h)
                       for h in range(8, 12)], minutes=False)
    report = weekly(store, text)
    [peaks] = [b for b in section(report, "Behaviour trends")
               if isinstance(b, Table) and b.name == "behaviour_peaks"]
    [users] = peaks.rows
    assert (users[1].text, users[2].text) == ("—", "—")  # 4 hours of one day: no peak named
    assert "no data at 20 of the 24 hours" in users[6].text
    assert not any(isinstance(b, Bullets) and b.style == "callout"
                   for b in section(report, "Behaviour trends"))
