"""The demo server's GA4 face: the Data API v1beta runReport and runRealtimeReport.

Wire format as in shared/reference/api-facts.md section 5: POST JSON, camelCase, every value a
string typed by `metricHeaders`, `rows` and `rowCount` left out when there is no data, Google's
error shape (400 INVALID_ARGUMENT for a metric realtime does not have, such as sessions or
bounceRate, an unknown name, or more than 10 metrics), `propertyQuota` when
`returnPropertyQuota` is set. The property's time zone is UTC. While the `ga4` source is down
every call answers 503 UNAVAILABLE.

Standard reports answer without dimensions, by `date`, by `pagePath` and by `pageReferrer` and
`pagePath` (the behaviour flow; views and users only), with a `dimensionFilter` that is an
`inListFilter` or an exact `stringFilter`; `activeNDayUsers` count the N days ending on the
range's last day. Realtime reports answer by `minutesAgo`, `unifiedScreenName` or `country`.

Also `POST /token`: an OAuth token endpoint that grants anything, so a service-account key file
whose `token_uri` points at the demo server works with google-auth.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from noc_board.core.clock import Clock
from noc_board.demo.analytics import COUNTRIES, SCREENS, AnalyticsFigures
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.wire import Request, Response, json_response

_PATH = re.compile(r"/v1beta/properties/([^/:]+):(runReport|runRealtimeReport)")
_DAYS_AGO = re.compile(r"(\d+)daysAgo")
REALTIME_METRICS = {"activeUsers", "eventCount", "keyEvents", "screenPageViews"}
REALTIME_DIMENSIONS = {"minutesAgo", "unifiedScreenName", "country"}
MAX_METRICS = 10
# name -> (type, value from a range's figures)
REPORT_METRICS: dict[str, tuple[str, Callable[[AnalyticsFigures], float]]] = {
    "activeUsers": ("TYPE_INTEGER", lambda f: f.active_users),
    "totalUsers": ("TYPE_INTEGER", lambda f: round(f.active_users * 1.04)),
    "sessions": ("TYPE_INTEGER", lambda f: f.sessions),
    "averageSessionDuration": ("TYPE_SECONDS", lambda f: f.average_session_duration),
    "screenPageViewsPerSession": ("TYPE_FLOAT", lambda f: f.pages_per_session),
    "screenPageViews": ("TYPE_INTEGER", lambda f: f.page_views),
    "bounceRate": ("TYPE_FLOAT", lambda f: f.bounce_rate),
    "engagementRate": ("TYPE_FLOAT", lambda f: f.engagement_rate),
    "keyEvents": ("TYPE_INTEGER", lambda f: f.key_events),
    "ecommercePurchases": ("TYPE_INTEGER", lambda f: f.key_events),
    "purchaseRevenue": ("TYPE_CURRENCY", lambda f: round(f.revenue, 2)),
    "sessionKeyEventRate": ("TYPE_FLOAT",
                            lambda f: f.key_events / f.sessions if f.sessions else 0.0),
    "engagedSessions": ("TYPE_INTEGER", lambda f: f.engaged_sessions),
    "purchaserConversionRate": ("TYPE_FLOAT",
                                lambda f: f.purchasers / f.active_users if f.active_users
                                else 0.0),
}
# users active in the N days ending on the range's last day (computed apart)
WINDOW_METRICS = {"active1DayUsers": 1, "active7DayUsers": 7, "active28DayUsers": 28}
PAGE_METRICS = {"screenPageViews", "activeUsers"}
REPORT_DIMENSIONS = {"date", "pagePath", "pageReferrer"}
_PAGE_DIMENSIONS = (["pagePath"], ["pageReferrer", "pagePath"])
_QUOTA_LIMITS = {"tokensPerDay": 200_000, "tokensPerHour": 40_000, "concurrentRequests": 10,
                 "serverErrorsPerProjectPerHour": 10, "potentiallyThresholdedRequestsPerHour": 120,
                 "tokensPerProjectPerHour": 14_000}


class GoogleError(Exception):
    """An error answer in Google's shape."""

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status = code, status

    def response(self) -> Response:
        return json_response(self.code, {"error": {"code": self.code, "message": str(self),
                                                   "status": self.status}})


