"""The monthly review: growth month over month and year over year, engagement, uptime and SLO
attainment with the error budget, the month's incidents, recurring alarms, top products, refunds
and returns, and an appendix of every metric against the previous month.

Year-over-year figures need the hourly rollups of a year ago (kept two years); where the store
does not reach back that far the report says so instead of printing a change.
"""

from __future__ import annotations

import math

import numpy as np

from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports import measures as ms
from noc_board.reports.common import (
    alarm_stats,
    make_report,
    mean_availability,
    recurring_table,
    unit_label,
    uptime_table,
)
from noc_board.reports.context import ReportContext
from noc_board.reports.document import (
    Block,
    Bullets,
    Cell,
    Chart,
    Column,
    Figure,
    Figures,
    Paragraph,
    Report,
    Section,
    Series,
    table,
)
from noc_board.reports.insight_sections import Comparison, insight_sections
from noc_board.reports.journal_view import Episode, read_episodes
from noc_board.reports.periods import (
    Period,
    local,
    month_start,
    previous_month,
    same_time_last_year,
)
from noc_board.reports.roles import PRODUCT_SEPARATOR, How, Measure
from noc_board.store.rollups import HOUR_S

TOP_PRODUCTS = 10


def month_name(ts: float, zone: str) -> str:
    """January 2026."""
    return local(ts, zone).strftime("%B %Y")


def month_value(ctx: ReportContext, role: str, m: Measure, period: Period) -> float | None:
    """A role's monthly figure: the month's total, or for a level or daily users the mean."""
    if role == "users" and m.how is How.CUMULATIVE:
        return rm.mean(ms.per_day(ctx.reader, m, period.start, period.end).values.tolist())
    if m.how is How.CUMULATIVE:
        daily = ms.per_day(ctx.reader, m, period.start, period.end).values
        finite = daily[np.isfinite(daily)]
        return float(finite.sum()) if finite.shape[0] else None
    return ms.total(ctx.reader, m, period.start, period.end)


