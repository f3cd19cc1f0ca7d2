"""The KPI catalogue: every figure the board is for, its exact definition, and who provides it.

Pure data. Each `Kpi` has a stable id (what a `[[metrics]]` entry names with `kpi = "..."`),
a name, the definition (the formulas of kpi-and-alarms.md section 1, computed by
`noc_board.core.kpi_formulas`), its unit, which direction is good, and the `Provider`s that can
supply it: a source kind with the connector's named `measure`, or a `query` recipe for the
query-based kinds (Prometheus, Datadog, New Relic). `mission` names the item of the mission's
KPI list the entry answers; `MISSION` lists them all, and a test checks each is covered.
`markdown()` renders the catalogue for docs/kpis.md.
"""

from __future__ import annotations

from noc_board.core.kpi_catalogue_health import HEALTH
from noc_board.core.kpi_catalogue_sales import SALES
from noc_board.core.kpi_catalogue_users import USERS
from noc_board.core.kpi_types import KNOWN_KINDS, Kpi, Provider

__all__ = [
    "CATALOGUE",
    "KNOWN_KINDS",
    "MISSION",
    "Kpi",
    "Provider",
    "by_id",
    "covering",
    "ids",
    "markdown",
    "providers_for",
]

#: The KPIs the mission names; each is answered by at least one catalogue entry.
MISSION = (
    "DAU", "MAU", "session duration", "pages per session", "bounce rate", "behaviour flow",
    "drop-off", "transactions per day", "transactions per week", "transactions per month",
    "transaction value", "revenue", "AOV", "top-selling products", "conversion rate",
    "refunds and returns", "payment failures", "uptime", "downtime", "page load time",
    "server response time", "404 rate", "500 rate", "server load", "database performance",
    "network latency",
)

CATALOGUE: tuple[Kpi, ...] = USERS + SALES + HEALTH


def by_id(kpi_id: str) -> Kpi | None:
    """The KPI with this id, or None."""
    for kpi in CATALOGUE:
        if kpi.id == kpi_id:
            return kpi
    return None


def ids() -> list[str]:
    """Every KPI id, in catalogue order."""
    return [k.id for k in CATALOGUE]


def covering(mission_item: str) -> list[Kpi]:
    """The KPIs that answer one item of `MISSION`."""
    return [k for k in CATALOGUE if mission_item in k.mission]


def providers_for(kind: str) -> list[tuple[Kpi, Provider]]:
    """Every (KPI, provider) a source kind can supply."""
    return [(k, p) for k in CATALOGUE for p in k.providers if p.kind == kind]


def markdown() -> str:
    """The catalogue as a Markdown page (docs/kpis.md)."""
    lines = [
        "# KPI catalogue",
        "",
        "Generated from `noc_board/core/kpis.py`; do not edit by hand. Regenerate with",
        "`python -m noc_board.config.kpi_reference docs/kpis.md`.",
        "",
        "A `[[metrics]]` entry names the KPI it shows with `kpi = \"<id>\"`. A provider is a",
        "source kind with the `measure` its connector computes, or a query recipe for the",
        "query-based kinds. Ratios are fractions (0.42 reads 42 %).",
        "",
        "| mission KPI | answered by |",
        "|---|---|",
    ]
    for item in MISSION:
        lines.append(f"| {item} | {', '.join(f'`{k.id}`' for k in covering(item))} |")
    group = ""
    for kpi in CATALOGUE:
        if kpi.group != group:
            group = kpi.group
            lines += ["", f"## {group}"]
        lines += ["", f"### `{kpi.id}`: {kpi.name}", "", kpi.definition, "",
                  f"- unit: {kpi.unit}; good: {kpi.good}" + ("; a table (breakdown)"
                                                             if kpi.table else "")]
        for p in kpi.providers:
            how = f"`measure = \"{p.measure}\"`" if p.measure else f"`{p.query}`"
            note = f" ({p.note})" if p.note else ""
            lines.append(f"- {p.kind}: {how}{note}")
    return "\n".join(lines) + "\n"
