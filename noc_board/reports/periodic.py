"""The daily and weekly reports: users, transactions and uptime, the significant changes called
out, and the time-of-day and day-of-week patterns.

A daily report compares the day with the day before and with the same day a week earlier; a
weekly one compares the week with the week before and shows the weekday x hour pattern of the
four weeks up to its end. Changes at least `[reports] significant` large are listed first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports import measures as ms
from noc_board.reports.common import (
    alarm_stats,
    compare_chart,
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
from noc_board.reports.journal_view import read_episodes
from noc_board.reports.periods import Period, local
from noc_board.reports.roles import How, Measure

DAY = 86_400.0
WEEK = 7 * DAY
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def period_value(ctx: ReportContext, role: str, measure: Measure, period: Period) -> float | None:
    """A role's figure for a period: a total (orders, revenue), a mean (a level), or for users
    counted per day (DAU) the mean of the days."""
    if role == "users" and measure.how is How.CUMULATIVE:
        daily = ms.per_day(ctx.reader, measure, period.start, period.end)
        return rm.mean(daily.values.tolist())
    return ms.total(ctx.reader, measure, period.start, period.end)


def role_label(role: str, measure: Measure) -> str:
    """How a role's figure is named in the summary."""
    if role == "users":
        return "Daily users (mean)" if measure.how is How.CUMULATIVE else \
            f"{measure.label} (mean)"
    return {"orders": "Orders", "revenue": "Revenue", "refunds": "Refunds",
            "returns": "Returns"}.get(role, measure.label)


