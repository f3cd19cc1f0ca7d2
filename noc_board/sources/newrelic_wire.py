"""New Relic NerdGraph wire types (msgspec), region endpoints, errors, and reading NRQL rows.

NerdGraph answers GraphQL errors with HTTP 200: a top-level `errors` array next to `data` with
null at the failed path. NRQL `results` are free-form rows: keys are the aggregate names or
their `AS` aliases; percentiles are objects keyed by percentile (`{"95": 0.231}`), apdex an
object with a `score`; TIMESERIES rows add `beginTimeSeconds`/`endTimeSeconds`, FACET rows a
`facet` and the facet attributes. `metadata.timeWindow` is in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from noc_board.sources.base import one_line
from noc_board.sources.error_shapes import ErrorDetail, generic_error

ENDPOINTS = {
    "us": "https://api.newrelic.com/graphql",
    "eu": "https://api.eu.newrelic.com/graphql",
    "jp": "https://api.jp.newrelic.com/graphql",
}
# The error classes New Relic's own Go client retries.
TEMPORARY = frozenset({"TIMEOUT", "INTERNAL_SERVER_ERROR", "SERVER_ERROR"})
_META_KEYS = frozenset({"beginTimeSeconds", "endTimeSeconds", "facet", "timestamp"})

QUERY = ("query($accountId: Int!, $nrql: Nrql!) { actor { account(id: $accountId) { "
         "nrql(query: $nrql, timeout: %d) { results metadata { timeWindow { begin end } "
         "facets eventTypes } } } } }")


def endpoint(url: str, region: str) -> str:
    """The GraphQL URL: `url` when set (`/graphql` added when it has no path), else by region."""
    given = url.strip().rstrip("/")
    if not given:
        return ENDPOINTS.get(region.strip().lower(), ENDPOINTS["us"])
    _, _, rest = given.partition("://")
    return given if "/" in rest else f"{given}/graphql"


def request_body(account_id: int, nrql: str, timeout: int) -> dict[str, Any]:
    """The GraphQL request for one NRQL query in one account."""
    return {"query": QUERY % timeout, "variables": {"accountId": account_id, "nrql": nrql}}


class TimeWindow(msgspec.Struct):
    """The window the query covered, in milliseconds."""

    begin: float | None = None
    end: float | None = None


class NrqlMetadata(msgspec.Struct):
    """What NRQL says about its answer."""

    timeWindow: TimeWindow | None = None
    facets: list[str] | str | None = None
    eventTypes: list[str] | None = None


class NrqlResult(msgspec.Struct):
    """`nrql { results metadata }`."""

    results: list[dict[str, Any]] | None = None
    metadata: NrqlMetadata | None = None


class Account(msgspec.Struct):
    """`account(id:)`."""

    nrql: NrqlResult | None = None


class Actor(msgspec.Struct):
    """`actor`."""

    account: Account | None = None


class Data(msgspec.Struct):
    """`data`, null at whatever failed."""

    actor: Actor | None = None


class GraphQLError(msgspec.Struct):
    """One entry of the `errors` array."""

    message: str = ""
    path: list[str | int] | None = None
    extensions: dict[str, Any] | None = None


class NerdGraphReply(msgspec.Struct):
    """A NerdGraph answer: `data`, `errors`, or both (partial data)."""

    data: Data | None = None
    errors: list[GraphQLError] | None = None


def describe(error: GraphQLError) -> tuple[str, bool]:
    """One line for a GraphQL error, and whether it is temporary (worth asking again)."""
    ext = error.extensions or {}
    kind = ext.get("errorClass")
    code = ext.get("error_code") or ext.get("code")
    message = one_line(error.message, 200) or "error"
    if code == "BAD_API_KEY":
        return (f"{message} (BAD_API_KEY: check the User API key, and the region: an EU "
                "account's key fails on the US endpoint)"), False
    label = kind if isinstance(kind, str) and kind else code if isinstance(code, str) else ""
    temporary = label in TEMPORARY
    line = f"{label}: {message}" if label and label not in message else message
    return (f"{line} (temporary; asked again next poll)" if temporary else line), temporary


def newrelic_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """HTTP errors: `{"errors": [{"message": ...}]}` like GraphQL errors, else the generic."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        try:
            first = msgspec.convert(errors[0], GraphQLError)
        except msgspec.ValidationError:
            first = None
        if first is not None and first.message.strip():
            return ErrorDetail(describe(first)[0])
    return generic_error(status, headers, body, text)


# -- reading rows -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reading:
    """A query's value, when it describes (s), a breakdown by facet, and what went odd."""

    value: float
    ts: float
    rows: tuple[tuple[str, float], ...] = ()
    note: str | None = None


