"""The slice of PromQL the demo server evaluates.

Only what the demo configuration uses: a metric selector with optional exact label matchers,
e.g. ``marketplace_error_ratio{service="checkout"}``, optionally inside ``sum(...)``,
``avg(...)``, ``max(...)`` or ``min(...)``. Aggregation follows Prometheus: the result loses
every label, NaN spreads through sum and avg, and max and min ignore NaN unless all are NaN.
Anything else raises `Unsupported`, which the API turns into 400 bad_data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from noc_board.demo.noise import FloatArray

_NAME = re.compile(r"\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')
_AGGREGATION = re.compile(r"\s*(sum|avg|max|min)\s*\((.*)\)\s*", re.DOTALL)
_UNESCAPE = {"n": "\n", "\\": "\\", '"': '"'}


class Unsupported(ValueError):
    """The expression is outside what the demo server evaluates."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: a selector, perhaps aggregated."""

    metric: str
    matchers: tuple[tuple[str, str], ...]
    aggregation: str | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(name, "") == value for name, value in self.matchers)


def parse(expr: str) -> Query:
    """Parse an expression; raises Unsupported for anything outside the slice."""
    aggregation = None
    m = _AGGREGATION.fullmatch(expr)
    if m:
        aggregation, expr = m.group(1), m.group(2)
    name = _NAME.match(expr)
    if not name:
        raise Unsupported(expr)
    pos = name.end()
    matchers: list[tuple[str, str]] = []
    if pos < len(expr) and expr[pos] == "{":
        pos += 1
        while True:
            m = _MATCHER.match(expr, pos)
            if not m:
                break
            matchers.append((m.group(1), _unescape(m.group(2))))
            pos = m.end()
            if expr.startswith(",", pos):
                pos += 1
            else:
                break
        pos = len(expr) - len(expr[pos:].lstrip())
        if not expr.startswith("}", pos):
            raise Unsupported(expr)
        pos += 1
    if expr[pos:].strip():
        raise Unsupported(expr)
    return Query(name.group(1), tuple(matchers), aggregation)


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), "\\" + m.group(1)), value)


def aggregate(how: str, stacked: FloatArray) -> FloatArray:
    """Aggregate (series, times) values over the series axis as Prometheus does."""
    if how == "sum":
        result: FloatArray = stacked.sum(axis=0)
    elif how == "avg":
        result = stacked.mean(axis=0)
    elif how == "max":
        result = np.fmax.reduce(stacked, axis=0)
    else:
        result = np.fmin.reduce(stacked, axis=0)
    return result
