"""The insight sections of the daily, weekly and monthly reports: bottlenecks, capacity headroom,
what changed, and behaviour trends.

Each section states its finding in a sentence with the figures it rests on beside it, and says
plainly when the data is missing or too short ("not enough history: 9 of 14 days") instead of
guessing. The figures come from `noc_board.core.insights`; the reading from `insight_inputs`.

Windows: bottlenecks compare the period with the previous one; capacity fits the hours of the
period or, when shorter, of the six weeks up to its end (a trend needs days); behaviour trends
read at least the four weeks up to the end (a weekday pattern needs several of each weekday).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from noc_board.core.insights.behaviour import ExitRanking, Pattern, exit_pages
from noc_board.core.insights.bottlenecks import Ranking, rank_errors, rank_slow
from noc_board.core.insights.changes import ChangeScan, find_changes
from noc_board.core.insights.headroom import Headroom
from noc_board.reports import formatting as fmt
from noc_board.reports import insight_inputs as ii
from noc_board.reports.context import ReportContext
from noc_board.reports.document import Block, Bullets, Cell, Column, Paragraph, Section, table
from noc_board.reports.journal_view import read_episodes
from noc_board.reports.periods import Period, local
from noc_board.reports.roles import measure_of
from noc_board.store.rollups import HOUR_S

DAY = 86_400.0
PATTERN_WINDOW = 28 * DAY
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP_ROUTES = 10


@dataclass(frozen=True, slots=True)
class Comparison:
    """The windows a report compares: the period, the previous one, a year before, and how
    they are named ("previous week", "same week last year"), and the buckets of "what changed"
    (hours, or days for a month)."""

    period: Period
    previous: Period
    previous_name: str
    year_ago: Period
    year_name: str
    word: str  # "day", "week", "month"
    by_day: bool


def insight_sections(ctx: ReportContext, cmp: Comparison) -> list[Section]:
    """The four insight sections of a report over `cmp.period`."""
    names = ctx.rollups.metrics()
    ctx.progress.check()
    sections = [Section("Bottlenecks", bottleneck_blocks(ctx, cmp, names))]
    ctx.progress.check()
    sections.append(Section("Capacity headroom", headroom_blocks(ctx, cmp)))
    ctx.progress.check()
    sections.append(Section("What changed", change_blocks(ctx, cmp)))
    ctx.progress.check()
    sections.append(Section("Behaviour trends", behaviour_blocks(ctx, cmp, names)))
    return sections


# --- bottlenecks ------------------------------------------------------------------------------

def bottleneck_blocks(ctx: ReportContext, cmp: Comparison, names: Sequence[str]) -> tuple[
        Block, ...]:
    cfg = ctx.config.insights
    if not cfg.route_requests:
        return (Paragraph("No route metrics are configured: name the breakdown metrics of "
                          "requests, p95 time and 404 and 5xx responses by route in [insights] "
                          "(route_requests, route_latency, route_5xx, route_404).", "muted"),)
    now = ii.route_stats(ctx.reader, names, ctx.config, cmp.period.start, cmp.period.end)
    before = ii.route_stats(ctx.reader, names, ctx.config, cmp.previous.start,
                            cmp.previous.end)
    slow = rank_slow(now, before, cfg.latency_goal, TOP_ROUTES)
    blocks: list[Block] = []
    lines = [line for line in (_slow_line(slow, cfg.latency_goal, cmp),
                               _error_line(rank_errors(now, before, "5xx", TOP_ROUTES), cmp),
                               _error_line(rank_errors(now, before, "404", TOP_ROUTES), cmp))
             if line]
    if lines:
        blocks.append(Bullets(tuple(lines), "callout"))
    blocks.append(_slow_table(slow, cfg.latency_goal, cmp))
    for kind in ("5xx", "404"):
        if getattr(cfg, f"route_{kind}"):
            blocks.append(_error_table(rank_errors(now, before, kind, TOP_ROUTES), cmp))
    return tuple(blocks)


def _change_words(change: float | None, previous_name: str) -> str:
    if change is None:
        return f"new since the {previous_name}"
    if abs(change) < 0.05:
        return f"about the same as the {previous_name}"
    return f"{'up' if change > 0 else 'down'} {fmt.change_text(change).lstrip('+−')} on the " \
           f"{previous_name}"


def _slow_line(ranking: Ranking, goal: float, cmp: Comparison) -> str:
    if not ranking.routes:
        return ""
    top = ranking.routes[0]
    if top.impact <= 0:
        return (f"No route's p95 was over the {fmt.value_text(goal, 'seconds')} goal this "
                f"{cmp.word}; the busiest slow one is {top.route} at "
                f"{fmt.value_text(top.value, 'seconds')}.")
    return (f"Slowest for users: {top.route}, p95 {fmt.value_text(top.value, 'seconds')} on "
            f"{fmt.percent(top.traffic_share)} of the traffic (goal "
            f"{fmt.value_text(goal, 'seconds')}), {_change_words(top.change, cmp.previous_name)}.")


def _error_line(ranking: Ranking, cmp: Comparison) -> str:
    if not ranking.routes:
        return ""
    top = ranking.routes[0]
    what = "server errors (5xx)" if ranking.kind == "5xx" else "not found (404)"
    return (f"Most {what}: {top.route}, {fmt.percent(top.value, 2)} of its requests "
            f"({fmt.percent(top.traffic_share)} of the traffic), "
            f"{_change_words(top.change, cmp.previous_name)}.")


def _slow_table(ranking: Ranking, goal: float, cmp: Comparison) -> Block:
    rows = [[Cell(str(i + 1), i + 1), Cell(r.route), fmt.value_cell(r.value, "seconds"),
             fmt.value_cell(r.previous, "seconds"), fmt.change_cell(r.change, "down", 0.1),
             fmt.value_cell(r.count, "per_second"), Cell(fmt.percent(r.traffic_share),
                                                         round(r.traffic_share, 6)),
             fmt.duration_cell(r.impact * HOUR_S)]
            for i, r in enumerate(ranking.routes)]
    return table("bottlenecks_slow", "Slowest routes, weighted by traffic", [
        Column("#", True, 0.4), Column("Route", width=2.2), Column("p95", True),
        Column(f"p95, {cmp.previous_name}", True), Column("Change", True),
        Column("Requests", True), Column("Traffic", True),
        Column("Time over goal per hour", True, 1.3)], rows,
        empty=_missing(ranking, "No route timings in the period."),
        note=f"Ranked by the time requests spent over the {fmt.value_text(goal, 'seconds')} "
             "goal (requests × (p95 − goal)): a slow page few people open ranks below a "
             "slightly slow busy one. p95: the hourly p95 weighted by the hour's requests.")


def _error_table(ranking: Ranking, cmp: Comparison) -> Block:
    title = "Routes with the most 5xx responses" if ranking.kind == "5xx" else \
        "Routes with the most 404 responses"
    rows = [[Cell(str(i + 1), i + 1), Cell(r.route),
             Cell(fmt.percent(r.value, 2), round(r.value, 6)),
             Cell(fmt.percent(r.previous, 2), round(r.previous, 6)) if r.previous is not None
             else Cell(fmt.DASH, ""), fmt.change_cell(r.change, "down", 0.1),
             fmt.value_cell(r.count, "per_second"),
             Cell(fmt.percent(r.traffic_share), round(r.traffic_share, 6))]
            for i, r in enumerate(ranking.routes)]
    return table(f"bottlenecks_{ranking.kind}", title, [
        Column("#", True, 0.4), Column("Route", width=2.2), Column("Share of requests", True),
        Column(f"Share, {cmp.previous_name}", True), Column("Change", True),
        Column("Responses", True), Column("Traffic", True)], rows,
        empty=_missing(ranking, f"No {ranking.kind} responses in the period."),
        note="Ranked by the number of such responses, so the busy routes where most users "
             "meet them come first.")


def _missing(ranking: Ranking, fallback: str) -> str:
    return _sentence(ranking.missing or fallback)


def _sentence(text: str) -> str:
    """A core "missing" phrase as a sentence: capitalised, with its full stop."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# --- capacity headroom ------------------------------------------------------------------------

