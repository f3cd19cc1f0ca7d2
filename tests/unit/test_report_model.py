"""Report building blocks without a scenario: windows, formatting, the journal's episodes and
incidents, roles, the [reports] checks, chart layout, and the HTML and CSV renderers."""

import csv
import datetime as dt
import io
import math
import subprocess
import sys
from pathlib import Path

import pytest

from noc_board.config.loader import ConfigError, parse_config
from noc_board.reports import chart_layout as cl
from noc_board.reports import formatting as fmt
from noc_board.reports.document import (
    Cell,
    Chart,
    Column,
    Figure,
    Figures,
    Report,
    Section,
    Series,
    table,
)
from noc_board.reports.journal_view import episodes, outages
from noc_board.reports.periods import (
    PeriodError,
    default_period,
    handovers_around,
    parse_time,
    same_time_last_year,
    shift_period,
)
from noc_board.reports.render_csv import render_csv
from noc_board.reports.render_html import render_html
from noc_board.reports.roles import How, resolve_roles
from noc_board.store.journal import ACK, ALARM, ESCALATION, SOURCE_HEALTH, Journal, JournalEntry
from noc_board.store.operator_log import OperatorLog, OperatorLogError, fold_incidents

BERLIN = "Europe/Berlin"
T = dt.datetime(2026, 2, 18, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp()


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


# --- windows ----------------------------------------------------------------------------------


def test_parse_time_forms() -> None:
    assert parse_time("now", T, BERLIN) == T
    assert parse_time("today", T, BERLIN) == at("2026-02-18T00:00:00+01:00")
    assert parse_time("yesterday", T, BERLIN) == at("2026-02-17T00:00:00+01:00")
    assert parse_time("-8h", T, BERLIN) == T - 8 * 3600
    assert parse_time("+30m", T, BERLIN) == T + 1800
    assert parse_time("2026-02-18", T, BERLIN) == at("2026-02-18T00:00:00+01:00")
    assert parse_time("2026-07-01T06:00", T, BERLIN) == at("2026-07-01T06:00:00+02:00")
    assert parse_time("2026-02-18T06:00:00Z", T, BERLIN) == at("2026-02-18T06:00:00+00:00")
    with pytest.raises(PeriodError, match="not a time"):
        parse_time("soon", T, BERLIN)
    with pytest.raises(PeriodError):
        parse_time("-8x", T, BERLIN)


def test_shift_windows_follow_the_handovers() -> None:
    handovers = ["06:00", "14:00", "22:00"]
    assert handovers_around(T, BERLIN, handovers) == (
        at("2026-02-18T06:00:00+01:00"), at("2026-02-18T14:00:00+01:00"))
    # at 10:30 the current shift so far; 20 minutes after a handover, the shift just ended
    now = shift_period(T, BERLIN, handovers)
    assert (now.start, now.end) == (at("2026-02-18T06:00:00+01:00"), T)
    just_after = at("2026-02-18T14:20:00+01:00")
    ended = shift_period(just_after, BERLIN, handovers)
    assert (ended.start, ended.end) == (at("2026-02-18T06:00:00+01:00"),
                                        at("2026-02-18T14:00:00+01:00"))
    night = shift_period(at("2026-02-18T02:00:00+01:00"), BERLIN, handovers)
    assert night.start == at("2026-02-17T22:00:00+01:00")
    with pytest.raises(PeriodError):
        handovers_around(T, BERLIN, [])


def test_default_periods() -> None:
    daily = default_period("daily", T, BERLIN)
    assert (daily.start, daily.end) == (at("2026-02-17T00:00:00+01:00"),
                                        at("2026-02-18T00:00:00+01:00"))
    weekly = default_period("weekly", T, BERLIN)
    assert (weekly.start, weekly.end) == (at("2026-02-09T00:00:00+01:00"),
                                          at("2026-02-16T00:00:00+01:00"))
    monthly = default_period("monthly", T, BERLIN)
    assert (monthly.start, monthly.end) == (at("2026-01-01T00:00:00+01:00"),
                                            at("2026-02-01T00:00:00+01:00"))
    # a month across the change to summer time keeps whole local days
    march = default_period("monthly", at("2026-03-05T00:00:00+01:00"), BERLIN,
                           start=at("2026-03-01T00:00:00+01:00"))
    assert march.end == at("2026-04-01T00:00:00+02:00")
    year_ago = same_time_last_year(march)
    assert year_ago.start == at("2025-03-01T00:00:00+01:00")
    with pytest.raises(PeriodError):
        default_period("daily", T, BERLIN, start=T, end=T - 1)
    with pytest.raises(PeriodError):
        default_period("daily", T, BERLIN, end=T)


# --- formatting --------------------------------------------------------------------------------


def test_formatting_reads_at_a_desk() -> None:
    assert fmt.value_text(12345.0, "count") == "12,345"
    assert fmt.value_text(0.02346, "ratio") == "2.35 %"
    assert fmt.value_text(1234.5, "money", "EUR") == "1,234.50 EUR"
    assert fmt.value_text(0.35, "seconds") == "350 ms"
    assert fmt.value_text(None, "count") == fmt.DASH
    assert fmt.change_text(0.0421) == "+4.2 %" and fmt.change_text(-0.1) == "−10.0 %"
    assert fmt.change_text(0.0001) == "±0.0 %" and fmt.change_text(None) == fmt.DASH
    assert fmt.duration(86.4) == "1m 26s" and fmt.duration(0) == "0s"
    assert fmt.duration(3 * 3600 + 300) == "3h 5m"
    assert fmt.tone(0.2, "up", 0.1) == "good" and fmt.tone(0.2, "down", 0.1) == "bad"
    assert fmt.tone(0.05, "up", 0.1) == "" and fmt.tone(0.2, "none") == ""
    assert fmt.iso(at("2026-02-18T07:12:00+01:00"), BERLIN) == "2026-02-18T07:12:00+01:00"
    assert fmt.period_text(at("2026-02-18T06:00:00+01:00"), at("2026-02-18T14:00:00+01:00"),
                           BERLIN) == "Wed 18 Feb 2026 06:00 – 14:00"
    assert fmt.period_text(at("2026-02-01T00:00:00+01:00"), at("2026-03-01T00:00:00+01:00"),
                           BERLIN) == "Sun 01 Feb 2026 – Sat 28 Feb 2026"


# --- the journal: episodes, outages, notes and incidents ---------------------------------------


def entry(ts: float, kind: str, subject: str, actor: str = "system", **data: object
          ) -> JournalEntry:
    return JournalEntry(ts, kind, subject, actor, "", dict(data))


def test_episodes_from_transitions() -> None:
    k = "checkout-errors"
    common = {"rule": k, "metric": "m"}
    found = episodes([
        entry(100, ALARM, k, event="raised", to="unacknowledged", severity="warning",
              value=0.3, **common),
        entry(300, ESCALATION, k, route="tech", level=0, damped=False),
        entry(350, ESCALATION, k, route="tech", ended="acknowledged"),  # an ending, not a level
        entry(400, ALARM, k, event="severity_changed", to="unacknowledged", severity="critical",
              **common),
        entry(640, ACK, k, "alice", event="acknowledged", to="acknowledged",
              severity="critical", comment="on it", **common),
        entry(900, ALARM, k, event="cleared", to="normal", severity="critical", **common),
        entry(1000, ALARM, k, event="raised", to="unacknowledged", severity="warning",
              **common),
        entry(1100, ALARM, k, event="cleared", to="returned_unacknowledged",
              severity="warning", **common),
    ])
    first, second = found
    assert (first.raised_at, first.acked_at, first.acked_by, first.cleared_at,
            first.closed_at) == (100, 640, "alice", 900, 900)
    assert first.time_to_ack == 540 and first.severity == "critical"
    assert first.escalations == [(300, "tech", 0)] and first.ack_comment == "on it"
    assert second.acked_at is None and second.closed_at is None
    assert second.state == "returned_unacknowledged" and second.cleared_at == 1100
    assert second.duration(5000) == 100


def test_outages_from_source_health() -> None:
    found = outages([
        entry(10, SOURCE_HEALTH, "stripe", to="degraded"),
        entry(20, SOURCE_HEALTH, "stripe", to="down", error="HTTP 503"),
        entry(80, SOURCE_HEALTH, "stripe", to="ok"),
        entry(90, SOURCE_HEALTH, "ga4", to="down", error="timeout"),
    ], since=0, until=200)
    assert [(o.source, o.start, o.end, o.error) for o in found] == [
        ("stripe", 20, 80, "HTTP 503"), ("ga4", 90, None, "timeout")]
    assert found[1].duration(200) == 110


def test_notes_and_incidents_are_kept_and_the_latest_edit_wins(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "j.sqlite3")
    try:
        log = OperatorLog(journal)
        note = log.add_note(100, "alice", "  rolled back 2.14  ", flagged=True)
        assert note.text == "rolled back 2.14" and note.id is not None
        with pytest.raises(OperatorLogError):
            log.add_note(101, "alice", "   ")
        opened = log.open_incident(200, "bob", "Checkout down", ["a1", "a2"], started_at=150,
                                   severity="critical")
        assert opened.id == "INC-0001" and opened.started_at == 150 and opened.status == "open"
        log.update_incident(300, "bob", "INC-0001", {"cause": "failover"})
        log.update_incident(310, "carol", "INC-0001", {"cause": "a failover", "actions": "x"})
        same = log.update_incident(320, "carol", "INC-0001", {"cause": "a failover"})
        assert same.edits == 2  # nothing changed: nothing journaled
        done = log.update_incident(400, "bob", "INC-0001", {"status": "resolved"})
        assert done.cause == "a failover" and done.actions == "x"
        assert done.resolved_at == 400 and done.ended_at == 400 and done.updated_by == "bob"
        assert log.open_incident(500, "bob", "Search slow").id == "INC-0002"
        with pytest.raises(OperatorLogError, match="no field"):
            log.update_incident(600, "bob", "INC-0001", {"owner": "me"})
        with pytest.raises(OperatorLogError, match="no incident"):
            log.update_incident(600, "bob", "INC-0042", {"cause": "?"})
        with pytest.raises(OperatorLogError, match="status"):
            log.update_incident(600, "bob", "INC-0001", {"status": "closed"})
        reopened = log.update_incident(700, "bob", "INC-0001", {"status": "open"})
        assert reopened.resolved_at is None and reopened.overlaps(10_000, 20_000)
        # the fold of the raw entries, in order, is what `incident()` gives
        folded = fold_incidents(journal.entries(kinds=["incident"]))
        assert folded["INC-0001"] == log.incident("INC-0001")
        assert [n.text for n in log.notes(0, 1000)] == ["rolled back 2.14"]
    finally:
        journal.close()


# --- roles and the [reports] table -----------------------------------------------------------

CONFIG = """
[reports]
handovers = ["07:00", "19:00"]
orders = "orders_rate"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"

[[metrics]]
id = "orders_rate"
source = "prom"
query = "marketplace_orders_per_hour"

[[metrics]]
id = "users"
source = "prom"
kpi = "users.active_now"
query = "marketplace_active_users"

[[metrics]]
id = "web.up"
source = "prom"
kpi = "health.up"
query = 'marketplace_up{service="web"}'
"""


def test_roles_from_kpis_and_overrides() -> None:
    config = parse_config(CONFIG, "c.toml")
    roles = resolve_roles(config)
    assert roles.orders is not None and roles.orders.metric == "orders_rate"
    assert roles.orders.how is How.LEVEL  # no kpi, no "hour" or "_today" in its id
    assert roles.users is not None and roles.users.how is How.LEVEL
    assert [m.metric for m in roles.uptime] == ["web.up"]
    assert roles.revenue is None and roles.products is None
    assert [m.metric for m in roles.shift_kpis] == ["users", "orders_rate", "web.up"]


def test_reports_table_is_checked() -> None:
    bad = CONFIG.replace('handovers = ["07:00", "19:00"]',
                         'handovers = ["07:00", "7:00", "noon"]\nslo = 1.5\nuptime = ["web.upp"]')
    with pytest.raises(ConfigError) as caught:
        parse_config(bad, "c.toml")
    text = "\n".join(str(e) for e in caught.value.errors)
    assert "c.toml:3: reports.handovers[1]: '7:00' is listed twice" in text
    assert "reports.handovers[2]: 'noon' is not a time of day" in text
    assert "reports.slo: must be at most 1" in text
    assert "reports.uptime[0]: unknown metric 'web.upp'; did you mean 'web.up'?" in text


# --- charts and renderers ---------------------------------------------------------------------


def test_chart_layout_scales_and_labels() -> None:
    assert cl.nice_step(93.0) == 20.0 and cl.nice_step(0.004) == 0.001
    low, high, step = cl.y_range([12.0, 87.0], from_zero=True)
    assert (low, high, step) == (0.0, 100.0, 20.0)
    assert cl.tick_text(0.995, "%", 0.001) == "99.5 %"
    assert cl.tick_text(12_500.0, "", 2500.0) == "12.5k"
    chart = Chart("c", "Orders", "bars", ("06:00", "07:00", "08:00"),
                  (Series("today", (10.0, math.nan, 30.0)),
                   Series("last week", (12.0, 20.0, 28.0), dashed=True)))
    prims = cl.layout_chart(chart, 400, 160)
    bars = [p for p in prims if isinstance(p, cl.Rect) and p.fill == cl.SERIES[0]
            and p.y > cl.LEGEND_H]
    assert len(bars) == 2  # the NaN hour has no bar
    assert bars[1].h == pytest.approx(3 * bars[0].h, rel=0.05)
    dashed = [p for p in prims if isinstance(p, cl.Path) and p.dashed]
    assert len(dashed) == 1 and len(dashed[0].points) == 3
    assert {p.text for p in prims if isinstance(p, cl.Text)} >= {"today", "last week", "06:00"}
    assert all(0 <= p.x <= 400 for p in prims if isinstance(p, cl.Text))
    heat = Chart("h", "Pattern", "heatmap", ("00", "01"),
                 (Series("Mon", (1.0, 2.0)), Series("Tue", (math.nan, 3.0))))
    cells = [p for p in cl.layout_chart(heat, 300, 100) if isinstance(p, cl.Rect)]
    assert cl.HEAT[-1] in {c.fill for c in cells} and cl.HEAT[0] in {c.fill for c in cells}


def small_report() -> Report:
    rows = [[Cell("Orders"), Cell("1,234", 1234), Cell("+4.2 %", 0.042, "good")],
            [Cell("Note, with \"quotes\""), Cell("—", ""), Cell("x <b>", None)]]
    return Report(
        kind="daily", title="Daily report", subtitle="Wed 18 Feb 2026", board="NOC <test>",
        start=at("2026-02-18T00:00:00+01:00"), end=at("2026-02-19T00:00:00+01:00"),
        timezone=BERLIN, period_text="Wed 18 Feb 2026", generated_text="Generated now",
        sections=(Section("Summary", (
            Figures("summary", (Figure("Orders", "1,234", 1234, change=0.042,
                                       change_text="+4.2 %", tone="good"),)),
            table("summary", "Summary", [Column("Figure"), Column("Value", True),
                                         Column("Change", True)], rows),
            Chart("chart_orders", "Orders per hour", "line", ("00:00", "01:00"),
                  (Series("this day", (5.0, 7.0)),)),
        )),))


def test_csv_has_a_section_column_and_raw_numbers() -> None:
    text = render_csv(small_report())
    assert text.startswith("\ufeff")
    blocks = [b for b in text.lstrip("\ufeff").split("\r\n\r\n") if b.strip()]
    parsed = [list(csv.reader(io.StringIO(b))) for b in blocks]
    assert [rows[0][0] for rows in parsed] == ["section"] * 4
    assert [rows[1][0] for rows in parsed] == ["report", "figures", "summary", "chart_orders"]
    assert parsed[0][1][5] == "2026-02-18T00:00:00+01:00"
    assert parsed[2][1] == ["summary", "Orders", "1234", "0.042"]
    assert parsed[2][2] == ["summary", 'Note, with "quotes"', "", "x <b>"]
    assert parsed[3][2] == ["chart_orders", "01:00", "7.0"]


def test_html_escapes_and_embeds_everything() -> None:
    page = render_html(small_report())
    assert "NOC &lt;test&gt;" in page and "x &lt;b&gt;" in page and "<b>" not in page
    assert page.count("<svg") == 1 and "<polyline" in page
    assert "Wed 18 Feb 2026 (Europe/Berlin)" in page


def test_report_models_import_without_qt() -> None:
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'PySide6', 'shiboken6', 'pyqtgraph'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import noc_board.reports.export, noc_board.reports.commands\n"
        "import noc_board.reports.shift, noc_board.reports.incident\n"
        "import noc_board.reports.periodic, noc_board.reports.monthly\n"
        "import noc_board.reports.render_html, noc_board.reports.render_csv\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.stdout.strip() == "ok", proc.stderr
