"""The incident report: the timeline from the journal, the impact against the same time last
week, and the cause, resolution and actions the operators wrote.

The window is the incident's own (from its start to its resolution, or to now while open)
unless --from/--to say otherwise. Impact: orders and revenue in the window against the same
window a week earlier (what was lost), the users on site (or arriving) then, and the downtime of
the uptime metrics as a share of the 30-day error budget.
"""

from __future__ import annotations

from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports import measures as ms
from noc_board.reports.common import BUDGET_PERIOD, compare_chart, make_report
from noc_board.reports.context import ReportContext, ReportError
from noc_board.reports.document import (
    Block,
    Cell,
    Column,
    Figure,
    Figures,
    Paragraph,
    Report,
    Section,
    table,
)
from noc_board.reports.journal_view import read_episodes
from noc_board.reports.periods import Period
from noc_board.reports.roles import How
from noc_board.store.journal import ACK, ALARM, ESCALATION, INCIDENT, NOTE, SOURCE_HEALTH
from noc_board.store.operator_log import Incident
from noc_board.store.rollups import MINUTE_S

WEEK = 7 * 86_400.0
MARGIN = 600.0  # the timeline shows this much before the start and after the end


def incident_period(ctx: ReportContext, incident: Incident, start: float | None,
                    end: float | None) -> Period:
    """The incident's window, or the one given."""
    a = incident.started_at if start is None else start
    b = end if end is not None else (incident.ended_at or ctx.now)
    if b <= a:
        b = a + 60.0
    return Period(a, b, ctx.zone)