def headroom_blocks(ctx: ReportContext, cmp: Comparison) -> tuple[Block, ...]:
    targets = ii.capacity_targets(ctx.config)
    if not targets:
        return (Paragraph("No saturation metric is configured ([[insights.capacity]], or a "
                          "metric with kpi health.db_connections or health.server_load).",
                          "muted"),)
    period = cmp.period
    lines: list[str] = []
    rows = []
    fit_start = period.start
    for target in targets:
        ctx.progress.check()
        fit = ii.fit_capacity(ctx.reader, ctx.config, target, period.start, period.end)
        found, peak, fit_start = fit.headroom, fit.peak, fit.fit_start
        unit = target.metric.unit
        load_label = (target.load.label or target.load.id) if target.load else "no load metric"
        lines.append(_headroom_line(ctx, target.name, found, unit, load_label, peak,
                                    fit.peak_at, cmp))
        # a date only for a projection: "distant" keeps its far crossing for the record, but a
        # date centuries out reads as a forecast nobody made
        crossing = found.crossing_ts if found.status == "projected" else None
        rows.append([
            Cell(target.name), fmt.value_cell(target.limit, unit), fmt.value_cell(peak, unit),
            _general_cell(found.r2, 2), _general_cell(found.load_growth),
            Cell(fmt.day(crossing, ctx.zone), fmt.iso(crossing, ctx.zone))
            if crossing is not None else Cell(fmt.DASH, ""),
            Cell(_weeks_text(crossing, period.end),
                 round((crossing - period.end) / DAY, 1) if crossing is not None else ""),
            Cell(found.status, found.status, "bad" if found.status == "over" else
                 "warn" if found.status == "projected" else ""),
        ])
    return (Bullets(tuple(lines), "callout"), table("headroom", "Capacity headroom", [
        Column("Service", width=1.6), Column("Limit", True), Column(f"Peak this {cmp.word}", True),
        Column("Fit r²", True), Column("Peak load growth per day", True),
        Column("Reaches the limit", width=1.4), Column("In", width=1.0),
        Column("Status", width=0.9)], rows,
        note=f"Fitted over {fmt.day(fit_start, ctx.zone)} – "
             f"{fmt.day(period.end - 1, ctx.zone)}: saturation against load over every hour, "
             "and the daily peak load against time with its weekday rhythm; the busiest "
             "weekday's projected peak gives the date. The sentences above give the fit."))