def build_monthly(ctx: ReportContext, period: Period) -> Report:
    """The monthly review of `period` (a calendar month by default)."""
    zone = ctx.zone
    significant = ctx.config.reports.significant
    before = previous_month(period)
    year_ago = same_time_last_year(period)
    this_name, before_name = month_name(period.start, zone), month_name(before.start, zone)
    year_name = month_name(year_ago.start, zone)
    ctx.progress.step(0.05, "reading the month")

    figures: list[Figure] = []
    growth_rows = []
    no_history: list[str] = []
    for role, m in ctx.roles.named():
        if role not in ("orders", "revenue", "users"):
            continue
        ctx.progress.check()
        now_v = month_value(ctx, role, m, period)
        prev_v = month_value(ctx, role, m, before)
        year_v = month_value(ctx, role, m, year_ago)
        mom = rm.growth(now_v, prev_v)
        yoy = rm.growth(now_v, year_v)
        label = {"orders": "Transactions", "revenue": "Transaction value",
                 "users": "Daily users (mean)" if m.how is How.CUMULATIVE
                 else f"{m.label} (mean)"}[role]
        if year_v is None:
            no_history.append(label)
        growth_rows.append([
            Cell(label), fmt.value_cell(now_v, m.unit, m.currency),
            fmt.value_cell(prev_v, m.unit, m.currency), fmt.change_cell(mom, m.good),
            fmt.value_cell(year_v, m.unit, m.currency) if year_v is not None
            else Cell("no history", ""),
            fmt.change_cell(yoy, m.good) if year_v is not None else Cell(fmt.DASH, ""),
        ])
        yoy_text = f"YoY {fmt.change_text(yoy)}" if year_v is not None else "YoY: no history"
        figures.append(Figure(label, fmt.value_text(now_v, m.unit, m.currency), now_v,
                              change_text=f"MoM {fmt.change_text(mom)} · {yoy_text}",
                              change=mom, tone=fmt.tone(mom, m.good, significant)))
    days_now = len(ms.day_starts(period.start, period.end, zone))
    days_before = len(ms.day_starts(before.start, before.end, zone))
    orders = ctx.roles.orders
    if orders is not None and days_now != days_before:
        now_v = month_value(ctx, "orders", orders, period)
        prev_v = month_value(ctx, "orders", orders, before)
        per_now = None if now_v is None else now_v / days_now
        per_before = None if prev_v is None else prev_v / days_before
        year_v = month_value(ctx, "orders", orders, year_ago)
        days_year = len(ms.day_starts(year_ago.start, year_ago.end, zone))
        per_year = None if year_v is None else year_v / days_year
        growth_rows.append([
            Cell(f"Transactions per day ({days_now} vs {days_before} days)"),
            fmt.value_cell(per_now, "count"), fmt.value_cell(per_before, "count"),
            fmt.change_cell(rm.growth(per_now, per_before), orders.good),
            fmt.value_cell(per_year, "count") if per_year is not None else Cell("no history", ""),
            fmt.change_cell(rm.growth(per_now, per_year), orders.good) if per_year is not None
            else Cell(fmt.DASH, "")])
    growth = table("growth", "Growth", [
        Column("Figure", width=1.7), Column(this_name, True), Column(before_name, True),
        Column("MoM", True), Column(year_name, True), Column("YoY", True)], growth_rows,
        empty="No orders, revenue or users metric is configured.")
    history_note: Block | None = None
    if no_history:
        history_note = Paragraph(
            f"Year over year: the store's history does not reach back to {year_name} for "
            f"{', '.join(no_history).lower()}; hourly rollups are kept "
            f"{fmt.duration(ctx.config.reports.keep_hours)}, so the comparison appears once a "
            "year of history has been recorded.", "muted")

    ctx.progress.step(0.2, "measuring uptime")
    uptime, found = uptime_table(ctx, "uptime", "Uptime and SLO", period, ctx.roles.uptime)
    availability = mean_availability(found)
    slo = ctx.config.reports.slo
    met = sum(1 for _, u in found if u.availability is not None and u.availability >= slo)
    figures.append(Figure("Availability", fmt.availability_text(availability), availability,
                          change_text=f"SLO met by {met} of {len(found)} services",
                          tone="good" if found and met == len(found) else "bad"))

    ctx.progress.step(0.35, "reading alarms and incidents")
    raised = [e for e in read_episodes(ctx.journal, period.start, period.end)
              if period.start <= e.raised_at < period.end]
    stats = alarm_stats(raised)
    incidents = sorted((i for i in ctx.log.incidents().values()
                        if i.overlaps(period.start, period.end)), key=lambda i: i.started_at)
    figures.append(Figure("Incidents", str(len(incidents)), len(incidents),
                          change_text=f"{stats.raised} alarms, median "
                                      f"{fmt.duration(stats.median_tta)} to ack"
                          if stats.median_tta is not None else f"{stats.raised} alarms"))
    by_key: dict[str, list[Episode]] = {}
    for e in read_episodes(ctx.journal, period.start, period.end):
        by_key.setdefault(e.key, []).append(e)
    incident_rows = []
    for inc in incidents:
        eps = [e for k in inc.alarms for e in by_key.get(k, [])
               if e.raised_at < (inc.ended_at or period.end)
               and (e.closed_at is None or e.closed_at >= inc.started_at - 600)]
        detected = min((e.raised_at for e in eps), default=None)
        acked = min((e.acked_at for e in eps if e.acked_at is not None), default=None)
        incident_rows.append([
            Cell(inc.id), Cell(inc.title), fmt.time_cell(inc.started_at, zone),
            fmt.duration_cell((inc.ended_at or ctx.now) - inc.started_at),
            fmt.duration_cell(rm.time_to_acknowledge(detected, acked)),
            Cell(inc.status, inc.status, "bad" if inc.status == "open" else "")])
    incident_table = table("incidents", "Incidents of the month", [
        Column("Id", width=0.8), Column("Title", width=2.6), Column("Started", width=1.3),
        Column("Duration", True), Column("Time to ack", True), Column("Status", width=0.8)],
        incident_rows, empty="No incident this month.")

    ctx.progress.step(0.5, "drawing the charts")
    charts: list[Block] = []
    for chosen in (ctx.roles.orders, ctx.roles.users):
        if chosen is not None:
            charts.append(_by_day_of_month(ctx, chosen, period, before, this_name,
                                           before_name))
    if found:
        charts.append(_availability_chart(ctx, period, found))

    ctx.progress.step(0.6, "engagement, products and refunds")
    engagement = _compare_table(ctx, "engagement", "Engagement", list(ctx.roles.engagement), period,
                                before, this_name, before_name, significant,
                                "No engagement metric is configured (users.mau, "
                                "users.engagement_rate, ...).")
    refund_measures = [m for m in (ctx.roles.refunds, ctx.roles.returns) if m is not None]
    refunds = _compare_table(ctx, "refunds", "Refunds and returns",
                             [*refund_measures, *ctx.roles.rates], period, before, this_name,
                             before_name, significant, "No refund or return metric is "
                                                        "configured.")
    products = _products(ctx, period, before, this_name, before_name)
    ctx.progress.step(0.75, "every metric")
    appendix = _every_metric(ctx, period, before, this_name, before_name)

    callouts = [f"{r[0].text}: {r[3].text} month over month" for r in growth_rows
                if isinstance(r[3].raw, float) and abs(r[3].raw) >= significant]
    callouts += [f"{m.label}: SLO missed ({fmt.availability_text(u.availability)})"
                 for m, u in found if u.availability is not None and u.availability < slo]
    sections: list[Section] = [
        Section("Summary", tuple(b for b in (
            Figures("summary", tuple(figures)),
            Bullets(tuple(callouts), "callout") if callouts else None,
            growth, history_note) if b is not None)),
        Section("Trends", tuple(charts)) if charts else Section("Trends", (
            Paragraph("No orders or users metric is configured.", "muted"),)),
        Section("Users and engagement", (engagement,)),
        Section("Uptime and SLO", (uptime,)),
        Section("Incidents and recurring alarms", (
            incident_table, recurring_table("recurring", "Recurring alarms (fired most)",
                                            raised, period.end))),
        Section("Top products", (products,)),
        Section("Refunds and returns", (refunds,)),
    ]
    ctx.progress.step(0.9, "looking for insights")
    sections += insight_sections(ctx, Comparison(period, before, "previous month", year_ago,
                                                 "same month last year", "month", True))
    sections.append(Section("Appendix: every metric", (appendix,)))
    calendar = period.start == month_start(period.start, zone) and \
        period.end == month_start(period.start, zone, 1)
    subtitle = this_name if calendar else fmt.period_text(period.start, period.end, zone)
    return make_report(ctx, "monthly", "Monthly review", subtitle, period, sections)


