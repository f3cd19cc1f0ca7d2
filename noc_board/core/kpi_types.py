"""The shape of a KPI catalogue entry: the KPI and the providers that can supply it."""

from __future__ import annotations

from dataclasses import dataclass

# Source kinds a provider may name. prometheus also covers exporters it scrapes (node,
# blackbox: probe_success, probe_duration_seconds); probe is the board's own HTTP probe.
KNOWN_KINDS = ("prometheus", "stripe", "ga4", "datadog", "newrelic", "paypal", "probe")
UNITS = ("count", "ratio", "percent", "seconds", "ms", "money", "per_second", "per_minute",
         "bytes")
DIRECTIONS = ("up", "down", "none")


@dataclass(frozen=True, slots=True)
class Provider:
    """How one kind of source supplies a KPI.

    `measure` is the connector's named measure (a `[[metrics]]` entry's `measure`);
    `query` a recipe for query-based kinds (PromQL, a Datadog query, NRQL) to adapt to the
    site's metric names; `note` what to know (a window, an approximation).
    """

    kind: str
    measure: str = ""
    query: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI: what it is exactly, how it reads, and who can provide it."""

    id: str
    name: str
    group: str
    definition: str
    unit: str
    good: str
    providers: tuple[Provider, ...]
    mission: tuple[str, ...] = ()  # the items of kpis.MISSION it answers
    table: bool = False  # a breakdown (labelled rows), with a summary number
