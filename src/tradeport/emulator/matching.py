"""How an incoming order walks the book, and what a ledger (spot or perpetual) must offer.

The same walk serves two purposes: a dry run before anything changes (FOK fillability,
cost of a market order, margin estimate) and the real execution, so both agree.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from tradeport.emulator.book import OrderBook
from tradeport.emulator.instrument import EngineInstrument
from tradeport.emulator.orders import (
    EXPIRE_BOTH,
    EXPIRE_MAKER,
    EXPIRE_TAKER,
    LIMIT,
    STP_NONE,
    EngineOrder,
    OrderRequest,
)

ZERO = Decimal(0)


class Ledger(Protocol):
    """Funds and positions behind the orders: spot balances or perpetual margin."""

    fees: dict[str, Decimal]  # collected by the venue, per asset

    def open_account(self, account_id: str, balances: Mapping[str, Decimal]) -> None: ...

    def prepare(self, order: EngineOrder, req: OrderRequest) -> None:
        """Apply position rules; may cap order.qty; raises Reject, changes nothing else."""

    def admit(self, order: EngineOrder, plan: Plan) -> None:
        """Check and reserve funds for an accepted order; raises Reject, changing nothing."""

    def reduce_key(self, order: EngineOrder) -> Hashable | None:
        """Orders sharing a key draw on the same position to reduce; None if unlimited."""

    def reducible(self, order: EngineOrder) -> Decimal:
        """How much of the position `order` may still reduce (when it has a reduce_key)."""

    def settle(
        self, order: EngineOrder, price: Decimal, qty: Decimal, is_maker: bool
    ) -> tuple[Decimal, str, Decimal]:
        """Book one fill of `order`; returns (fee, fee asset, realized pnl)."""

    def release(self, order: EngineOrder) -> None:
        """The order closed: free whatever it still reserved."""

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]: ...


@dataclass
class SelfTrade:
    """What self-trade prevention decided during one walk: the taker's own resting
    orders it passed over (to expire) and whether the taker itself must stop there."""

    makers: list[EngineOrder] = field(default_factory=list)
    taker_stopped: bool = False


@dataclass
class Plan:
    fills: list[tuple[EngineOrder, Decimal, Decimal]] = field(default_factory=list)
    self_trade: SelfTrade = field(default_factory=SelfTrade)
    qty: Decimal = ZERO
    quote: Decimal = ZERO
    # The walk ended because the book (on the crossing side of the limit) ran out, not
    # because the order's quantity or quote budget was used up.
    book_exhausted: bool = True

    @property
    def avg_price(self) -> Decimal:
        return self.quote / self.qty if self.qty else ZERO


def walk(
    book: OrderBook,
    taker: EngineOrder,
    ledger: Ledger,
    instrument: EngineInstrument,
    *,
    dry_run: bool,
    quote_budget: Decimal | None = None,
    self_trade: SelfTrade | None = None,
) -> Iterator[tuple[EngineOrder, Decimal]]:
    """Yield (maker, qty) pairs in price-time priority until the taker is done.

    A maker of the taker's own account is never yielded when the taker's self-trade
    prevention mode is not NONE: it is noted in `self_trade` (EXPIRE_MAKER, EXPIRE_BOTH)
    and the walk passes it (EXPIRE_MAKER) or stops there (EXPIRE_TAKER, EXPIRE_BOTH).

    In a dry run nothing changes between steps, so reduce-only capacity consumed by
    earlier steps is tracked here; in a live run the caller settles each pair before
    asking for the next, and the ledger's own numbers already reflect it.
    """
    limit = taker.price if taker.type == LIMIT else None
    remaining = None if quote_budget is not None else taker.remaining
    budget = quote_budget
    consumed: dict[Hashable, Decimal] = {}
    taker_key = ledger.reduce_key(taker)
    prevented = self_trade if self_trade is not None else SelfTrade()
    for maker in book.crossing_orders(taker.side, limit):
        assert maker.price is not None
        if taker.stp != STP_NONE and maker.account_id == taker.account_id:
            if taker.stp in (EXPIRE_MAKER, EXPIRE_BOTH):
                prevented.makers.append(maker)
            if taker.stp in (EXPIRE_TAKER, EXPIRE_BOTH):
                prevented.taker_stopped = True
                return
            continue
        qty = _capped(maker, maker.remaining, ledger, consumed)
        if qty <= 0:
            continue
        if remaining is not None:
            qty = min(qty, remaining)
        if taker_key is not None:
            qty = min(qty, _capped(taker, qty, ledger, consumed))
        if budget is not None:
            qty = min(qty, instrument.floor_qty(budget / maker.price))
        if qty <= 0:
            return
        if dry_run:
            for key in (ledger.reduce_key(maker), taker_key):
                if key is not None:
                    consumed[key] = consumed.get(key, ZERO) + qty
        yield maker, qty
        if remaining is not None:
            remaining -= qty
            if remaining <= 0:
                return
        if budget is not None:
            budget -= qty * maker.price


def _capped(
    order: EngineOrder, qty: Decimal, ledger: Ledger, consumed: dict[Hashable, Decimal]
) -> Decimal:
    key = ledger.reduce_key(order)
    if key is None:
        return qty
    return min(qty, ledger.reducible(order) - consumed.get(key, ZERO))


def plan(
    book: OrderBook,
    taker: EngineOrder,
    ledger: Ledger,
    instrument: EngineInstrument,
    quote_budget: Decimal | None = None,
) -> Plan:
    result = Plan()
    steps = walk(
        book,
        taker,
        ledger,
        instrument,
        dry_run=True,
        quote_budget=quote_budget,
        self_trade=result.self_trade,
    )
    for maker, qty in steps:
        assert maker.price is not None
        result.fills.append((maker, maker.price, qty))
        result.qty += qty
        result.quote += qty * maker.price
    if quote_budget is None:
        result.book_exhausted = result.qty < taker.remaining
    else:
        # Quote-sized orders are MARKET orders: they ran out of book if they took it all.
        side = book.opposite(taker.side)
        result.book_exhausted = result.qty >= sum((lv.qty for lv in side.levels.values()), ZERO)
    return result