def _invalid(message: str) -> GoogleError:
    return GoogleError(400, "INVALID_ARGUMENT", message)


class Ga4Api:
    """Answers GA4 Data API requests from the simulator at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock) -> None:
        self._sim = sim
        self._clock = clock
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str, int], int] = {}  # (bucket, period, index) -> tokens

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not a GA4 one."""
        if req.path == "/token" and req.method == "POST":
            return json_response(200, {"access_token": "ya29.demo-token", "expires_in": 3599,
                                       "token_type": "Bearer"})
        m = _PATH.fullmatch(req.path)
        if not m:
            return None
        try:
            if req.method != "POST":
                raise GoogleError(405, "METHOD_NOT_ALLOWED", f"{req.method} is not allowed.")
            if not req.bearer():
                raise GoogleError(401, "UNAUTHENTICATED", "Request is missing required "
                                  "authentication credential. Expected OAuth 2 access token, "
                                  "login cookie or other valid authentication credential.")
            now = self._clock.now()
            if self._sim.source_down("ga4", now):
                raise GoogleError(503, "UNAVAILABLE", "The service is currently unavailable.")
            if not m.group(1).isdigit():
                raise _invalid(f"Invalid property: properties/{m.group(1)}")
            try:
                body = json.loads(req.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise _invalid("Invalid JSON payload received.") from None
            if not isinstance(body, dict):
                raise _invalid("Invalid JSON payload received. Expected an object.")
            realtime = m.group(2) == "runRealtimeReport"
            report = self._realtime(body, now) if realtime else self._report(body, now)
        except GoogleError as exc:
            return exc.response()
        if body.get("returnPropertyQuota"):
            report["propertyQuota"] = self._charge_quota("realtime" if realtime else "core", now)
        return json_response(200, report)

    # -- realtime ------------------------------------------------------------------------

    def _realtime(self, body: dict[str, Any], now: float) -> dict[str, Any]:
        metrics = _names(body, "metrics")
        dimensions = _names(body, "dimensions")
        if not metrics:
            raise _invalid("At least one metric is required.")
        _at_most_ten(metrics)
        for name in metrics:
            if name not in REALTIME_METRICS:
                raise _invalid(f"Field {name} is not a valid metric for realtime reports. For a "
                               "list of valid metrics, see https://developers.google.com/"
                               "analytics/devguides/reporting/data/v1/realtime-api-schema")
        for name in dimensions:
            if name not in REALTIME_DIMENSIONS:
                raise _invalid(f"Field {name} is not a valid dimension for realtime reports (the "
                               f"demo server knows {', '.join(sorted(REALTIME_DIMENSIONS))}).")
        if len(dimensions) > 1:
            raise _invalid("The demo server answers realtime reports with at most one dimension.")
        ranges = body.get("minuteRanges") or [{}]
        if len(ranges) != 1:
            raise _invalid("The demo server answers realtime reports with one minute range.")
        start_ago = _int(ranges[0].get("startMinutesAgo", 29), "startMinutesAgo")
        end_ago = _int(ranges[0].get("endMinutesAgo", 0), "endMinutesAgo")
        if not 0 <= end_ago <= start_ago <= 29:
            raise _invalid("minuteRanges must have 0 <= endMinutesAgo <= startMinutesAgo <= 29 "
                           "for a standard property.")
        window = self._sim.analytics.realtime(now, start_ago, end_ago)
        per_minute = {"activeUsers": window.users, "screenPageViews": window.page_views,
                      "eventCount": window.events, "keyEvents": window.key_events}
        totals = {name: float(values.sum()) for name, values in per_minute.items()}
        totals["activeUsers"] = window.total_users
        rows: list[tuple[list[str], list[float]]]
        if not dimensions:
            rows = [([], [totals[n] for n in metrics])]
        elif dimensions[0] == "minutesAgo":
            rows = [([f"{ago:02d}"], [float(per_minute[n][i]) for n in metrics])
                    for i, ago in sorted(enumerate(window.minutes_ago), key=lambda p: p[1])]
        elif dimensions[0] == "country":
            rows = [([country], [totals[n] * share for n in metrics])
                    for country, share in COUNTRIES]
        else:
            weight = sum(w for _, w in SCREENS[:-1])
            rows = []
            for screen, share in SCREENS:
                values = []
                for n in metrics:
                    if n == "activeUsers":
                        values.append(totals[n] * share)
                    elif n == "keyEvents":
                        values.append(totals[n] if screen == "Order confirmation" else 0.0)
                    else:
                        values.append(0.0 if screen == "Order confirmation"
                                      else totals[n] * share / weight)
                rows.append(([screen], values))
            rows.sort(key=lambda r: -r[1][0])
        types = ["TYPE_INTEGER"] * len(metrics)
        out = _table(dimensions, metrics, types, [(d, [round(v) for v in vs]) for d, vs in rows],
                     body, keep_empty=False)
        out["kind"] = "analyticsData#runRealtimeReport"
        return out

    # -- standard reports ----------------------------------------------------------------

    def _report(self, body: dict[str, Any], now: float) -> dict[str, Any]:
        metrics = _names(body, "metrics")
        dimensions = _names(body, "dimensions")
        if not metrics:
            raise _invalid("At least one metric is required.")
        _at_most_ten(metrics)
        for name in metrics:
            if name not in REPORT_METRICS and name not in WINDOW_METRICS:
                known = sorted([*REPORT_METRICS, *WINDOW_METRICS])
                raise _invalid(f"Field {name} is not a valid metric (the demo server knows "
                               f"{', '.join(known)}).")
        for name in dimensions:
            if name not in REPORT_DIMENSIONS:
                raise _invalid(f"Field {name} is not a valid dimension (the demo server knows "
                               f"{', '.join(sorted(REPORT_DIMENSIONS))}).")
        pages = dimensions in _PAGE_DIMENSIONS
        if ("pagePath" in dimensions or "pageReferrer" in dimensions) and not pages:
            raise _invalid("The demo server answers pages by pagePath, or by pageReferrer and "
                           "pagePath.")
        if pages and not set(metrics) <= PAGE_METRICS:
            raise _invalid("The demo server answers pages with screenPageViews and activeUsers "
                           "only.")
        ranges = body.get("dateRanges")
        if not ranges or not isinstance(ranges, list) or len(ranges) > 4:
            raise _invalid("dateRanges: give one to four date ranges.")
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        spans = [(_date(r.get("startDate"), today, "startDate"),
                  _date(r.get("endDate"), today, "endDate"), r.get("name")) for r in ranges]
        for n, (first, last, _) in enumerate(spans):
            if last < first:
                raise _invalid(f"dateRanges[{n}]: endDate must not be before startDate.")
        many = len(spans) > 1
        heads = dimensions + (["dateRange"] if many else [])
        types = [REPORT_METRICS[n][0] if n in REPORT_METRICS else "TYPE_INTEGER"
                 for n in metrics]
        rows: list[tuple[list[str], list[float]]] = []
        for n, (first, last, name) in enumerate(spans):
            label = [name or f"date_range_{n}"] if many else []
            if pages:
                rows += [(dims + label, vals)
                         for dims, vals in _page_rows(dimensions, metrics,
                                                      self._figures(first, last, now))]
            elif "date" in dimensions:
                day = first
                while day <= last:
                    figures = self._figures(day, day, now)
                    values = self._values(metrics, figures, day, now)
                    rows.append(([day.strftime("%Y%m%d"), *label], values))
                    day += dt.timedelta(days=1)
            else:
                figures = self._figures(first, last, now)
                rows.append((label, self._values(metrics, figures, last, now)))
        rows = _filtered(rows, heads, body.get("dimensionFilter"))
        out = _table(heads, metrics, types, rows, body,
                     keep_empty=bool(body.get("keepEmptyRows")))
        aggregations = body.get("metricAggregations") or []
        if "TOTAL" in aggregations:
            first = min(s[0] for s in spans)
            last = max(s[1] for s in spans)
            totals = self._values(metrics, self._figures(first, last, now), last, now)
            out["totals"] = [{"dimensionValues": [{"value": "RESERVED_TOTAL"} for _ in heads],
                              "metricValues": [{"value": _text(v)} for v in totals]}]
        out["metadata"] = {"currencyCode": self._sim.scenario.baseline.currency,
                           "timeZone": "Etc/UTC"}
        out["kind"] = "analyticsData#runReport"
        return out

    def _values(self, metrics: list[str], figures: AnalyticsFigures, last: dt.date,
                now: float) -> list[float]:
        """The metrics' values for a range's figures; activeNDayUsers over the N days that
        end on the range's last day."""
        out = []
        for name in metrics:
            days = WINDOW_METRICS.get(name)
            if days is None:
                out.append(float(REPORT_METRICS[name][1](figures)))
            else:
                first = last - dt.timedelta(days=days - 1)
                out.append(float(self._figures(first, last, now).active_users))
        return out

    def _figures(self, first: dt.date, last: dt.date, now: float) -> AnalyticsFigures:
        t0 = dt.datetime.combine(first, dt.time(), dt.UTC).timestamp()
        t1 = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
        return self._sim.analytics_between(t0, min(t1, now))

    # -- quota ---------------------------------------------------------------------------

    def _charge_quota(self, bucket: str, now: float) -> dict[str, Any]:
        cost = 1 if bucket == "realtime" else 5
        day, hour = int(now // 86400), int(now // 3600)
        with self._lock:
            for period, index in (("day", day), ("hour", hour)):
                key = (bucket, period, index)
                self._used[key] = self._used.get(key, 0) + cost
            for key in [k for k in self._used if k[2] not in (day, hour)]:
                del self._used[key]  # only the current day and hour matter
            per_day = self._used[(bucket, "day", day)]
            per_hour = self._used[(bucket, "hour", hour)]
        consumed = {"tokensPerDay": per_day, "tokensPerHour": per_hour,
                    "tokensPerProjectPerHour": per_hour}
        return {name: {"consumed": consumed.get(name, 0),
                       "remaining": limit - consumed.get(name, 0)}
                for name, limit in _QUOTA_LIMITS.items()}


def _names(body: dict[str, Any], key: str) -> list[str]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(
            i.get("name"), str) for i in items):
        raise _invalid(f"{key}: give a list of objects with a name.")
    return [i["name"] for i in items]


def _int(value: object, key: str) -> int:
    """An integer field; proto3 JSON writes int64 as a string, so accept both."""
    try:
        number = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else -1
    except ValueError:
        number = -1
    if number < 0:
        raise _invalid(f"{key} must be a non-negative integer, not {value!r}.")
    return number


def _date(value: object, today: dt.date, key: str) -> dt.date:
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    if isinstance(value, str):
        m = _DAYS_AGO.fullmatch(value)
        if m:
            return today - dt.timedelta(days=int(m.group(1)))
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _invalid(f"Invalid {key}: {value!r}. Use YYYY-MM-DD, NdaysAgo, yesterday or today.")


def _at_most_ten(metrics: list[str]) -> None:
    if len(metrics) > MAX_METRICS:
        raise _invalid(f"Requested {len(metrics)} metrics; a request may have at most "
                       f"{MAX_METRICS}.")


def _page_rows(dimensions: list[str], metrics: list[str], figures: AnalyticsFigures
               ) -> list[tuple[list[str], list[float]]]:
    """Rows by page, or by referrer and page: views from the flows, users per page."""
    views: dict[tuple[str, ...], float] = {}
    for referrer, path, count in figures.flows():
        key = (path,) if dimensions == ["pagePath"] else (referrer, path)
        views[key] = views.get(key, 0.0) + count
    users = dict(figures.page_users())
    keys: list[tuple[str, ...]]
    if dimensions == ["pagePath"]:
        keys = [(path,) for path in users]
        got = {"screenPageViews": lambda k: views.get(k, 0.0),
               "activeUsers": lambda k: users[k[0]]}
    else:
        keys = list(views)
        got = {"screenPageViews": lambda k: views[k],
               "activeUsers": lambda k: round(views[k] * 0.8)}
    return [(list(k), [float(got[n](k)) for n in metrics]) for k in keys]


def _filtered(rows: list[tuple[list[str], list[float]]], heads: list[str],
              spec: object) -> list[tuple[list[str], list[float]]]:
    """Rows that pass a `dimensionFilter` (an inListFilter or an exact stringFilter)."""
    if not spec:
        return rows
    flt = spec.get("filter") if isinstance(spec, dict) else None
    if not isinstance(flt, dict) or flt.get("fieldName") not in heads:
        raise _invalid("dimensionFilter: the demo server takes one filter on a dimension of "
                       "the request.")
    i = heads.index(flt["fieldName"])
    if isinstance(flt.get("inListFilter"), dict):
        allowed = set(flt["inListFilter"].get("values") or [])
    elif isinstance(flt.get("stringFilter"), dict) and flt["stringFilter"].get(
            "matchType", "EXACT") == "EXACT":
        allowed = {flt["stringFilter"].get("value")}
    else:
        raise _invalid("dimensionFilter: the demo server takes inListFilter or an EXACT "
                       "stringFilter.")
    return [r for r in rows if r[0][i] in allowed]


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _table(dimensions: list[str], metrics: list[str], types: list[str],
           rows: list[tuple[list[str], list[float]]] | list[tuple[list[str], list[int]]],
           body: dict[str, Any], keep_empty: bool) -> dict[str, Any]:
    """Headers and rows; rows whose metrics are all 0 go unless `keep_empty`; `limit` and
    `offset` page; absent rows leave out `rows` and `rowCount` (proto3 JSON)."""
    kept = [(d, v) for d, v in rows if keep_empty or any(x != 0 for x in v)]
    kept = _ordered(kept, dimensions, metrics, body.get("orderBys") or [])
    out: dict[str, Any] = {}
    if dimensions:
        out["dimensionHeaders"] = [{"name": n} for n in dimensions]
    out["metricHeaders"] = [{"name": n, "type": t} for n, t in zip(metrics, types, strict=True)]
    offset = _int(body.get("offset") or 0, "offset")
    limit = _int(body.get("limit") or 10_000, "limit")
    page = kept[offset:offset + limit]
    if page:
        out["rows"] = [
            ({"dimensionValues": [{"value": d} for d in dims]} if dims else {})
            | {"metricValues": [{"value": _text(v)} for v in values]}
            for dims, values in page
        ]
    if kept:
        out["rowCount"] = len(kept)
    return out


def _ordered(rows: list[Any], dimensions: list[str], metrics: list[str],
             order_bys: list[dict[str, Any]]) -> list[Any]:
    for order in reversed(order_bys):  # stable sorts, last key first
        desc = bool(order.get("desc"))
        if "metric" in order:
            name = order["metric"].get("metricName")
            if name not in metrics:
                raise _invalid(f"orderBys: {name} is not a metric of the request.")
            i = metrics.index(name)
            rows = sorted(rows, key=lambda r: r[1][i], reverse=desc)
        elif "dimension" in order:
            name = order["dimension"].get("dimensionName")
            if name not in dimensions:
                raise _invalid(f"orderBys: {name} is not a dimension of the request.")
            i = dimensions.index(name)
            rows = sorted(rows, key=lambda r: r[0][i], reverse=desc)
    return rows
