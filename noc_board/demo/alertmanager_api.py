"""The demo server's Alertmanager face: a read-only API v2 whose alerts are the simulator's
incidents.

Wire format as in shared/reference/api-facts.md section 2. Each incident active at the clock's
time is an alert (an outage of search is `ServiceDown{service="search",severity="critical"}`)
that started when the incident did, with `endsAt` a few evaluation intervals ahead as
Prometheus pushes it; `ServiceDown` inhibits the latency and error alerts of its service. One
alert is always there, silenced by a silence ops-bot renews every night, so silences show.
Fingerprints are Alertmanager's own (FNV-1a 64 of the sorted labels), times RFC 3339 with
milliseconds, errors bare JSON strings (checked against a real Alertmanager 0.25).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from noc_board.core.clock import Clock
from noc_board.core.scenario import SERVICES, Incident
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.wire import Request, Response, json_response, text_response
from noc_board.sources.alertmanager_wire import Matcher, format_time

EVAL = 15.0  # the rule evaluation interval: updatedAt steps by it
RESEND = 4 * 60.0  # endsAt = last evaluation + 4 minutes, as Prometheus sends it
VERSION = {"version": "0.28.1", "revision": "demo", "branch": "HEAD", "buildUser": "noc-board",
           "buildDate": "20250307-15:05:18", "goVersion": "go1.23.7"}
CONFIG = ("route:\n  receiver: tech-oncall\n  group_by: [alertname, service]\n"
          "inhibit_rules:\n- source_matchers: [alertname=ServiceDown]\n"
          "  target_matchers: ['alertname=~HighLatency|HighErrorRate']\n  equal: [service]\n")
# kind -> (alertname, severity, team, expression with {target})
_RULES: Mapping[str, tuple[str, str, str, str]] = {
    "outage": ("ServiceDown", "critical", "tech", 'marketplace_up{{service="{0}"}} == 0'),
    "latency": ("HighLatency", "warning", "tech",
                'marketplace_latency_p95_seconds{{service="{0}"}} > 1'),
    "errors": ("HighErrorRate", "critical", "tech",
               'marketplace_error_ratio{{service="{0}"}} > 0.05'),
    "payment_declines": ("PaymentDeclinesHigh", "warning", "customer-service",
                         "marketplace_payment_decline_ratio > 0.15"),
    "traffic_drop": ("TrafficDrop", "warning", "marketing",
                     "marketplace_active_users < 0.6 * marketplace_active_users offset 1w"),
    "conversion_drop": ("ConversionDrop", "warning", "marketing",
                        "marketplace_conversion_ratio < 0.015"),
    "refund_spike": ("RefundSpike", "warning", "customer-service",
                     "marketplace_refund_ratio > 0.1"),
    "source_down": ("SourceDown", "warning", "tech", 'up{{job="{0}"}} == 0'),
}
_INHIBITED = ("HighLatency", "HighErrorRate")
FLAKY = {"alertname": "ProbeFailing", "instance": "probe-eu-west-3", "severity": "warning",
         "team": "tech"}
_MATCHER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*")
# go-openapi's swag.ConvertBool: these are true, anything else (even "x") is false
_TRUE = frozenset({"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"})


class BadRequest(ValueError):
    """A 400 answer: its message goes out as a bare JSON string."""


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a 64 over the sorted names and values,
    each followed by the separator byte 0xff, as 16 hex digits."""
    h = 14695981039346656037
    for name in sorted(labels):
        for part in (name.encode(), labels[name].encode()):
            for byte in part + b"\xff":
                h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def parse_matcher(text: str) -> Matcher:
    """A `filter` matcher such as `service="search"` or `severity=~"crit|page"`."""
    found = _MATCHER.fullmatch(text.strip().removeprefix("{").removesuffix("}"))
    if found is None:
        raise BadRequest(f"bad matcher format: {text}")
    name, op, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if "~" in op:
        try:
            re.compile(value)
        except re.error as exc:
            raise BadRequest(f"error parsing regexp: {exc}: `^(?:{value})$`") from None
    return Matcher(name, value, is_regex="~" in op, is_equal=not op.startswith("!"))


