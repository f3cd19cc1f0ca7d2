"""The GA4 reports behind each measure: which requests to send, and how to read the answers.

Realtime (runRealtimeReport, the last 30 minutes; its schema has only activeUsers, eventCount,
keyEvents and screenPageViews): the active users in total, and by minute, by page and by
country. Standard reports (runReport, today in the property's time zone): the numbers in as
few calls as GA4 allows (at most 10 metrics a request), the behaviour flow (`pageReferrer` →
`pagePath` with views) and the funnel (users on each configured page path). Ratios GA4 does
not have are computed from their parts with the KPI catalogue's formulas.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from noc_board.core import kpi_formulas as kf
from noc_board.sources.ga4_wire import Report, first_row_values, table_rows

MAX_METRICS = 10  # per runReport request
TOP_ROWS = 20
FLOW_ROWS = 50
ENTRANCE = "(entrance)"
ARROW = " → "

STANDARD: dict[str, str] = {
    "active_users_today": "activeUsers",
    "dau": "active1DayUsers",
    "wau": "active7DayUsers",
    "mau": "active28DayUsers",
    "sessions_today": "sessions",
    "engaged_sessions_today": "engagedSessions",
    "engagement_rate": "engagementRate",
    "bounce_rate": "bounceRate",
    "avg_session_duration": "averageSessionDuration",
    "pages_per_session": "screenPageViewsPerSession",
    "key_events_today": "keyEvents",
    "session_key_event_rate": "sessionKeyEventRate",
    "purchases_today": "ecommercePurchases",
    "purchase_revenue_today": "purchaseRevenue",
    "conversion_rate_user": "purchaserConversionRate",
}
# measure -> (numerator metric, denominator metric, formula)
DERIVED: dict[str, tuple[str, str, Callable[[float, float], float]]] = {
    "dau_per_mau": ("active1DayUsers", "active28DayUsers", kf.stickiness),
    "conversion_rate_session": ("ecommercePurchases", "sessions", kf.conversion_rate_session),
}
REALTIME_TABLES = {"realtime_by_minute": "minutesAgo", "realtime_by_page": "unifiedScreenName",
                   "realtime_by_country": "country"}
STANDARD_TABLES = ("behaviour_flow", "funnel", "funnel_dropoff")
FUNNEL_STEP = re.compile(r"funnel_step_([1-9][0-9]?)")
MEASURES = ("active_users_realtime", *REALTIME_TABLES, *STANDARD, *DERIVED, *STANDARD_TABLES,
            "funnel_step_N", "quota_left")
TABLE_MEASURES = frozenset((*REALTIME_TABLES, *STANDARD_TABLES))
_TODAY = [{"startDate": "today", "endDate": "today"}]


@dataclass(slots=True)
class Reading:
    """What one report gave: numbers and tables by measure, and notes."""

    values: dict[str, float] = field(default_factory=dict)
    tables: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, float] = field(default_factory=dict)  # GA4 metric name -> value (totals)
    empty: bool = False  # the report had no rows
    empty_reason: str = ""  # GA4's metadata.emptyReason, when it gave one


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """One request: its label in notes, realtime or not, the body, and how to read it."""

    label: str
    realtime: bool
    body: dict[str, Any]
    read: Callable[[Report], Reading]


def is_known(measure: str) -> bool:
    return measure in MEASURES or FUNNEL_STEP.fullmatch(measure) is not None


def plan(wanted: set[str], funnel: Sequence[str]) -> list[ReportSpec]:
    """The requests the wanted measures need, each once."""
    specs: list[ReportSpec] = []
    if "active_users_realtime" in wanted:
        specs.append(ReportSpec(
            "GA4 realtime", True, {"metrics": [{"name": "activeUsers"}]},
            _read_total({"active_users_realtime": "activeUsers"})))
    for measure, dimension in REALTIME_TABLES.items():
        if measure in wanted:
            specs.append(_realtime_table(measure, dimension))
    names = {STANDARD[m] for m in wanted if m in STANDARD}
    for m in wanted & set(DERIVED):
        names |= {DERIVED[m][0], DERIVED[m][1]}
    ordered = sorted(names)
    chunks = [ordered[i:i + MAX_METRICS] for i in range(0, len(ordered), MAX_METRICS)]
    for n, chunk in enumerate(chunks, start=1):
        label = "GA4" if len(chunks) == 1 else f"GA4 ({n}/{len(chunks)})"
        measures = {m: STANDARD[m] for m in wanted if STANDARD.get(m) in chunk}
        specs.append(ReportSpec(
            label, False,
            {"dateRanges": _TODAY, "metrics": [{"name": name} for name in chunk]},
            _read_total(measures)))
    if "behaviour_flow" in wanted:
        specs.append(ReportSpec(
            "GA4 behaviour flow", False,
            {"dateRanges": _TODAY,
             "dimensions": [{"name": "pageReferrer"}, {"name": "pagePath"}],
             "metrics": [{"name": "screenPageViews"}],
             "orderBys": [{"metric": {"metricName": "screenPageViews"}, "desc": True}],
             "limit": FLOW_ROWS},
            _read_flow))
    if funnel and (wanted & {"funnel", "funnel_dropoff"}
                   or any(FUNNEL_STEP.fullmatch(m) for m in wanted)):
        steps = list(funnel)
        specs.append(ReportSpec(
            "GA4 funnel", False,
            {"dateRanges": _TODAY, "dimensions": [{"name": "pagePath"}],
             "metrics": [{"name": "activeUsers"}],
             "dimensionFilter": {"filter": {"fieldName": "pagePath", "inListFilter": {
                 "values": steps, "caseSensitive": True}}},
             "limit": len(steps)},
            lambda report: _read_funnel(report, steps)))
    for spec in specs:
        spec.body["returnPropertyQuota"] = True
    return specs


def derive(values: dict[str, float], by_name: dict[str, float]) -> None:
    """Add the computed ratios whose parts arrived."""
    for measure, (top, bottom, formula) in DERIVED.items():
        if top in by_name and bottom in by_name:
            values[measure] = formula(by_name[top], by_name[bottom])


def _read_total(measures: dict[str, str]) -> Callable[[Report], Reading]:
    def read(report: Report) -> Reading:
        out = Reading()
        by_name = first_row_values(report)
        if by_name is None:
            out.empty = True  # the measures stay NaN
            return out
        missing = sorted({name for name in measures.values() if name not in by_name})
        if missing:
            out.notes.append(f"no value for {', '.join(missing)}")
        out.values = {m: by_name[name] for m, name in measures.items() if name in by_name}
        out.raw = by_name
        return out
    return read


def _realtime_table(measure: str, dimension: str) -> ReportSpec:
    body: dict[str, Any] = {"dimensions": [{"name": dimension}],
                            "metrics": [{"name": "activeUsers"}]}
    if dimension == "minutesAgo":
        body["limit"] = 30
    else:
        body["orderBys"] = [{"metric": {"metricName": "activeUsers"}, "desc": True}]
        body["limit"] = TOP_ROWS

    def read(report: Report) -> Reading:
        out = Reading()
        rows = [(dims[0] if dims else "", values.get("activeUsers", math.nan))
                for dims, values in table_rows(report)]
        out.empty = not rows
        if dimension == "minutesAgo":
            # oldest first, so a chart reads left to right; GA4 leaves out empty minutes
            by_minute = {_minutes(label): value for label, value in rows}
            ordered = sorted(by_minute.items(), key=lambda kv: -kv[0])
            out.tables[measure] = [(f"{ago:02d}", v) for ago, v in ordered if ago >= 0]
            out.values[measure] = by_minute.get(0, 0.0) if rows else math.nan
        else:
            ranked = sorted(rows, key=lambda r: (-r[1], r[0]))[:TOP_ROWS]
            out.tables[measure] = [(label or "(not set)", v) for label, v in ranked]
            out.values[measure] = ranked[0][1] if ranked else math.nan
        return out

    return ReportSpec(f"GA4 realtime by {dimension}", True, body, read)


def _minutes(label: str) -> int:
    try:
        return int(label)
    except ValueError:
        return -1


def _read_flow(report: Report) -> Reading:
    rows = table_rows(report)
    hosts = Counter(urlsplit(dims[0]).netloc for dims, _ in rows
                    if dims and urlsplit(dims[0]).netloc)
    own = hosts.most_common(1)[0][0] if hosts else ""
    merged: dict[str, float] = {}
    for dims, values in rows:
        if len(dims) != 2:
            raise ValueError("a behaviour-flow row needs pageReferrer and pagePath")
        label = f"{referrer_label(dims[0], own)}{ARROW}{dims[1] or '(not set)'}"
        merged[label] = merged.get(label, 0.0) + values.get("screenPageViews", 0.0)
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:FLOW_ROWS]
    out = Reading(empty=not rows)
    out.tables["behaviour_flow"] = ranked
    out.values["behaviour_flow"] = ranked[0][1] if ranked else math.nan
    return out


def referrer_label(referrer: str, own_host: str) -> str:
    """A referrer as a flow's "from": the path on our own site, the host of another site,
    "(entrance)" when there is none."""
    text = referrer.strip()
    if not text or text == "(not set)":
        return ENTRANCE
    parts = urlsplit(text)
    if not parts.netloc:
        return text[:80]
    if parts.netloc == own_host:
        return (parts.path or "/")[:80]
    return parts.netloc[:80]


def _read_funnel(report: Report, steps: list[str]) -> Reading:
    users = dict.fromkeys(steps, 0.0)
    rows = table_rows(report)
    for dims, values in rows:
        if dims and dims[0] in users:
            users[dims[0]] += values.get("activeUsers", 0.0)
    counts = [users[s] for s in steps]
    drops = kf.funnel_dropoff(counts)
    out = Reading(empty=not rows)
    out.tables["funnel"] = list(zip(steps, counts, strict=True))
    out.tables["funnel_dropoff"] = [
        (f"{a}{ARROW}{b}", d) for a, b, d in zip(steps, steps[1:], drops, strict=False)]
    out.values["funnel"] = kf.funnel_completion(counts)
    completion = out.values["funnel"]
    out.values["funnel_dropoff"] = 1.0 - completion if not math.isnan(completion) else math.nan
    for n, count in enumerate(counts, start=1):
        out.values[f"funnel_step_{n}"] = count
    return out