def build_periodic(ctx: ReportContext, kind: str, period: Period) -> Report:
    """The daily (`kind` "daily") or weekly ("weekly") report over `period`."""
    zone = ctx.zone
    daily = kind == "daily"
    significant = ctx.config.reports.significant
    previous = period.shifted(-period.length) if daily else period.shifted(-WEEK)
    last_week = period.shifted(-WEEK)
    word = "day" if daily else "week"
    ctx.progress.step(0.05, "reading the rollups")

    rows = []
    callouts: list[str] = []
    figures: list[Figure] = []
    for role, measure in ctx.roles.named():
        ctx.progress.check()
        now_v = period_value(ctx, role, measure, period)
        before = period_value(ctx, role, measure, previous)
        change = rm.relative_change(now_v, before)
        label = role_label(role, measure)
        row = [Cell(label), fmt.value_cell(now_v, measure.unit, measure.currency),
               fmt.value_cell(before, measure.unit, measure.currency),
               fmt.change_cell(change, measure.good, significant)]
        if daily:
            week_v = period_value(ctx, role, measure, last_week)
            week_change = rm.relative_change(now_v, week_v)
            row += [fmt.value_cell(week_v, measure.unit, measure.currency),
                    fmt.change_cell(week_change, measure.good, significant)]
            if rm.is_significant(week_change, significant):
                callouts.append(_callout(label, week_change, now_v, week_v, measure,
                                         "the same day last week"))
        rows.append(row)
        if rm.is_significant(change, significant):
            callouts.append(_callout(label, change, now_v, before, measure,
                                     f"the previous {word}"))
        if role in ("users", "orders", "revenue"):
            figures.append(Figure(label, fmt.value_text(now_v, measure.unit, measure.currency),
                                  now_v, change_text=f"{fmt.change_text(change)} vs previous "
                                                     f"{word}", change=change,
                                  tone=fmt.tone(change, measure.good, significant)))
    columns = [Column("Figure", width=1.8), Column(f"This {word}", True),
               Column(f"Previous {word}", True), Column("Change", True)]
    if daily:
        columns += [Column("Same day last week", True), Column("Change on last week", True)]
    summary = table("summary", "Summary", columns, rows,
                    empty="No users, orders or revenue metric is configured.")

    ctx.progress.step(0.35, "measuring uptime")
    uptime, found = uptime_table(ctx, "uptime", "Uptime", period, ctx.roles.uptime)
    availability = mean_availability(found)
    slo = ctx.config.reports.slo
    for m, up in found:
        if up.availability is not None and up.availability < slo:
            callouts.append(f"{m.label}: availability {fmt.availability_text(up.availability)}, "
                            f"below the {slo * 100:g} % target ({fmt.duration(up.downtime_s)} "
                            "down).")
    figures.append(Figure("Availability", fmt.availability_text(availability), availability,
                          change_text=f"mean of {len(found)} services" if found else "no data",
                          tone="" if availability is None or availability >= slo else "bad"))

    raised = [e for e in read_episodes(ctx.journal, period.start, period.end)
              if period.start <= e.raised_at < period.end]
    raised_before = [e for e in read_episodes(ctx.journal, previous.start, previous.end)
                     if previous.start <= e.raised_at < previous.end]
    stats = alarm_stats(raised)
    alarm_change = rm.relative_change(stats.raised, len(raised_before))
    figures.append(Figure("Alarms raised", str(stats.raised), stats.raised,
                          change_text=f"{len(raised_before)} the previous {word}",
                          tone=fmt.tone(alarm_change, "down", significant)))
    incidents = [i for i in ctx.log.incidents().values() if i.overlaps(period.start, period.end)]
    figures.append(Figure("Incidents", str(len(incidents)), len(incidents),
                          tone="warn" if incidents else ""))

    ctx.progress.step(0.55, "drawing the charts")
    charts: list[Block] = []
    if daily:
        for chosen in (ctx.roles.orders, ctx.roles.users):
            if chosen is not None:
                charts.append(compare_chart(
                    ctx, f"chart_{chosen.metric}",
                    f"{'Orders' if chosen is ctx.roles.orders else chosen.label} per hour",
                    chosen, period, last_week, "same day last week", 3600,
                    kind="line" if chosen.how is How.LEVEL else "bars",
                    current_name="this day"))
    else:
        for chosen in (ctx.roles.orders, ctx.roles.users):
            if chosen is not None:
                charts.append(_per_day_chart(ctx, chosen, period, previous))
        if ctx.roles.orders is not None:
            charts.append(_pattern_chart(ctx, ctx.roles.orders, period))

    ctx.progress.step(0.75, "tabulating")
    detail = _hourly_table(ctx, period) if daily else _daily_table(ctx, period)
    incident_rows = [[Cell(i.id), Cell(i.title), fmt.time_cell(i.started_at, zone),
                      fmt.duration_cell((i.ended_at or ctx.now) - i.started_at),
                      Cell(i.status, i.status, "bad" if i.status == "open" else "")]
                     for i in sorted(incidents, key=lambda x: x.started_at)]
    incident_table = table("incidents", "Incidents", [
        Column("Id", width=0.8), Column("Title", width=3.0), Column("Started", width=1.3),
        Column("Duration", True), Column("Status", width=0.8)], incident_rows,
        empty="No incident.")
    changes: Block = Bullets(tuple(callouts), "callout") if callouts else Paragraph(
        f"No change of {significant * 100:g} % or more against the previous {word}"
        + (" or the same day last week." if daily else "."), "muted")
    sections = [
        Section("Summary", (Figures("summary", tuple(figures)), changes, summary)),
        Section("Patterns", tuple(charts)) if charts else None,
        Section("Uptime", (uptime,)),
        Section("Alarms and incidents", (
            recurring_table("alarms", "Alarms by rule", raised, period.end), incident_table)),
        Section("By hour" if daily else "By day", (detail,)),
    ]
    ctx.progress.step(0.85, "looking for insights")
    year_ago = period.shifted(-364 * DAY if daily else -52 * WEEK)
    sections += insight_sections(ctx, Comparison(
        period, previous, f"previous {word}", year_ago,
        "same weekday a year earlier" if daily else "same week a year earlier", word, False))
    title = "Daily report" if daily else "Weekly report"
    subtitle = fmt.day(period.start, zone) if daily else \
        f"Week {local(period.start, zone).isocalendar().week} of " \
        f"{local(period.start, zone).isocalendar().year}"
    return make_report(ctx, kind, title, subtitle, period,
                       [s for s in sections if s is not None])


def _callout(label: str, change: float | None, now_v: float | None, before: float | None,
             measure: Measure, against: str) -> str:
    verb = "rose" if (change or 0) > 0 else "fell"
    return (f"{label} {verb} {fmt.change_text(change).lstrip('+−±')} against {against} "
            f"({fmt.value_text(now_v, measure.unit, measure.currency)} vs "
            f"{fmt.value_text(before, measure.unit, measure.currency)}).")


