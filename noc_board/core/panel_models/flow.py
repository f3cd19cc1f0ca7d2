"""Behaviour flow: the main paths between pages, with their volumes and where users leave.

Built from a breakdown of page transitions, GA4's `pageReferrer` → `pagePath` with views (the
only flow data the analytics APIs give; DESIGN.md). Each row's label is "from → to" ("->", a
tab or " > " also separate); `from` is a path, or a full URL whose path is one of the site's
pages; anything else (empty, "(direct)", "(not set)", another site) is an entrance. A `to` of
"(exit)" counts exits explicitly; otherwise a page's exits are its views minus the transitions
away from it, which is GA's definition of an exit.

The diagram is two columns that hold the same visits: on the left where views come from
(Entrance, then the pages), on the right where they go (the pages, then Exit). A page's height is
its views on both sides, every link is a real transition count, and what is not among the
`limit` busiest pages is merged into "Other pages".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from noc_board.core.samples import Breakdown
from noc_board.core.units import Unit, format_value

ENTRANCE = "Entrance"
EXIT = "Exit"
OTHER = "Other pages"
_SPLIT = re.compile(r"\s*(?:→|->|\t| > )\s*")
_NO_REFERRER = {"", "(direct)", "(not set)", "(none)", "(entrance)", "(entrances)"}
_EXIT_MARKS = {"(exit)", "(exits)"}


@dataclass(frozen=True, slots=True)
class FlowNode:
    """A node of one column: its label, visits, visits as text, and (left) its exit rate."""

    label: str
    value: float
    value_text: str
    exit_text: str = ""  # left column: "38% exit"
    kind: str = "page"  # "page", "entrance", "exit", "other"


@dataclass(frozen=True, slots=True)
class FlowLink:
    """Visits from left node `source` to right node `target` (indices into the columns)."""

    source: int
    target: int
    value: float


@dataclass(frozen=True, slots=True)
class FlowBody:
    """What a flow panel draws below its header."""

    left: tuple[FlowNode, ...] = ()
    right: tuple[FlowNode, ...] = ()
    links: tuple[FlowLink, ...] = ()
    total: float = 0.0
    summary_text: str = ""  # e.g. "12.3k views · 41% leave after one page"


def split_edge(label: str) -> tuple[str, str] | None:
    """("from", "to") of a row label, or None when it is not a pair."""
    parts = _SPLIT.split(label.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    return parts[0].strip(), parts[1].strip()


def _page_of(referrer: str, pages: set[str]) -> str | None:
    """The site page a referrer names, or None for an entrance."""
    if referrer.lower() in _NO_REFERRER:
        return None
    if referrer in pages:
        return referrer
    if "://" in referrer:
        path = urlsplit(referrer).path or "/"
        if path in pages:
            return path
    return None


def transitions(breakdown: Breakdown) -> tuple[dict[tuple[str | None, str | None], float],
                                                     dict[str, float]]:
    """(from page or None, to page or None) -> visits, and views per page; None is an entrance
    on the left and an exit on the right."""
    pairs = []
    for label, value in breakdown.rows:
        edge = split_edge(label)
        if edge is not None and math.isfinite(value) and value > 0:
            pairs.append((edge[0], edge[1], float(value)))
    pages = {to for _, to, _ in pairs if to.lower() not in _EXIT_MARKS}
    edges: dict[tuple[str | None, str | None], float] = defaultdict(float)
    explicit_exits: dict[str, float] = defaultdict(float)
    for origin, to, value in pairs:
        source = _page_of(origin, pages)
        if to.lower() in _EXIT_MARKS:
            if source is not None:
                explicit_exits[source] += value
            continue
        edges[(source, to)] += value
    views: dict[str, float] = defaultdict(float)
    onward: dict[str, float] = defaultdict(float)
    for (origin_page, to_page), value in edges.items():
        if to_page is not None:
            views[to_page] += value
        if origin_page is not None:
            onward[origin_page] += value
    for page, seen in views.items():
        exits = explicit_exits.get(page, max(0.0, seen - onward.get(page, 0.0)))
        if exits > 0:
            edges[(page, None)] += exits
    return dict(edges), dict(views)


def _text(value: float) -> str:
    return format_value(value, Unit.COUNT)[0]


def flow_body(breakdown: Breakdown | None, limit: int) -> FlowBody:
    """The two-column flow of `breakdown` with at most `limit` pages per column."""
    if breakdown is None:
        return FlowBody()
    edges, views = transitions(breakdown)
    if not edges:
        return FlowBody()
    busiest = sorted(views, key=lambda p: (-views[p], p))[: max(1, limit)]
    keep = set(busiest)

    def left_key(page: str | None) -> str:
        return "\0entrance" if page is None else page if page in keep else "\0other"

    def right_key(page: str | None) -> str:
        return "\0exit" if page is None else page if page in keep else "\0other"

    left_sum: dict[str, float] = defaultdict(float)
    right_sum: dict[str, float] = defaultdict(float)
    link_sum: dict[tuple[str, str], float] = defaultdict(float)
    exits_of: dict[str, float] = defaultdict(float)
    for (source, to), value in edges.items():
        lk, rk = left_key(source), right_key(to)
        left_sum[lk] += value
        right_sum[rk] += value
        link_sum[(lk, rk)] += value
        if to is None:
            exits_of[lk] += value
    left_order = [k for k in ("\0entrance", *busiest, "\0other") if k in left_sum]
    right_order = [k for k in (*busiest, "\0other", "\0exit") if k in right_sum]

    def node(key: str, value: float, left: bool) -> FlowNode:
        kind = {"\0entrance": "entrance", "\0exit": "exit", "\0other": "other"}.get(key, "page")
        label = {"entrance": ENTRANCE, "exit": EXIT, "other": OTHER}.get(kind, key)
        exit_text = ""
        if left and kind in ("page", "other") and value > 0:
            exit_text = f"{exits_of.get(key, 0.0) / value * 100:.0f}% exit"
        return FlowNode(label, value, _text(value), exit_text, kind)

    left = tuple(node(k, left_sum[k], True) for k in left_order)
    right = tuple(node(k, right_sum[k], False) for k in right_order)
    li = {k: i for i, k in enumerate(left_order)}
    ri = {k: i for i, k in enumerate(right_order)}
    links = tuple(
        FlowLink(li[lk], ri[rk], v)
        for (lk, rk), v in sorted(link_sum.items(), key=lambda kv: (li[kv[0][0]], ri[kv[0][1]]))
    )
    total = sum(views.values())
    summary = f"{_text(total)} page views"
    exits_total = right_sum.get("\0exit", 0.0)
    if total > 0:
        summary += f" · {exits_total / total * 100:.0f}% of views end the visit"
    return FlowBody(left, right, links, total, summary)
