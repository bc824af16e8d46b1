"""Orders, fills and account state. Money is Decimal everywhere here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from tradeport.model.enums import OrderStatus, OrderType, PositionSide, Side, TimeInForce


class Order(msgspec.Struct, kw_only=True):
    symbol: str
    client_order_id: str | None
    order_id: str | None  # None while the venue has not acknowledged (status UNKNOWN)
    side: Side
    type: OrderType
    time_in_force: TimeInForce | None
    price: Decimal | None
    qty: Decimal
    filled_qty: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    status: OrderStatus = OrderStatus.NEW
    reduce_only: bool = False
    position_side: PositionSide = PositionSide.BOTH
    created_ts: int = 0
    updated_ts: int = 0  # the venue's time of the last change
    local_ts: int = 0  # when a streamed update was received here (epoch ns)
    raw: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def remaining_qty(self) -> Decimal:
        return self.qty - self.filled_qty


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    trade_id: str
    order_id: str
    client_order_id: str | None
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    ts: int
    realized_pnl: Decimal | None = None
    position_side: PositionSide = PositionSide.BOTH
    local_ts: int = 0


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    asset: str
    free: Decimal
    locked: Decimal
    ts: int = 0  # venue time of a streamed update (0 from REST)
    local_ts: int = 0

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class Position(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    position_side: PositionSide
    qty: Decimal  # signed in one-way mode (BOTH); non-negative for LONG/SHORT legs
    entry_price: Decimal
    mark_price: Decimal | None = None
    unrealized_pnl: Decimal = Decimal(0)
    leverage: int | None = None
    margin_type: str | None = None
    liquidation_price: Decimal | None = None
    ts: int = 0
    local_ts: int = 0

    @property
    def notional(self) -> Decimal:
        price = self.mark_price if self.mark_price is not None else self.entry_price
        return abs(self.qty) * price


class LeverageUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The venue changed a contract's leverage (or margin type): what the execution
    port's leverage cache must agree with. A one-way account has one leverage, reported
    as both `long` and `short`."""

    symbol: str
    long: int
    short: int
    margin_type: str | None = None
    ts: int = 0
    local_ts: int = 0


class AccountSnapshot(msgspec.Struct, kw_only=True):
    venue: str
    balances: dict[str, Balance]
    positions: list[Position]
    open_orders: list[Order]
    capital: Decimal  # wallet balance in the settlement/quote asset
    equity: Decimal  # capital + unrealized pnl
    open_notional: Decimal
    ts: int = 0
    fills: list[Fill] = msgspec.field(default_factory=list)