def _compare_table(ctx: ReportContext, name: str, title: str, measures: list[Measure],
                   period: Period, before: Period, this_name: str, before_name: str,
                   significant: float, empty: str) -> Block:
    rows = []
    for m in measures:
        now_v = month_value(ctx, "", m, period)
        prev_v = month_value(ctx, "", m, before)
        change = rm.growth(now_v, prev_v)
        suffix = " (mean)" if m.how is How.LEVEL else " (total)"
        rows.append([Cell(m.label + suffix), fmt.value_cell(now_v, m.unit, m.currency),
                     fmt.value_cell(prev_v, m.unit, m.currency),
                     fmt.change_cell(change, m.good, significant)])
    return table(name, title, [Column("Figure", width=2.4), Column(this_name, True),
                               Column(before_name, True), Column("MoM", True)], rows,
                 empty=empty)


def _by_day_of_month(ctx: ReportContext, m: Measure, period: Period, before: Period,
                     this_name: str, before_name: str) -> Chart:
    now_days = ms.per_day(ctx.reader, m, period.start, period.end)
    prev_days = ms.per_day(ctx.reader, m, before.start, before.end)
    n = max(len(now_days.days), len(prev_days.days))
    labels = tuple(str(i + 1) for i in range(n))

    def padded(values: ms.FloatArray) -> tuple[float, ...]:
        out = values.tolist() + [math.nan] * (n - values.shape[0])
        return tuple(out)

    title = "Orders per day" if m is ctx.roles.orders else (
        "Daily users" if m.how is How.CUMULATIVE else f"{m.label} per day (mean)")
    return Chart(f"days_{m.metric}", f"{title}, by day of the month",
                 "line" if m.how is How.LEVEL else "bars", labels,
                 (Series(this_name, padded(now_days.values)),
                  Series(before_name, padded(prev_days.values), dashed=True)),
                 unit=unit_label(m), x_ticks=tuple(range(0, n, 5)))


