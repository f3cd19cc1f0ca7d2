"""The shift report: what happened on one shift and what the next one must watch.

Alarms raised (who acknowledged them and how fast, escalations, clears, the state at handover),
source outages, the KPIs at the start and end of the shift, the operators' notes, incidents, and
the list for the next shift: alarms still unacknowledged, acknowledged but active, shelved, the
notes flagged for it and the incidents still open.
"""

from __future__ import annotations

from noc_board.core import report_math as rm
from noc_board.reports import formatting as fmt
from noc_board.reports import measures as ms
from noc_board.reports.common import (
    alarm_stats,
    compare_chart,
    make_report,
    state_word,
)
from noc_board.reports.context import ReportContext
from noc_board.reports.document import (
    Block,
    Bullets,
    Cell,
    Column,
    Figure,
    Figures,
    Paragraph,
    Report,
    Section,
    table,
)
from noc_board.reports.journal_view import UNACKED_STATES, read_episodes, read_outages
from noc_board.reports.periods import Period

WEEK = 7 * 86_400.0


def build_shift(ctx: ReportContext, period: Period) -> Report:
    """The shift report over `period`."""
    zone = ctx.zone
    a, b = period.start, period.end
    ctx.progress.step(0.05, "reading the journal")
    all_eps = read_episodes(ctx.journal, a, b)
    raised = [e for e in all_eps if a <= e.raised_at < b]
    carried = [e for e in all_eps if e.raised_at < a and (e.closed_at is None or e.closed_at >= a)]
    stats = alarm_stats(raised)
    open_at_end = [e for e in all_eps if e.closed_at is None or e.closed_at >= b]
    open_at_end = [e for e in open_at_end if e.raised_at < b and e.state != "normal"]
    unacked = [e for e in open_at_end if e.state in UNACKED_STATES]
    outages = read_outages(ctx.journal, a, b)
    notes = ctx.log.notes(a, b)
    incidents = [i for i in ctx.log.incidents().values() if i.overlaps(a, b)]
    ctx.progress.step(0.3, "reading the KPIs")

    down_s = sum(min(o.end if o.end is not None else b, b) - max(o.start, a) for o in outages)
    figures = Figures("summary", (
        Figure("Alarms raised", str(stats.raised), stats.raised,
               change_text=f"{len(carried)} carried over" if carried else ""),
        Figure("Acknowledged", f"{stats.acknowledged} of {stats.raised}", stats.acknowledged,
               change_text=f"median {fmt.duration(stats.median_tta)} to ack"
               if stats.median_tta is not None else "",
               tone="bad" if stats.acknowledged < stats.raised else ""),
        Figure("Escalated", str(stats.escalated), stats.escalated,
               tone="warn" if stats.escalated else ""),
        Figure("Cleared", str(stats.cleared), stats.cleared),
        Figure("Open at handover", str(len(open_at_end)), len(open_at_end),
               change_text=f"{len(unacked)} unacknowledged" if unacked else "",
               tone="bad" if unacked else ""),
        Figure("Source outages", str(len(outages)), len(outages),
               change_text=fmt.duration(down_s) if outages else "",
               tone="warn" if outages else ""),
    ))

    alarm_rows = []
    for e in sorted(carried + raised, key=lambda x: x.raised_at):
        levels = ", ".join(f"{route} L{level + 1}" for _, route, level in e.escalations)
        state = state_word(e.state) if e.closed_at is None or e.closed_at >= b else "normal"
        alarm_rows.append([
            fmt.stamp_cell(e.raised_at, zone, a, b),
            Cell(e.rule + (" (carried over)" if e.raised_at < a else "")),
            Cell(e.severity, e.severity, "bad" if e.severity == "critical" else "warn"),
            Cell(e.acked_by or fmt.DASH, e.acked_by or ""),
            fmt.duration_cell(e.time_to_ack, "bad" if e.acked_at is None else ""),
            Cell(levels or fmt.DASH, levels),
            fmt.stamp_cell(e.cleared_at, zone, a, b),
            Cell(state, e.state, "bad" if e.state in UNACKED_STATES else ""),
        ])
    alarms = table("alarms", "Alarms", [
        Column("Raised", width=1.2), Column("Rule", width=1.8), Column("Severity", width=0.9),
        Column("Acked by", width=0.9), Column("Time to ack", True, 0.9),
        Column("Escalated", width=1.3), Column("Cleared", width=1.2),
        Column("At handover", width=1.3)], alarm_rows, empty="No alarm during the shift.")

    outage_rows = [[Cell(o.source), fmt.stamp_cell(o.start, zone, a, b),
                    fmt.stamp_cell(o.end, zone, a, b),
                    fmt.duration_cell(min(o.end if o.end is not None else b, b)
                                      - max(o.start, a)),
                    Cell(o.error or fmt.DASH, o.error)] for o in outages]
    outage_table = table("outages", "Source outages", [
        Column("Source"), Column("Down from", width=1.2), Column("Back", width=1.2),
        Column("Down for", True), Column("Error", width=2.5)], outage_rows,
        empty="Every source answered throughout the shift.")

    kpi_rows = []
    for m in ctx.roles.shift_kpis:
        ctx.progress.check()
        start = ms.value_at(ctx.reader, m.metric, a)
        end = ms.value_at(ctx.reader, m.metric, b)
        change = rm.relative_change(end, start)
        kpi_rows.append([Cell(m.label), fmt.value_cell(start, m.unit, m.currency),
                         fmt.value_cell(end, m.unit, m.currency),
                         fmt.change_cell(change, m.good)])
    kpis = table("kpis", "KPIs at the start and end of the shift", [
        Column("KPI", width=2.2), Column(f"At {fmt.clock(a, zone)}", True),
        Column(f"At {fmt.clock(b, zone)}", True), Column("Change", True)], kpi_rows,
        empty="No KPI is configured ([reports] shift_kpis, or metrics with a kpi).",
        note="Counters named \"today\" restart at midnight; a shift across midnight shows the "
             "new day's count at its end.")
    ctx.progress.step(0.6, "drawing the charts")
    blocks_kpis: list[Block] = [kpis]
    for measure, title in ((ctx.roles.orders, "Orders per 15 minutes"),
                           (ctx.roles.users, None)):
        if measure is None:
            continue
        if title is None:
            title = f"{measure.label} per 15 minutes"
        step = 900 if period.length <= 86_400 else 3600
        if step == 3600:
            title = title.replace("per 15 minutes", "per hour")
        blocks_kpis.append(compare_chart(
            ctx, f"chart_{measure.metric}", title, measure, period, period.shifted(-WEEK),
            "same time last week", step, kind="bars" if measure.how.value != "level" else "line",
            current_name="this shift"))

    note_rows = [[fmt.stamp_cell(n.ts, zone, a, b), Cell(n.operator),
                  Cell(n.text), Cell("next shift" if n.flagged else "", "yes" if n.flagged else "",
                                     "warn" if n.flagged else "")] for n in notes]
    notes_table = table("notes", "Operator notes", [
        Column("Time", width=0.6), Column("Operator", width=0.9), Column("Note", width=5.0),
        Column("Flag", width=0.9)], note_rows, empty="No note was written during the shift.")
    incident_rows = [[Cell(i.id), Cell(i.title), fmt.time_cell(i.started_at, zone),
                      Cell(i.status, i.status, "bad" if i.status == "open" else "good")]
                     for i in sorted(incidents, key=lambda x: x.started_at)]
    incidents_table = table("incidents", "Incidents", [
        Column("Id", width=0.8), Column("Title", width=3.2), Column("Started", width=1.3),
        Column("Status", width=0.8)], incident_rows, empty="No incident.")

    ctx.progress.step(0.8, "listing what the next shift must watch")
    watch: list[str] = []
    for e in sorted(open_at_end, key=lambda x: (x.state not in UNACKED_STATES, x.raised_at)):
        since = fmt.when(e.raised_at, zone)
        words = f"{e.rule} ({e.severity}) — {state_word(e.state)} since {since}"
        if e.state == "shelved" and e.shelved_until is not None:
            words += f", shelved by {e.shelved_by} until {fmt.when(e.shelved_until, zone)}"
        elif e.acked_by:
            words += f", acknowledged by {e.acked_by}"
        watch.append(words)
    for n in ctx.log.notes(a - 7 * 86_400.0, b):
        if n.flagged and n.ts >= a:
            watch.append(f"Note from {n.operator} at {fmt.clock(n.ts, zone)}: {n.text}")
    for i in incidents:
        if i.status == "open":
            watch.append(f"Incident {i.id} is still open: {i.title}")
    for o in outages:
        if o.end is None:
            watch.append(f"Source {o.source} is still down since {fmt.when(o.start, zone)}")
    handover = Bullets(tuple(watch), "callout") if watch else Paragraph(
        "Nothing is open: no alarm, flagged note, open incident or source down.", "muted")

    sections = [
        Section("Summary", (figures,)),
        Section("For the next shift", (handover,)),
        Section("Alarms", (alarms,)),
        Section("Source outages", (outage_table,)),
        Section("KPIs", tuple(blocks_kpis)),
        Section("Notes and incidents", (notes_table, incidents_table)),
    ]
    return make_report(ctx, "shift", "Shift report", f"{fmt.clock(a, zone)} – "
                       f"{fmt.clock(b, zone)} shift", period, sections)