def _passes(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    """Alertmanager's matchFilterLabels: an empty-value test passes when the label is absent
    (equal) or present (not equal)."""
    for m in matchers:
        if m.value == "" and (m.name in labels) != m.is_equal:
            continue
        if not m.matches(labels):
            return False
    return True


class AlertmanagerDemoApi:
    """Answers Alertmanager API v2 reads from the simulator's incidents at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock, instance: str) -> None:
        self._sim = sim
        self._clock = clock
        self._prometheus = f"http://{instance}"
        self.silence_id = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                         f"noc-board-demo/{sim.seed}/flaky-probe"))

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not an Alertmanager one."""
        path = req.path
        if path in ("/-/ready", "/-/healthy"):
            return text_response(200, "OK")
        if not path.startswith("/api/v2/"):
            return None
        if req.method != "GET":
            return json_response(405, {"code": 405, "message": f"method {req.method} is not "
                                       "allowed: the demo Alertmanager is read-only"})
        now = self._clock.now()
        try:
            if path == "/api/v2/alerts":
                return json_response(200, self.alerts(req, now))
            if path == "/api/v2/silences":
                return json_response(200, self.silences(req, now))
            if path.startswith("/api/v2/silence/"):
                found = [s for s in self.silences(Request("GET", path), now)
                         if s["id"] == path.rsplit("/", 1)[1]]
                return json_response(200, found[0]) if found else Response(404)
        except BadRequest as exc:
            return json_response(400, str(exc))
        if path == "/api/v2/status":
            return json_response(200, {
                "cluster": {"status": "disabled", "peers": []},
                "versionInfo": VERSION, "config": {"original": CONFIG},
                "uptime": format_time(self._sim.scenario.start)})
        if path == "/api/v2/receivers":
            return json_response(200, [{"name": n} for n in
                                       ("customer-service", "marketing", "tech-oncall")])
        return text_response(404, "404 page not found\n")

    # -- alerts --------------------------------------------------------------------------

    def alerts(self, req: Request, now: float) -> list[dict[str, Any]]:
        """GET /api/v2/alerts with its filters (`unprocessed` filters nothing: no alert here
        ever is), sorted by fingerprint."""
        active, silenced, inhibited = (_flag(req, k) for k in ("active", "silenced", "inhibited"))
        matchers = [parse_matcher(f) for k, f in req.query if k == "filter"]
        return [a for a in self._all_alerts(now) if _passes(matchers, a["labels"]) and not (
            (a["status"]["state"] == "active" and not active)
            or (a["status"]["silencedBy"] and not silenced)
            or (a["status"]["inhibitedBy"] and not inhibited))]

    def _all_alerts(self, now: float) -> list[dict[str, Any]]:
        t = float(self._sim.quantise(now))  # the step the simulator's figures describe
        updated = math.floor(now / EVAL) * EVAL
        firing: dict[str, tuple[dict[str, str], float, str]] = {}
        for inc in self._sim.scenario.incidents:
            begin = (inc.occurrence_at(t) or (math.inf,))[0]
            for labels, expr in _labels(inc) if begin <= t else ():
                fp = fingerprint(labels)
                if fp not in firing or begin < firing[fp][1]:
                    firing[fp] = (labels, begin, expr)
        down = {labels["service"]: fp for fp, (labels, _, _) in firing.items()
                if labels["alertname"] == "ServiceDown"}
        alerts = [self._alert(fp, labels, start, updated, expr, [], [down[labels["service"]]]
                              if labels["alertname"] in _INHIBITED
                              and labels["service"] in down else [])
                  for fp, (labels, start, expr) in firing.items()]
        alerts.append(self._alert(fingerprint(FLAKY), FLAKY, self._sim.scenario.start, updated,
                                  'probe_success{instance="probe-eu-west-3"} == 0',
                                  [self.silence_id], []))
        alerts.sort(key=lambda a: a["fingerprint"])
        return alerts

    def _alert(self, fp: str, labels: Mapping[str, str], start: float, updated: float,
               expr: str, silenced: list[str], inhibited: list[str]) -> dict[str, Any]:
        what = labels.get("service") or labels.get("job") or labels.get("instance") or "all"
        return {
            "labels": dict(labels),
            "annotations": {"summary": f"{labels['alertname']} on {what}",
                            "description": f"{expr} has been true since {format_time(start)}"},
            "startsAt": format_time(start), "endsAt": format_time(updated + RESEND),
            "updatedAt": format_time(updated),
            "generatorURL": f"{self._prometheus}/graph?g0.expr={quote(expr)}&g0.tab=1",
            "fingerprint": fp,
            "receivers": [{"name": _receiver(labels["team"])}],
            "status": {"state": "suppressed" if silenced or inhibited else "active",
                       "silencedBy": silenced, "inhibitedBy": inhibited, "mutedBy": []},
        }

    # -- silences ------------------------------------------------------------------------

    def silences(self, req: Request, now: float) -> list[dict[str, Any]]:
        """GET /api/v2/silences: the flaky probe's silence, renewed by ops-bot each midnight
        until the midnight after next."""
        filters = [parse_matcher(f) for k, f in req.query if k == "filter"]
        own = {k: FLAKY[k] for k in ("alertname", "instance")}
        if not _passes(filters, own) or not _flag(req, "active"):
            return []
        midnight = math.floor(now / 86400) * 86400
        return [{
            "id": self.silence_id, "status": {"state": "active"},
            "matchers": [Matcher(k, v).to_wire() for k, v in own.items()],
            "startsAt": format_time(self._sim.scenario.start),
            "endsAt": format_time(midnight + 2 * 86400),
            "updatedAt": format_time(max(self._sim.scenario.start, midnight)),
            "createdBy": "ops-bot", "comment": "known flaky probe",
        }]


def _labels(inc: Incident) -> list[tuple[dict[str, str], str]]:
    name, severity, team, expr = _RULES[inc.kind]
    if inc.kind == "source_down":
        return [({"alertname": name, "job": inc.target or "", "severity": severity,
                  "team": team}, expr.format(inc.target))]
    if inc.kind not in ("outage", "latency", "errors"):
        return [({"alertname": name, "severity": severity, "team": team}, expr)]
    targets = SERVICES if inc.target is None else (inc.target,)
    return [({"alertname": name, "service": s, "severity": severity, "team": team},
             expr.format(s)) for s in targets]


def _receiver(team: str) -> str:
    return "tech-oncall" if team == "tech" else team


def _flag(req: Request, name: str) -> bool:
    raw = req.param(name)
    return raw is None or raw.strip().lower() in _TRUE