def _availability_chart(ctx: ReportContext, period: Period,
                        found: list[tuple[Measure, ms.Uptime]]) -> Chart:
    series = []
    labels: tuple[str, ...] = ()
    for m, _ in found[:6]:
        daily = ms.per_day(ctx.reader, m, period.start, period.end)
        labels = tuple(str(d.day) for d in daily.days)
        series.append(Series(m.label, tuple(daily.values.tolist())))
    return Chart("availability", "Availability per day", "line", labels, tuple(series),
                 unit="%", x_ticks=tuple(range(0, len(labels), 5)),
                 note=f"Target {ctx.config.reports.slo * 100:g} %.")


def _products(ctx: ReportContext, period: Period, before: Period, this_name: str,
              before_name: str) -> Block:
    m = ctx.roles.products
    if m is None:
        return Paragraph("No top-products metric is configured ([reports] products, or a "
                         "metric with kpi = \"sales.top_products\").", "muted")
    prefix = m.metric + PRODUCT_SEPARATOR
    names = [n for n in ctx.rollups.metrics() if n.startswith(prefix)]
    rows = []
    for name in names:
        ctx.progress.check()
        row_measure = Measure(name, name[len(prefix):], m.unit, How.CUMULATIVE, m.good,
                              m.currency)
        now_v = month_value(ctx, "", row_measure, period)
        if now_v is None:
            continue
        prev_v = month_value(ctx, "", row_measure, before)
        rows.append((now_v, row_measure, prev_v))
    rows.sort(key=lambda r: -r[0])
    cells = [[Cell(str(i + 1), i + 1), Cell(rm_.label), fmt.value_cell(now_v, m.unit, m.currency),
              fmt.value_cell(prev_v, m.unit, m.currency),
              fmt.change_cell(rm.growth(now_v, prev_v), "up")]
             for i, (now_v, rm_, prev_v) in enumerate(rows[:TOP_PRODUCTS])]
    title = m.label if m.label.lower().startswith("top products") else \
        f"Top products ({m.label})"
    return table("products", title, [
        Column("#", True, 0.4), Column("Product", width=2.6), Column(this_name, True),
        Column(before_name, True), Column("MoM", True)], cells,
        empty="No product figures were recorded this month (the board keeps the rows of the "
              "top-products breakdown while it runs).")


def _every_metric(ctx: ReportContext, period: Period, before: Period, this_name: str,
                  before_name: str) -> Block:
    rows = []
    metrics = [m for m in ctx.config.metrics]
    for i, metric in enumerate(metrics):
        if i % 10 == 0:
            ctx.progress.step(0.75 + 0.15 * i / max(1, len(metrics)), "every metric")
        got = ctx.reader.buckets(metric.id, period.start, period.end, HOUR_S)
        if not len(got):
            continue
        prev = ctx.reader.buckets(metric.id, before.start, before.end, HOUR_S)
        now_mean = float(np.nanmean(got.mean)) if len(got) else None
        prev_mean = float(np.nanmean(prev.mean)) if len(prev) else None
        source = ctx.config.source(metric.source)
        currency = source.currency if source is not None else "USD"
        rows.append([
            Cell(metric.label or metric.id), Cell(metric.id),
            fmt.value_cell(now_mean, metric.unit, currency),
            fmt.value_cell(prev_mean, metric.unit, currency),
            fmt.change_cell(rm.growth(now_mean, prev_mean), metric.good),
            fmt.value_cell(float(got.low.min()), metric.unit, currency),
            fmt.value_cell(float(got.high.max()), metric.unit, currency),
        ])
    return table("metrics", "Every metric: the month's mean against the previous month", [
        Column("Metric", width=2.2), Column("Id", width=2.2), Column(f"Mean, {this_name}", True),
        Column(f"Mean, {before_name}", True), Column("Change", True), Column("Min", True),
        Column("Max", True)], rows, empty="No metric has rollups this month.",
        note="Means of hourly means; a counter named \"today\" averages its running total.")
