"""The Alertmanager connector (API v2): active alerts and silences, read as board alarms.

`AlertmanagerApi` is the client: read alerts (`unprocessed`, `active`, `suppressed`) and
silences (who made each, why, until when), push alerts, create, update and expire silences.
Every failure is a `SourceError` with one line: Alertmanager's bare-string bodies, go-openapi's
`{code, message}`, the 410 of the removed v1. `Snapshot` is one reading of both lists;
`alarms_from_snapshot` shows it as board alarms (a silenced alert is an acknowledged alarm, by
the silence's author, with its comment, until its end). `AlertmanagerSource` polls it as a
source whose measures count alerts and silences.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.clock import Clock
from noc_board.core.samples import PollResult, Sample
from noc_board.sources.alertmanager_wire import (
    PostableAlert,
    PostableSilence,
    RemoteAlert,
    RemoteSilence,
    WireAlert,
    WireSilence,
    WireSilenceId,
    alert_from_wire,
    alertmanager_error,
    silence_from_wire,
)
from noc_board.sources.base import SourceError, metrics_for
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import RequestPolicy

MEASURES = (
    "alerts_firing",  # active or unprocessed: nobody silenced or inhibited them
    "alerts_suppressed",
    "alerts_silenced",
    "alerts_total",
    "silences_active",
)
_SEVERITIES = {"critical": "critical", "page": "critical", "warning": "warning"}
EXTERNAL_PREFIX = "am:"  # the key of an alarm that is an Alertmanager alert: am:<fingerprint>


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One reading of Alertmanager: its alerts and silences, and when it was taken."""

    fetched_at: float
    alerts: tuple[RemoteAlert, ...]
    silences: tuple[RemoteSilence, ...]

    def silence(self, silence_id: str) -> RemoteSilence | None:
        return next((s for s in self.silences if s.id == silence_id), None)

    def active_silences(self) -> tuple[RemoteSilence, ...]:
        return tuple(s for s in self.silences if s.state == "active")

    def silences_of(self, alert: RemoteAlert) -> tuple[RemoteSilence, ...]:
        """The silences that silence `alert`, as Alertmanager says (known ones only)."""
        found = (self.silence(i) for i in alert.silenced_by)
        return tuple(s for s in found if s is not None)


