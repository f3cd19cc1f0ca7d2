"""Pieces several reports share: the report frame, alarm statistics, uptime tables, charts of a
measure against a reference period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports import measures as ms
from noc_board.reports.context import ReportContext
from noc_board.reports.document import Cell, Chart, Column, Report, Section, Series, Table, table
from noc_board.reports.journal_view import Episode
from noc_board.reports.periods import Period, local
from noc_board.reports.roles import Measure

BUDGET_PERIOD = 30 * 86_400.0  # error budgets are per 30 days (SRE workbook)


def make_report(ctx: ReportContext, kind: str, title: str, subtitle: str, period: Period,
                sections: Sequence[Section]) -> Report:
    """The frame every report shares: board, period, time zone, when and by whom."""
    generated = f"Generated {local(ctx.now, ctx.zone).strftime('%a %d %b %Y %H:%M')}"
    if ctx.author:
        generated += f" by {ctx.author}"
    return Report(kind=kind, title=title, subtitle=subtitle, board=ctx.config.board.title,
                  start=period.start, end=period.end, timezone=ctx.zone,
                  period_text=fmt.period_text(period.start, period.end, ctx.zone),
                  generated_text=generated, sections=tuple(sections))


def unit_label(measure: Measure) -> str:
    """The y-axis unit of a chart of `measure`."""
    return {"ratio": "%", "money": measure.currency, "seconds": "s"}.get(measure.unit, "")


def chart_values(measure: Measure, values: Iterable[float]) -> tuple[float, ...]:
    """Values as a chart draws them (ratios stay fractions: the chart's unit says %)."""
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class AlarmStats:
    """Counts and times of acknowledgement of a set of episodes."""

    raised: int
    acknowledged: int
    escalated: int
    cleared: int
    median_tta: float | None
    longest_tta: float | None


def alarm_stats(raised: Sequence[Episode]) -> AlarmStats:
    """Statistics of the episodes raised in a window."""
    ttas = [e.time_to_ack for e in raised if e.time_to_ack is not None]
    return AlarmStats(
        raised=len(raised),
        acknowledged=sum(1 for e in raised if e.acked_at is not None),
        escalated=sum(1 for e in raised if e.escalated),
        cleared=sum(1 for e in raised if e.cleared_at is not None),
        median_tta=rm.median(ttas),
        longest_tta=max(ttas) if ttas else None,
    )


def state_word(state: str) -> str:
    """A journal state as a reader says it."""
    return {
        "normal": "normal", "unacknowledged": "unacked", "acknowledged": "acked, active",
        "returned_unacknowledged": "cleared, unacked", "shelved": "shelved",
        "suppressed": "suppressed",
    }.get(state, state)


def recurring_table(name: str, title: str, raised: Sequence[Episode], end: float,
                    limit: int = 10) -> Table:
    """The rules that fired most: count, acknowledged, median time to ack, time active."""
    by_rule: dict[str, list[Episode]] = {}
    for e in raised:
        by_rule.setdefault(e.rule, []).append(e)
    ranked = sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    rows = []
    for rule, eps in ranked:
        ttas = [e.time_to_ack for e in eps if e.time_to_ack is not None]
        active = sum(e.duration(end) for e in eps)
        rows.append([
            Cell(rule), Cell(str(len(eps)), len(eps)),
            Cell(str(sum(1 for e in eps if e.acked_at is not None)),
                 sum(1 for e in eps if e.acked_at is not None)),
            fmt.duration_cell(rm.median(ttas)),
            Cell(str(sum(1 for e in eps if e.escalated)), sum(1 for e in eps if e.escalated)),
            fmt.duration_cell(active),
        ])
    return table(name, title, [Column("Rule", width=2.2), Column("Raised", True),
                               Column("Acked", True), Column("Median time to ack", True),
                               Column("Escalated", True), Column("Time active", True)],
                 rows, empty="No alarm was raised.")


def uptime_table(ctx: ReportContext, name: str, title: str, period: Period,
                 measures: Sequence[Measure]) -> tuple[Table, list[tuple[Measure, ms.Uptime]]]:
    """Availability, downtime and error budget of each uptime measure over `period`.

    The budget is the target's allowance over the period itself (1 - slo of its length).
    """
    slo = ctx.config.reports.slo
    rows = []
    found = []
    for m in measures:
        up = ms.uptime(ctx.reader, m, period.start, period.end)
        found.append((m, up))
        if up.availability is None:
            rows.append([Cell(m.label), Cell(fmt.DASH), Cell(fmt.DASH), Cell(fmt.DASH),
                         Cell(fmt.DASH), Cell("no data")])
            continue
        budget = rm.error_budget(slo, up.availability, up.covered_s)
        over = budget.spent > 1.0
        rows.append([
            Cell(m.label),
            Cell(fmt.availability_text(up.availability), round(up.availability, 6),
                 "good" if budget.attained else "bad"),
            fmt.duration_cell(up.downtime_s, "bad" if up.downtime_s > 0 else ""),
            fmt.duration_cell(budget.allowed_s),
            Cell(fmt.percent(budget.spent), round(budget.spent, 6), "bad" if over else ""),
            Cell("met" if budget.attained else "missed", "met" if budget.attained else "missed",
                 "good" if budget.attained else "bad"),
        ])
    target = f"{slo * 100:g} %"
    return table(name, title, [Column("Service", width=2.0), Column("Availability", True),
                               Column("Downtime", True), Column("Budget", True),
                               Column("Budget spent", True), Column(f"SLO {target}", True)],
                 rows, empty="No uptime metric is configured ([reports] uptime or kpi = "
                 "\"health.up\").",
                 note=f"Availability is the share of minutes up where data exists; the budget "
                      f"is {(1 - slo) * 100:.3g} % of the time with data."), found


def mean_availability(found: Sequence[tuple[Measure, ms.Uptime]]) -> float | None:
    """The mean availability of the measures with data."""
    return rm.mean(u.availability for _, u in found if u.availability is not None)


def compare_chart(ctx: ReportContext, name: str, title: str, measure: Measure,
                  period: Period, reference: Period, reference_name: str, step: int,
                  kind: str = "bars", current_name: str = "this period") -> Chart:
    """`measure` per `step` seconds over `period`, with `reference` (the same length earlier)
    as a dashed line."""
    if step >= 3600:
        starts, values = ms.hourly(ctx.reader, measure, period.start, period.end)
        _, before = ms.hourly(ctx.reader, measure, reference.start, reference.end)
    else:
        starts, values = ms.minutely(ctx.reader, measure, period.start, period.end, step)
        _, before = ms.minutely(ctx.reader, measure, reference.start, reference.end, step)
    n = len(starts)
    before = before[:n] if before.shape[0] >= n else _pad(before, n)
    labels = tuple(fmt.clock(t, ctx.zone) for t in starts)
    ticks = _time_ticks(starts, ctx.zone)
    return Chart(name, title, kind, labels,
                 (Series(current_name, chart_values(measure, values)),
                  Series(reference_name, chart_values(measure, before), dashed=True)),
                 unit=unit_label(measure), x_ticks=ticks)


def _pad(values: ms.FloatArray, n: int) -> ms.FloatArray:
    import numpy as np

    out = np.full(n, np.nan)
    out[: values.shape[0]] = values
    return out


def _time_ticks(starts: Sequence[float], zone: str, most: int = 9) -> tuple[int, ...]:
    """Indices of labels worth showing: round hours, at most `most` of them."""
    if not starts:
        return ()
    n = len(starts)
    step_s = starts[1] - starts[0] if n > 1 else 3600.0
    for every_s in (900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400):
        if every_s < step_s:
            continue
        picked = [i for i, t in enumerate(starts)
                  if (local(t, zone).hour * 3600 + local(t, zone).minute * 60) % every_s == 0]
        if len(picked) <= most:
            return tuple(picked) if picked else (0,)
    return (0, n - 1)
