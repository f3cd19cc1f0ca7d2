"""Alertmanager API v2 wire format: typed decoding, RFC 3339 times, matchers, error shapes.

Decoding is typed (msgspec), so a body of the wrong shape is one clear error. Handler errors
are bare JSON strings ("Failed to create silence: ..."), schema errors go-openapi objects
(`{"code": 602, "message": "createdBy in body is required"}`), and API v1 answers 410 since
0.27: `alertmanager_error` turns each into one line.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from noc_board.sources.base import one_line
from noc_board.sources.error_shapes import ErrorDetail, generic_error

_FRACTION = re.compile(r"\.(\d+)")


# The wire's camelCase names, decoded as they are.
class WireAlertStatus(msgspec.Struct):
    state: str
    silencedBy: list[str] = []
    inhibitedBy: list[str] = []
    mutedBy: list[str] = []


class WireAlert(msgspec.Struct):
    labels: dict[str, str]
    startsAt: str
    endsAt: str
    fingerprint: str
    status: WireAlertStatus
    annotations: dict[str, str] = {}
    updatedAt: str = ""
    generatorURL: str = ""


class WireMatcher(msgspec.Struct):
    name: str
    value: str
    isRegex: bool
    isEqual: bool = True


class WireSilenceStatus(msgspec.Struct):
    state: str


class WireSilence(msgspec.Struct):
    id: str
    status: WireSilenceStatus
    matchers: list[WireMatcher]
    startsAt: str
    endsAt: str
    createdBy: str = ""
    comment: str = ""
    updatedAt: str = ""


class WireSilenceId(msgspec.Struct):
    silenceID: str


def parse_time(text: str) -> float:
    """Unix seconds of an RFC 3339 time as Go writes it (fractions up to nanoseconds, Z)."""
    if not text:
        return 0.0
    clean = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text.strip(), count=1)
    try:
        when = datetime.datetime.fromisoformat(clean.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {text[:40]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.timestamp()


def format_time(ts: float) -> str:
    """RFC 3339 in UTC with milliseconds, as Alertmanager writes it."""
    when = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Matcher:
    """A silence's label test: equal or regex (anchored), possibly negated."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` pass (a missing label is the empty string, as in Alertmanager)."""
        actual = labels.get(self.name, "")
        if self.is_regex:
            try:
                hit = re.fullmatch(self.value, actual) is not None
            except re.error:
                hit = False
        else:
            hit = actual == self.value
        return hit if self.is_equal else not hit

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex,
                "isEqual": self.is_equal}


@dataclass(frozen=True, slots=True)
class RemoteSilence:
    """A silence as read back: who made it, why, and until when (`state` active, pending,
    expired)."""

    id: str
    state: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float = 0.0

    def matches(self, labels: Mapping[str, str]) -> bool:
        return bool(self.matchers) and all(m.matches(labels) for m in self.matchers)


@dataclass(frozen=True, slots=True)
class RemoteAlert:
    """An alert as read back. `state` is unprocessed, active or suppressed; a suppressed alert
    says by what: silences (`silenced_by`), other alerts (`inhibited_by`), time intervals
    (`muted_by`, 0.28+)."""

    fingerprint: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    state: str
    starts_at: float
    ends_at: float
    updated_at: float = 0.0
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    muted_by: tuple[str, ...] = ()
    generator_url: str = ""


@dataclass(frozen=True, slots=True)
class PostableAlert:
    """An alert to push: its labels identify it (Alertmanager deduplicates on them)."""

    labels: Mapping[str, str]
    starts_at: float
    ends_at: float
    annotations: Mapping[str, str] = field(default_factory=dict)
    generator_url: str = ""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": format_time(self.starts_at),
            "endsAt": format_time(self.ends_at),
        }
        if self.generator_url:
            wire["generatorURL"] = self.generator_url
        return wire


@dataclass(frozen=True, slots=True)
class PostableSilence:
    """A silence to create, or to update when `id` is set."""

    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "matchers": [m.to_wire() for m in self.matchers],
            "startsAt": format_time(self.starts_at),
            "endsAt": format_time(self.ends_at),
            "createdBy": self.created_by,
            "comment": self.comment,
        }
        if self.id:
            wire["id"] = self.id
        return wire


def alert_from_wire(w: WireAlert) -> RemoteAlert:
    return RemoteAlert(
        fingerprint=w.fingerprint,
        labels=dict(w.labels),
        annotations=dict(w.annotations),
        state=w.status.state,
        starts_at=parse_time(w.startsAt),
        ends_at=parse_time(w.endsAt),
        updated_at=parse_time(w.updatedAt),
        silenced_by=tuple(w.status.silencedBy),
        inhibited_by=tuple(w.status.inhibitedBy),
        muted_by=tuple(w.status.mutedBy),
        generator_url=w.generatorURL,
    )


def silence_from_wire(w: WireSilence) -> RemoteSilence:
    return RemoteSilence(
        id=w.id,
        state=w.status.state,
        matchers=tuple(Matcher(m.name, m.value, m.isRegex, m.isEqual) for m in w.matchers),
        starts_at=parse_time(w.startsAt),
        ends_at=parse_time(w.endsAt),
        created_by=w.createdBy,
        comment=w.comment,
        updated_at=parse_time(w.updatedAt),
    )


def alertmanager_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """Alertmanager's error shapes: a bare JSON string, a go-openapi `{code, message}`, the
    410 of the removed API v1, and a 404 that means the URL is not an Alertmanager."""
    if status == 410:
        return ErrorDetail(
            "API v1 is gone (removed in Alertmanager 0.27) and this board speaks v2: "
            "give the server's base URL, without /api/v1",
            retry=False,
        )
    if isinstance(body, str) and body.strip():
        return ErrorDetail(body.strip())
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        suffix = f" (code {code})" if isinstance(code, int) else ""
        return ErrorDetail(f"{body['message']}{suffix}", retry=False if status < 500 else None)
    if status == 404:
        return ErrorDetail("no Alertmanager API v2 here: is the URL the server's base URL?")
    if body is None and text.strip() and not text.lstrip().startswith("<"):
        return ErrorDetail(one_line(text, 160))  # a string a proxy or an old version sent bare
    return generic_error(status, headers, body, text)