def build_incident(ctx: ReportContext, incident_id: str, period: Period | None = None) -> Report:
    """The report of incident `incident_id`; raises ReportError when there is no such one."""
    incident = ctx.log.incident(incident_id)
    if incident is None:
        known = ", ".join(sorted(ctx.log.incidents())) or "none yet"
        raise ReportError(f"no incident {incident_id!r} in the journal (incidents: {known})")
    period = period or incident_period(ctx, incident, None, None)
    zone = ctx.zone
    a, b = period.start, period.end
    ctx.progress.step(0.05, "reading the journal")
    keys = set(incident.alarms)
    eps = [e for e in read_episodes(ctx.journal, a, b) if e.key in keys
           and e.raised_at < b and (e.closed_at is None or e.closed_at >= a - MARGIN)]
    detected = min((e.raised_at for e in eps), default=None)
    acks = [e.acked_at for e in eps if e.acked_at is not None]
    first_ack = min(acks) if acks else None
    tta = rm.time_to_acknowledge(detected, first_ack)

    ctx.progress.step(0.25, "measuring the impact")
    impact_rows = []
    figures: list[Figure] = [
        Figure("Duration", fmt.duration(b - a), round(b - a, 3),
               change_text="still open" if incident.status == "open" else "resolved",
               tone="bad" if incident.status == "open" else ""),
        Figure("Time to acknowledge", fmt.duration(tta), None if tta is None else round(tta, 3),
               change_text=f"detected {fmt.clock(detected, zone)}" if detected else
               "opened by hand"),
    ]
    last_week = period.shifted(-WEEK)
    for role, word in (("orders", "Orders lost"), ("revenue", "Revenue lost"),
                       ("users", "Users affected")):
        measure = getattr(ctx.roles, role)
        if measure is None:
            continue
        name = {"orders": "Orders", "revenue": "Revenue"}.get(role, measure.label)
        actual = ms.total(ctx.reader, measure, a, b)
        expected = ms.total(ctx.reader, measure, last_week.start, last_week.end)
        if actual is None or expected is None:
            impact_rows.append([Cell(name), fmt.value_cell(actual, measure.unit,
                                                                    measure.currency),
                                fmt.value_cell(expected, measure.unit, measure.currency),
                                Cell(fmt.DASH), Cell(fmt.DASH)])
            figures.append(Figure(word, fmt.DASH, change_text="no data to compare"))
            continue
        hit = rm.impact(actual, expected)
        impact_rows.append([
            Cell(name + (" (mean)" if measure.how is How.LEVEL else "")),
            fmt.value_cell(actual, measure.unit, measure.currency),
            fmt.value_cell(expected, measure.unit, measure.currency),
            fmt.value_cell(hit.lost, measure.unit, measure.currency,
                           "bad" if hit.lost > 0 else ""),
            Cell(fmt.percent(hit.lost_share), None if hit.lost_share is None
                 else round(hit.lost_share, 6)),
        ])
        if role == "users":
            shown = actual
            note = "on site during it (mean)" if measure.how is How.LEVEL else "arrived during it"
            figures.append(Figure(word, fmt.value_text(shown, measure.unit), round(shown, 3),
                                  change_text=note))
        else:
            figures.append(Figure(word, fmt.value_text(hit.lost, measure.unit, measure.currency),
                                  round(hit.lost, 3),
                                  change_text=f"{fmt.percent(hit.lost_share)} of the same time "
                                              "last week", tone="bad" if hit.lost > 0 else ""))
    slo = ctx.config.reports.slo
    budget_rows = []
    worst_share = 0.0
    for m in ctx.roles.uptime:
        up = ms.uptime(ctx.reader, m, a, b, MINUTE_S)
        share = rm.budget_share(up.downtime_s, slo, BUDGET_PERIOD)
        worst_share = max(worst_share, share)
        budget_rows.append([Cell(m.label), fmt.duration_cell(up.downtime_s,
                                                             "bad" if up.downtime_s else ""),
                            Cell(fmt.percent(share), round(share, 6),
                                 "bad" if share >= 0.1 else "")])
    if ctx.roles.uptime:
        figures.append(Figure("Error budget spent", fmt.percent(worst_share),
                              round(worst_share, 6),
                              change_text=f"of 30 days at {slo * 100:g} %",
                              tone="bad" if worst_share >= 0.1 else ""))

    ctx.progress.step(0.5, "building the timeline")
    timeline_rows = []
    entries = ctx.journal.entries(a - MARGIN, b + MARGIN,
                                  kinds=[ALARM, ACK, ESCALATION, NOTE, INCIDENT, SOURCE_HEALTH,
                                         "horn"])
    for entry in entries:
        if entry.kind in (ALARM, ACK, ESCALATION, "horn") and entry.subject not in keys:
            continue
        if entry.kind == INCIDENT and entry.subject != incident.id:
            continue
        if entry.kind == NOTE and entry.subject not in ("shift", incident.id):
            continue
        what = {ALARM: "alarm", ACK: "acknowledged", ESCALATION: "escalation", NOTE: "note",
                INCIDENT: "incident", SOURCE_HEALTH: "source", "horn": "horn"}[entry.kind]
        if entry.kind == ALARM:
            what = str(entry.data.get("event", "alarm")).replace("_", " ")
        tone = "bad" if what in ("raised", "severity changed") else (
            "good" if what in ("cleared", "acknowledged") else "")
        timeline_rows.append([fmt.stamp_cell(entry.ts, zone, a, b),
                              Cell(what, what, tone), Cell(entry.actor or "", entry.actor or ""),
                              Cell(entry.message)])
    timeline = table("timeline", "Timeline", [
        Column("Time", width=0.6), Column("Event", width=1.1), Column("Who", width=0.8),
        Column("What", width=5.0)], timeline_rows, empty="The journal has nothing on it.")
    impact_table = table("impact", "Impact against the same time last week", [
        Column("Measure", width=2.0), Column("During the incident", True),
        Column("Same time last week", True), Column("Shortfall", True), Column("Share", True)],
        impact_rows, empty="No orders, revenue or users metric is configured.")
    budget_table = table("error_budget", "Error budget", [
        Column("Service", width=2.0), Column("Downtime", True),
        Column("Share of the 30-day budget", True)], budget_rows,
        empty="No uptime metric is configured.")

    ctx.progress.step(0.7, "drawing the charts")
    chart_blocks: list[Block] = []
    around = Period(a - 3600.0, b + 3600.0, zone)
    step = 300 if around.length <= 12 * 3600 else 3600
    for measure in (ctx.roles.orders, ctx.roles.users):
        if measure is None:
            continue
        per = "5 minutes" if step == 300 else "hour"
        name = "Orders" if measure is ctx.roles.orders else measure.label
        chart_blocks.append(compare_chart(
            ctx, f"chart_{measure.metric}", f"{name} per {per}, an hour either side",
            measure, around, around.shifted(-WEEK), "same time last week", step,
            kind="line" if measure.how is How.LEVEL else "bars", current_name="incident day"))

    def text_or_missing(text: str) -> Paragraph:
        return Paragraph(text) if text.strip() else Paragraph("Not written yet.", "muted")

    alarms_line = ", ".join(sorted(keys)) if keys else "opened by hand"
    facts = table("facts", "The incident", [Column("", width=1.0), Column("", width=4.0)], [
        [Cell("Id"), Cell(incident.id)],
        [Cell("Status"), Cell(incident.status, incident.status,
                              "bad" if incident.status == "open" else "good")],
        [Cell("Severity"), Cell(incident.severity or fmt.DASH, incident.severity)],
        [Cell("Started"), fmt.time_cell(incident.started_at, zone)],
        [Cell("Resolved"), fmt.time_cell(incident.resolved_at, zone)],
        [Cell("Opened by"), Cell(f"{incident.opened_by} at {fmt.when(incident.opened_at, zone)}")],
        [Cell("Alarms"), Cell(alarms_line)],
    ])
    sections = [
        Section("Summary", (Figures("summary", tuple(figures)), facts)),
        Section("Cause", (text_or_missing(incident.cause),)),
        Section("Resolution", (text_or_missing(incident.resolution),)),
        Section("Actions to prevent a recurrence", (text_or_missing(incident.actions),)),
        Section("Impact", (impact_table, budget_table, *chart_blocks)),
        Section("Timeline", (timeline,)),
    ]
    return make_report(ctx, "incident", f"Incident report {incident.id}", incident.title,
                       period, sections)