def cell_value(cell: Any, sub: str | None = None) -> float:
    """A result cell as a number: null is NaN; a percentile object's one value (or `sub`);
    an apdex object's `score`. ValueError for anything else."""
    if cell is None:
        return math.nan
    if isinstance(cell, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, str):
        return float(cell.strip())
    if isinstance(cell, dict):
        if sub is not None:
            if sub not in cell:
                raise ValueError(f"no {one_line(sub, 20)!r} in {_keys(cell)}")
            return cell_value(cell[sub])
        if "score" in cell:
            return cell_value(cell["score"])
        if len(cell) == 1:
            return cell_value(next(iter(cell.values())))
        raise ValueError(f"an object with {_keys(cell)}: set measure to alias.key")
    raise ValueError(f"a {type(cell).__name__} is not a number")


def _keys(cell: Mapping[str, Any]) -> str:
    return "keys " + ", ".join(one_line(str(k), 20) for k in list(cell)[:6])


def column_of(
    row: Mapping[str, Any], measure: str, facets: Sequence[str]
) -> tuple[str, str | None]:
    """(key, sub-key) of the value in `row`: the `measure` column (alias or alias.sub), or the
    one value column when `measure` is empty. ValueError when it cannot tell."""
    if measure:
        if measure in row:
            return measure, None
        key, dot, sub = measure.rpartition(".")
        if dot and key in row:
            return key, sub
        raise ValueError(f"no column {one_line(measure, 40)!r} in the result "
                         f"(columns: {', '.join(_columns(row, facets)) or 'none'})")
    columns = _columns(row, facets)
    if len(columns) != 1:
        listed = ", ".join(one_line(c, 30) for c in columns[:6]) or "none"
        raise ValueError(f"{len(columns)} value columns ({listed}); set measure to one")
    return columns[0], None


def _columns(row: Mapping[str, Any], facets: Sequence[str]) -> list[str]:
    """Keys that hold values: not time or facet keys, not booleans or words."""
    return [k for k, v in row.items()
            if k not in _META_KEYS and k not in facets and not isinstance(v, bool)
            and not (isinstance(v, str) and not _is_number(v))]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def facet_label(row: Mapping[str, Any]) -> str:
    facet = row.get("facet")
    if isinstance(facet, list):
        return one_line(", ".join(str(f) for f in facet), 80)
    return one_line(str(facet), 80)


def read(result: NrqlResult, measure: str, now: float) -> Reading:
    """The value a metric shows from a NRQL result.

    A single-value result gives its one row, at the window's end (not after `now`). TIMESERIES
    gives the last bucket that has ended by `now` (the current one is still filling), at its
    end. FACET rows give a breakdown, largest first, and the first (largest) facet's value.
    """
    rows = result.results or []
    meta = result.metadata or NrqlMetadata()
    facets = [meta.facets] if isinstance(meta.facets, str) else list(meta.facets or [])
    if not rows:
        return Reading(math.nan, now, note="the query returned no rows")
    ends = [row.get("endTimeSeconds") for row in rows]
    if any(isinstance(e, int | float) and not isinstance(e, bool) for e in ends):
        numeric = [float(e) for e in ends if isinstance(e, int | float) and not isinstance(e, bool)]
        done = [e for e in numeric if e <= now]
        bucket_end = max(done) if done else max(numeric)
        rows = [row for row, e in zip(rows, ends, strict=True) if e == bucket_end]
        ts = min(bucket_end, now)
    else:
        window_end = meta.timeWindow.end if meta.timeWindow is not None else None
        ts = min(float(window_end) / 1000, now) if window_end else now
    key, sub = column_of(rows[0], measure, facets)
    if "facet" in rows[0]:
        table = [(facet_label(row), cell_value(row.get(key), sub)) for row in rows]
        return Reading(table[0][1], ts, tuple(table))
    return Reading(cell_value(rows[0].get(key), sub), ts)


def history(
    result: NrqlResult, measure: str, start: float, end: float
) -> list[tuple[float, float]]:
    """(end of bucket, value) of every ended TIMESERIES bucket in [start, end], unfaceted."""
    rows = result.results or []
    meta = result.metadata or NrqlMetadata()
    facets = [meta.facets] if isinstance(meta.facets, str) else list(meta.facets or [])
    points = []
    for row in rows:
        stamp = row.get("endTimeSeconds")
        if "facet" in row or not isinstance(stamp, int | float) or isinstance(stamp, bool):
            continue
        if start <= stamp <= end:
            key, sub = column_of(row, measure, facets)
            points.append((float(stamp), cell_value(row.get(key), sub)))
    return points
