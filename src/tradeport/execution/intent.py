"""What a strategy asks for (an `Intent`) and what the venue did with it (an
`ExecutionReceipt`): the execution port's input and output, venue-neutral."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradeport.model import Order, Side
from tradeport.model.errors import BadParameter, TradeportError
from tradeport.venues.kit import arguments


class IntentSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class IntentAction(StrEnum):
    ENTER = "enter"
    EXIT = "exit"


class IntentOrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    POST_ONLY = "post_only"


_intent_counter = itertools.count(1)


def new_intent_id() -> str:
    """Unique per process and run: ms clock, pid, counter (letters and digits only, so
    every venue's client-id rule can carry it)."""
    return f"i{int(time.time() * 1000):x}{os.getpid() % 4096:x}{next(_intent_counter):x}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Intent:
    """ "Enter long 0.05 BTC at 3× leverage", "exit": the strategy's wish, in base units.

    `intent_id` is the caller's idempotency key: the same id submitted twice (after a
    timeout, a crash, a restart) never makes a second order."""

    asset: str  # standard symbol, e.g. "BTC-USDT"
    side: IntentSide
    action: IntentAction
    size: Decimal  # base units (the port converts to contracts where a venue uses them)
    leverage: int | None = None
    order_type: IntentOrderType = IntentOrderType.MARKET
    limit_price: Decimal | None = None
    intent_id: str = field(default_factory=new_intent_id)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arguments.text("asset", self.asset)
        arguments.positive_amount("size", self.size)
        if self.leverage is not None:
            arguments.count("leverage", self.leverage)
        priced = self.order_type is not IntentOrderType.MARKET
        if priced and self.limit_price is None:
            raise BadParameter(f"intent {self.intent_id}: a {self.order_type} needs a limit_price")
        if self.limit_price is not None:
            arguments.positive_amount("limit_price", self.limit_price)
        arguments.text("intent_id", self.intent_id)

    @property
    def order_side(self) -> Side:
        """The order side: entering long and exiting short buy; the others sell."""
        buys = (self.side is IntentSide.LONG) == (self.action is IntentAction.ENTER)
        return Side.BUY if buys else Side.SELL


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"  # resting at the venue, nothing filled yet
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"  # closed by a cancel or expiry, possibly after partial fills
    REJECTED = "rejected"  # the venue (or the port's guards) refused it: see `error`
    RATE_LIMITED = "rate_limited"  # not sent, or refused, for the rate limit: see `error`
    UNKNOWN = "unknown"  # the venue may hold it; `resolve` asks again


class FeeSource(StrEnum):
    ESTIMATED_TAKER = "estimated_taker"
    ESTIMATED_MAKER = "estimated_maker"
    VENUE = "venue"  # summed from the order's own fills


@dataclass(slots=True, kw_only=True)
class ExecutionReceipt:
    """The venue's truth about one intent's order, never a guess: an UNKNOWN receipt
    says so, and is replaced by a resolved one (`resolved_from_unknown`)."""

    intent_id: str
    venue: str
    symbol: str
    status: ReceiptStatus
    client_order_id: str
    order_id: str | None = None
    side: Side | None = None
    filled_qty: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    fee: Decimal | None = None
    fee_asset: str | None = None
    fee_source: FeeSource | None = None
    mark_at_submit: Decimal | None = None
    slippage_bps: Decimal | None = None  # signed vs the mark at submit; adverse > 0
    submit_ts: int = 0  # epoch ns, local
    venue_ts: int = 0  # epoch ms, the venue's time of the last change
    error: TradeportError | None = None
    resolved_from_unknown: bool = False
    order: Order | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the venue's acknowledgement

    @property
    def done(self) -> bool:
        """Nothing more will happen to this order."""
        return self.status in (
            ReceiptStatus.FILLED,
            ReceiptStatus.CANCELLED,
            ReceiptStatus.REJECTED,
            ReceiptStatus.RATE_LIMITED,
        )


def slippage_bps(side: Side, avg_price: Decimal, mark: Decimal) -> Decimal:
    """Signed slippage in basis points against the mark: positive when adverse (a buy
    above the mark, a sell below it), negative when favourable."""
    sign = 1 if side is Side.BUY else -1
    return sign * (avg_price - mark) / mark * Decimal(10_000)


__all__ = [
    "ExecutionReceipt",
    "FeeSource",
    "Intent",
    "IntentAction",
    "IntentOrderType",
    "IntentSide",
    "ReceiptStatus",
    "new_intent_id",
    "slippage_bps",
]
