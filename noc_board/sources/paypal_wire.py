"""PayPal REST wire types (msgspec) and readers: the OAuth2 token, Transaction Search pages,
transactions as plain values, and PayPal's two error shapes.

Amounts are decimal strings in major units (`"465.00"`, fees negative), read as `Decimal`;
dates are RFC 3339, often with a `+0000` offset. Event codes (T-codes) classify transactions:
T00nn are payments (a sale when money comes in), T1107 a refund the merchant made, T1106 and
T12nn reversals and chargebacks. `transaction_status` is S (success), P (pending), D (denied)
or V (reversed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import msgspec

from noc_board.sources.error_shapes import ErrorDetail, generic_error

Kind = Literal["sale", "refund", "reversal"]
REFUND_CODES = frozenset({"T1107"})
STATUSES = frozenset({"S", "P", "D", "V"})
_PERMISSION_HINT = (
    "tick Transaction Search for the app in the PayPal developer dashboard (new permissions "
    "can take hours to reach new tokens)"
)


class TokenReply(msgspec.Struct):
    """`POST /v1/oauth2/token` with client credentials: the bearer token and its lifetime."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: float = 0.0
    scope: str = ""


class Money(msgspec.Struct):
    """`{"currency_code": "USD", "value": "465.00"}`."""

    currency_code: str = ""
    value: str = ""


class TransactionInfo(msgspec.Struct):
    """The `transaction_info` fields the board reads (the rest are ignored)."""

    transaction_id: str = ""
    transaction_event_code: str = ""
    transaction_initiation_date: str = ""
    transaction_updated_date: str = ""
    transaction_amount: Money | None = None
    transaction_status: str = ""


class TransactionDetail(msgspec.Struct):
    """One element of `transaction_details`."""

    transaction_info: TransactionInfo | None = None


class TransactionPage(msgspec.Struct):
    """A page of `GET /v1/reporting/transactions`."""

    transaction_details: list[TransactionDetail] = []
    page: int = 1
    total_pages: int | None = None
    total_items: int | None = None
    last_refreshed_datetime: str | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    """A transaction the board counts: when it started, its kind, status and amount."""

    key: str  # id and event code: ids are not unique in reporting
    ts: float
    kind: Kind
    status: str
    currency: str  # upper-case ISO code
    amount: Decimal  # major units, as signed by PayPal (refunds negative)


def parse_time(text: str) -> float:
    """Unix seconds of an RFC 3339 time (`Z`, `+00:00` or `+0000`); ValueError otherwise."""
    when = datetime.fromisoformat(text.strip())
    if when.tzinfo is None:
        raise ValueError(f"time {text[:40]!r} has no offset")
    return when.timestamp()


def kind_of(code: str, amount: Decimal) -> Kind | None:
    """What a T-code means to the board, or None for what it does not count (fees, transfers)."""
    if code.startswith("T00") and amount > 0:
        return "sale"
    if code in REFUND_CODES:
        return "refund"
    if code == "T1106" or code.startswith("T12"):
        return "reversal"
    return None


def read_transaction(info: TransactionInfo | None) -> Transaction | Literal[False] | None:
    """The transaction, None when the board does not count its kind, False when unreadable."""
    if info is None or not info.transaction_id or info.transaction_amount is None:
        return False
    try:
        amount = Decimal(info.transaction_amount.value.strip())
        ts = parse_time(info.transaction_initiation_date)
    except (InvalidOperation, ValueError, OverflowError):
        return False
    currency = info.transaction_amount.currency_code.strip().upper()
    if not amount.is_finite() or len(currency) != 3 or not math.isfinite(ts):
        return False
    kind = kind_of(info.transaction_event_code, amount)
    if kind is None:
        return None
    status = info.transaction_status.strip().upper()
    if status not in STATUSES:
        return False
    key = f"{info.transaction_id}/{info.transaction_event_code}"
    return Transaction(key, ts, kind, status, currency, amount)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _first_detail(details: Any) -> str | None:
    if not isinstance(details, list) or not details or not isinstance(details[0], dict):
        return None
    first = details[0]
    field = _text(first.get("field"))
    issue = _text(first.get("description")) or _text(first.get("issue"))
    if issue is None:
        return None
    return f"{field}: {issue}" if field else issue


def paypal_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """PayPal's OAuth shape `{"error", "error_description"}` and REST shape `{"name",
    "message", "details", "debug_id"}`; 429 RATE_LIMIT_REACHED is retried."""
    if not isinstance(body, dict):
        return generic_error(status, headers, body, text)
    oauth = _text(body.get("error"))
    if oauth is not None:
        description = _text(body.get("error_description"))
        return ErrorDetail(f"{oauth}: {description}" if description else oauth)
    name = _text(body.get("name"))
    if name is None:
        return generic_error(status, headers, body, text)
    line = f"{name}: {_text(body.get('message')) or 'no message'}"
    detail = _first_detail(body.get("details"))
    if detail:
        line += f" ({detail})"
    if status == 403 or name in ("NOT_AUTHORIZED", "PERMISSION_DENIED"):
        line += f"; {_PERMISSION_HINT}"
    debug_id = _text(body.get("debug_id")) or _text(headers.get("paypal-debug-id"))
    if debug_id:
        line += f" [debug_id {debug_id[:40]}]"
    return ErrorDetail(line, retry=True if name == "RATE_LIMIT_REACHED" else None)