def _per_day_chart(ctx: ReportContext, measure: Measure, period: Period,
                   previous: Period) -> Chart:
    now_days = ms.per_day(ctx.reader, measure, period.start, period.end)
    before = ms.per_day(ctx.reader, measure, previous.start, previous.end)
    labels = tuple(d.strftime("%a %d") for d in now_days.days)
    n = len(labels)
    prev = before.values.tolist()[:n] + [float("nan")] * max(0, n - before.values.shape[0])
    name = "Orders per day" if measure is ctx.roles.orders else f"{measure.label} per day"
    return Chart(f"chart_days_{measure.metric}", name,
                 "line" if measure.how is How.LEVEL else "bars", labels,
                 (Series("this week", tuple(now_days.values.tolist())),
                  Series("previous week", tuple(prev), dashed=True)), unit=unit_label(measure))


def _pattern_chart(ctx: ReportContext, measure: Measure, period: Period) -> Chart:
    start = period.end - 4 * WEEK
    grid = ms.per_hour_of_day(ctx.reader, measure, start, period.end)
    labels = tuple(f"{h:02d}" for h in range(24))
    series = tuple(Series(WEEKDAYS[d], tuple(grid[d].tolist())) for d in range(7))
    return Chart("pattern", "Orders per hour by weekday and hour (mean of the last 4 weeks)",
                 "heatmap", labels, series, unit=unit_label(measure),
                 x_ticks=tuple(range(0, 24, 3)),
                 note=f"From {fmt.day(start, ctx.zone)} to {fmt.day(period.end - 1, ctx.zone)}.")


def _detail_measures(ctx: ReportContext) -> list[tuple[str, Measure]]:
    return [(role, m) for role, m in ctx.roles.named() if role in ("users", "orders", "revenue")]


def _hourly_table(ctx: ReportContext, period: Period) -> Block:
    zone = ctx.zone
    measures = _detail_measures(ctx)
    columns: list[Column] = [Column("Hour", width=0.8)]
    values: list[np.ndarray] = []
    hours: Sequence[float] = []
    for role, m in measures:
        hours, v = ms.hourly(ctx.reader, m, period.start, period.end)
        values.append(v)
        columns.append(Column(role_label(role, m).replace(" (mean)", ""), True))
    up_hours = [ms.hourly(ctx.reader, m, period.start, period.end)[1] for m in ctx.roles.uptime]
    if up_hours:
        columns.append(Column("Availability", True))
    if not hours:
        hours = ms.hourly(ctx.reader, ctx.roles.uptime[0], period.start, period.end)[0] \
            if ctx.roles.uptime else []
    rows = []
    for i, h in enumerate(hours):
        row = [fmt.time_cell(h, zone, with_day=False)]
        for (_, m), v in zip(measures, values, strict=True):
            row.append(fmt.value_cell(float(v[i]), m.unit, m.currency))
        if up_hours:
            got = [float(u[i]) for u in up_hours if np.isfinite(u[i])]
            avail = rm.mean(got)
            row.append(Cell(fmt.availability_text(avail), avail if avail is not None else ""))
        rows.append(row)
    return table("hours", "By hour", columns, rows, empty="No data for the day.",
                 note="Users: the mean per hour for a level, new users for a daily count.")


def _daily_table(ctx: ReportContext, period: Period) -> Block:
    zone = ctx.zone
    measures = _detail_measures(ctx)
    columns: list[Column] = [Column("Day", width=1.2)]
    per: list[ms.Daily] = []
    for role, m in measures:
        per.append(ms.per_day(ctx.reader, m, period.start, period.end))
        columns.append(Column(role_label(role, m).replace(" (mean)", ""), True))
    ups = [ms.per_day(ctx.reader, m, period.start, period.end) for m in ctx.roles.uptime]
    if ups:
        columns.append(Column("Availability", True))
    starts = ms.day_starts(period.start, period.end, zone)
    rows = []
    for i, s in enumerate(starts):
        row = [Cell(fmt.day(s, zone), fmt.iso(s, zone))]
        for (_, m), d in zip(measures, per, strict=True):
            row.append(fmt.value_cell(float(d.values[i]), m.unit, m.currency))
        if ups:
            got = [float(u.values[i]) for u in ups if np.isfinite(u.values[i])]
            avail = rm.mean(got)
            row.append(Cell(fmt.availability_text(avail), avail if avail is not None else ""))
        rows.append(row)
    return table("days", "By day", columns, rows, empty="No data for the week.")
