"""Reports from a replayed scenario: figures checked against values computed independently.

The store comes from `report_world` (the live day replayed through the real hub, recorder,
escalation engine and operator intents; weeks of history in the rollups). The expected figures
are computed here from the hub's published alarm events and the simulator's arrays, never
through the journal views or rollup readers the reports use.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from noc_board.cli import main
from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports.context import Cancelled, Progressor, ReportContext, ReportError
from noc_board.reports.export import export_report
from noc_board.store import Store
from tests.engine.report_world import CONFIG, LIVE_T0, World, build_world, local

BERLIN = ZoneInfo("Europe/Berlin")
NOW = LIVE_T0 + 12 * 86_400.0  # 2 March 2026: February is the last full month
SHIFT = (local("06:00"), local("14:00"))
ORDERS = "sales.orders_today"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture
def store(world: World) -> Iterator[Store]:
    with world.open() as s:
        yield s


def context(world: World, store: Store, progress: Progressor | None = None) -> ReportContext:
    return ReportContext(world.config, store.journal, store.rollups, NOW,
                         progress or Progressor(), author="alice")


def read_csv(path: Path) -> dict[str, list[dict[str, str]]]:
    """Section name -> its rows as dicts keyed by the section's header."""
    text = path.read_text(encoding="utf-8-sig")
    out: dict[str, list[dict[str, str]]] = {}
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            header = None
            continue
        if header is None:
            header = row
            continue
        out.setdefault(row[0], []).append(dict(zip(header, row, strict=True)))
    return out


def pdf_text(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path, folder: Path) -> list[np.ndarray]:
    """Each page rendered by poppler's pdftoppm (40 dpi) as an RGB array."""
    prefix = folder / path.stem
    subprocess.run(["pdftoppm", "-r", "40", str(path), str(prefix)], check=True)
    pages = []
    for ppm in sorted(folder.glob(f"{path.stem}-*.ppm")):
        data = ppm.read_bytes()
        parts = data.split(b"\n", 3)  # P6, "w h", 255, pixels
        w, h = (int(x) for x in parts[1].split())
        pages.append(np.frombuffer(parts[3], dtype=np.uint8).reshape(h, w, 3))
    return pages