def _general_cell(value: float | None, digits: int = 3) -> Cell:
    """A fitted figure with `digits` significant digits (0.000252, 0.99, 21.8)."""
    if value is None or not math.isfinite(value):
        return Cell(fmt.DASH, "")
    return Cell(f"{value:.{digits}g}", value)


def _weeks_text(crossing: float | None, now: float) -> str:
    if crossing is None:
        return fmt.DASH
    days = max(0.0, (crossing - now) / DAY)
    if days < 14:
        return f"about {max(1, round(days))} days"
    return f"about {round(days / 7)} weeks"


def _headroom_line(ctx: ReportContext, name: str, found: Headroom, unit: str,
                   load_label: str, peak: float | None, peak_at: float | None,
                   cmp: Comparison) -> str:
    limit = fmt.value_text(found.limit, unit)
    peak_text = (f"peak this {cmp.word} {fmt.value_text(peak, unit)} "
                 f"at {fmt.when(peak_at, ctx.zone)}") if peak is not None \
        else f"no figure this {cmp.word}"
    basis = ""
    if found.slope is not None and found.r2 is not None:
        basis = (f"; {found.slope:.3g} per unit of {load_label.lower()} "
                 f"(r² {found.r2:.2f}) over {found.days_used} days")
        if found.load_growth is not None:
            basis += f", peak load {'+' if found.load_growth >= 0 else '−'}" \
                     f"{fmt.number(abs(found.load_growth))} a day"
        if found.busy_factor is not None and found.busy_factor > 1.005:
            basis += f", the busiest weekday's peak {fmt.percent(found.busy_factor - 1, 0)} " \
                     "above the average day's"
    if found.status == "projected" and found.crossing_ts is not None:
        return (f"At the current growth, {name} reaches {limit} at peak in "
                f"{_weeks_text(found.crossing_ts, cmp.period.end)} (around "
                f"{local(found.crossing_ts, ctx.zone).strftime('%d %b %Y')}): "
                f"{peak_text}{basis}.")
    if found.status == "over":
        return (f"{name} already reached {limit} at peak: {fmt.value_text(found.peak, unit)} "
                f"on {fmt.when(found.peak_at, ctx.zone)} ({peak_text}){basis}.")
    reason = found.reason or found.status
    return f"{name}: {reason} ({peak_text}{basis})."


# --- what changed -----------------------------------------------------------------------------