class AlertmanagerApi:
    """A client of one Alertmanager's API v2. Raises only `SourceError`.

    `url` is the server's base URL (with any route prefix); `basic` a (user, password) pair,
    `bearer` a token for a proxy in front of it.
    """

    def __init__(
        self,
        url: str,
        http: HttpFetcher,
        *,
        timeout: float = 10.0,
        basic: tuple[str, str] | None = None,
        bearer: str | None = None,
    ) -> None:
        base = url.rstrip("/")
        for suffix in ("/api/v2", "/api/v1"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        self.base = base
        self._http = http.derive(
            policy=RequestPolicy(timeout=timeout, max_retries=2, max_retry_wait=5.0),
            service="Alertmanager",
            error_hook=alertmanager_error,
        )
        self._auth = basic
        self._headers = {"Authorization": f"Bearer {bearer}"} if bearer else None

    async def alerts(
        self, filters: Sequence[str] = (), *, silenced: bool = True, inhibited: bool = True
    ) -> tuple[RemoteAlert, ...]:
        """Alerts not yet resolved; `filters` are matcher strings such as `alarm=~".+"`."""
        params: dict[str, Any] = {"silenced": _flag(silenced), "inhibited": _flag(inhibited)}
        if filters:
            params["filter"] = list(filters)
        wire = await self._get("/api/v2/alerts", params, list[WireAlert], "alerts")
        try:
            return tuple(alert_from_wire(w) for w in wire)
        except ValueError as exc:  # a time that is not RFC 3339
            raise SourceError(f"Alertmanager alerts: {exc}") from None

    async def silences(self, filters: Sequence[str] = ()) -> tuple[RemoteSilence, ...]:
        """Silences, active, pending and expired (until Alertmanager's retention drops them)."""
        params = {"filter": list(filters)} if filters else None
        wire = await self._get("/api/v2/silences", params, list[WireSilence], "silences")
        try:
            return tuple(silence_from_wire(w) for w in wire)
        except ValueError as exc:
            raise SourceError(f"Alertmanager silences: {exc}") from None

    async def snapshot(self, at: float, filters: Sequence[str] = ()) -> Snapshot:
        """Alerts and silences, read concurrently."""
        alerts, silences = await asyncio.gather(self.alerts(filters), self.silences())
        return Snapshot(at, alerts, silences)

    async def post_alerts(self, alerts: Sequence[PostableAlert]) -> None:
        """Push alerts (a new one, a resend, or a resolution: `ends_at` now)."""
        if alerts:
            await self._http.request_raw(
                "POST", self.base + "/api/v2/alerts", json=[a.to_wire() for a in alerts],
                headers=self._headers, auth=self._auth,
            )

    async def post_silence(self, silence: PostableSilence) -> str:
        """Create (or update, with `id`) a silence; returns its id, which may be new."""
        body = await self._http.post_json(
            self.base + "/api/v2/silences", json=silence.to_wire(), headers=self._headers,
            auth=self._auth, shape=WireSilenceId,
        )
        return str(body.silenceID)

    async def expire_silence(self, silence_id: str) -> bool:
        """Expire a silence now; False when Alertmanager no longer knows it (404, or the
        500 "silence not found" of versions before 0.27)."""
        response = await self._http.request_raw(
            "DELETE", f"{self.base}/api/v2/silence/{silence_id}", headers=self._headers,
            auth=self._auth, check=False,
        )
        if response.status_code < 300:
            return True
        if response.status_code in (404, 500) and b"not found" in response.content:
            return False
        if response.status_code == 404:
            return False
        detail = alertmanager_error(response.status_code, response.headers,
                                    _loose(response.content), response.text[:400])
        message = detail.message if detail else response.reason_phrase
        raise SourceError(f"HTTP {response.status_code} from Alertmanager: {message}",
                          status=response.status_code)

    async def _get(self, path: str, params: Mapping[str, Any] | None, shape: Any,
                   what: str) -> Any:
        try:
            return await self._http.get_json(self.base + path, params=params, shape=shape,
                                             headers=self._headers, auth=self._auth)
        except SourceError as exc:
            if exc.status is None and "response shape" in exc.message:
                raise SourceError(f"Alertmanager {what}: {exc.message}") from None
            raise


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _loose(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        return None


def severity_of(labels: Mapping[str, str], label: str = "severity") -> str:
    """The board's severity for an alert's severity label: critical or page is critical,
    warning is warning, anything else (or none) info."""
    return _SEVERITIES.get(labels.get(label, "").strip().lower(), "info")


def is_board_alert(alert: RemoteAlert) -> bool:
    """Whether a NOC board pushed this alert (engine.am_sync): its `alarm` label names the
    board's alarm and its `board` annotation the board; another tool's alert has not both."""
    return bool(alert.labels.get("alarm")) and "board" in alert.annotations


def is_external_key(key: str) -> bool:
    """Whether an alarm key is an Alertmanager alert's (`am:<fingerprint>`), not a rule's."""
    return key.startswith(EXTERNAL_PREFIX)


def summary_of(alert: RemoteAlert) -> str:
    """annotations.summary, else description, else the labels (alertname first)."""
    notes = alert.annotations
    text = (notes.get("summary") or notes.get("description") or "").strip()
    if text:
        return text
    labels = dict(alert.labels)
    name = labels.pop("alertname", "")
    rest = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{name} ({rest})" if name and rest else name or rest or alert.fingerprint


def alarm_from_alert(
    alert: RemoteAlert,
    snapshot: Snapshot,
    *,
    severity_label: str = "severity",
    route_label: str = "team",
    routes: Collection[str] | None = None,
) -> Alarm:
    """An Alertmanager alert as a board alarm (key `am:<fingerprint>`).

    Silenced: acknowledged by the silence's author, with its comment, until its end. Inhibited
    or muted: suppressed. Active or not yet processed: unacknowledged. The route is the value
    of `route_label`, when `routes` (if given) has it.
    """
    labels = alert.labels
    route = labels.get(route_label, "") if route_label else ""
    base = Alarm(
        key=f"{EXTERNAL_PREFIX}{alert.fingerprint}",
        rule=labels.get("alertname", ""),
        metric=labels.get("metric", labels.get("instance", "")),
        severity=severity_of(labels, severity_label),
        active=True,
        raised_at=alert.starts_at,
        changed_at=alert.updated_at or alert.starts_at,
        summary=summary_of(alert),
        route=route if routes is None or route in routes else "",
        value=_number(alert.annotations.get("value", "")),
        detail="not yet processed by Alertmanager" if alert.state == "unprocessed" else "",
    )
    silences = sorted(snapshot.silences_of(alert), key=lambda s: s.starts_at)
    if alert.state == "suppressed" and silences:
        first = silences[0]
        return replace(base, state=AlarmState.ACKED, acked_by=first.created_by or "unknown",
                        ack_comment=first.comment, acked_at=first.starts_at,
                        ack_until=first.ends_at)
    if alert.state == "suppressed":
        why = ("inhibited by " + ", ".join(alert.inhibited_by) if alert.inhibited_by
               else "muted by " + ", ".join(alert.muted_by) if alert.muted_by else "suppressed")
        return replace(base, state=AlarmState.SUPPRESSED, suppressed_by=why)
    return replace(base, state=AlarmState.UNACKED)


def alarms_from_snapshot(snapshot: Snapshot) -> tuple[Alarm, ...]:
    return tuple(alarm_from_alert(a, snapshot) for a in snapshot.alerts)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def count(snapshot: Snapshot, measure: str) -> float:
    """The value of one of `MEASURES` in a snapshot."""
    alerts = snapshot.alerts
    if measure == "alerts_firing":
        return float(sum(a.state in ("active", "unprocessed") for a in alerts))
    if measure == "alerts_suppressed":
        return float(sum(a.state == "suppressed" for a in alerts))
    if measure == "alerts_silenced":
        return float(sum(bool(a.silenced_by) for a in alerts))
    if measure == "alerts_total":
        return float(len(alerts))
    if measure == "silences_active":
        return float(len(snapshot.active_silences()))
    raise KeyError(measure)


class AlertmanagerSource:
    """A `[[sources]]` entry of kind alertmanager: counts of alerts and silences as metrics,
    and the latest snapshot (`latest`) for showing its alerts as alarms."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        secret: str | None,
    ) -> None:
        self.name = cfg.name
        self._metrics = metrics_for(cfg, metrics)
        self._clock = clock
        self._cfg = cfg
        self._secret = secret
        basic = (cfg.username, secret) if cfg.auth == "basic" and secret else None
        bearer = secret if cfg.auth == "bearer" and secret else None
        self.api = AlertmanagerApi(cfg.url, http, timeout=cfg.timeout, basic=basic, bearer=bearer)
        self.latest: Snapshot | None = None

    async def poll(self) -> PollResult:
        if self._cfg.auth != "none" and not self._secret:
            raise SourceError(f"{self._cfg.auth} auth needs a secret: set keyring entry "
                              f"{self._cfg.secret!r}")
        now = self._clock.now()
        snapshot = await self.api.snapshot(now)
        self.latest = snapshot
        samples: list[Sample] = []
        notes: list[str] = []
        for metric in self._metrics:
            try:
                value = count(snapshot, metric.measure)
            except KeyError:
                value = math.nan
                notes.append(f"{metric.id}: unknown measure {metric.measure!r}; "
                             f"one of {', '.join(MEASURES)}")
            samples.append(Sample(metric.id, now, value))
        return PollResult(self.name, now, samples, notes=tuple(notes))
