"""The slice of NRQL the demo New Relic account answers, and its parser.

`SELECT f(...) [AS alias], ... FROM Transaction|PageView [WHERE appName = '...']
[FACET appName] [SINCE n minutes|hours|days ago] [TIMESERIES [n unit|AUTO]] [LIMIT n]`,
clauses after FROM in any order, keywords in any case. Functions: count(*), average, max,
min, percentile(attr, p, ...) and apdex(attr[, t: seconds]). Anything else raises
`NrqlError` with a message shaped like New Relic's ("NRQL Syntax Error: Error at line 1
position 8, unexpected 'FORM'").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTIONS = ("count", "average", "max", "min", "percentile", "apdex")
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
DEFAULT_SINCE = 3600.0  # NRQL's default window: the last hour
_HEAD = re.compile(r"\s*SELECT\s+(?P<items>.+?)\s+FROM\s+(?P<event>\w+)(?P<rest>.*)",
                   re.IGNORECASE | re.DOTALL)
_ITEM = re.compile(r"\s*(?P<func>\w+)\s*\((?P<args>[^()]*)\)\s*"
                   r"(?:AS\s+(?P<alias>'[^']*'|`[^`]*`|\w+))?\s*", re.IGNORECASE)
_UNIT = r"(second|minute|hour|day|week)s?"
_CLAUSES = {
    "where": re.compile(r"\bWHERE\s+(\w+)\s*=\s*'([^']*)'", re.IGNORECASE),
    "facet": re.compile(r"\bFACET\s+(\w+)", re.IGNORECASE),
    "since": re.compile(rf"\bSINCE\s+(\d+)\s+{_UNIT}\s+AGO\b", re.IGNORECASE),
    "until": re.compile(r"\bUNTIL\s+NOW\b", re.IGNORECASE),
    "timeseries": re.compile(rf"\bTIMESERIES(?:\s+(\d+)\s+{_UNIT}|\s+(AUTO))?\b",
                             re.IGNORECASE),
    "limit": re.compile(r"\bLIMIT\s+(\d+|MAX)\b", re.IGNORECASE),
}
_APDEX_T = re.compile(r"\s*t\s*:\s*([\d.]+)\s*")


class NrqlError(ValueError):
    """A query outside the slice; `str()` is New Relic's style of message."""


@dataclass(frozen=True, slots=True)
class Select:
    """One aggregate: the function, its attribute (None for count(*)), its arguments, key."""

    func: str
    attribute: str | None
    args: tuple[float, ...]
    key: str  # the alias, or New Relic's default name (count, average.duration, ...)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. `bucket` is the TIMESERIES width (0 = AUTO), None without TIMESERIES."""

    selects: tuple[Select, ...]
    event_type: str
    app: str | None
    facet: str | None
    since: float
    bucket: float | None
    limit: int


def _syntax(text: str, position: int) -> NrqlError:
    token = (text[position:].split() or ["end of input"])[0][:30]
    return NrqlError(f"NRQL Syntax Error: Error at line 1 position {position + 1}, "
                     f"unexpected '{token}'")


def parse(text: str) -> Query:
    head = _HEAD.fullmatch(text)
    if head is None:
        stripped = text.lstrip()
        if not stripped.upper().startswith("SELECT"):
            raise _syntax(text, len(text) - len(stripped))
        # the first word after a complete aggregate that is not FROM: "... count(*) FORM ..."
        stray = re.search(r"\)\s*(?:AS\s+\S+\s+)?(?!FROM\b)(\w+)", text, re.IGNORECASE)
        raise _syntax(text, stray.start(1) if stray else len(text.rstrip()))
    selects = tuple(_select(item, text) for item in _split(head.group("items")))
    rest = head.group("rest")
    found: dict[str, re.Match[str]] = {}
    for name, pattern in _CLAUSES.items():
        m = pattern.search(rest)
        if m is not None:
            found[name] = m
            rest = rest[:m.start()] + " " * (m.end() - m.start()) + rest[m.end():]
    if rest.strip():
        offset = head.start("rest") + len(rest) - len(rest.lstrip())
        raise _syntax(text, offset)
    where = found.get("where")
    if where is not None and where.group(1) != "appName":
        raise NrqlError("NRQL Syntax Error: the demo account filters on WHERE appName = '...' "
                        "only")
    facet = found["facet"].group(1) if "facet" in found else None
    if facet is not None and facet != "appName":
        raise NrqlError("NRQL Syntax Error: the demo account facets by appName only")
    since = DEFAULT_SINCE
    if "since" in found:
        m = found["since"]
        since = float(m.group(1)) * UNITS[m.group(2).lower()]
    bucket = None
    if "timeseries" in found:
        m = found["timeseries"]
        bucket = float(m.group(1)) * UNITS[m.group(2).lower()] if m.group(1) else 0.0
    limit = 10
    if "limit" in found:
        raw = found["limit"].group(1)
        limit = 5000 if raw.upper() == "MAX" else int(raw)
    return Query(selects, head.group("event"), where.group(2) if where else None, facet,
                 since, bucket, limit)


def _split(items: str) -> list[str]:
    """Split the SELECT list at top-level commas."""
    parts, depth, current = [], 0, ""
    for char in items:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _select(item: str, text: str) -> Select:
    m = _ITEM.fullmatch(item)
    if m is None:
        raise _syntax(text, max(0, text.find(item.strip())))
    func = m.group("func")
    if func not in FUNCTIONS:
        raise NrqlError(f"Unknown function {func}")
    args = [a.strip() for a in m.group("args").split(",")]
    alias = m.group("alias")
    attribute = None if func == "count" else args[0]
    if func == "count" and args != ["*"]:
        raise NrqlError("NRQL Syntax Error: the demo account counts with count(*) only")
    if attribute is not None and not re.fullmatch(r"\w+", attribute):
        raise NrqlError(f"NRQL Syntax Error: invalid attribute {attribute[:30]!r} in {func}")
    numbers: list[float] = []
    try:
        if func == "percentile":
            numbers = [float(a) for a in args[1:]]
            if not numbers or not all(0 < n < 100 for n in numbers):
                raise NrqlError("percentile needs one or more percentiles between 0 and 100")
        elif func == "apdex":
            t = _APDEX_T.fullmatch(args[1]) if len(args) > 1 else None
            numbers = [float(t.group(1)) if t else 0.5]
        elif len(args) > 1:
            raise NrqlError(f"{func} takes one argument")
    except NrqlError:
        raise
    except ValueError as exc:
        raise NrqlError(f"NRQL Syntax Error: bad argument to {func}: {exc}") from None
    key = alias.strip("'`") if alias else "count" if func == "count" else f"{func}.{attribute}"
    return Select(func, attribute, tuple(numbers), key)
