"""Orders, fills and rejections as the engine sees them, plus the per-engine order store.

Strings, not model enums: the engine speaks the vocabulary most venues share
("BUY", "LIMIT", "GTC", "NEW"...) and each venue skin maps it to its own wire spelling.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import msgspec

BUY = "BUY"
SELL = "SELL"
SIDES = (BUY, SELL)
LIMIT = "LIMIT"
MARKET = "MARKET"
ORDER_TYPES = (LIMIT, MARKET)
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX")
POSITION_SIDES = ("BOTH", "LONG", "SHORT")
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
# Self-trade prevention: what happens when a taker meets a resting order of its own
# account (Binance's names, the engine's vocabulary). NONE lets them trade.
STP_NONE = "NONE"
EXPIRE_TAKER = "EXPIRE_TAKER"
EXPIRE_MAKER = "EXPIRE_MAKER"
EXPIRE_BOTH = "EXPIRE_BOTH"
STP_MODES = (STP_NONE, EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH)
# the status of an order self-trade prevention ended
EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"
# Finished orders kept per account and symbol, newest first out of the window: venues
# keep order history for a time (Binance allOrders pages 1,000 at most); a bound by
# count keeps an emulator's memory flat however long it runs.
FINISHED_ORDERS_KEPT = 2_000
_ZERO = Decimal(0)


class RejectReason(StrEnum):
    UNKNOWN_SYMBOL = "unknown_symbol"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INSUFFICIENT_MARGIN = "insufficient_margin"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    POST_ONLY_WOULD_TAKE = "post_only_would_take"
    FOK_NOT_FILLABLE = "fok_not_fillable"
    REDUCE_ONLY_REJECTED = "reduce_only_rejected"
    POSITION_SIDE_MISMATCH = "position_side_mismatch"
    ORDER_NOT_FOUND = "order_not_found"
    BAD_LEVERAGE = "bad_leverage"
    POSITION_MODE_LOCKED = "position_mode_locked"
    NOT_SUPPORTED = "not_supported"
    NO_LIQUIDITY = "no_liquidity"
    BAD_QUANTITY = "bad_quantity"
    BAD_PRICE = "bad_price"
    # outside the venue's price band (price_band.py); Reject.bound holds the bound broken
    PRICE_ABOVE_LIMIT = "price_above_limit"
    PRICE_BELOW_LIMIT = "price_below_limit"
    # the symbol's listing state refuses the order (listing_rules.py)
    CLOSE_ONLY = "close_only"  # an opening order on a close-only symbol
    NOT_LAUNCHED = "not_launched"  # announced, not trading yet
    DELISTED = "delisted"
    # a market order's first fill (the opposite best price) would be outside the band
    MARKET_PRICE_OUTSIDE_BAND = "market_price_outside_band"


class Reject(Exception):
    """The engine refused a request; nothing changed."""

    def __init__(self, reason: RejectReason, message: str, *, bound: Decimal | None = None) -> None:
        """`bound`: the limit the request broke, where the venue's answer names it."""
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.bound = bound


@dataclass(slots=True)
class OrderRequest:
    symbol: str
    side: str  # "BUY" | "SELL"
    type: str  # "LIMIT" | "MARKET"
    qty: Decimal | None  # base quantity
    price: Decimal | None = None
    tif: str = "GTC"  # "GTC" | "IOC" | "FOK" | "GTX" (post-only)
    client_order_id: str = ""  # generated when empty
    reduce_only: bool = False  # perpetual, one-way mode only
    position_side: str = "BOTH"  # perpetual: "BOTH" one-way, "LONG"/"SHORT" hedge mode
    quote_qty: Decimal | None = None  # spot MARKET sized by quote amount
    stp: str | None = None  # self-trade prevention mode (STP_MODES); None: the engine's


