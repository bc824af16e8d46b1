"""BTCC trade API payloads into model objects (PROTOCOLS.md §6.3) [?]. Small pure
functions; order ids name what they stand for (`ids.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import msgspec

from tradeport.model import (
    AssetType,
    Balance,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
)
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc.ids import pending_order_id, position_order_id
from tradeport.venues.btcc.symbols import leverage_in_name

# `direction`: 1 buy, 2 sell (§6.3)
SIDES = {1: Side.BUY, 2: Side.SELL}
DIRECTIONS = {Side.BUY: 1, Side.SELL: 2}
LEGS = {1: PositionSide.LONG, 2: PositionSide.SHORT}
# pending order types that only close a position (§6.3)
CLOSING_TYPES = frozenset({3, 4, 5})
LIMIT_TYPES = frozenset({1, 3})


def parse_product(row: m.Product) -> Instrument:
    """A product of `/v1/config/symbollist`: `digits` price decimals, volumes in lots
    of `contract_size` base units (one coin per lot for the crypto perpetuals) [?]. No
    minimum order value is published."""
    return Instrument(
        symbol=f"{row.base_currency}-{row.profit_currency}",
        venue_symbol=row.name,
        asset_type=AssetType.SWAP,
        base=row.base_currency,
        quote=row.profit_currency,
        settle=row.profit_currency,
        tick_size=Decimal(1).scaleb(-row.digits),
        step_size=row.volumes_step,
        min_qty=row.volumes_min,
        max_qty=row.volumes_max,
        min_notional=Decimal(0),
        contract_size=row.contract_size,
        max_leverage=leverage_in_name(row.name),
    )


def parse_position(row: m.PositionRow, symbol: str) -> Position:
    """One BTCC position (one id) as a leg with its own leverage (`multiple`)."""
    return Position(
        symbol=symbol,
        position_side=LEGS[row.direction],
        qty=row.volume,
        entry_price=row.open_price,
        unrealized_pnl=row.profit,
        leverage=row.multiple,
        ts=row.open_time,
    )


def parse_pending(row: m.PendingRow, symbol: str, status_map: Mapping[str, str]) -> Order:
    """A pending order; a stop open, stop loss or take profit (types 2, 4, 5) is a
    market order waiting for its price. `raw["pending_type"]` keeps the venue's type."""
    filled = row.filled_volume
    return Order(
        symbol=symbol,
        client_order_id=row.refid or None,
        order_id=pending_order_id(row.id),
        side=SIDES[row.direction],
        type=OrderType.LIMIT if row.type in LIMIT_TYPES else OrderType.MARKET,
        time_in_force=None,
        price=row.request_price,
        qty=row.request_volume,
        filled_qty=filled,
        avg_price=row.filled_price if filled else None,
        status=OrderStatus(status_map.get(str(row.status), OrderStatus.UNKNOWN.value)),
        reduce_only=row.type in CLOSING_TYPES,
        # a close acts on the leg of the other direction
        position_side=LEGS[row.direction if row.type not in CLOSING_TYPES else 3 - row.direction],
        created_ts=row.create_time,
        updated_ts=row.update_time or row.create_time,
        raw={"pending_type": row.type, "positionid": row.positionid},
    )


def opened_order(row: m.PositionRow, symbol: str, qty: Decimal, cid: str) -> Order:
    """A market open: filled at once into position `row`."""
    return Order(
        symbol=symbol,
        client_order_id=cid,
        order_id=position_order_id(row.id),
        side=SIDES[row.direction],
        type=OrderType.MARKET,
        time_in_force=None,
        price=None,
        qty=qty,
        filled_qty=row.volume,
        avg_price=row.open_price,
        status=OrderStatus.FILLED,
        position_side=LEGS[row.direction],
        created_ts=row.open_time,
        updated_ts=row.open_time,
        raw={"position": msgspec.to_builtins(row)},  # the venue's answer, as sent
    )


def closed_order(
    closes: Sequence[m.CloseAnswer], symbol: str, side: Side, qty: Decimal, cid: str
) -> Order:
    """A market close of one or more positions: what they closed, at their mean price."""
    volume = sum((c.close_volume for c in closes), Decimal(0))
    value = sum((c.close_volume * c.close_price for c in closes), Decimal(0))
    first = closes[0].position
    return Order(
        symbol=symbol,
        client_order_id=cid,
        order_id=position_order_id(first.id, closing=True),
        side=side,
        type=OrderType.MARKET,
        time_in_force=None,
        price=None,
        qty=qty,
        filled_qty=volume,
        avg_price=value / volume if volume else None,
        status=OrderStatus.FILLED,
        reduce_only=True,
        position_side=LEGS[first.direction],
        raw={"closes": msgspec.to_builtins(list(closes))},  # the venue's answers, as sent
    )


def parse_balance(row: m.AccountRow) -> Balance:
    """The account's margin currency: free what is not held as margin [?]."""
    free = min(row.free_margin, row.balance)
    return Balance(asset=row.currency, free=free, locked=row.balance - free)
