"""GA4 Data API v1beta wire types (msgspec), value casting, and property-quota reading.

Every metric value arrives as a string; its type is in `metricHeaders`. Proto3 JSON omits
default values, so a report without data has no `rows` at all, and a quota with nothing
consumed has no `consumed`.
"""

from __future__ import annotations

from typing import Any

import msgspec


class MetricHeader(msgspec.Struct):
    """A metric's name and type (`TYPE_INTEGER`, `TYPE_SECONDS`, ...)."""

    name: str
    type: str = "TYPE_UNSPECIFIED"


class MetricValue(msgspec.Struct):
    """One value; a string even for numbers."""

    value: str = ""


class DimensionValue(msgspec.Struct):
    """One dimension value (a page path, a country, "07" minutes ago)."""

    value: str = ""


class DimensionHeader(msgspec.Struct):
    """A dimension's name."""

    name: str


class ReportRow(msgspec.Struct):
    """One row: dimension values and metric values, each in header order."""

    metricValues: list[MetricValue] = []
    dimensionValues: list[DimensionValue] = []


class QuotaStatus(msgspec.Struct):
    """Consumed by this request, and remaining after it."""

    consumed: int = 0
    remaining: int = 0


class Report(msgspec.Struct):
    """The answer of runReport and runRealtimeReport (the fields the board reads)."""

    metricHeaders: list[MetricHeader] = []
    dimensionHeaders: list[DimensionHeader] = []
    rows: list[ReportRow] = []
    propertyQuota: dict[str, QuotaStatus] = {}
    metadata: dict[str, Any] = {}


# Values of time types are converted to seconds so a metric's unit does not depend on GA4's.
_TO_SECONDS = {"TYPE_MILLISECONDS": 0.001, "TYPE_MINUTES": 60.0, "TYPE_HOURS": 3600.0}

# Quota sizes per property (standard, Analytics 360), from the PropertyQuota documentation.
QUOTA_LIMITS: dict[str, tuple[int, int]] = {
    "tokensPerDay": (200_000, 2_000_000),
    "tokensPerHour": (40_000, 400_000),
    "tokensPerProjectPerHour": (14_000, 140_000),
    "concurrentRequests": (10, 50),
    "serverErrorsPerProjectPerHour": (10, 50),
    "potentiallyThresholdedRequestsPerHour": (120, 120),
}
QUOTA_WARN_FRACTION = 0.10


def cast_value(text: str, type_name: str) -> float:
    """A metric value string as a number, by its header type (ValueError if not a number)."""
    return float(text.strip()) * _TO_SECONDS.get(type_name, 1.0)


def first_row_values(report: Report) -> dict[str, float] | None:
    """{metric name: value} of the first row, or None when the report has no rows."""
    if not report.rows:
        return None
    row = report.rows[0]
    if len(row.metricValues) != len(report.metricHeaders):
        raise ValueError(
            f"{len(row.metricValues)} values for {len(report.metricHeaders)} metric headers"
        )
    return {
        header.name: cast_value(cell.value, header.type)
        for header, cell in zip(report.metricHeaders, row.metricValues, strict=True)
    }


def table_rows(report: Report) -> list[tuple[list[str], dict[str, float]]]:
    """Every row as (dimension values, {metric name: value}); ValueError on a ragged row."""
    out = []
    dims = len(report.dimensionHeaders)
    for row in report.rows:
        if len(row.metricValues) != len(report.metricHeaders) or len(row.dimensionValues) != dims:
            raise ValueError("a row does not match the report's headers")
        values = {
            header.name: cast_value(cell.value, header.type)
            for header, cell in zip(report.metricHeaders, row.metricValues, strict=True)
        }
        out.append(([d.value for d in row.dimensionValues], values))
    return out


def quota_left(quota: dict[str, QuotaStatus]) -> float | None:
    """The smallest share of any quota left (0..1), or None without quota figures."""
    shares = []
    for name, status in quota.items():
        used = status.consumed + status.remaining
        standard, premium = QUOTA_LIMITS.get(name, (used, used))
        limit = standard if used <= standard else max(premium, used)
        if limit > 0:
            shares.append(max(0.0, min(1.0, status.remaining / limit)))
    return min(shares) if shares else None


def quota_warnings(quota: dict[str, QuotaStatus], label: str) -> list[str]:
    """A note for each quota with less than 10% remaining."""
    notes = []
    for name, status in sorted(quota.items()):
        used = status.consumed + status.remaining
        standard, premium = QUOTA_LIMITS.get(name, (used, used))
        limit = standard if used <= standard else max(premium, used)
        if limit <= 0:
            continue
        left = status.remaining / limit
        if left < QUOTA_WARN_FRACTION:
            notes.append(
                f"{label} quota {name[:60]} low: {status.remaining} of {limit} left ({left:.0%})"
            )
    return notes