class EngineOrder(msgspec.Struct):
    order_id: int
    client_order_id: str
    account_id: str
    symbol: str
    side: str
    type: str
    tif: str
    price: Decimal | None
    qty: Decimal
    filled_qty: Decimal
    cum_quote: Decimal
    status: str  # NEW PARTIALLY_FILLED FILLED CANCELED EXPIRED EXPIRED_IN_MATCH REJECTED
    reduce_only: bool
    position_side: str
    created_ms: int
    updated_ms: int
    quote_qty: Decimal | None = None  # the requested quote amount of a quote-sized MARKET order
    stp: str = STP_NONE  # the self-trade prevention mode in force for this order

    @property
    def avg_price(self) -> Decimal:
        if self.filled_qty == 0:
            return Decimal(0)
        return self.cum_quote / self.filled_qty

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def snapshot(self) -> EngineOrder:
        """A copy that later matching will not change (for events and return values)."""
        return msgspec.structs.replace(self)


class EngineFill(msgspec.Struct, frozen=True):
    trade_id: int  # shared by the maker fill, the taker fill and the public trade
    order_id: int
    client_order_id: str
    account_id: str
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    realized_pnl: Decimal
    position_side: str
    ts_ms: int


class OrderStore:
    """Every open order and the most recent finished ones (`keep_finished` per account
    and symbol; none for accounts set to `forget_finished`), indexed for the lookups
    venues offer."""

    def __init__(self, keep_finished: int = FINISHED_ORDERS_KEPT) -> None:
        if keep_finished < 1:
            raise ValueError(f"keep_finished must be at least 1, not {keep_finished}")
        self.keep_finished = keep_finished
        self._by_id: dict[int, EngineOrder] = {}
        # account -> symbol -> open orders by id; ids grow, so insertion order is id order.
        self._open: dict[str, dict[str, dict[int, EngineOrder]]] = {}
        self._by_account_symbol: dict[tuple[str, str], dict[int, EngineOrder]] = {}
        # Latest order per client id: a client id may be reused once its order closed.
        self._by_client_id: dict[tuple[str, str, str], EngineOrder] = {}
        self._finished: dict[tuple[str, str], deque[EngineOrder]] = {}
        self._forgetful: set[str] = set()
        self._next_id = 1

    def forget_finished(self, account_id: str) -> None:
        """Keep no finished order of `account_id` (the house market maker places
        hundreds a second and nobody looks them up)."""
        self._forgetful.add(account_id)

    def retained(self) -> int:
        """How many orders are held, open or finished (for memory checks)."""
        return len(self._by_id)

    def new_order(self, account_id: str, req: OrderRequest, now_ms: int) -> EngineOrder:
        """Validate a request's shape and build its order (not stored yet); raises Reject."""
        _check_shape(req)
        order_id = self._next_id
        client_order_id = req.client_order_id
        if client_order_id:
            if self.open_with_client_id(account_id, req.symbol, client_order_id):
                raise Reject(RejectReason.DUPLICATE_CLIENT_ORDER_ID, "client order id in use")
        else:
            client_order_id = f"emu{order_id}"
            while self.open_with_client_id(account_id, req.symbol, client_order_id):
                client_order_id += "x"
        return EngineOrder(
            order_id=order_id,
            client_order_id=client_order_id,
            account_id=account_id,
            symbol=req.symbol,
            side=req.side,
            type=req.type,
            tif=req.tif,
            price=req.price if req.type == LIMIT else None,
            qty=req.qty if req.qty is not None else _ZERO,
            filled_qty=_ZERO,
            cum_quote=_ZERO,
            status="NEW",
            reduce_only=req.reduce_only,
            position_side=req.position_side,
            created_ms=now_ms,
            updated_ms=now_ms,
            quote_qty=req.quote_qty,
        )

    def add(self, order: EngineOrder) -> None:
        self._next_id = order.order_id + 1
        self._by_id[order.order_id] = order
        history = self._by_account_symbol.setdefault((order.account_id, order.symbol), {})
        history[order.order_id] = order
        key = (order.account_id, order.symbol, order.client_order_id)
        self._by_client_id[key] = order
        if order.is_open:
            by_symbol = self._open.setdefault(order.account_id, {})
            by_symbol.setdefault(order.symbol, {})[order.order_id] = order

    def closed(self, order: EngineOrder) -> None:
        """Call once an order left the open statuses; the oldest finished order past
        the bound is dropped."""
        self._open.get(order.account_id, {}).get(order.symbol, {}).pop(order.order_id, None)
        if order.account_id in self._forgetful:
            self._drop(order)
            return
        finished = self._finished.setdefault((order.account_id, order.symbol), deque())
        finished.append(order)
        if len(finished) > self.keep_finished:
            self._drop(finished.popleft())

    def _drop(self, order: EngineOrder) -> None:
        self._by_id.pop(order.order_id, None)
        history = self._by_account_symbol.get((order.account_id, order.symbol))
        if history is not None:
            history.pop(order.order_id, None)
            if not history:
                del self._by_account_symbol[(order.account_id, order.symbol)]
        key = (order.account_id, order.symbol, order.client_order_id)
        if self._by_client_id.get(key) is order:
            del self._by_client_id[key]

    def find(
        self, account_id: str, symbol: str, order_id: int | None, client_order_id: str | None
    ) -> EngineOrder | None:
        if order_id is not None:
            order = self._by_id.get(order_id)
            if order is None or order.account_id != account_id or order.symbol != symbol:
                return None
            if client_order_id and order.client_order_id != client_order_id:
                return None
            return order
        if client_order_id:
            return self._by_client_id.get((account_id, symbol, client_order_id))
        return None

    def open_with_client_id(
        self, account_id: str, symbol: str, client_order_id: str
    ) -> EngineOrder | None:
        order = self._by_client_id.get((account_id, symbol, client_order_id))
        return order if order is not None and order.is_open else None

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[EngineOrder]:
        by_symbol = self._open.get(account_id, {})
        if symbol is not None:
            return list(by_symbol.get(symbol, {}).values())
        orders = [o for per_symbol in by_symbol.values() for o in per_symbol.values()]
        return sorted(orders, key=lambda o: o.order_id)

    def symbols_with_open_orders(self, account_id: str) -> list[str]:
        return sorted(s for s, orders in self._open.get(account_id, {}).items() if orders)

    def all_orders(self, account_id: str, symbol: str) -> list[EngineOrder]:
        return list(self._by_account_symbol.get((account_id, symbol), {}).values())