def change_blocks(ctx: ReportContext, cmp: Comparison) -> tuple[Block, ...]:
    period = cmp.period
    episodes = [e for e in read_episodes(ctx.journal, period.start, period.end)
                if e.raised_at < period.end]
    incidents = [i for i in ctx.log.incidents().values() if i.overlaps(period.start, period.end)]
    events = ii.alarm_and_incident_events(episodes, incidents, ctx.config, period.end)
    width = DAY if cmp.by_day else HOUR_S
    significant = ctx.config.reports.significant
    scans: list[tuple[ChangeScan, list[float]]] = []
    for reference, name in ((cmp.previous, cmp.previous_name), (cmp.year_ago, cmp.year_name)):
        starts, series = ii.kpi_series(ctx.reader, ctx.config, period, reference, cmp.by_day)
        scans.append((find_changes(series, name, starts, width, events,
                                   min_effect=significant), starts))
    rows = []
    for scan, starts in scans:
        for c in scan.changes:
            metric = ctx.config.metric(c.metric)
            measure = measure_of(ctx.config, metric) if metric is not None else None
            unit = measure.unit if measure is not None else "count"
            currency = measure.currency if measure is not None else "USD"
            rows.append([
                Cell(c.label), Cell(c.against), fmt.value_cell(c.current, unit, currency),
                fmt.value_cell(c.reference, unit, currency),
                Cell(fmt.change_text(c.change), round(c.change, 6),
                     c.verdict if c.verdict in ("good", "bad") else ""),
                Cell(c.verdict), Cell(f"{c.score:.1f}" if math.isfinite(c.score) else "∞",
                                      round(c.score, 3) if math.isfinite(c.score) else ""),
                Cell(_buckets_text(c.buckets, starts, ctx.zone, cmp)),
                Cell("; ".join(_sorted_overlaps(c.overlaps, c.label)) or fmt.DASH,
                     "; ".join(c.overlaps)),
            ])
    unit_word = "day" if cmp.by_day else "hour"
    blocks: list[Block] = [table("changes", "Significant changes", [
        Column("KPI", width=1.8), Column("Against", width=1.4), Column(f"Per {unit_word}", True),
        Column("Before", True), Column("Change", True), Column("Verdict", width=0.8),
        Column("t", True, 0.5), Column("Where", width=1.8), Column("Alongside", width=2.4)],
        rows, empty=f"No KPI changed by {significant * 100:g} % or more beyond its noise "
                    f"against the {cmp.previous_name} or the {cmp.year_name}.",
        note=f"A change is listed when the mean per {unit_word} moved by at least "
             f"{significant * 100:g} % and the paired differences of the {unit_word}s are "
             "at least 3 standard errors from zero. Where: the "
             f"{unit_word}s holding most of it.")]
    missing = _missing_lines([s for s, _ in scans], (cmp.previous_name, cmp.year_name))
    if missing:
        blocks.append(Bullets(tuple(missing), "muted"))
    return tuple(blocks)


def _sorted_overlaps(overlaps: Sequence[str], label: str) -> list[str]:
    """Incidents first, then alarms on the KPI itself, then others; at most four."""
    def rank(name: str) -> int:
        return 0 if name.startswith("incident") else 1 if label in name else 2
    return sorted(overlaps, key=rank)[:4]


def _missing_lines(scans: Sequence[ChangeScan], names: Sequence[str]) -> list[str]:
    lines = []
    for scan, name in zip(scans, names, strict=True):
        if not scan.missing:
            continue
        if len(scan.missing) > 6:
            reasons = sorted({m.split(": ", 1)[-1] for m in scan.missing})
            lines.append(f"Against the {name}: {len(scan.missing)} KPIs not compared "
                         f"({'; '.join(reasons[:3])}).")
        else:
            lines.append(f"Against the {name}, not compared: {'; '.join(scan.missing)}.")
    return lines


def _buckets_text(buckets: Sequence[int], starts: Sequence[float], zone: str,
                  cmp: Comparison) -> str:
    """"14:00–17:00", "Tue 14:00–16:00, Wed 20:00–21:00" or "Mon 02, Tue 03"."""
    runs: list[tuple[int, int]] = []
    for b in sorted(buckets):
        if runs and b == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((b, b))
    parts = []
    for first, last in runs:
        if first >= len(starts) or last >= len(starts):
            continue
        a = local(starts[first], zone)
        if cmp.by_day:
            b_ = local(starts[last], zone)
            parts.append(a.strftime("%a %d") if first == last else
                         f"{a.strftime('%a %d')}–{b_.strftime('%a %d')}")
            continue
        end = local(starts[last] + HOUR_S, zone)
        day = "" if cmp.word == "day" else a.strftime("%a ")
        parts.append(f"{day}{a.strftime('%H:%M')}–{end.strftime('%H:%M')}")
    return ", ".join(parts) or fmt.DASH


# --- behaviour trends -------------------------------------------------------------------------