def colour_pixels(page: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    diff = np.abs(page.astype(int) - np.array(rgb)).sum(axis=2)
    return int((diff < tolerance).sum())


def vermillion_pixels(page: np.ndarray) -> int:
    """Pixels of the comparison lines' hue (#d55e00, anti-aliased onto white)."""
    r, g, b = (page[..., i].astype(int) for i in range(3))
    return int(((r - b > 90) & (r - g > 50) & (g - b > 25)).sum())


@dataclass
class Expected:
    """One alarm as the hub published it: raised, first acknowledged, first cleared."""

    raised: float
    ack: float | None
    clear: float | None

    def unattended(self, end: float) -> float:
        """How long nobody acknowledged it while it was raised (escalation time)."""
        stops = [x for x in (self.ack, self.clear, end) if x is not None]
        return min(stops) - self.raised


def expected_episodes(world: World, a: float, b: float) -> list[Expected]:
    """From the hub's published events: each raise in [a, b), its first acknowledgement and
    its first clear."""
    out = []
    events = world.events
    for i, e in enumerate(events):
        if e.event != "raised" or not a <= e.ts < b:
            continue
        ack = clear = None
        for later in events[i + 1:]:
            if later.key != e.key:
                continue
            if later.event == "raised":
                break
            if later.event == "acknowledged" and ack is None:
                ack = later.ts
            if later.event == "cleared" and clear is None:
                clear = later.ts
        out.append(Expected(e.ts, ack, clear))
    return out


def day_totals(world: World, metric: str, start: dt.date, end: dt.date) -> dict[dt.date, float]:
    """Each local day's last value of a running daily total, from the simulator's arrays."""
    totals: dict[dt.date, float] = {}
    for feed, live in ((world.history, False), (world.live, True)):
        times = feed.times
        values = feed.values[metric]
        inside = (times >= 1_771_369_200.0) & (times < 1_771_455_600.0)
        keep = inside if live else ~inside
        if live:
            keep &= ~feed.down["stripe"]
        for t, v in zip(times[keep].tolist(), values[keep].tolist(), strict=True):
            day = dt.datetime.fromtimestamp(t, BERLIN).date()
            if start <= day < end:
                totals[day] = v  # times ascend: the last one of the day wins
    return totals


def samples(world: World, metric: str, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Every recorded sample of `metric` in [a, b), history and live, in time order."""
    parts_t, parts_v = [], []
    for feed, live in ((world.history, False), (world.live, True)):
        inside = (feed.times >= 1_771_369_200.0) & (feed.times < 1_771_455_600.0)
        keep = (inside if live else ~inside) & (feed.times >= a) & (feed.times < b)
        if live and metric.startswith("sales."):
            keep &= ~feed.down["stripe"]
        parts_t.append(feed.times[keep])
        parts_v.append(feed.values[metric][keep])
    t, v = np.concatenate(parts_t), np.concatenate(parts_v)
    order = np.argsort(t, kind="stable")
    return t[order], v[order]


# --- the shift report -----------------------------------------------------------------------


def test_shift_report_counts_alarms_and_times_to_acknowledge(
        world: World, store: Store, tmp_path: Path) -> None:
    a, b = SHIFT
    expected = expected_episodes(world, a, b)
    assert len(expected) == 4  # the scenario's errors, outage and late errors
    ttas = [e.ack - e.raised for e in expected if e.ack is not None]
    escalated = sum(1 for e in expected if e.unattended(b) > 300)  # the route waits 5 minutes
    out = tmp_path / "shift.csv"
    export_report(context(world, store), "shift", out, a, b)
    got = read_csv(out)
    figures = {f["figure"]: f for f in got["figures"]}
    assert int(figures["Alarms raised"]["value"]) == len(expected)
    assert int(figures["Acknowledged"]["value"]) == len(ttas) == 3
    assert int(figures["Escalated"]["value"]) == escalated == 2
    assert figures["Acknowledged"]["note"] == f"median {fmt.duration(rm.median(ttas))} to ack"
    rows = got["alarms"]
    assert [float(r["Time to ack"]) for r in rows if r["Time to ack"]] == pytest.approx(ttas)
    assert [r["Acked by"] for r in rows] == ["alice", "bob", "bob", ""]
    assert rows[-1]["At handover"] == "returned_unacknowledged"
    assert [r["Source"] for r in got["outages"]] == ["stripe"]
    notes = [r["Note"] for r in got["notes"]]
    assert notes == world.notes
    assert got["notes"][1]["Flag"] == "yes"
    kpis = {r["KPI"]: r for r in got["kpis"]}
    t, v = samples(world, ORDERS, a - 600, b)
    assert float(kpis["Orders today"]["At 14:00"]) == v[-1]
    assert float(kpis["Orders today"]["At 06:00"]) == v[t < a][-1]


def test_shift_report_pdf_pages_text_and_charts(world: World, store: Store,
                                                tmp_path: Path) -> None:
    a, b = SHIFT
    out = tmp_path / "shift.pdf"
    done = export_report(context(world, store), "shift", out, a, b)
    pages = pdf_pages(out, tmp_path)
    assert len(pages) == done.pages == 2
    text = pdf_text(out)
    for figure in ("Shift report", "Alarms raised", "3 of 4", "For the next shift",
                   "checkout-errors (critical) — cleared, unacked since", "alice", "9m",
                   "Watch checkout: the errors at 13:40 are not explained yet.", "tech L1",
                   "HTTP 503 (simulated source_down)"):
        assert figure in text, figure
    for n in (1, 2):  # the period, the time zone and the page number on every page
        page = pdf_text(out, n)
        assert "Wed 18 Feb 2026 06:00 – 14:00 (Europe/Berlin)" in page
        assert f"Page {n} of 2" in page
    # the charts (page 2) are drawn: the bars in blue and the dashed comparison in vermillion
    blue = colour_pixels(pages[1], (0, 114, 178))
    orange = vermillion_pixels(pages[1])
    assert blue > 400 and orange > 60, (blue, orange)


# --- the incident report ---------------------------------------------------------------------


def test_incident_report_timeline_impact_and_fields(world: World, store: Store,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "incident.csv"
    export_report(context(world, store), "incident", out, incident=world.incident_id)
    got = read_csv(out)
    figures = {f["figure"]: f for f in got["figures"]}
    opened, resolved = local("10:00"), local("10:45")
    assert float(figures["Duration"]["value"]) == pytest.approx(resolved - opened)
    raise_ts = next(e.ts for e in world.events if e.rule == "checkout-down"
                    and e.event == "raised")
    ack_ts = min(e.ts for e in world.events if e.event == "acknowledged"
                 and e.ts > raise_ts and e.rule in ("checkout-down", "checkout-errors"))
    assert float(figures["Time to acknowledge"]["value"]) == pytest.approx(ack_ts - raise_ts)

    def growth(a: float, b: float) -> float:
        t, v = samples(world, ORDERS, a - 3600, b)
        return float(v[t < b][-1] - v[t < a][-1])

    actual = growth(opened, resolved)
    week = 7 * 86_400.0
    expected = growth(opened - week, resolved - week)
    impact = {r["Measure"]: r for r in got["impact"]}
    assert float(impact["Orders"]["During the incident"]) == actual
    assert float(impact["Orders"]["Same time last week"]) == expected
    assert float(impact["Orders"]["Shortfall"]) == max(0.0, expected - actual) > 0
    # checkout down 20 of the 45 minutes: 20 min of a 30-day budget at 99.9 % (43.2 min)
    budget = {r["Service"]: r for r in got["error_budget"]}
    assert float(budget["Checkout up"]["Downtime"]) == pytest.approx(1200.0)
    assert float(budget["Checkout up"]["Share of the 30-day budget"]) == pytest.approx(
        1200 / (0.001 * 30 * 86_400), abs=1e-6)
    events = [(r["Event"], r["Who"]) for r in got["timeline"]]
    assert ("raised", "system") in events and ("acknowledged", "bob") in events
    assert [r["What"] for r in got["timeline"] if r["Event"] == "incident"] == [
        "incident INC-0001 opened: Checkout down (2 alarms)",
        "incident INC-0001 updated: actions, cause, resolution",
        "incident INC-0001 resolved"]
    pdf = tmp_path / "incident.pdf"
    export_report(context(world, store), "incident", pdf, incident=world.incident_id)
    text = pdf_text(pdf)
    assert "A database failover left checkout without connections." in text
    assert "Add a connection health check to the checkout readiness probe." in text
    assert fmt.value_text(max(0.0, expected - actual), "count") in text


def test_incident_report_needs_a_known_incident(world: World, store: Store,
                                                tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no incident 'INC-0099'.*INC-0001"):
        export_report(context(world, store), "incident", tmp_path / "x.pdf", incident="INC-0099")
    assert not list(tmp_path.iterdir())


# --- daily, weekly, monthly --------------------------------------------------------------------


def test_daily_report_orders_and_change_against_the_day_before(
        world: World, store: Store, tmp_path: Path) -> None:
    totals = day_totals(world, ORDERS, dt.date(2026, 2, 10), dt.date(2026, 2, 19))
    today, yesterday = totals[dt.date(2026, 2, 18)], totals[dt.date(2026, 2, 17)]
    week_ago = totals[dt.date(2026, 2, 11)]
    out = tmp_path / "daily.csv"
    export_report(context(world, store), "daily", out, LIVE_T0)
    rows = {r["Figure"]: r for r in read_csv(out)["summary"]}
    orders = rows["Orders"]
    assert float(orders["This day"]) == today
    assert float(orders["Previous day"]) == yesterday
    assert float(orders["Change"]) == pytest.approx(rm.relative_change(today, yesterday),
                                                    abs=1e-6)
    assert float(orders["Same day last week"]) == week_ago
    hours = read_csv(out)["hours"]
    assert len(hours) == 24
    assert sum(float(h["Orders"]) for h in hours) == today
    pdf = tmp_path / "daily.pdf"
    export_report(context(world, store), "daily", pdf, LIVE_T0)
    text = pdf_text(pdf)
    assert fmt.number(today) in text and "Wed 18 Feb 2026" in text
    assert "Orders per hour" in text and "Availability" in text


def test_weekly_report_days_and_pattern(world: World, store: Store, tmp_path: Path) -> None:
    monday = LIVE_T0 - 2 * 86_400.0
    totals = day_totals(world, ORDERS, dt.date(2026, 2, 9), dt.date(2026, 2, 23))
    week = sum(v for d, v in totals.items() if d >= dt.date(2026, 2, 16))
    before = sum(v for d, v in totals.items() if d < dt.date(2026, 2, 16))
    out = tmp_path / "weekly.csv"
    export_report(context(world, store), "weekly", out, monday)
    got = read_csv(out)
    orders = {r["Figure"]: r for r in got["summary"]}["Orders"]
    assert float(orders["This week"]) == week
    assert float(orders["Previous week"]) == before
    assert [float(r["Orders"]) for r in got["days"]] == [
        totals[dt.date(2026, 2, 16) + dt.timedelta(days=i)] for i in range(7)]
    assert len(got["pattern"]) == 7  # weekdays x 24 hours
    pdf = tmp_path / "weekly.pdf"
    export_report(context(world, store), "weekly", pdf, monday)
    pages = pdf_pages(pdf, tmp_path)
    # the heatmap's yellow end and the bars' blue are on the pages
    assert sum(colour_pixels(p, (253, 231, 37), 60) for p in pages) > 20
    assert "Week 8 of 2026" in pdf_text(pdf)


def test_monthly_review_month_over_month_and_no_year_over_year(
        world: World, store: Store, tmp_path: Path) -> None:
    feb = sum(day_totals(world, ORDERS, dt.date(2026, 2, 1), dt.date(2026, 3, 1)).values())
    jan = sum(day_totals(world, ORDERS, dt.date(2026, 1, 1), dt.date(2026, 2, 1)).values())
    mom = rm.growth(feb, jan)
    assert mom is not None
    out = tmp_path / "monthly.csv"
    export_report(context(world, store), "monthly", out)  # the last full month: February
    got = read_csv(out)
    growth = {r["Figure"]: r for r in got["growth"]}["Transactions"]
    assert float(growth["February 2026"]) == feb
    assert float(growth["January 2026"]) == jan
    assert float(growth["MoM"]) == pytest.approx(mom, abs=1e-6)
    assert growth["February 2025"] == "" and growth["YoY"] == ""
    # checkout availability: the mean over February's hours of each hour's share of up samples
    t, v = samples(world, "health.checkout.up", 1_769_900_400.0, 1_772_319_600.0)
    hours = np.floor(t / 3600)
    per_hour = [v[hours == h].mean() for h in np.unique(hours)]
    uptime = {r["Service"]: r for r in got["uptime"]}
    assert float(uptime["Checkout up"]["Availability"]) == pytest.approx(np.mean(per_hour),
                                                                        abs=1e-6)
    assert uptime["Checkout up"]["SLO 99.9 %"] == "missed"
    incidents = got["incidents"]
    assert [r["Id"] for r in incidents] == ["INC-0001"]
    recurring = {r["Rule"]: int(r["Raised"]) for r in got["recurring"]}
    raised = [e for e in world.events if e.event == "raised"]
    assert recurring == {"checkout-errors": sum(1 for e in raised if e.rule == "checkout-errors"),
                         "checkout-down": 1}
    pdf = tmp_path / "monthly.pdf"
    done = export_report(context(world, store), "monthly", pdf)
    text = pdf_text(pdf)
    assert fmt.change_text(mom) in text and fmt.number(feb) in text
    assert "history does not reach back to February 2025" in " ".join(text.split())
    assert len(pdf_pages(pdf, tmp_path)) == done.pages
    for n in range(1, done.pages + 1):
        assert "Sun 01 Feb 2026 – Sat 28 Feb 2026 (Europe/Berlin)" in pdf_text(pdf, n)


def test_html_is_self_contained_with_svg_charts(world: World, store: Store,
                                                tmp_path: Path) -> None:
    out = tmp_path / "monthly.html"
    export_report(context(world, store), "monthly", out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert page.count("<svg") == 3 and "<polyline" in page and "<rect" in page
    assert "src=" not in page and "href=" not in page  # nothing to fetch
    assert "Monthly review" in page and "February 2026" in page


# --- writing: atomic, cancellable, from the command line ------------------------------------


def test_cancelled_export_leaves_the_old_file_and_no_temporary(
        world: World, store: Store, tmp_path: Path) -> None:
    out = tmp_path / "monthly.pdf"
    out.write_text("the previous report")
    progress = Progressor()
    seen: list[str] = []

    def step(done: float, what: str) -> None:
        seen.append(what)
        if done > 0.8:  # cancel while the pages are painted
            progress.cancel()

    progress.callback = step
    with pytest.raises(Cancelled):
        export_report(context(world, store, progress), "monthly", out)
    assert out.read_text() == "the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["monthly.pdf"]
    assert seen and any("page" in s for s in seen)


def test_report_command_writes_each_kind(world: World, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    journal = tmp_path / "journal.sqlite3"
    shutil.copy(world.path, journal)
    config = tmp_path / "board.toml"
    config.write_text(CONFIG.replace('title = "Marketplace NOC"',
                                     'title = "Marketplace NOC"\nstore = "journal.sqlite3"'))
    args = ["report", "--config", str(config)]
    assert main([*args[:1], "daily", *args[1:], "--from", "2026-02-18",
                 "--out", str(tmp_path / "d.csv")]) == 0
    assert "d.csv: Daily report (Wed 18 Feb 2026)" in capsys.readouterr().out
    assert main([*args[:1], "shift", *args[1:], "--from", "2026-02-18T06:00",
                 "--to", "2026-02-18T14:00", "--out", str(tmp_path / "s.html")]) == 0
    assert main([*args[:1], "incident", *args[1:], "--incident", world.incident_id,
                 "--out", str(tmp_path / "i.pdf")]) == 0
    assert "2 pages" in capsys.readouterr().out
    assert main([*args[:1], "weekly", *args[1:], "--from", "2026-02-16",
                 "--out", str(tmp_path / "w.pdf")]) == 0
    assert main([*args[:1], "monthly", *args[1:], "--from", "2026-02-01",
                 "--out", str(tmp_path / "m.csv")]) == 0
    assert read_csv(tmp_path / "m.csv")["report"][0]["from"] == "2026-02-01T00:00:00+01:00"
    capsys.readouterr()
    # errors: exit 2 with the reason, and no file
    assert main([*args[:1], "daily", *args[1:], "--from", "soon",
                 "--out", str(tmp_path / "x.pdf")]) == 2
    assert "'soon' is not a time" in capsys.readouterr().err
    assert main([*args[:1], "daily", *args[1:], "--out", str(tmp_path / "x.docx")]) == 2
    assert ".pdf, .html or .csv" in capsys.readouterr().err
    assert main([*args[:1], "incident", *args[1:], "--out", str(tmp_path / "x.pdf")]) == 2
    assert "needs --incident" in capsys.readouterr().err
    missing = tmp_path / "other.toml"
    missing.write_text(CONFIG.replace('title = "Marketplace NOC"',
                                      'title = "X"\nstore = "nowhere.sqlite3"'))
    assert main(["report", "daily", "--config", str(missing), "--out",
                 str(tmp_path / "x.pdf")]) == 2
    assert "no journal at" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_relative_times_on_the_command_line(world: World, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    journal = tmp_path / "journal.sqlite3"
    shutil.copy(world.path, journal)
    config = tmp_path / "board.toml"
    config.write_text(CONFIG.replace('title = "Marketplace NOC"',
                                     'title = "Marketplace NOC"\nstore = "journal.sqlite3"'))
    out = tmp_path / "recent.csv"
    assert main(["report", "shift", "--config", str(config), "--from", "-8h", "--to", "now",
                 "--out", str(out)]) == 0
    report = read_csv(out)["report"][0]
    start = dt.datetime.fromisoformat(report["from"])
    end = dt.datetime.fromisoformat(report["to"])
    assert end - start == dt.timedelta(hours=8)
    assert abs(end.timestamp() - dt.datetime.now(dt.UTC).timestamp()) < 120