def _check_shape(req: OrderRequest) -> None:
    if req.side not in SIDES or req.type not in ORDER_TYPES or req.tif not in TIME_IN_FORCE:
        raise Reject(RejectReason.NOT_SUPPORTED, f"{req.side} {req.type} {req.tif}")
    if req.position_side not in POSITION_SIDES:
        raise Reject(RejectReason.POSITION_SIDE_MISMATCH, req.position_side)
    if req.stp is not None and req.stp not in STP_MODES:
        raise Reject(RejectReason.NOT_SUPPORTED, f"self-trade prevention mode {req.stp}")
    if req.type == LIMIT:
        if req.quote_qty is not None:
            raise Reject(RejectReason.NOT_SUPPORTED, "quote-sized orders must be MARKET")
        if req.price is None or req.price <= 0:
            raise Reject(RejectReason.BAD_PRICE, "a LIMIT order needs a positive price")
        if req.qty is None or req.qty <= 0:
            raise Reject(RejectReason.BAD_QUANTITY, "quantity must be positive")
        return
    if (req.qty is None) == (req.quote_qty is None):
        raise Reject(RejectReason.BAD_QUANTITY, "give either qty or quote_qty")
    if (req.qty or req.quote_qty or _ZERO) <= 0:
        raise Reject(RejectReason.BAD_QUANTITY, "quantity must be positive")