def behaviour_blocks(ctx: ReportContext, cmp: Comparison, names: Sequence[str]) -> tuple[
        Block, ...]:
    period = cmp.period
    window = Period(min(period.start, period.end - PATTERN_WINDOW), period.end, period.zone)
    measures = [m for m in (ctx.roles.users, ctx.roles.orders) if m is not None]
    patterns = ii.engagement_patterns(ctx.reader, ctx.config, measures, window.start,
                                      window.end)
    blocks: list[Block] = []
    lines = [line for p in patterns if (line := _pattern_line(p))]
    if lines:
        blocks.append(Bullets(tuple(lines), "callout"))
    blocks.append(table("behaviour_peaks", "When users engage and order", [
        Column("Figure", width=1.6), Column("Peak hour", True), Column("Quietest hour", True),
        Column("Peak day", width=1.0), Column("Quietest day", width=1.0),
        Column("Days of data", True), Column("Note", width=2.2)],
        [[Cell(p.label), _hour_cell(p.peak_hour if _whole_day(p) else None),
          _hour_cell(p.dip_hour if _whole_day(p) else None), _day_cell(p.peak_day),
          _day_cell(p.dip_day), Cell(str(p.days), p.days), Cell(p.missing)] for p in patterns],
        empty="No users or orders metric is configured.",
        note=f"Means per local hour and weekday from {fmt.day(window.start, ctx.zone)} to "
             f"{fmt.day(window.end - 1, ctx.zone)}."))
    blocks.append(_exit_block(ctx, cmp, names))
    return tuple(blocks)


def _whole_day(p: Pattern) -> bool:
    """Whether every hour of the day has data: a peak among a few hours is no peak."""
    return all(math.isfinite(v) for v in p.by_hour)


def _pattern_line(p: Pattern) -> str:
    if p.peak_hour is None or p.dip_hour is None or not _whole_day(p):
        return ""
    text = (f"{p.label} peak at {p.peak_hour:02d}:00 and are lowest at {p.dip_hour:02d}:00"
            if p.label.endswith("s") else
            f"{p.label} peaks at {p.peak_hour:02d}:00 and is lowest at {p.dip_hour:02d}:00")
    if p.peak_day is not None and p.dip_day is not None:
        text += f"; the busiest day is {WEEKDAYS[p.peak_day]}, the quietest " \
                f"{WEEKDAYS[p.dip_day]}"
    return text + "."


def _hour_cell(hour: int | None) -> Cell:
    return Cell(fmt.DASH, "") if hour is None else Cell(f"{hour:02d}:00", hour)


def _day_cell(day: int | None) -> Cell:
    return Cell(fmt.DASH, "") if day is None else Cell(WEEKDAYS[day], WEEKDAYS[day])


def _exit_block(ctx: ReportContext, cmp: Comparison, names: Sequence[str]) -> Block:
    metric = ii.flow_metric(ctx.config)
    if metric is None:
        return Paragraph("No behaviour-flow metric is configured ([insights] flow, or a metric "
                         "with kpi behaviour.flow).", "muted")
    now = ii.flow_rows(ctx.reader, names, metric.id, cmp.period.start, cmp.period.end)
    before = ii.flow_rows(ctx.reader, names, metric.id, cmp.previous.start, cmp.previous.end)
    ranking: ExitRanking = exit_pages(now, before)
    rows = [[Cell(p.page), fmt.value_cell(p.views, "count"), fmt.value_cell(p.exits, "count"),
             Cell(fmt.percent(p.exit_rate), round(p.exit_rate, 6)),
             Cell(fmt.percent(p.previous_rate), round(p.previous_rate, 6))
             if p.previous_rate is not None else Cell(fmt.DASH, ""),
             Cell(_points(p.change), round(p.change, 6) if p.change is not None else "",
                  "" if p.change is None or abs(p.change) < 0.01 else
                  "bad" if p.change > 0 else "good")]
            for p in ranking.pages]
    return table("exit_pages", "Where users leave the behaviour flow", [
        Column("Page", width=2.2), Column("Views", True), Column("Exits", True),
        Column("Exit rate", True), Column(f"Exit rate, {cmp.previous_name}", True),
        Column("Change", True)], rows,
        empty=_sentence(ranking.missing or "no page transitions were recorded in the period")
        + " The board keeps the rows of the behaviour-flow breakdown while it runs.",
        note="Exits: a page's views minus the views that went on to another page.")


def _points(change: float | None) -> str:
    if change is None or not math.isfinite(change):
        return fmt.DASH
    return f"{'+' if change >= 0 else '−'}{abs(change) * 100:.1f} pts"
