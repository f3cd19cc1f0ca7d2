"""Stripe-like charges and refunds of the simulated marketplace, generated per minute.

For minute m the number of charge attempts is Poisson with the mean the simulator's order rate
gives (succeeded charges ~ orders), drawn from uniform(seed, "charges.count", m); charge j of
minute m draws every field from (seed, field, m, j). A charge therefore exists, with the same
id and amount, whichever window or page asks for it. Refunds are decided by their charge (so a
charge's `amount_refunded` agrees with the refund list) and dated days later, or minutes later
during a refund_spike. Most charges are in the baseline currency; a few are in JPY (zero
decimals) and KWD (three decimals) so currency handling gets exercised.

A declined charge is often retried a few seconds later by a charge of the same payment intent
(same amount, currency, product and customer) that succeeds: the intent's first attempt is
its `intent_j`. A few paid charges are disputed days later. Payment intents, disputes and
checkout sessions are rendered from these columns by `noc_board.demo.payments`.

Whole UTC days are generated as numpy arrays and cached (bounded); Python objects are built only
for what a caller asks for.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from noc_board.demo.noise import IntArray, hash_u64, normal, poisson, uniform

if TYPE_CHECKING:
    from noc_board.demo.simulator import MarketSimulator

DAY = 86400
MAX_REFUND_LAG = 10 * DAY
_CACHE_DAYS = 40
_CACHE_ROWS = 1_500_000  # ~120 MB of arrays at most, however busy the scenario
_MIN_CACHE_DAYS = 12  # a day of refunds reads the charges of the 10 days before it
# units of each currency per US dollar (fixed: a demo needs stable numbers, not markets)
CURRENCY_RATES = {
    "usd": 1.0, "eur": 0.92, "gbp": 0.79, "chf": 0.88, "cad": 1.36, "aud": 1.52, "sek": 10.5,
    "jpy": 150.0, "krw": 1350.0, "kwd": 0.31, "bhd": 0.38,
}
ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
                          "ugx", "vnd", "vuv", "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
_EXTRA_CURRENCIES = (("jpy", 0.03), ("kwd", 0.02))  # (currency, share of charges)
RETRY_SHARE = 0.5  # declined charges retried (successfully) within the minute
DISPUTE_RATE = 0.004  # paid charges disputed, 1-6 days later
PRODUCTS = (
    "Wireless earbuds", "Running shoes", "Coffee grinder", "Yoga mat", "Desk lamp",
    "Backpack", "Phone case", "Cast-iron pan", "Board game", "Water bottle", "Hoodie",
    "Mechanical keyboard", "Plant pot", "Sunglasses", "Bluetooth speaker", "Notebook set",
)
# (failure_code, outcome reason, message, weight): kpi-and-alarms.md section 5
_DECLINES = (
    ("card_declined", "insufficient_funds", "Your card has insufficient funds.", 0.44),
    ("card_declined", "generic_decline", "Your card was declined.", 0.25),
    ("card_declined", "do_not_honor", "Your card was declined.", 0.12),
    ("card_declined", "fraudulent", "Your card was declined.", 0.09),
    ("expired_card", "expired_card", "Your card has expired.", 0.06),
    ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", 0.04),
)
_PROCESSING_ERROR = ("processing_error", "processing_error",
                     "An error occurred while processing your card. Try again in a little bit.")
_STATUS = ("succeeded", "failed", "failed")
_REFUND_REASONS = (("requested_by_customer", 0.8), ("duplicate", 0.05), ("fraudulent", 0.05),
                   (None, 0.1))
_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                     dtype=np.uint8)
_B62_INDEX = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz")}


def minor_per_unit(currency: str) -> int:
    """Minor units per unit of a currency: 1 (jpy), 1000 (kwd) or 100."""
    c = currency.lower()
    return 1 if c in ZERO_DECIMAL else 1000 if c in THREE_DECIMAL else 100


class Charge(NamedTuple):
    """A Stripe charge as the demo server renders it (amounts in minor units).

    A NamedTuple rather than a dataclass: a day holds thousands and they are built in bulk.
    """

    id: str
    created: int
    amount: int
    currency: str  # lower-case ISO code
    status: str  # succeeded | failed
    failure_code: str | None
    failure_message: str | None
    outcome_reason: str | None
    risk_score: int
    amount_refunded: int
    refund_id: str | None  # the refund, once it exists (as of the time asked)
    description: str  # the product sold
    customer: str
    payment_intent: str  # a retry shares its declined first attempt's intent

    @property
    def refunded(self) -> bool:
        return self.amount_refunded > 0 and self.amount_refunded == self.amount


class Refund(NamedTuple):
    """A Stripe refund of one charge."""

    id: str
    charge: str
    created: int
    amount: int
    currency: str
    reason: str | None
    status: str = "succeeded"
    payment_intent: str = ""


@dataclass(frozen=True, slots=True)
class _Batch:
    """Charges as parallel arrays, sorted by (`time`, `key`).

    `time` is `created` for a charge list and `refund_created` for a refund list; `key`
    (created << 20 | j) identifies a charge and breaks ties, so paging has a strict order.
    """

    time: IntArray
    key: IntArray
    minute: IntArray
    j: IntArray
    created: IntArray
    amount: IntArray
    currency: IntArray
    status: IntArray  # 0 succeeded, 1 declined, 2 processing error
    refund_created: IntArray  # -1: never refunded
    refund_amount: IntArray
    intent_j: IntArray  # j of the payment intent's first charge (j itself, or j - 1: a retry)
    retried_at: IntArray  # created of the retry that paid this declined charge, or -1
    dispute_created: IntArray  # -1: never disputed

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def take(self, idx: IntArray) -> _Batch:
        return _Batch(*(getattr(self, name)[idx] for name in self.__slots__))

    @staticmethod
    def concat(batches: list[_Batch]) -> _Batch:
        if not batches:
            return _Batch(*(np.zeros(0, dtype=np.int64) for _ in _Batch.__slots__))
        return _Batch(*(np.concatenate([getattr(b, n) for b in batches])
                        for n in _Batch.__slots__))

    def sorted(self) -> _Batch:
        return self.take(np.lexsort((self.key, self.time)))


Rows = _Batch  # the public name of a batch of charge rows
Cursor = tuple[int, int]  # (time, key) of the object a page starts after / ends before
# list -> (id prefix, id tag, the column that dates it)
_ROW_KINDS = {"intents": ("pi_", "id.charge", "created"),
              "sessions": ("cs_", "id.charge", "created"),
              "disputes": ("dp_", "id.dispute", "dispute_created")}


class ChargeBook:
    """Charges and refunds of one simulator: windows, pages, and lookups by id."""

    def __init__(self, sim: MarketSimulator, lock: threading.Lock) -> None:
        self._sim = sim
        self._seed = sim.seed
        self._lock = lock
        self._start = int(np.ceil(sim.scenario.start))
        base = sim.scenario.baseline.currency.lower()
        self.currencies = (base, *(c for c, _ in _EXTRA_CURRENCIES))
        self._charge_days: OrderedDict[int, _Batch] = OrderedDict()
        self._refund_days: OrderedDict[int, _Batch] = OrderedDict()
        self._dispute_days: OrderedDict[int, _Batch] = OrderedDict()

    # -- public ------------------------------------------------------------------------

    def charges_between(self, t0: float, t1: float, as_of: float) -> list[Charge]:
        lo, hi = int(np.ceil(t0)), int(np.ceil(t1)) - 1
        return self._charges(self._window(self._charge_day, lo, hi), as_of)

    def refunds_between(self, t0: float, t1: float) -> list[Refund]:
        lo, hi = int(np.ceil(t0)), int(np.ceil(t1)) - 1
        return self._refunds(self._window(self._refund_day, lo, hi))

    def page_charges(self, lo: int, hi: int, limit: int, starting_after: str | None = None,
                     ending_before: str | None = None, as_of: float | None = None,
                     ) -> tuple[list[Charge], bool]:
        """One page of charges created in [lo, hi], newest first, and whether more follow.

        Raises KeyError for a cursor id that names no charge.
        """
        after = self._charge_cursor(starting_after) if starting_after else None
        before = self._charge_cursor(ending_before) if ending_before else None
        batch, more = self._page(self._charge_day, lo, hi, limit, after, before)
        return self._charges(batch, hi if as_of is None else as_of), more

    def page_refunds(self, lo: int, hi: int, limit: int, starting_after: str | None = None,
                     ending_before: str | None = None) -> tuple[list[Refund], bool]:
        """One page of refunds created in [lo, hi], newest first, and whether more follow."""
        after = self._refund_cursor(starting_after) if starting_after else None
        before = self._refund_cursor(ending_before) if ending_before else None
        batch, more = self._page(self._refund_day, lo, hi, limit, after, before)
        return self._refunds(batch), more

    def find_charge(self, charge_id: str, as_of: float) -> Charge | None:
        row = self._find(charge_id, "ch_", "id.charge")
        return None if row is None else self._charges(row, as_of)[0]

    def find_refund(self, refund_id: str, as_of: float) -> Refund | None:
        row = self._find(refund_id, "re_", "id.refund")
        if row is None or not 0 <= int(row.refund_created[0]) <= as_of:
            return None
        return self._refunds(row)[0]

    # -- paging ------------------------------------------------------------------------

    def _window(self, day_of: Callable[[int], _Batch], lo: int, hi: int) -> _Batch:
        lo = max(lo, self._start)
        parts = []
        for day in range(lo // DAY, hi // DAY + 1):
            b = day_of(day)
            parts.append(b.take(np.nonzero((b.time >= lo) & (b.time <= hi))[0]))
        return _Batch.concat(parts)

    def _page(self, day_of: Callable[[int], _Batch], lo: int, hi: int, limit: int,
              after: Cursor | None, before: Cursor | None) -> tuple[_Batch, bool]:
        lo = max(lo, self._start)
        parts: list[_Batch] = []
        found = 0
        if before is None:  # walk back from the newest (or from `after`)
            top = hi if after is None else min(hi, after[0])
            day = top // DAY
            while day >= lo // DAY and found <= limit:
                b = day_of(day)
                mask = (b.time >= lo) & (b.time <= hi)
                if after is not None:
                    mask &= (b.time < after[0]) | ((b.time == after[0]) & (b.key < after[1]))
                sel = b.take(np.nonzero(mask)[0][::-1])
                parts.append(sel)
                found += len(sel)
                day -= 1
            got = _Batch.concat(parts)
            return got.take(np.arange(min(limit, len(got)))), len(got) > limit
        bottom = max(lo, before[0])
        day = bottom // DAY
        while day <= hi // DAY and found <= limit:
            b = day_of(day)
            mask = (b.time >= lo) & (b.time <= hi)
            mask &= (b.time > before[0]) | ((b.time == before[0]) & (b.key > before[1]))
            sel = b.take(np.nonzero(mask)[0])
            parts.append(sel)
            found += len(sel)
            day += 1
        got = _Batch.concat(parts)
        n = min(limit, len(got))
        return got.take(np.arange(n)[::-1]), len(got) > limit

    def _charge_cursor(self, charge_id: str) -> Cursor:
        row = self._find(charge_id, "ch_", "id.charge")
        if row is None:
            raise KeyError(charge_id)
        return int(row.created[0]), int(row.key[0])

    def _refund_cursor(self, refund_id: str) -> Cursor:
        row = self._find(refund_id, "re_", "id.refund")
        if row is None or int(row.refund_created[0]) < 0:
            raise KeyError(refund_id)
        return int(row.refund_created[0]), int(row.key[0])

    def find_row(self, object_id: str, prefix: str, tag: str) -> _Batch | None:
        """The charge row an object id names (every object id encodes its charge); None when
        the id names nothing (a payment intent or session id must name a first attempt)."""
        row = self._find(object_id, prefix, tag)
        if row is None:
            return None
        if prefix in ("pi_", "cs_") and int(row.intent_j[0]) != int(row.j[0]):
            return None
        if tag == "id.dispute" and int(row.dispute_created[0]) < 0:
            return None
        return row

    def retry_of(self, row: _Batch) -> _Batch | None:
        """The charge that retried this declined one (same intent), if any."""
        if int(row.retried_at[0]) < 0:
            return None
        minute, j = int(row.minute[0]), int(row.j[0])
        b = self._charge_day(minute * 60 // DAY)
        idx = np.nonzero((b.minute == minute) & (b.j == j + 1))[0]
        return b.take(idx) if idx.size == 1 else None

    def page_rows(self, kind: str, lo: int, hi: int, limit: int, after: str | None,
                  before: str | None) -> tuple[_Batch, bool]:
        """One page of rows of list `kind` (intents, disputes, sessions) whose time falls in
        [lo, hi], newest first. Raises KeyError for a cursor naming nothing."""
        prefix, tag, column = _ROW_KINDS[kind]
        day_of = self._dispute_day if kind == "disputes" else self._intent_day

        def cursor(object_id: str) -> Cursor:
            row = self.find_row(object_id, prefix, tag)
            if row is None:
                raise KeyError(object_id)
            return int(getattr(row, column)[0]), int(row.key[0])

        return self._page(day_of, lo, hi, limit, cursor(after) if after else None,
                          cursor(before) if before else None)

    def declines_of(self, b: _Batch) -> list[tuple[str, str, str] | None]:
        """(failure_code, reason, message) of each failed charge; None for a paid one."""
        weights = np.cumsum([w for *_, w in _DECLINES])
        why = np.searchsorted(weights, uniform(self._seed, "charges.decline", b.minute, b.j)
                              * weights[-1])
        failures: list[tuple[str, str, str] | None] = [None, None, _PROCESSING_ERROR]
        return [_DECLINES[w][:3] if st == 1 else failures[st]
                for st, w in zip(b.status.tolist(), why.tolist(), strict=True)]

    def _find(self, object_id: str, prefix: str, tag: str) -> _Batch | None:
        """The charge row an id names (charge ids and refund ids both encode it)."""
        if len(object_id) != 23 or not object_id.startswith(prefix + "3"):
            return None
        try:
            minute = _decode62(object_id[4:10])
            j = _decode62(object_id[10:13])
        except KeyError:
            return None
        b = self._charge_day(minute * 60 // DAY)
        idx = np.nonzero((b.minute == minute) & (b.j == j))[0]
        if idx.size != 1:
            return None
        row = b.take(idx)
        if tag == "id.refund" and int(row.refund_created[0]) < 0:
            return None
        if self._ids(prefix, row, tag)[0] != object_id:
            return None
        return row

    # -- generation --------------------------------------------------------------------

    def _cached(self, cache: OrderedDict[int, _Batch], day: int,
                make: Callable[[int], _Batch]) -> _Batch:
        with self._lock:
            hit = cache.get(day)
            if hit is not None:
                cache.move_to_end(day)
                return hit
        batch = make(day)  # pure: two threads racing here compute the same thing
        with self._lock:
            cache[day] = batch
            rows = sum(len(b) for b in cache.values())
            while len(cache) > _CACHE_DAYS or (rows > _CACHE_ROWS and len(cache) > _MIN_CACHE_DAYS):
                rows -= len(cache.popitem(last=False)[1])
        return batch

    def _charge_day(self, day: int) -> _Batch:
        return self._cached(self._charge_days, day, self._generate)

    def _refund_day(self, day: int) -> _Batch:
        return self._cached(self._refund_days, day, self._gather_refunds)

    def _dispute_day(self, day: int) -> _Batch:
        return self._cached(self._dispute_days, day, self._gather_disputes)

    def _intent_day(self, day: int) -> _Batch:
        """The day's charges that start a payment intent (not retries), by created."""
        b = self._charge_day(day)
        return b.take(np.nonzero(b.intent_j == b.j)[0])

    def _gather_refunds(self, day: int) -> _Batch:
        return self._gather(day, "refund_created")

    def _gather_disputes(self, day: int) -> _Batch:
        return self._gather(day, "dispute_created")

    def _gather(self, day: int, column: str) -> _Batch:
        """The charges whose `column` time falls in the day, keyed by that time."""
        lo, hi = day * DAY, (day + 1) * DAY
        parts = []
        for d in range((lo - MAX_REFUND_LAG) // DAY, day + 1):
            b = self._charge_day(d)
            at = getattr(b, column)
            parts.append(b.take(np.nonzero((at >= lo) & (at < hi))[0]))
        got = _Batch.concat(parts)
        return _Batch(getattr(got, column), *(getattr(got, n) for n in _Batch.__slots__[1:]),
                      ).sorted()

    def _generate(self, day: int) -> _Batch:
        seed, b = self._seed, self._sim.scenario.baseline
        minutes = np.arange(day * 1440, (day + 1) * 1440, dtype=np.int64)
        minutes = minutes[minutes >= self._start // 60]
        f = self._sim.frame(minutes * 60.0)
        ok_share = np.clip(1 - f.decline_rate - f.technical_failure_rate, 0.05, 1)
        counts = poisson(uniform(seed, "charges.count", minutes),
                         f.orders_per_hour / 60.0 / ok_share)
        fi = np.repeat(np.arange(minutes.size), counts)
        m = minutes[fi]
        j = np.arange(fi.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        created = m * 60 + (uniform(seed, "charges.second", m, j) * 60).astype(np.int64)
        keep = created >= self._start
        fi, m, j, created = fi[keep], m[keep], j[keep], created[keep]

        u = uniform(seed, "charges.currency", m, j)
        currency = np.zeros(m.size, dtype=np.int64)
        edge = 0.0
        for n, (_, share) in enumerate(_EXTRA_CURRENCIES, start=1):
            currency[(u >= edge) & (u < edge + share)] = n
            edge += share
        currency[u >= edge] = 0
        base_rate = CURRENCY_RATES.get(self.currencies[0], 1.0)
        rates = np.array([CURRENCY_RATES.get(c, base_rate) / base_rate for c in self.currencies])
        minor = np.array([minor_per_unit(c) for c in self.currencies])
        units = f.average_order_value[fi] * np.exp(
            0.55 * normal(seed, "charges.amount", m, j) - 0.55**2 / 2) * rates[currency]
        per = minor[currency]
        amount = np.where(per == 1000, np.rint(units * 100) * 10, np.rint(units * per))
        amount = np.maximum(amount, np.where(per == 1, 100, 50 * per // 100)).astype(np.int64)

        u = uniform(seed, "charges.status", m, j)
        decline = f.decline_rate[fi]
        status = np.where(u < decline, 1, np.where(
            u < decline + f.technical_failure_rate[fi], 2, 0)).astype(np.int64)

        # a declined charge retried a few seconds later, by the same payment intent
        retry = np.zeros(m.size, dtype=bool)
        later = created.copy()
        if m.size > 1:
            prev_declined = np.zeros(m.size, dtype=bool)
            prev_declined[1:] = (status[:-1] == 1) & (m[:-1] == m[1:]) & (j[:-1] == j[1:] - 1)
            prev_created = np.concatenate([[0], created[:-1]])
            later = np.minimum(
                prev_created + 5 + (uniform(seed, "charges.retry.delay", m, j) * 40)
                .astype(np.int64), m * 60 + 59)
            retry = ((status == 0) & prev_declined & (later > prev_created)
                     & (uniform(seed, "charges.retry", m, j) < RETRY_SHARE))
        created = np.where(retry, later, created)
        again = np.nonzero(retry)[0]
        amount[again] = amount[again - 1]
        currency[again] = currency[again - 1]
        per = minor[currency]
        intent_j = np.where(retry, j - 1, j)
        retried_at = np.full(m.size, -1, dtype=np.int64)
        retried_at[again - 1] = created[again]

        u = uniform(seed, "charges.refund", m, j)
        p = b.refund_rate
        ok = status == 0
        usual = ok & (u < p)
        rushed = ok & (u >= p) & (u < p + f.refund_spike[fi])
        lag = np.where(
            rushed,
            60 + uniform(seed, "refund.lag.spike", m, j) * 900,
            np.clip(np.exp(np.log(2 * DAY) + 0.9 * normal(seed, "refund.lag", m, j)),
                    3600, MAX_REFUND_LAG),
        ).astype(np.int64)
        refund_created = np.where(usual | rushed, created + lag, -1)
        partial = uniform(seed, "refund.partial", m, j) < 0.2
        half = np.where(per == 1000, amount // 20 * 10, amount // 2)
        refund_amount = np.where(refund_created >= 0, np.where(partial, half, amount), 0)
        disputed = ok & (uniform(seed, "charges.dispute", m, j) < DISPUTE_RATE)
        dispute_lag = (DAY + uniform(seed, "dispute.lag", m, j) * 5 * DAY).astype(np.int64)
        dispute_created = np.where(disputed, created + dispute_lag, -1)
        key = (created << 20) | j
        return _Batch(created, key, m, j, created, amount, currency, status, refund_created,
                      refund_amount.astype(np.int64), intent_j, retried_at,
                      dispute_created).sorted()

    # -- objects -----------------------------------------------------------------------

    def _ids(self, prefix: str, b: _Batch, tag: str) -> list[str]:
        return self.ids_for(prefix, b.minute, b.j, tag)

    def ids_for(self, prefix: str, minute: IntArray, j: IntArray, tag: str) -> list[str]:
        """Object ids of the charges (minute, j): `prefix` + 20 characters that encode the
        charge and a digest of (seed, `tag`), so an id names exactly one object."""
        if not minute.size:
            return []
        digest = (hash_u64(self._seed, tag, minute, j) % np.uint64(62**10)).astype(np.int64)
        chars = np.concatenate([_base62(minute, 6), _base62(j, 3), _base62(digest, 10)],
                               axis=1)
        head = prefix + "3"
        return [head + s.decode() for s in np.ascontiguousarray(chars).view("S19").ravel()]

    def _charges(self, b: _Batch, as_of: float) -> list[Charge]:
        # built column by column and zipped: a day of charges in a few milliseconds
        seed, m, j = self._seed, b.minute, b.j
        product = self.products_of(b)
        # the customer and the product are the payment intent's: a retry keeps them
        who = hash_u64(seed, "charges.customer", m, b.intent_j) % np.uint64(50_000)
        digest = (hash_u64(seed, "customer.id", who) >> np.uint64(2)).astype(np.int64)
        risk = np.clip(8 + 14 * np.abs(normal(seed, "charges.risk", m, j)), 0, 99).astype(int)
        refunded = (b.refund_created >= 0) & (b.refund_created <= as_of)
        fail = [f or (None, None, None) for f in self.declines_of(b)]
        refund_ids = self._ids("re_", b, "id.refund")
        columns = (
            self._ids("ch_", b, "id.charge"),
            b.created.tolist(),
            b.amount.tolist(),
            [self.currencies[c] for c in b.currency.tolist()],
            [_STATUS[st] for st in b.status.tolist()],
            [f[0] for f in fail],
            [f[2] for f in fail],
            [f[1] for f in fail],
            risk.tolist(),
            np.where(refunded, b.refund_amount, 0).tolist(),
            [r if back else None for r, back in zip(refund_ids, refunded.tolist(), strict=True)],
            [PRODUCTS[p] for p in product.tolist()],
            ["cus_" + c.decode() for c in _base62(digest, 11).view("S11").ravel()],
            self.ids_for("pi_", m, b.intent_j, "id.charge"),
        )
        return list(map(Charge._make, zip(*columns, strict=True)))

    def charges_from(self, b: _Batch, as_of: float) -> list[Charge]:
        """The charges of some rows, with refunds as of `as_of`."""
        return self._charges(b, as_of)

    def products_of(self, b: _Batch) -> IntArray:
        """Index into PRODUCTS of what each charge's payment intent sold."""
        drawn = uniform(self._seed, "charges.product", b.minute, b.intent_j) * len(PRODUCTS)
        result: IntArray = drawn.astype(np.int64)
        return result

    def _refunds(self, b: _Batch) -> list[Refund]:
        ids = self._ids("re_", b, "id.refund")
        charge_ids = self._ids("ch_", b, "id.charge")
        intents = self.ids_for("pi_", b.minute, b.intent_j, "id.charge")
        weights = np.cumsum([w for _, w in _REFUND_REASONS])
        why = np.searchsorted(weights, uniform(self._seed, "refund.reason", b.minute, b.j)
                              * weights[-1])
        return [
            Refund(id=ids[n], charge=charge_ids[n], created=int(b.refund_created[n]),
                   amount=int(b.refund_amount[n]), currency=self.currencies[int(b.currency[n])],
                   reason=_REFUND_REASONS[int(why[n])][0], payment_intent=intents[n])
            for n in range(len(b))
        ]


def _base62(values: IntArray, width: int) -> npt.NDArray[np.uint8]:
    """Fixed-width base-62 digits of non-negative ints, as an (n, width) uint8 array."""
    v = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((v.size, width), dtype=np.uint8)
    for col in range(width - 1, -1, -1):
        out[:, col] = _B62[v % 62]
        v //= 62
    return out


def _decode62(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 62 + _B62_INDEX[ch]
    return value
